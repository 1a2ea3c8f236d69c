"""Alert-area names that read like places, in parts each language can word.

An area is named after its largest settlement, or, with none inside, "near" the closest one.
Names must tell the areas of one side and band apart. Many empty areas lie near the same village: those are
told apart by how far and in which direction they lie from it ("Tëtkino, 8 km south-west");
only areas that still read the same (several villages of one name) get a number ("Popivka,
area 2").
"""

from __future__ import annotations

import math
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


def name_areas(areas: Sequence[AlertArea], settlements: SettlementIndex,
               place_names: PlaceNames | None = None) -> list[AlertArea]:
    """Each area with its `naming` and its English `name` (see area_names)."""
    namings = area_names([a.side for a in areas], [a.band for a in areas], [a.geometry for a in areas],
                         [a.settlements for a in areas], settlements, place_names)
    return [replace(area, name=naming.label, naming=naming) for area, naming in zip(areas, namings)]


def area_names(sides: Sequence[str], bands: Sequence[int], geometries: Sequence[BaseGeometry],
               members: Sequence[Sequence[Settlement]], settlements: SettlementIndex,
               place_names: PlaceNames | None = None) -> list[AreaName]:
    """The name of each area, given as columns (side, band, shape, settlements inside, the
    largest first). Names are unique within a side and band (a message lists one band's areas
    together): a cell cut by a band edge keeps one name in both bands."""
    names = place_names or PlaceNames.empty()
    count = len(geometries)
    centroids = shapely.get_coordinates(shapely.centroid(np.asarray(geometries, dtype=object))) if count else np.empty((0, 2))
    empty = np.array([i for i in range(count) if not members[i]], dtype=np.int64)
    nearest = _nearest_settlements(centroids[empty], settlements)
    place = np.full(count, -1, dtype=np.int64)  # settlement index a near-name is made from
    place[empty] = nearest
    ids = [members[i][0].geonameid if members[i] else int(settlements.geonameid[place[i]]) if place[i] >= 0 else -1
           for i in range(count)]
    own_names = names.of_many(ids)
    namings: list[AreaName] = []
    for i in range(count):
        if members[i]:
            namings.append(AreaName(members[i][0].name, own_names[i]))
        elif place[i] >= 0:
            j = int(place[i])
            lon, lat = centroids[i]
            direction, km = _bearing(float(settlements.lon[j]), float(settlements.lat[j]), float(lon), float(lat))
            namings.append(AreaName(str(settlements.name[j]), own_names[i], near=True, direction=direction, distance_km=km))
        else:
            namings.append(AreaName("unnamed"))
    # A direction only where it tells areas apart; a number only where nothing else does.
    plain = [n.plain_label for n in namings]
    crowd = Counter(zip(sides, bands, plain))
    namings = [n if crowd[key] > 1 or not n.direction else n.plain for n, key in zip(namings, zip(sides, bands, plain))]
    labels = [n.label for n in namings]
    same = Counter(zip(sides, bands, labels))
    seen: Counter = Counter()
    for i, key in enumerate(zip(sides, bands, labels)):
        if same[key] > 1:
            seen[key] += 1
            namings[i] = replace(namings[i], number=seen[key])
    return namings


def _nearest_settlements(centroids: np.ndarray, settlements: SettlementIndex) -> np.ndarray:
    """For each point, the index of the closest settlement (-1 with none near)."""
    if not len(centroids) or not len(settlements):
        return np.full(len(centroids), -1, dtype=np.int64)
    lon, lat = centroids.T
    pool = settlements.within_bounds(lon.min() - 1, lat.min() - 1, lon.max() + 1, lat.max() + 1)
    if not len(pool):
        return np.full(len(centroids), -1, dtype=np.int64)
    tree = shapely.STRtree(shapely.points(settlements.lon[pool], settlements.lat[pool]))
    _, found = tree.query_nearest(shapely.points(lon, lat), return_distance=False, all_matches=False)
    return pool[found]


def _bearing(from_lon: float, from_lat: float, to_lon: float, to_lat: float) -> tuple[str, int]:
    """The compass point (of eight) in which `to` lies seen from `from`, and how many km away
    (at least 1; a few km across, areas need no finer measure)."""
    east = (to_lon - from_lon) * math.cos(math.radians((from_lat + to_lat) / 2)) * KM_PER_DEGREE
    north = (to_lat - from_lat) * KM_PER_DEGREE
    bearing = math.degrees(math.atan2(east, north)) % 360
    return DIRECTIONS[int((bearing + 22.5) // 45) % 8], max(1, round(math.hypot(east, north)))
