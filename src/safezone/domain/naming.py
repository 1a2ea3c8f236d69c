"""Alert-area names that read like places, in parts each language can word.

An area is named after its largest settlement, or, with none inside, "near" the closest one.
Names must tell the areas of one side and band apart. Many empty areas lie near the same village: those are
told apart by how far and in which direction they lie from it ("Tëtkino, 8 km south-west");
only areas that still read the same (several villages of one name) get a number ("Popivka,
area 2").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from safezone.domain.placenames import PlaceNames
from safezone.domain.settlements import SettlementIndex
from safezone.domain.zones import DIRECTIONS, AlertArea, AreaName, Settlement

KM_PER_DEGREE = 111.2  # of latitude; longitude shrinks by the cosine
# An area without a settlement is named after the closest within this many degrees of it.
NEAR_SEARCH_DEG = 1.0


def name_areas(areas: Sequence[AlertArea], settlements: SettlementIndex,
               place_names: PlaceNames | None = None) -> list[AlertArea]:
    """Each area with its `naming` and its English `name` (see area_names)."""
    namings = area_names([a.side for a in areas], [a.band for a in areas], [a.geometry for a in areas],
                         [a.settlements for a in areas], settlements, place_names)
    return [replace(area, name=naming.label, naming=naming) for area, naming in zip(areas, namings)]


def area_names(sides: Sequence[str], bands: Sequence[int], geometries: Sequence[BaseGeometry],
               members: Sequence[Sequence[Settlement]], settlements: SettlementIndex,
               place_names: PlaceNames | None = None, rows: np.ndarray | None = None) -> list[AreaName]:
    """The name of each area, given as columns (side, band, shape, settlements inside, the
    largest first). Names are unique within a side and band (a message lists one band's areas
    together): a cell cut by a band edge keeps one name in both bands. `rows` (ascending), when
    given, holds every settlement within NEAR_SEARCH_DEG of the areas: names look among them."""
    names = place_names or PlaceNames.empty()
    count = len(geometries)
    empty = np.array([i for i in range(count) if not members[i]], dtype=np.int64)
    # Only areas without a settlement are named from where they lie.
    centroids = np.full((count, 2), np.nan)
    if len(empty):
        centroids[empty] = shapely.get_coordinates(shapely.centroid(np.asarray(geometries, dtype=object)[empty]))
    source = np.full(count, -1, dtype=np.int64)  # the settlement a "near" name is made from
    source[empty] = _nearest_settlements(centroids[empty], settlements, rows)
    near = source >= 0
    directions, distances = _bearings(settlements.lon[source[near]], settlements.lat[source[near]], *centroids[near].T)
    direction: list[str | None] = [None] * count
    distance: list[int | None] = [None] * count
    for i, d, km in zip(np.flatnonzero(near).tolist(), directions.tolist(), distances.tolist()):
        direction[i], distance[i] = DIRECTIONS[d], km
    places = [m[0].name if m else str(settlements.name[j]) if j >= 0 else "unnamed" for m, j in zip(members, source.tolist())]
    own_names = names.of_many([m[0].geonameid if m else int(settlements.geonameid[j]) if j >= 0 else -1
                               for m, j in zip(members, source.tolist())])
    near_list = near.tolist()
    # A direction only where it tells areas apart; a number only where nothing else does.
    plain = [AreaName.english(p, n) for p, n in zip(places, near_list)]
    crowd = Counter(zip(sides, bands, plain))
    for i, key in enumerate(zip(sides, bands, plain)):
        if crowd[key] == 1:
            direction[i] = distance[i] = None
    labels = [AreaName.english(*parts) for parts in zip(places, near_list, direction, distance)]
    same = Counter(zip(sides, bands, labels))
    seen: Counter = Counter()
    number: list[int | None] = [None] * count
    for i, key in enumerate(zip(sides, bands, labels)):
        if same[key] > 1:
            seen[key] += 1
            number[i] = seen[key]
    return [AreaName(*fields) for fields in zip(places, own_names, near_list, direction, distance, number)]


def _nearest_settlements(centroids: np.ndarray, settlements: SettlementIndex, rows: np.ndarray | None) -> np.ndarray:
    """For each point, the index of the closest settlement (-1 with none near)."""
    if not len(centroids) or not len(settlements):
        return np.full(len(centroids), -1, dtype=np.int64)
    lon, lat = centroids.T
    reach = NEAR_SEARCH_DEG
    pool = settlements.within_bounds(lon.min() - reach, lat.min() - reach, lon.max() + reach, lat.max() + reach, rows)
    if not len(pool):
        return np.full(len(centroids), -1, dtype=np.int64)
    tree = shapely.STRtree(shapely.points(settlements.lon[pool], settlements.lat[pool]))
    _, found = tree.query_nearest(shapely.points(lon, lat), return_distance=False, all_matches=False)
    return pool[found]


def _bearings(from_lon: np.ndarray, from_lat: np.ndarray, to_lon: np.ndarray, to_lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The compass point (index in DIRECTIONS, of eight) in which each `to` lies seen from its
    `from`, and how many km away (at least 1; a few km across, areas need no finer measure)."""
    east = (to_lon - from_lon) * np.cos(np.radians((from_lat + to_lat) / 2)) * KM_PER_DEGREE
    north = (to_lat - from_lat) * KM_PER_DEGREE
    bearing = np.degrees(np.arctan2(east, north)) % 360
    return ((bearing + 22.5) // 45).astype(np.int64) % 8, np.maximum(1, np.rint(np.hypot(east, north))).astype(np.int64)
