"""Nearest open shelters from memory: exact, in tens of microseconds for 100,000 shelters.

The shelters are points on a unit sphere (from their latitude and longitude) in a k-d tree, so
the antimeridian and the poles need no special case. The tree only proposes candidates; the
WGS 84 geodesic decides, with ties broken by registry id, as the database search does
(`shelter_search.closest`), so both give the same answer.

Why the candidates are enough: on the ellipsoid a length element is at least `MIN_RADIUS_KM`
times the same element on the unit sphere with the same latitude and longitude (both radii of
curvature are at least a(1 − e²)), so a shelter within d km (geodesic) lies within a central
angle of d / MIN_RADIUS_KM. The k nearest by angle give a geodesic radius that must hold the k
nearest by geodesic; one ball query of that angle (with slack) finds every one of them. When
the first query already asked for more items than the answer needs and the farthest of them lies
outside that ball, the ball holds nothing else, and the second query is not needed.
"""

from __future__ import annotations

import math
from typing import Generic, Sequence, TypeVar

import numpy as np
from scipy.spatial import cKDTree

from safezone.domain.shelters import geodesic_m

# a (1 - e^2) of WGS 84: the smallest radius of curvature anywhere on the ellipsoid, in km.
MIN_RADIUS_KM = 6378.137 * (1.0 - 0.00669437999014)
# Rounding slack on the ball's angle: more candidates, never fewer.
ANGLE_SLACK = 1e-6
# Nearest by angle asked for at first: enough to settle most searches in one query.
CANDIDATES = 8

Item = TypeVar("Item")


def unit_vectors(lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Latitudes and longitudes (degrees) as points on the unit sphere, one row each."""
    phi, lam = np.radians(np.asarray(lats, dtype=float)), np.radians(np.asarray(lons, dtype=float))
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


class NearestIndex(Generic[Item]):
    """Items at points (e.g. the open shelters), for "the k nearest within max_km" (geodesic).

    Built once per registry change; queries only read it, so threads may share it."""

    def __init__(self, items: Sequence[Item], ids: Sequence[int], lats: Sequence[float], lons: Sequence[float]) -> None:
        self.items = tuple(items)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.lats = np.asarray(lats, dtype=float)
        self.lons = np.asarray(lons, dtype=float)
        if not (len(self.items) == len(self.ids) == len(self.lats) == len(self.lons)):
            raise ValueError("items, ids, lats and lons must have one entry each")
        self._tree = cKDTree(unit_vectors(self.lats, self.lons)) if len(self.items) else None

    def __len__(self) -> int:
        return len(self.items)

    def nearest(self, lat: float, lon: float, limit: int, max_km: float) -> list[tuple[Item, float]]:
        """Up to `limit` items nearest to the point by geodesic distance (metres), none farther
        than `max_km`; equal distances in order of id.

        One query of the `CANDIDATES` nearest by angle usually settles it: when the farthest of
        them lies beyond the ball that must hold the answer, every item in the ball is among
        them already; only otherwise is the ball searched (a second query and geodesic)."""
        if self._tree is None or limit < 1:
            return []
        phi, lam = math.radians(lat), math.radians(lon)
        here = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
        k = min(max(limit, CANDIDATES), len(self.items))
        chords, first = self._tree.query(here, k=k)
        chords, first = np.atleast_1d(chords), np.atleast_1d(first)
        distances = geodesic_m(lat, lon, self.lats[first], self.lons[first])
        reach_km = max_km
        if limit <= k:  # `limit` items within this geodesic reach: the answer lies within it
            reach_km = min(max_km, float(np.partition(distances, limit - 1)[limit - 1]) / 1000.0)
        angle = min(math.pi, reach_km / MIN_RADIUS_KM * (1.0 + ANGLE_SLACK) + ANGLE_SLACK)
        ball = 2.0 * math.sin(angle / 2.0)
        found = first
        if k < len(self.items) and chords[-1] <= ball:  # the ball may hold more than these
            found = np.asarray(self._tree.query_ball_point(here, ball, return_sorted=False), dtype=np.int64)
            if found.size == 0:
                return []
            distances = geodesic_m(lat, lon, self.lats[found], self.lons[found])
        keep = distances <= max_km * 1000.0
        found, distances = found[keep], distances[keep]
        order = np.lexsort((self.ids[found], distances))[:limit]
        return [(self.items[found[i]], float(distances[i])) for i in order]
