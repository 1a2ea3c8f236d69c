"""Polygons that cover an alert area with a bounded number of points.

A warning polygon may only grow, never shrink: someone just inside the area's edge must still
be inside the CAP polygon. Plain simplification cuts corners inward, so we try two coverings
and keep the smaller that fits: the outline buffered outward by a tolerance and simplified
(doubling, then bisecting, the tolerance), and tangent lines around the convex hull. Each is
rounded to the written precision and checked to contain the original. The bounding box is the
last resort, and it always contains.
"""

from __future__ import annotations

import math
from functools import lru_cache

from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry.base import BaseGeometry

from safezone.domain.cap.model import Polygon

DECIMALS = 5  # about a metre: precise enough for a warning, short enough to send
BISECTIONS = 6  # enough to land within about 1 % of the tightest tolerance that fits
MIN_POINTS = 5  # a closed ring of four corners, the fewest any covering can need


def covering_polygons(geometry: BaseGeometry, max_points: int = 100) -> tuple[Polygon, ...]:
    """One CAP polygon per part of `geometry` (lon/lat), each with at most `max_points`
    points counting the closing one, together covering all of it."""
    return _covering(geometry, max_points)


# An area's covering is computed again at preview, submit, approval and issue, and once per
# number of points a large alert tries: keep it (a zone set never changes an area's outline).
@lru_cache(maxsize=50_000)
def _covering(geometry: BaseGeometry, max_points: int) -> tuple[Polygon, ...]:
    if max_points < MIN_POINTS:
        raise ValueError(f"max_points must be at least {MIN_POINTS}")
    parts = _parts(geometry)
    if not parts:
        raise ValueError("the area has no polygonal extent to cover")
    return tuple(_to_cap(_cover_part(p, max_points)) for p in parts)


def _parts(geometry: BaseGeometry) -> list[ShapelyPolygon]:
    if isinstance(geometry, ShapelyPolygon):
        return [] if geometry.is_empty else [geometry]
    if isinstance(geometry, MultiPolygon):
        return [p for p in geometry.geoms if not p.is_empty]
    if hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in _parts(g)]
    return []


def _cover_part(part: ShapelyPolygon, max_points: int) -> ShapelyPolygon:
    """The smaller of two coverings: one grown around the outline itself (best for concave
    outlines), one of tangent lines around its convex hull (best for round or ragged ones)."""
    target = ShapelyPolygon(part.exterior)  # holes filled: a CAP polygon has none, and it may grow
    exact = _rounded(target)
    if _fits(exact, target, max_points):
        return exact
    hull = _supporting(target, max_points - 1)
    candidates = [c for c in (_grow(target, target, max_points), hull) if c is not None and _fits(c, target, max_points)]
    return min(candidates, key=lambda c: c.area) if candidates else _rounded_outward_box(target)


def _grow(shape: ShapelyPolygon, target: ShapelyPolygon, max_points: int) -> ShapelyPolygon | None:
    """Double the tolerance until the covering fits, then bisect back towards the smallest
    tolerance that still fits: a bigger tolerance means a looser covering."""
    minx, miny, maxx, maxy = shape.bounds
    low, high = 0.0, max(maxx - minx, maxy - miny, 10 ** -DECIMALS) / 4096
    best = None
    for _ in range(14):
        best = _attempt(shape, target, max_points, high)
        if best is not None:
            break
        low, high = high, high * 2
    if best is None:
        return None
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        found = _attempt(shape, target, max_points, middle)
        if found is None:
            low = middle
        else:
            best, high = found, middle
    return best


def _attempt(shape: ShapelyPolygon, target: ShapelyPolygon, max_points: int,
             tolerance: float) -> ShapelyPolygon | None:
    """Simplify, push outward by the tolerance, simplify again; None if it does not fit."""
    grown = shape.simplify(tolerance / 2).buffer(tolerance, join_style="mitre", mitre_limit=5.0)
    if not isinstance(grown, ShapelyPolygon) or grown.is_empty:
        return None
    candidate = _rounded(ShapelyPolygon(grown.exterior).simplify(tolerance / 2))
    return candidate if _fits(candidate, target, max_points) else None


def _supporting(target: ShapelyPolygon, corners: int) -> ShapelyPolygon | None:
    """The polygon cut out by `corners` tangent lines in evenly spaced directions: it holds
    the convex hull, so the area, and comes closest to it for round and ragged outlines."""
    points = list(target.convex_hull.exterior.coords)[:-1]
    if len(points) < 3:
        return None
    margin = 2 * 10 ** -DECIMALS  # rounding to DECIMALS can never cut inside this
    lines = []
    for i in range(corners):
        angle = 2 * math.pi * i / corners
        ux, uy = math.cos(angle), math.sin(angle)
        lines.append((ux, uy, max(x * ux + y * uy for x, y in points) + margin))
    vertices = []
    for (ax, ay, ah), (bx, by, bh) in zip(lines, lines[1:] + lines[:1]):
        det = ax * by - ay * bx
        vertices.append(((ah * by - ay * bh) / det, (ax * bh - ah * bx) / det))
    return _rounded(ShapelyPolygon(vertices))


def _fits(candidate: ShapelyPolygon, target: ShapelyPolygon, max_points: int) -> bool:
    return (
        candidate.is_valid
        and len(candidate.exterior.coords) <= max_points
        and candidate.covers(target)
    )


def _rounded(polygon: ShapelyPolygon) -> ShapelyPolygon:
    """Rounded to the written precision, without the repeated points rounding makes: some
    receivers reject a polygon with two equal consecutive vertices (a zero-length edge)."""
    points: list[tuple[float, float]] = []
    for x, y in polygon.exterior.coords:
        point = (round(x, DECIMALS), round(y, DECIMALS))
        if not points or point != points[-1]:
            points.append(point)
    return ShapelyPolygon(points) if len(points) >= 4 else ShapelyPolygon()


def _rounded_outward_box(target: ShapelyPolygon) -> ShapelyPolygon:
    step = 10 ** -DECIMALS
    minx, miny, maxx, maxy = target.bounds
    lo_x, lo_y = round(minx - step, DECIMALS), round(miny - step, DECIMALS)
    hi_x, hi_y = round(maxx + step, DECIMALS), round(maxy + step, DECIMALS)
    return ShapelyPolygon([(lo_x, lo_y), (hi_x, lo_y), (hi_x, hi_y), (lo_x, hi_y)])


def covering_fewer_points(polygon: Polygon, max_points: int) -> tuple[Polygon, ...]:
    """A CAP polygon again, with at most `max_points` points, still covering it all."""
    if len(polygon.points) <= max_points:
        return (polygon,)
    shape = ShapelyPolygon([(lon, lat) for lat, lon in polygon.points])
    return covering_polygons(shape if shape.is_valid else shape.convex_hull, max_points)


def _to_cap(polygon: ShapelyPolygon) -> Polygon:
    """CAP order is latitude first; shapely's is x = longitude first."""
    return Polygon(tuple((y, x) for x, y in polygon.exterior.coords))
