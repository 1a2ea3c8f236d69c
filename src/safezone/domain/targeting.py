"""Which subscriber points an alert covers: exact, vectorised, edges included.

A point on an area's edge (or on the line between two bands) is inside: a resident on the
boundary of a warned area is warned, never missed. Each area is tested on its own, as stored —
never a union of the areas, whose noding moves edges by a rounding error and would drop a point
lying exactly on an original edge. Points are sorted by longitude once; each area then looks
only at the slice within its bounding box (two binary searches and a latitude cut in numpy)
and tests those with shapely 2's vectorised `intersects_xy` on the prepared area.

Pure: numpy and shapely only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


# Up to this many points, an R-tree of the shapes answers in one call (points near a hexagon
# edge, or without a cell: a few per alert); more are sorted by longitude instead.
_FEW = 4096


def covered(shapes: Sequence[BaseGeometry], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A boolean mask over the points: True where a point lies inside or on the edge of any shape."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    mask = np.zeros(lon.shape, dtype=bool)
    if not len(shapes) or not lon.size:
        return mask
    shapes = np.asarray(shapes, dtype=object) if not isinstance(shapes, np.ndarray) else shapes
    if lon.size <= _FEW:
        pairs = shapely.STRtree(shapes).query(shapely.points(lon, lat), predicate="intersects")
        mask[pairs[0]] = True
        return mask
    bounds = shapely.bounds(shapes).reshape(-1, 4)
    order = np.argsort(lon, kind="stable")
    sorted_lon, sorted_lat = lon[order], lat[order]
    # Each shape's slice of the points by longitude; only shapes with some point in it are
    # looked at (an empty shape's bounds are NaN: its slice is empty).
    starts = np.searchsorted(sorted_lon, bounds[:, 0], side="left")
    stops = np.searchsorted(sorted_lon, bounds[:, 2], side="right")
    for k in np.flatnonzero(stops > starts).tolist():
        shape, south, north = shapes[k], bounds[k, 1], bounds[k, 3]
        start = int(starts[k])
        lats = sorted_lat[start:stops[k]]
        near = np.flatnonzero((lats >= south) & (lats <= north)) + start
        near = near[~mask[order[near]]]  # already inside another area: no need to look again
        if near.size:
            shapely.prepare(shape)
            hits = shapely.intersects_xy(shape, sorted_lon[near], sorted_lat[near])
            mask[order[near[hits]]] = True
    return mask
