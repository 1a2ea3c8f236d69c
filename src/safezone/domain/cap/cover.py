"""Polygons that cover an alert area with a bounded number of points.

A warning polygon may only grow, never shrink: someone just inside the area's edge must still
be inside the CAP polygon. Plain simplification cuts corners inward, so we buffer outward by
a tolerance (around the outline or its convex hull), simplify, round to the written precision
and check that the result contains the original, doubling the tolerance until it does. The
bounding box is the last resort, and it always contains.
"""

from __future__ import annotations

from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon as ShapelyPolygon
from shapely.geometry.base import BaseGeometry

from safezone.domain.cap.model import Polygon

DECIMALS = 5  # about a metre: precise enough for a warning, short enough to send
MIN_POINTS = 5  # a closed ring of four corners, the fewest any covering can need


def covering_polygons(geometry: BaseGeometry, max_points: int = 100) -> tuple[Polygon, ...]:
    """One CAP polygon per part of `geometry` (lon/lat), each with at most `max_points`
    points counting the closing one, together covering all of it."""
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
    """The smaller of two coverings: one grown around the outline itself, one around its
    convex hull (better for ragged outlines, whose notches would otherwise need a big
    tolerance to smooth over)."""
    target = ShapelyPolygon(part.exterior)  # holes filled: a CAP polygon has none, and it may grow
    exact = _rounded(target)
    if _fits(exact, target, max_points):
        return exact
    hull = target.convex_hull
    candidates = [c for c in (_grow(target, target, max_points), _grow(hull, target, max_points)) if c]
    return min(candidates, key=lambda c: c.area) if candidates else _rounded_outward_box(target)


def _grow(shape: ShapelyPolygon, target: ShapelyPolygon, max_points: int) -> ShapelyPolygon | None:
    """Simplify, push outward by the tolerance, simplify again; double until it fits."""
    minx, miny, maxx, maxy = shape.bounds
    tolerance = max(maxx - minx, maxy - miny, 10 ** -DECIMALS) / 4096
    for _ in range(14):
        grown = shape.simplify(tolerance / 2).buffer(tolerance, join_style="mitre", mitre_limit=5.0)
        if isinstance(grown, ShapelyPolygon) and not grown.is_empty:
            candidate = _rounded(ShapelyPolygon(grown.exterior).simplify(tolerance / 2))
            if _fits(candidate, target, max_points):
                return candidate
        tolerance *= 2
    return None


def _fits(candidate: ShapelyPolygon, target: ShapelyPolygon, max_points: int) -> bool:
    return (
        candidate.is_valid
        and len(candidate.exterior.coords) <= max_points
        and candidate.covers(target)
    )


def _rounded(polygon: ShapelyPolygon) -> ShapelyPolygon:
    return ShapelyPolygon([(round(x, DECIMALS), round(y, DECIMALS)) for x, y in polygon.exterior.coords])


def _rounded_outward_box(target: ShapelyPolygon) -> ShapelyPolygon:
    step = 10 ** -DECIMALS
    minx, miny, maxx, maxy = target.bounds
    lo_x, lo_y = round(minx - step, DECIMALS), round(miny - step, DECIMALS)
    hi_x, hi_y = round(maxx + step, DECIMALS), round(maxy + step, DECIMALS)
    return ShapelyPolygon([(lo_x, lo_y), (hi_x, lo_y), (hi_x, hi_y), (lo_x, hi_y)])


def _to_cap(polygon: ShapelyPolygon) -> Polygon:
    """CAP order is latitude first; shapely's is x = longitude first."""
    return Polygon(tuple((y, x) for x, y in polygon.exterior.coords))
