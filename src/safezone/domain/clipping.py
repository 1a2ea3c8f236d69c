"""Cutting a large geometry into the parts that lie in many small boxes, in O(n log k).

A band along a border thousands of kilometres long is one polygon with tens of thousands of
vertices. Any overlay with it (a cell intersected with the band, a polygon fill) costs in
proportion to all of them, however small the other operand: done once per cell, the build
grows with the square of the border. Clipped to small boxes first, each piece holds only the
vertices near it. Clipping to each box straight from the whole would again cost n per box, so
the boxes are split in two halves again and again and the geometry is clipped to each half's
bounds on the way down: every level of the recursion touches each vertex about once.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

POLYGON, MULTIPOLYGON = 3, 6  # shapely.get_type_id of each
# A geometry of at most this many vertices is clipped to each of its boxes straight away: halving
# costs a level of Python per pair of halves, and pays only where clipping the whole geometry to
# every box would touch many more vertices (measured on four borders: 2,000-3,000 is the best).
DIRECT_VERTICES = 3000


def grid_boxes(bounds: tuple[float, float, float, float], size: float) -> np.ndarray:
    """Boxes (minx, miny, maxx, maxy) of a grid of `size` degrees aligned on multiples of `size`,
    covering `bounds`: the same tiles in every build, whatever the extent."""
    minx, miny, maxx, maxy = bounds
    xs = np.arange(math.floor(minx / size), math.floor(maxx / size) + 1) * size
    ys = np.arange(math.floor(miny / size), math.floor(maxy / size) + 1) * size
    x, y = np.meshgrid(xs, ys, indexing="ij")
    x, y = x.ravel(), y.ravel()
    return np.column_stack([x, y, x + size, y + size])


def clip_to_boxes(geometry: BaseGeometry, boxes: np.ndarray) -> np.ndarray:
    """The part of `geometry` inside each box (an empty geometry where there is none).

    Boxes may overlap. Clipping is GEOS's rectangle clipping: the part inside a box keeps the
    geometry's own vertices, plus new ones only on the box's edges.
    """
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    parts = np.empty(len(boxes), dtype=object)
    _clip(geometry, boxes, np.arange(len(boxes)), parts)
    return parts


def polygons_in_boxes(geometry: BaseGeometry, boxes: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """The polygonal part of `geometry` inside each box grown by `margin` (an empty polygon
    where there is none), ready for overlays, which refuse the lines clipping may leave."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4) + np.array([-1, -1, 1, 1]) * margin
    parts = clip_to_boxes(geometry, boxes)
    # Most parts are polygons already: only the others (and empty ones) need a look.
    odd = (shapely.get_type_id(parts) != POLYGON) | shapely.is_empty(parts)
    for index in np.flatnonzero(odd).tolist():
        parts[index] = polygonal(parts[index]) or shapely.Polygon()
    return parts


