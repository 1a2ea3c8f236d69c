"""The exposure report as one self-contained HTML page (no network needed to open it).

The first screen answers "how bad is it": one sentence with the people out of reach, a card
per side, the map coloured by coverage, and bars per band. The table below lists the worst
covered areas first.
"""

from __future__ import annotations

import html

import shapely

from safezone.adapters.reports.exposure_tables import MODEL
from safezone.adapters.reports.svgmap import Canvas, Dot, Label, Shape, map_script, render_svg
from safezone.adapters.reports.walking_chart import walking_chart
from safezone.adapters.reports.zones_page import seconds_label
from safezone.services.exposure import ExposureReport, Figures

# Coverage from none (dark red) to all (green), colour-blind-safe enough with the labels.
_STEPS = [(0.0, "#a50026"), (0.25, "#d73027"), (0.5, "#fc8d59"), (0.75, "#fee08b"), (0.9, "#91cf60"), (1.0, "#1a9850")]
NO_PEOPLE = "#d9d9d9"
ROWS_SHOWN = 60
LABELS_SHOWN = 25
MAX_SHELTER_DOTS = 5_000  # more would make the page slow to draw; the largest are shown
SHELTER_COLOUR = "#1565c0"


def coverage_colour(coverage: float | None) -> str:
    if coverage is None:
        return NO_PEOPLE
    colour = _STEPS[0][1]
    for threshold, step in _STEPS:
        if coverage >= threshold:
            colour = step
    return colour


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def _per_resident(figures: Figures) -> str:
    value = figures.capacity_per_resident
    return "–" if value is None else f"{value:.2f}"


STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:14px 22px;background:#263238;color:#fff}header h1{margin:0;font-size:20px}
.headline{font-size:26px;margin:6px 0 0;line-height:1.25}.sub{color:#cfd8dc;margin:6px 0 0}
main{display:flex;flex-wrap:wrap;gap:16px;padding:16px}
.mapbox{flex:3 1 560px;min-width:0;position:relative;background:#e8eef2;border:1px solid #ccc}
svg.map{width:100%;height:62vh;cursor:grab;touch-action:none}
svg.map text{font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px;fill:#111}
.map-controls{position:absolute;top:8px;right:8px;display:flex;gap:4px}.map-controls button{width:32px;height:32px}
aside{flex:1 1 340px;min-width:0}.cards{display:flex;gap:10px;flex-wrap:wrap}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;flex:1 1 140px}
.card b{display:block;font-size:24px}
.legend .dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin:0 4px 0 10px}
.legend span{display:inline-block;width:14px;height:14px;margin:0 4px 0 10px;vertical-align:middle;border:1px solid #999}
.chart{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin-top:12px}
.row{display:flex;align-items:center;gap:8px;margin:3px 0}.row .what{width:150px;font-size:13px}
.track{flex:1;background:#eee;height:16px;display:flex}.ok{background:#1a9850}.out{background:#d73027}
.row .num{width:90px;text-align:right;font-size:13px}
section{padding:0 16px 16px;overflow-x:auto}table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:4px 6px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th:nth-child(-n+3),td:nth-child(-n+3){text-align:left}
footer{padding:8px 22px 20px;color:#555;font-size:13px}
@media (max-width:600px){main{padding:8px}.headline{font-size:20px}.row .what{width:80px}}
"""


def render_exposure_page(report: ExposureReport) -> str:
    total = report.total
    zones = report.zones
    title = f"Shelter coverage, {zones.border_name} border"
    return "".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<header><h1>{html.escape(title)}</h1>{_headline(total, report)}</header>",
        "<main><div class='mapbox'>", _map(report),
        "<div class='map-controls'><button data-zoom='in'>+</button><button data-zoom='out'>−</button></div></div>",
        f"<aside>{_side_cards(report)}{_legend(report)}{_band_charts(report)}{walking_chart(report)}</aside></main>",
        _threat_table(report), _worst_table(report),
        f"<footer><b>How this is counted.</b> {html.escape(MODEL)} Walking speed {report.walking.speed_m_s:g} m/s, "
        f"detour factor {report.walking.detour_factor:g}. Zone set version {report.zone_set_version}, "
        f"report made {report.generated_at:%Y-%m-%d %H:%M} UTC.</footer>",
        f"<script>{map_script()}</script></body></html>",
    ])


def _headline(total: Figures, report: ExposureReport) -> str:
    if total.population == 0:
        return "<p class='headline'>No settlement with people lies in these zones.</p>"
    return (
        f"<p class='headline'><b>{total.unreached_population:,}</b> of {total.population:,} people in the zones "
        f"({_pct(1 - (total.coverage or 0))}) cannot reach a shelter within their time to shelter.</p>"
        f"<p class='sub'>With an early warning {report.lead_time_s / 60:g} min ahead: "
        f"{_pct(total.early_coverage)} can reach one. {total.shelters:,} shelters with {total.capacity:,} known places: "
        f"{_per_resident(total)} places per resident. {len(report.areas):,} alert areas.</p>"
    )


def _side_cards(report: ExposureReport) -> str:
    cards = []
    for side in report.zones.sides:
        figures = report.group(side.code, None).figures
        cards.append(
            f"<div class='card'>{html.escape(side.name)}<b>{_pct(figures.coverage)}</b>covered · "
            f"{figures.unreached_population:,} out of reach · {_per_resident(figures)} places/resident</div>"
        )
    return f"<div class='cards'>{''.join(cards)}</div>"


def _legend(report: ExposureReport) -> str:
    steps = "".join(f"<span style='background:{c}'></span>≥{t * 100:.0f} %" for t, c in _STEPS)
    count = len(report.shelters)
    which = f"the {MAX_SHELTER_DOTS:,} largest of {count:,} shelters" if count > MAX_SHELTER_DOTS else f"{count:,} shelters"
    return (f"<p class='legend'>Share who can reach a shelter in time: {steps}<span style='background:{NO_PEOPLE}'></span>"
            f"no people <i class='dot' style='background:{SHELTER_COLOUR}'></i>{which}</p>")


def _band_charts(report: ExposureReport) -> str:
    out = ["<div class='chart'><b>Population and coverage per band</b>"]
    largest = max((g.figures.population for g in report.groups if g.side and g.band is not None), default=0) or 1
    for band in report.zones.bands:
        early = report.group(None, band.index).figures.early_coverage
        out.append(f"<div><small>{html.escape(band.label)} from the border · time to shelter "
                   f"{seconds_label(band.time_to_shelter_s)} · {_pct(early)} with an early warning</small>")
        for side in report.zones.sides:
            f = report.group(side.code, band.index).figures
            ok = 100 * f.reachable_population / largest
            out_ = 100 * f.unreached_population / largest
            out.append(
                f"<div class='row'><span class='what'>{html.escape(side.name)}</span><span class='track'>"
                f"<span class='ok' style='width:{ok:.2f}%' title='{f.reachable_population:,} can reach a shelter'></span>"
                f"<span class='out' style='width:{out_:.2f}%' title='{f.unreached_population:,} cannot'></span></span>"
                f"<span class='num'>{_pct(f.coverage)} of {f.population:,}</span></div>"
            )
        out.append("</div>")
    out.append("<small><span style='color:#1a9850'>■</span> can reach a shelter in time "
               "<span style='color:#d73027'>■</span> cannot</small></div>")
    return "".join(out)


def _map(report: ExposureReport) -> str:
    zones = report.zones
    if not report.areas:
        return "<p>No alert areas.</p>"
    canvas = Canvas(tuple(shapely.total_bounds([a.area.geometry for a in report.areas])))
    sides = [Shape(s.territory, fill="#f4f4f0", stroke="#999", stroke_width=0.6) for s in zones.sides]
    areas = [
        Shape(a.area.geometry, fill=coverage_colour(a.figures.coverage), stroke="#fff", stroke_width=0.3,
              title=f"{a.area.name} ({a.area.id}): {_pct(a.figures.coverage)} of {a.figures.population:,} can reach a "
                    f"shelter in {seconds_label(a.area.time_to_shelter_s)}; {a.figures.shelters} shelters, "
                    f"{a.figures.capacity:,} places")
        for a in report.areas
    ]
    border = [Shape(zones.border, stroke="#000", stroke_width=1.5)]
    worst = [a for a in report.worst_first() if a.figures.unreached_population > 0]
    labels = canvas.uncluttered([Label(a.area.geometry.centroid.x, a.area.geometry.centroid.y, a.area.name) for a in worst],
                                limit=LABELS_SHOWN)
    view = shapely.box(canvas.minx, canvas.miny, canvas.maxx, canvas.maxy)
    shown = _shelters_shown(report, view)
    dots = [
        Dot(s.lon, s.lat, radius=1.6, fill=SHELTER_COLOUR,
            title=f"{s.name}: {'capacity unknown' if s.capacity is None else f'{s.capacity:,} places'}"
                  f"{', step-free' if s.accessible else ''}")
        for s in shown
    ]
    return render_svg(canvas, [("sides", sides), ("areas", areas), ("border", border)], labels, dots)


def _shelters_shown(report: ExposureReport, view) -> list:
    """The shelters on the map: all of them, or the largest MAX_SHELTER_DOTS when there are more."""
    inside = [s for s in report.shelters if view.contains(shapely.Point(s.lon, s.lat))]
    return sorted(inside, key=lambda s: -(s.capacity or 0))[:MAX_SHELTER_DOTS]


def _threat_table(report: ExposureReport) -> str:
    """Per threat class with an early warning: coverage within the time to shelter and with its own lead time."""
    if not report.by_threat:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(t.threat)}</td><td>{t.lead_time_s} s</td><td>{t.population:,}</td>"
        f"<td>{_pct(t.coverage)}</td><td>{_pct(t.early_coverage)}</td></tr>" for t in report.by_threat)
    head = ("<tr><th>threat class</th><th>early warning ahead</th><th>people in its reach</th>"
            "<th>covered in the time to shelter</th><th>covered with its early warning</th></tr>")
    return (f"<section><h2>With each class's early warning</h2><p>Each threat class that gives an early warning, "
            f"counted within its own lead time (threat-class file, early_warning_lead_s).</p>"
            f"<table>{head}{rows}</table></section>")


def _worst_table(report: ExposureReport) -> str:
    rows = []
    for a in report.worst_first()[:ROWS_SHOWN]:
        f = a.figures
        rows.append(
            f"<tr><td>{html.escape(a.area.name)}</td><td>{html.escape(a.area.side)}</td>"
            f"<td>{seconds_label(a.area.time_to_shelter_s)}</td><td>{f.population:,}</td><td>{f.unreached_population:,}</td>"
            f"<td>{_pct(f.coverage)}</td><td>{f.shelters:,}</td><td>{f.capacity:,}</td><td>{_per_resident(f)}</td></tr>"
        )
    head = ("<tr><th>alert area</th><th>side</th><th>time to shelter</th><th>people</th><th>out of reach</th>"
            "<th>covered</th><th>shelters</th><th>places</th><th>places / resident</th></tr>")
    shown = min(ROWS_SHOWN, len(report.worst_first()))
    return (f"<section><h2>Worst covered areas first</h2><p>The {shown} areas with the most people out of reach "
            f"(all areas are in the JSON and CSV files).</p><table>{head}{''.join(rows)}</table></section>")
