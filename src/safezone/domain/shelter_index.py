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

A query answers `/api/where` on the event loop, so its fixed costs count: the geodesic is
measured only where it can matter (the `limit` nearest by angle set the ball, then whatever else
lies in it), one point at a time when they are few (a call on arrays costs as much as eight
single ones), and the handful of candidates is ranked as Python numbers, not arrays.

A k-nearest query of the tree costs several times a ball query (its arguments go through numpy's
checks), so a query first tries a ball a little wider than the reach of the last answer for as
many items in the same neighbourhood (a cell of `GUESS_CELL_DEG`, else anywhere): shelters are
about as dense for people asking from one town. The ball settles the answer when the `limit` nearest inside it lie within its reach (nothing
outside it is that near) or when it reaches `max_km` already; otherwise, or when it holds too many
items to measure cheaply, the query goes the way above. Either way the answer is the same; the
guess only decides what it costs.
"""

from __future__ import annotations

import math
from typing import Generic, Sequence, TypeVar

import numpy as np
from scipy.spatial import cKDTree

from safezone.domain.shelters import geodesic_m, geodesic_one_m

# a (1 - e^2) of WGS 84: the smallest radius of curvature anywhere on the ellipsoid, in km.
MIN_RADIUS_KM = 6378.137 * (1.0 - 0.00669437999014)
# Rounding slack on the ball's angle: more candidates, never fewer.
ANGLE_SLACK = 1e-6
# Nearest by angle asked for at first: enough to settle most searches in one query.
CANDIDATES = 8
# Above this many points to measure at once, one call on arrays is cheaper than a call each.
ONE_BY_ONE = 12
# The first ball's reach: the last answer's reach (for as many items) times this.
WIDER = 1.3
# A first ball holding more items than this is given up for the k-nearest query (the guess was
# made where shelters are sparser).
BALL_MOST = 24
# The neighbourhoods whose last reach is kept (degrees; ~10 km), and how many at most.
GUESS_CELL_DEG = 0.1
MAX_GUESSES = 65_536

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
        # The same as Python numbers: one at a time, a list is read faster than an array.
        self._ids, self._lats, self._lons = self.ids.tolist(), self.lats.tolist(), self.lons.tolist()
        # The reach (km) of the first ball to try: the last answer's for as many items, wider,
        # by (limit, neighbourhood) and by limit alone (anywhere).
        self._near_km: dict[tuple[int, int, int], float] = {}
        self._last_km: dict[int, float] = {}

    def __len__(self) -> int:
        return len(self.items)

    def nearest(self, lat: float, lon: float, limit: int, max_km: float) -> list[tuple[Item, float]]:
        """Up to `limit` items nearest to the point by geodesic distance (metres), none farther
        than `max_km`; equal distances in order of id.

        One query of the `CANDIDATES` nearest by angle usually settles it: the geodesic to the
        `limit` nearest of them by angle bounds the answer's reach; when the farthest candidate
        lies beyond the ball of that reach, every item in the ball is among them already; only
        otherwise is the ball searched (a second query). Before that, a ball of the reach found
        last near here is tried (see the module's docstring)."""
        if self._tree is None or limit < 1:
            return []
        phi, lam = math.radians(lat), math.radians(lon)
        here = (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))
        cell = (limit, math.floor(lat / GUESS_CELL_DEG), math.floor(lon / GUESS_CELL_DEG))
        guess_km = self._near_km.get(cell) or self._last_km.get(limit)
        ranked = None if guess_km is None else self._in_ball(lat, lon, here, limit, max_km, min(guess_km, max_km))
        if ranked is None:
            ranked = self._searched(lat, lon, here, limit, max_km)
        # The next ball here: this answer's reach, a little wider; or, with fewer than `limit`
        # within max_km, a ball of max_km (it holds few items).
        reach_km = max(ranked[limit - 1][0] / 1000.0 * WIDER, 0.001) if len(ranked) >= limit else max_km
        if len(self._near_km) >= MAX_GUESSES:
            self._near_km = {}
        self._near_km[cell] = self._last_km[limit] = reach_km
        return [(self.items[i], metres) for metres, _, i in ranked[:limit]]

    def _in_ball(self, lat: float, lon: float, here: tuple[float, float, float], limit: int, max_km: float,
                 reach_km: float) -> list[tuple[float, int, int]] | None:
        """The answer ranked (metres, id, position), when the ball holding every item within
        `reach_km` settles it; None when it does not, or holds more than `BALL_MOST` items."""
        inside = self._tree.query_ball_point(here, _ball(reach_km), return_sorted=False)  # type: ignore[union-attr]
        if len(inside) > BALL_MOST:
            return None
        measured = self._measure(lat, lon, inside, {})
        limit_m = max_km * 1000.0
        ranked = sorted((metres, self._ids[i], i) for i in inside if (metres := measured[i]) <= limit_m)
        if len(ranked) >= limit:
            # Every item outside the ball is farther than reach_km: none is nearer than these.
            return ranked if ranked[limit - 1][0] <= reach_km * 1000.0 else None
        return ranked if reach_km >= max_km else None  # the ball holds all within max_km

    def _searched(self, lat: float, lon: float, here: tuple[float, float, float], limit: int,
                  max_km: float) -> list[tuple[float, int, int]]:
        """The answer ranked (metres, id, position), by the k nearest by angle and their ball."""
        k = min(max(limit, CANDIDATES), len(self.items))
        chords, first = self._tree.query(here, k=k)  # type: ignore[union-attr]
        chords, first = np.atleast_1d(chords).tolist(), np.atleast_1d(first).tolist()
        measured = self._measure(lat, lon, first[:limit], {})
        reach_km = max_km
        if limit <= k:  # `limit` items within this geodesic reach: the answer lies within it
            reach_km = min(max_km, max(measured.values()) / 1000.0)
        ball = _ball(reach_km)
        if k < len(self.items) and chords[-1] <= ball:  # the ball may hold more than these
            inside = self._tree.query_ball_point(here, ball, return_sorted=False)  # type: ignore[union-attr]
        else:  # beyond the ball an item is farther than `limit` others: never in the answer
            inside = [i for i, chord in zip(first, chords) if chord <= ball]
        measured = self._measure(lat, lon, inside, measured)
        limit_m = max_km * 1000.0
        return sorted((metres, self._ids[i], i) for i in inside if (metres := measured[i]) <= limit_m)

    def _measure(self, lat: float, lon: float, at: list[int], known: dict[int, float]) -> dict[int, float]:
        """`known` with the geodesic distance (metres) to each item at the positions `at`."""
        wanted = [i for i in at if i not in known]
        if len(wanted) > ONE_BY_ONE:
            known.update(zip(wanted, geodesic_m(lat, lon, self.lats[wanted], self.lons[wanted]).tolist()))
        else:
            lats, lons = self._lats, self._lons
            known.update((i, geodesic_one_m(lat, lon, lats[i], lons[i])) for i in wanted)
        return known


def _ball(reach_km: float) -> float:
    """The chord of a ball on the unit sphere holding every point within `reach_km` (geodesic)."""
    angle = min(math.pi, reach_km / MIN_RADIUS_KM * (1.0 + ANGLE_SLACK) + ANGLE_SLACK)
    return 2.0 * math.sin(angle / 2.0)
