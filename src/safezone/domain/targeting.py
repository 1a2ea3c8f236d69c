"""Which subscriber points an alert covers: exact, vectorised, edges included.

A point on an area's edge (or on the line between two bands) is inside: a resident on the
boundary of a warned area is warned, never missed. The test is shapely 2's vectorised
`intersects_xy` on the prepared union of the alert's areas, after a bounding-box cut in numpy
that leaves most points of a national register out at the cost of two comparisons each.

Pure: numpy and shapely only.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


def covered(shapes: Sequence[BaseGeometry], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """A boolean mask over the points: True where a point lies inside or on the edge of any shape."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    mask = np.zeros(lon.shape, dtype=bool)
    if not len(shapes) or not lon.size:
        return mask
    union = shapely.union_all(list(shapes))
    if union.is_empty:
        return mask
    west, south, east, north = union.bounds
    near = (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)
    candidates = np.flatnonzero(near)
    if candidates.size:
        shapely.prepare(union)
        mask[candidates] = shapely.intersects_xy(union, lon[candidates], lat[candidates])
    return mask
