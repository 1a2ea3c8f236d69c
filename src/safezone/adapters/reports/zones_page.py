"""The zones as one self-contained HTML page: a map coloured by time to shelter, and the summary."""

from __future__ import annotations

import html
from datetime import datetime, timezone

import shapely

from safezone.adapters.reports.svgmap import Canvas, Label, Shape, map_script, render_svg
from safezone.domain.zones import SummaryRow, ZoneSet

# Sequential, colour-blind-safe steps: the less time, the darker and redder.
_PALETTE = ["#7f0000", "#b30000", "#d7301f", "#ef6548", "#fc8d59", "#fdbb84", "#fdd49e", "#fee8c8"]
LABELS_SHOWN = 30


def band_colours(times: list[int]) -> dict[int, str]:
    """One colour per distinct time to shelter, shortest time darkest."""
    distinct = sorted(set(times))
    step = max(1, len(_PALETTE) // max(1, len(distinct)))
    return {t: _PALETTE[min(i * step, len(_PALETTE) - 1)] for i, t in enumerate(distinct)}


def seconds_label(seconds: int) -> str:
    return "immediate" if seconds == 0 else f"{seconds} s"


STYLE = """
body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:12px 20px;background:#263238;color:#fff}
header h1{margin:0;font-size:20px} header p{margin:4px 0 0;color:#cfd8dc}
main{display:flex;flex-wrap:wrap;gap:16px;padding:16px}
.mapbox{flex:3 1 560px;min-width:0;position:relative;background:#dfe9f0;border:1px solid #ccc;min-height:420px}
svg.map{width:100%;height:72vh;cursor:grab;touch-action:none}
svg.map text{font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px;fill:#111}
svg.map .layer-areas path:hover{stroke:#000;stroke-width:2}
.map-controls{position:absolute;top:8px;right:8px;display:flex;gap:4px}
.map-controls button{width:32px;height:32px;font-size:18px}
aside{flex:1 1 320px;min-width:0;overflow-x:auto}
.figures{display:flex;gap:12px;flex-wrap:wrap}.figure{background:#fff;border:1px solid #ddd;padding:8px 12px;border-radius:6px}
.figure b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;background:#fff;margin-top:12px}th,td{padding:4px 6px;white-space:nowrap;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}.bar{display:inline-block;height:10px;background:#d7301f;vertical-align:middle}
.legend span{display:inline-block;width:14px;height:14px;margin-right:4px;vertical-align:middle;border:1px solid #999}
#info{background:#fff;border:1px solid #ddd;padding:8px 12px;border-radius:6px;margin-top:12px;min-height:3em}
footer{padding:8px 20px;color:#666;font-size:13px}
@media (max-width:600px){main{padding:8px}header h1{font-size:17px}}
"""

INFO_SCRIPT = """
document.querySelectorAll('.layer-areas path').forEach(function (p) {
  p.addEventListener('click', function () {
    var d = p.dataset;
    document.getElementById('info').innerHTML = '<b></b><br><span></span>';
    document.querySelector('#info b').textContent = d.name;
    document.querySelector('#info span').textContent = d.side + ' · ' + d.band + ' from the border · time to shelter ' +
      d.time + ' · ' + Number(d.population).toLocaleString() + ' people · ' + d.id;
  });
});
"""


def render_zones_page(zones: ZoneSet, summary: list[SummaryRow], sources: list[str]) -> str:
    outer = shapely.union_all([a.geometry for a in zones.areas]) if zones.areas else zones.border
    canvas = Canvas(outer.bounds)
    # Wider than the canvas: a wide window shows more than the zones' own box.
    view = shapely.box(canvas.minx, canvas.miny, canvas.maxx, canvas.maxy).buffer(max(canvas.maxx - canvas.minx, canvas.maxy - canvas.miny))
    colours = band_colours([b.time_to_shelter_s for b in zones.bands])
    side_names = {s.code: s.name for s in zones.sides}
    territories = [
        Shape(shapely.clip_by_rect(s.territory, *view.bounds), fill="#f5f5f0", stroke="#999", stroke_width=0.8)
        for s in zones.sides
        if not s.territory.is_empty
    ]
    areas = [
        Shape(
            a.geometry,
            fill=colours[a.time_to_shelter_s],
            stroke="#fff",
            stroke_width=0.3,
            title=f"{a.name} — {seconds_label(a.time_to_shelter_s)} to shelter, {a.population:,} people",
            data={
                "id": a.id,
                "name": a.name,
                "side": side_names.get(a.side, a.side),
                "band": zones.bands[a.band].label,
                "time": seconds_label(a.time_to_shelter_s),
                "population": a.population,
            },
        )
        for a in zones.areas
    ]
    border = [Shape(zones.border, stroke="#111", stroke_width=2.2)]
    biggest = sorted(
        (s for a in zones.areas for s in a.settlements if s.part_of is None),
        key=lambda s: -s.population,
    )[: LABELS_SHOWN * 3]
    labels = canvas.uncluttered([Label(s.lon, s.lat, s.name) for s in biggest])
    svg = render_svg(canvas, [("territories", territories), ("areas", areas), ("border", border)], labels)

    total = sum(r.population for r in summary)
    figures = [
        ("people in the zones", f"{total:,}"),
        ("alert areas", f"{len(zones.areas):,}"),
        ("border length", f"{zones.parameters.get('border_length_km', 0):,.0f} km"),
    ]
    for side in zones.sides:
        people = sum(r.population for r in summary if r.side == side.code)
        figures.append((f"people, {side.name}", f"{people:,}"))
    widest = max((r.population for r in summary), default=0) or 1
    rows = "".join(
        f"<tr><td>{html.escape(side_names.get(r.side, r.side))}</td><td>{html.escape(r.band_label)}</td>"
        f"<td>{seconds_label(r.time_to_shelter_s)}</td><td>{r.areas:,}</td><td>{r.settlements:,}</td>"
        f'<td>{r.population:,} <span class="bar" style="width:{60 * r.population / widest:.0f}px"></span></td></tr>'
        for r in summary
    )
    legend = " ".join(
        f'<span style="background:{colours[b.time_to_shelter_s]}"></span>{html.escape(b.label)}: '
        f"{seconds_label(b.time_to_shelter_s)}<br>"
        for b in zones.bands
    )
    figure_html = "".join(f'<div class="figure"><b>{v}</b>{html.escape(k)}</div>' for k, v in figures)
    title = f"Safety zones along the {zones.border_name} border"
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(title)}</title><style>{STYLE}</style></head>
<body><header><h1>{html.escape(title)}</h1>
<p>Distance bands and alert areas on each protected side, coloured by the time people have to reach shelter.</p></header>
<main><div class="mapbox">{svg}
<div class="map-controls"><button data-zoom="in" title="Zoom in">+</button><button data-zoom="out" title="Zoom out">−</button><button data-zoom="reset" title="Whole map">⟲</button></div></div>
<aside><div class="figures">{figure_html}</div>
<div class="legend"><h3>Time to shelter</h3>{legend}</div>
<div id="info">Click an area for its name, band, time to shelter and population.</div>
<table><thead><tr><th>Side</th><th>Band</th><th>Time</th><th>Areas</th><th>Settlements</th><th>Population</th></tr></thead>
<tbody>{rows}</tbody></table></aside></main>
<footer>Made {made}. Sources: {html.escape("; ".join(sources))}. Population counts a small settlement at its point and spreads a large one over a disc of its estimated radius; city districts are not counted twice.</footer>
<script>{map_script()}</script><script>{INFO_SCRIPT}</script></body></html>
"""
