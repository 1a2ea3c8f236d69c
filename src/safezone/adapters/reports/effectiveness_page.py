"""The warning-effectiveness report as one self-contained HTML page: headline figures first,
a map of the incidents coloured by verdict (inline SVG), lead time against time to shelter,
per band, per area and per week. No script or style is fetched from anywhere."""

from __future__ import annotations

import html

import shapely

from safezone.adapters.reports.exposure_page import STYLE
from safezone.adapters.reports.svgmap import Canvas, Dot, map_script, render_svg
from safezone.domain.effectiveness import VERDICTS, Counts, Figures

COLOURS = {"warned in time": "#1a9850", "warned late": "#fdae61", "not warned": "#d73027"}
MAX_DOTS = 5000  # a map of more dots says no more and weighs megabytes: the first ones are drawn
AREAS_SHOWN = 30
EXTRA_STYLE = ".bar{display:inline-block;height:14px}.scatter{width:100%;max-width:640px;background:#fff;border:1px solid #ddd}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.0f} %"


def render_effectiveness_page(report: Figures) -> str:
    title = "Warning effectiveness"
    period = f"{report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC"
    return "".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{title}</title><style>{STYLE}{EXTRA_STYLE}</style></head><body>",
        f"<header><h1>{title}, {html.escape(period)}</h1>{_headline(report)}</header>",
        "<main><div class='mapbox'>", _map(report),
        "<div class='map-controls'><button data-zoom='in'>+</button><button data-zoom='out'>−</button></div></div>",
        f"<aside>{_legend()}{_scatter(report)}</aside></main>",
        _table("Per band", "band", [(str(b) if b is not None else "outside the zones", c) for b, c in report.by_band.items()]),
        _table(f"Per area (the {AREAS_SHOWN} with most incidents)", "area",
               [(f"{name} ({a})", c) for a, (name, c) in list(report.by_area.items())[:AREAS_SHOWN]]),
        _table("Per week (Monday)", "week", [(w.isoformat(), c) for w, c in report.by_week.items()]),
        "<footer><b>How this is counted.</b> An incident is matched to the Actual alerts in force at its place and "
        "time (drills never). Lead time: from the moment the place came under the warning to the incident. Warned "
        "in time: lead time at least the area's time to shelter. An alert with no incident may be a false alarm, "
        "or a warning that was followed by nothing.</footer>",
        f"<script>{map_script()}</script></body></html>",
    ])


def _headline(report: Figures) -> str:
    total = report.total
    if total.total == 0:
        return "<p class='headline'>No incident was recorded in this period.</p>"
    counts = total.by_verdict
    median = "–" if report.median_lead_s is None else f"{report.median_lead_s:.0f} s"
    return (f"<p class='headline'><b>{_pct(total.share('warned in time'))}</b> of {total.total:,} incidents were "
            f"warned in time; {counts['warned late']:,} late, {counts['not warned']:,} not warned.</p>"
            f"<p class='sub'>Median lead time {median}. {report.alerts:,} Actual alerts, "
            f"{len(report.alerts_without_incident):,} with no incident.</p>")


def _legend() -> str:
    return "<div class='legend'>" + "".join(
        f"<span style='background:{COLOURS[v]}'></span>{v}" for v in VERDICTS) + "</div>"


def _map(report: Figures) -> str:
    shown = list(report.incidents)[:MAX_DOTS]
    if not shown:
        return "<p>No incident to show.</p>"
    points = shapely.points([(i.lon, i.lat) for i in shown])
    west, south, east, north = shapely.total_bounds(points)
    pad = 0.05
    canvas = Canvas((west - pad, south - pad, east + pad, north + pad))
    dots = [Dot(i.lon, i.lat, radius=3, fill=COLOURS[i.verdict],
                title=f"{i.occurred_at:%Y-%m-%d %H:%M} {i.kind}: {i.verdict}"
                      + (f", lead {i.lead_time_s:.0f} s" if i.lead_time_s is not None else "")
                      + (f", {i.time_to_shelter_s} s to shelter" if i.time_to_shelter_s is not None else ""))
            for i in shown]
    note = "" if len(report.incidents) <= MAX_DOTS else f"<p>The first {MAX_DOTS:,} incidents are drawn.</p>"
    return render_svg(canvas, [], (), dots) + note


def _scatter(report: Figures) -> str:
    """Lead time (x) against time to shelter (y): above the diagonal is late."""
    judged = [i for i in report.incidents if i.lead_time_s is not None and i.time_to_shelter_s is not None][:MAX_DOTS]
    size, pad = 300, 30
    top = max([120.0] + [float(i.time_to_shelter_s or 0) for i in judged] + [min(i.lead_time_s or 0, 3600.0) for i in judged])

    def scale(v: float) -> float:
        return pad + min(v, top) / top * (size - 2 * pad)

    out = [f"<div class='chart'><b>Lead time against time to shelter</b><svg class='scatter' viewBox='0 0 {size} {size}' "
           f"role='img'><line x1='{pad}' y1='{size - pad}' x2='{size - pad}' y2='{pad}' stroke='#999'/>",
           f"<text x='{pad}' y='{size - 8}' font-size='10'>lead time (s, to {top:.0f})</text>",
           f"<text x='4' y='{pad - 8}' font-size='10'>time to shelter (s)</text>"]
    for i in judged:
        out.append(f"<circle cx='{scale(i.lead_time_s or 0):.1f}' cy='{size - scale(float(i.time_to_shelter_s or 0)):.1f}' "
                   f"r='2.5' fill='{COLOURS[i.verdict]}'/>")
    out.append("</svg></div>")
    return "".join(out)


def _table(title: str, what: str, rows: list[tuple[str, Counts]]) -> str:
    head = "".join(f"<th>{v}</th>" for v in VERDICTS)
    body = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{c.total:,}</td>"
        + "".join(f"<td>{c.by_verdict[v]:,}</td>" for v in VERDICTS)
        + f"<td>{_pct(c.share('warned in time'))}</td></tr>" for label, c in rows)
    return (f"<section><h2>{html.escape(title)}</h2><table><tr><th>{what}</th><th>incidents</th>{head}"
            f"<th>in time</th></tr>{body}</table></section>")
