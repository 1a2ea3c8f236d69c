"""Maps as inline SVG: self-contained, so a saved page opens with no network at all.

A plain equirectangular projection, with longitudes scaled by the cosine of the map's middle
latitude, is faithful enough for a region a few hundred km across and needs no library in the
page. Pan and zoom are a few lines of script in `map.js`.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Iterable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Shape:
    geometry: BaseGeometry
    fill: str = "none"
    stroke: str = "none"
    stroke_width: float = 0.5
    title: str = ""
    data: dict[str, str | int | float] = field(default_factory=dict)
    css_class: str = ""


@dataclass(frozen=True)
class Dot:
    """A point drawn as a small circle (a shelter, say), with a tooltip."""

    lon: float
    lat: float
    radius: float = 2.0
    fill: str = "#1565c0"
    title: str = ""


@dataclass(frozen=True)
class Label:
    lon: float
    lat: float
    text: str
    radius: float = 2.0


class Canvas:
    """Projects lon/lat into an SVG of `width` pixels across the given bounds."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int = 1000, margin: float = 0.02) -> None:
        minx, miny, maxx, maxy = bounds
        dx, dy = (maxx - minx) * margin, (maxy - miny) * margin
        self.minx, self.miny, self.maxx, self.maxy = minx - dx, miny - dy, maxx + dx, maxy + dy
        self.kx = math.cos(math.radians((self.miny + self.maxy) / 2))
        self.width = width
        self.scale = width / max((self.maxx - self.minx) * self.kx, 1e-9)
        self.height = int(math.ceil((self.maxy - self.miny) * self.scale))

    def xy(self, coords: np.ndarray) -> np.ndarray:
        x = (coords[:, 0] - self.minx) * self.kx * self.scale
        y = (self.maxy - coords[:, 1]) * self.scale
        return np.round(np.column_stack([x, y]), 1)

    def uncluttered(self, labels: list[Label], limit: int = 30, min_gap_px: float = 40.0) -> list[Label]:
        """The first `limit` labels (most important first) that keep clear of those already placed."""
        placed: list[tuple[Label, np.ndarray]] = []
        for label in labels:
            at = self.xy(np.array([[label.lon, label.lat]]))[0]
            if all(np.hypot(*(at - other)) >= min_gap_px for _, other in placed):
                placed.append((label, at))
            if len(placed) == limit:
                break
        return [label for label, _ in placed]

    def path(self, geometry: BaseGeometry) -> str:
        """SVG path data; rings become closed sub-paths (even-odd fill keeps holes empty)."""
        parts = []
        for part in shapely.get_parts(geometry):
            if part.geom_type == "Polygon":
                rings = [part.exterior, *part.interiors]
                for ring in rings:
                    parts.append(self._run(np.asarray(ring.coords)) + "Z")
            elif part.geom_type == "LineString":
                parts.append(self._run(np.asarray(part.coords)))
            else:
                for sub in shapely.get_parts(part):
                    parts.append(self.path(sub))
        return "".join(parts)

    def _run(self, coords: np.ndarray) -> str:
        xy = self.xy(coords)
        if len(xy) == 0:
            return ""
        points = " ".join(f"{x:g} {y:g}" for x, y in xy[1:])
        return f"M{xy[0, 0]:g} {xy[0, 1]:g}L{points}"


def _attributes(shape: Shape) -> str:
    attrs = [f'fill="{shape.fill}"', f'stroke="{shape.stroke}"', f'stroke-width="{shape.stroke_width:g}"']
    if shape.css_class:
        attrs.append(f'class="{html.escape(shape.css_class)}"')
    for key, value in shape.data.items():
        attrs.append(f'data-{key}="{html.escape(str(value))}"')
    return " ".join(attrs)


def render_svg(
    canvas: Canvas,
    layers: Iterable[tuple[str, Iterable[Shape]]],
    labels: Iterable[Label] = (),
    dots: Iterable[Dot] = (),
) -> str:
    """An <svg> element with one <g> per layer, then the dots, then the labels on top."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {canvas.width} {canvas.height}" '
        f'preserveAspectRatio="xMidYMid meet" fill-rule="evenodd" role="img">'
    ]
    for name, shapes in layers:
        out.append(f'<g class="layer-{html.escape(name)}">')
        for shape in shapes:
            d = canvas.path(shape.geometry)
            if not d:
                continue
            title = f"<title>{html.escape(shape.title)}</title>" if shape.title else ""
            out.append(f'<path d="{d}" {_attributes(shape)} vector-effect="non-scaling-stroke">{title}</path>')
        out.append("</g>")
    dots = list(dots)
    if dots:
        out.append('<g class="layer-dots">')
        xy = canvas.xy(np.array([[d.lon, d.lat] for d in dots]))
        for (x, y), dot in zip(xy, dots):
            title = f"<title>{html.escape(dot.title)}</title>" if dot.title else ""
            out.append(f'<circle cx="{x:g}" cy="{y:g}" r="{dot.radius:g}" fill="{dot.fill}">{title}</circle>')
        out.append("</g>")
    out.append('<g class="layer-labels">')
    for label in labels:
        (x, y), = canvas.xy(np.array([[label.lon, label.lat]]))
        text = html.escape(label.text)
        out.append(f'<circle cx="{x:g}" cy="{y:g}" r="{label.radius:g}"/><text x="{x + 3:g}" y="{y - 3:g}">{text}</text>')
    out.append("</g></svg>")
    return "".join(out)


def map_script() -> str:
    """Pan (drag) and zoom (wheel, buttons) for every svg.map on the page, no library needed."""
    return files("safezone.adapters.reports").joinpath("map.js").read_text(encoding="utf-8")
