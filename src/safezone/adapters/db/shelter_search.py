"""The geometry of nearest-shelter search, shared by the SQLite and PostGIS paths.

Both databases find candidates in lon/lat boxes and leave the final word to the WGS 84
geodesic (pyproj), so they give the same answer: degrees are never a distance. The boxes
are drawn wide enough that no shelter within the radius can fall outside them, and are split
at the antimeridian, so a point at 179.99°E finds the shelter at 179.99°W.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from safezone.domain.shelters import Shelter, geodesic_m

# A degree of latitude is shortest at the equator (110.574 km) and a degree of longitude at
# latitude φ is at least 111.320 km × cos φ on the ellipsoid: dividing by these never
# undersizes a box.
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320
# Rounding slack when a measured distance becomes the radius of the next search.
RADIUS_SLACK = 1e-9

Box = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat


@dataclass(frozen=True)
class NearbyShelter:
    shelter: Shelter
    geodesic_m: float


def boxes_around(lat: float, lon: float, radius_km: float) -> list[Box]:
    """Lon/lat boxes that together hold every point within `radius_km` (geodesic) of a point.

    One box, or two where the circle crosses the antimeridian; every longitude where it
    reaches a pole.
    """
    dlat = radius_km / KM_PER_DEGREE_LAT
    south, north = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    cos_lat = math.cos(math.radians(min(abs(lat) + dlat, 90.0)))
    if north >= 90.0 or south <= -90.0 or radius_km >= KM_PER_DEGREE_LON_AT_EQUATOR * 180.0 * cos_lat:
        return [(-180.0, south, 180.0, north)]
    dlon = radius_km / (KM_PER_DEGREE_LON_AT_EQUATOR * cos_lat)
    west, east = lon - dlon, lon + dlon
    boxes = [(max(west, -180.0), south, min(east, 180.0), north)]
    if west < -180.0:
        boxes.append((west + 360.0, south, 180.0, north))
    if east > 180.0:
        boxes.append((-180.0, south, east - 360.0, north))
    return boxes


def closest(candidates: Sequence[Shelter], lat: float, lon: float, radius_km: float, limit: int) -> list[NearbyShelter]:
    """The `limit` candidates nearest to the point (geodesic) within `radius_km`.

    Equal distances are ordered by registry id, so both databases break ties alike.
    """
    unique = list({s.id: s for s in candidates}.values())
    if not unique:
        return []
    distances = geodesic_m(lat, lon, np.array([s.lat for s in unique]), np.array([s.lon for s in unique]))
    order = np.lexsort((np.array([s.id or 0 for s in unique]), distances))
    return [NearbyShelter(unique[i], float(distances[i])) for i in order if distances[i] <= radius_km * 1000.0][:limit]


def reach_km(found: Sequence[Shelter], lat: float, lon: float, limit: int, max_km: float) -> float:
    """The radius that must hold the `limit` nearest shelters, given `limit` already found.

    Any `limit` shelters are at most as far as the farthest of them, so the true nearest ones
    lie within that distance (never beyond `max_km`, the limit of the search).
    """
    if len(found) < limit:
        return max_km
    distances = geodesic_m(lat, lon, np.array([s.lat for s in found]), np.array([s.lon for s in found]))
    return min(max_km, float(distances.max()) / 1000.0 * (1.0 + RADIUS_SLACK))
