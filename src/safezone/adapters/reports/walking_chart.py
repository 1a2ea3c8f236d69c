"""A small inline-SVG chart of walking time to the nearest shelter: per band, the cumulative
share of people within 1, 3, 5 and 10 minutes, so a planner sees at a glance where shelters
would help most (a band whose curve stays low). No script, no external file."""

from __future__ import annotations

import html

from safezone.services.exposure import WALKING_MINUTES, ExposureReport

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 10, 10, 28
COLOURS = ("#d73027", "#fc8d59", "#91bfdb", "#4575b4", "#1a9850", "#762a83", "#999999")


def _x(minutes: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * minutes / WALKING_MINUTES[-1]


def _y(share: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - share)


def walking_chart(report: ExposureReport) -> str:
    """The chart, with a legend and each point's figure in its tooltip; empty bands are left out."""
    lines, legend = [], []
    for n, band in enumerate(report.zones.bands):
        figures = report.group(None, band.index).figures
        if figures.population == 0:
            continue
        colour = COLOURS[n % len(COLOURS)]
        points = [(0.0, 0.0)] + [(m, people / figures.population) for m, people in figures.within_minutes().items()]
        path = " ".join(f"{_x(m):.1f},{_y(s):.1f}" for m, s in points)
        dots = "".join(
            f"<circle cx='{_x(m):.1f}' cy='{_y(s):.1f}' r='3' fill='{colour}'><title>{html.escape(band.label)}: "
            f"{s * 100:.0f} % within {m:g} min</title></circle>" for m, s in points[1:])
        lines.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>{dots}")
        legend.append(f"<span style='color:{colour}'>■</span> {html.escape(band.label)} ")
    if not lines:
        return ""
    grid = "".join(
        f"<line x1='{LEFT}' x2='{WIDTH - RIGHT}' y1='{_y(s):.1f}' y2='{_y(s):.1f}' stroke='#ddd'/>"
        f"<text x='{LEFT - 4}' y='{_y(s) + 4:.1f}' text-anchor='end'>{s * 100:.0f} %</text>" for s in (0, 0.5, 1))
    ticks = "".join(f"<text x='{_x(m):.1f}' y='{HEIGHT - BOTTOM + 14}' text-anchor='middle'>{m}</text>"
                    for m in WALKING_MINUTES)
    return (
        "<div class='chart'><b>Walking time to the nearest shelter</b>"
        f"<svg class='walking' viewBox='0 0 {WIDTH} {HEIGHT}' role='img' font-size='10' "
        "aria-label='Share of people within 1, 3, 5 and 10 minutes walk of a shelter, per band'>"
        f"{grid}{ticks}<text x='{(LEFT + WIDTH) / 2:.0f}' y='{HEIGHT - 2}' text-anchor='middle'>minutes on foot</text>"
        f"{''.join(lines)}</svg><small>{''.join(legend)}(share of people, cumulative)</small></div>"
    )