def _clip(geometry: BaseGeometry, boxes: np.ndarray, chosen: np.ndarray, parts: np.ndarray) -> None:
    if geometry.is_empty or len(chosen) <= 1 or shapely.get_num_coordinates(geometry) <= DIRECT_VERTICES:
        for index in chosen:
            parts[index] = geometry if geometry.is_empty else shapely.clip_by_rect(geometry, *boxes[index])
        return
    mine = boxes[chosen]
    centres = (mine[:, :2] + mine[:, 2:]) / 2
    # Halve along the longer side of the boxes' extent.
    spread = centres.max(axis=0) - centres.min(axis=0)
    axis = int(spread[1] > spread[0])
    order = chosen[np.argsort(centres[:, axis], kind="stable")]
    for half in (order[: len(order) // 2], order[len(order) // 2 :]):
        if len(half) == 1:  # the half's bounds are its box: clip once, not to the bounds and again to the box
            parts[half[0]] = shapely.clip_by_rect(geometry, *boxes[half[0]])
            continue
        extent = boxes[half]
        _clip(shapely.clip_by_rect(geometry, *extent[:, :2].min(axis=0), *extent[:, 2:].max(axis=0)), boxes, half, parts)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array, as np.unique(values) gives them.

    np.unique without return_index/inverse/counts asks np.ma whether the array is masked, and
    the first such call in a process imports numpy.ma (about 10 ms of CPU): a quarter of the
    build of a short border."""
    values = np.sort(np.asarray(values).ravel())
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    """The polygons of a geometry (clipping and overlays may add lines or points where edges
    touch), as a Polygon or MultiPolygon; None if it has none."""
    kind = shapely.get_type_id(geometry)
    if kind == POLYGON:  # the common case, kept as it is (a build asks this of every clipped tile)
        return None if geometry.is_empty else geometry
    parts = shapely.get_parts(geometry)
    while len(parts) and np.any(shapely.get_type_id(parts) > 3):  # multi-parts or collections inside
        parts = shapely.get_parts(parts)
    keep = (shapely.get_type_id(parts) == POLYGON) & ~shapely.is_empty(parts)
    found = parts[keep]
    if not len(found):
        return None
    if len(found) == 1:
        return found[0]
    return geometry if kind == MULTIPOLYGON and keep.all() else shapely.MultiPolygon(found)


class TileSet:
    """The tiles of a `size`-degree grid that a geometry reaches into: a cheap first test of
    whether a point can be near it, whose cost grows with the geometry, not its bounding box
    (the bounding box of a long diagonal border holds whole countries)."""

    def __init__(self, size: float, columns: np.ndarray, rows: np.ndarray) -> None:
        self.size = size
        self._keys = distinct(_tile_key(columns, rows))

    @classmethod
    def covering(cls, geometry: BaseGeometry, size: float) -> "TileSet":
        """The tiles holding some part of `geometry`, and their neighbours (a point on a tile
        edge belongs to one tile, the geometry it touches may lie in the other)."""
        if geometry.is_empty:
            return cls(size, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
        boxes = grid_boxes(geometry.bounds, size)
        boxes = boxes[~shapely.is_empty(clip_to_boxes(geometry, boxes))]
        keys = np.floor((boxes[:, :2] + size / 2) / size).astype(np.int64)
        return cls(size, keys[:, 0], keys[:, 1]).grown(size, size)

    def grown(self, dx_deg: float, dy_deg: float) -> "TileSet":
        """With every tile within `dx_deg` east or west and `dy_deg` north or south of one."""
        columns, rows = _tile_parts(self._keys)
        nx, ny = math.ceil(dx_deg / self.size), math.ceil(dy_deg / self.size)
        dx, dy = np.meshgrid(np.arange(-nx, nx + 1), np.arange(-ny, ny + 1), indexing="ij")
        return TileSet(self.size, (columns[:, None] + dx.ravel()).ravel(), (rows[:, None] + dy.ravel()).ravel())

    def holds(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Whether each point lies in one of the tiles."""
        columns = np.floor(np.asarray(lon, dtype=float) / self.size).astype(np.int64)
        rows = np.floor(np.asarray(lat, dtype=float) / self.size).astype(np.int64)
        keys = _tile_key(columns, rows)
        # The keys are sorted and distinct: a binary search (np.isin would sort them again).
        at = np.minimum(np.searchsorted(self._keys, keys), max(len(self._keys) - 1, 0))
        return self._keys[at] == keys if len(self._keys) else np.zeros(keys.shape, dtype=bool)


_ROWS = 1 << 20  # rows per column in a tile key; far more than a grid of the globe needs


def _tile_key(columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return np.asarray(columns, dtype=np.int64) * _ROWS + (np.asarray(rows, dtype=np.int64) + _ROWS // 2)


def _tile_parts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    columns = np.floor_divide(keys, _ROWS)
    return columns, keys - columns * _ROWS - _ROWS // 2
