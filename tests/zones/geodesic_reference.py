"""An independent measure of distance to a border: pyproj's geodesic to densified vertices."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


def densified_vertices(line) -> np.ndarray:
    """Border vertices about 20 m apart, so the nearest vertex is within 10 m of the nearest point."""
    return shapely.get_coordinates(shapely.segmentize(line, 0.0002))


def reference_km(border_vertices: np.ndarray, lon: float, lat: float) -> float:
    n = len(border_vertices)
    _, _, metres = GEOD.inv(np.full(n, lon), np.full(n, lat), border_vertices[:, 0], border_vertices[:, 1])
    return float(metres.min()) / 1000.0
