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

import shapely

from safezone.domain.placenames import PlaceNames
from safezone.domain.settlements import SettlementIndex
from safezone.domain.zones import DIRECTIONS, AlertArea, AreaName

KM_PER_DEGREE = 111.2  # of latitude; longitude shrinks by the cosine


def name_areas(areas: Sequence[AlertArea], settlements: SettlementIndex,
               place_names: PlaceNames | None = None) -> list[AlertArea]:
    """Each area with its `naming` and its English `name`. Names are unique within a side and
    band (a message lists one band's areas together): a cell cut by a band edge keeps one name
    in both bands."""
    names = place_names or PlaceNames.empty()
    namings: list[AreaName] = []
    nearest = _nearest_settlements(areas, settlements)
    centroids = shapely.get_coordinates(shapely.centroid([a.geometry for a in areas])) if areas else []
    for i, area in enumerate(areas):
        if area.settlements:
            first = area.settlements[0]
            namings.append(AreaName(first.name, names.of(first.geonameid)))
        elif i in nearest:
            j = nearest[i]
            lon, lat = centroids[i]
            direction, km = _bearing(float(settlements.lon[j]), float(settlements.lat[j]), lon, lat)
            namings.append(AreaName(str(settlements.name[j]), names.of(int(settlements.geonameid[j])), near=True,
                                    direction=direction, distance_km=km))
        else:
            namings.append(AreaName("unnamed"))
    # A direction only where it tells areas apart; a number only where nothing else does.
    crowd = Counter((a.side, a.band, n.plain.label) for a, n in zip(areas, namings))
    namings = [n if crowd[(a.side, a.band, n.plain.label)] > 1 else n.plain for a, n in zip(areas, namings)]
    same = Counter((a.side, a.band, n.label) for a, n in zip(areas, namings))
    seen: Counter = Counter()
    named = []
    for area, naming in zip(areas, namings):
        key = (area.side, area.band, naming.label)
        if same[key] > 1:
            seen[key] += 1
            naming = replace(naming, number=seen[key])
        named.append(replace(area, name=naming.label, naming=naming))
    return named


def _nearest_settlements(areas: Sequence[AlertArea], settlements: SettlementIndex) -> dict[int, int]:
    """For each area without a settlement, the index of the settlement closest to its centre."""
    empty = [i for i, a in enumerate(areas) if not a.settlements]
    if not empty or not len(settlements):
        return {}
    centroids = shapely.centroid([areas[i].geometry for i in empty])
    lon, lat = shapely.get_coordinates(centroids).T
    pool = settlements.within_bounds(lon.min() - 1, lat.min() - 1, lon.max() + 1, lat.max() + 1)
    if not len(pool):
        return {}
    tree = shapely.STRtree(shapely.points(settlements.lon[pool], settlements.lat[pool]))
    _, found = tree.query_nearest(centroids, return_distance=False, all_matches=False)
    return {i: int(pool[j]) for i, j in zip(empty, found.tolist())}


def _bearing(from_lon: float, from_lat: float, to_lon: float, to_lat: float) -> tuple[str, int]:
    """The compass point (of eight) in which `to` lies seen from `from`, and how many km away
    (at least 1; a few km across, areas need no finer measure)."""
    east = (to_lon - from_lon) * math.cos(math.radians((from_lat + to_lat) / 2)) * KM_PER_DEGREE
    north = (to_lat - from_lat) * KM_PER_DEGREE
    bearing = math.degrees(math.atan2(east, north)) % 360
    return DIRECTIONS[int((bearing + 22.5) // 45) % 8], max(1, round(math.hypot(east, north)))
