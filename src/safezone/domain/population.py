"""Where a settlement's people are counted: over a disc of its estimated radius, not at its point.

A GeoNames settlement is one point, but a city spans kilometres (Kharkiv about 20 km across):
counted at its point, all 1.4 million people of Kharkiv would sit in one area of one band. So
each settlement large enough to matter is taken as a disc of its estimated radius (the radius
the district rule uses, safezone.domain.settlements.estimated_radius_km: uniform urban density)
centred on its point, and its people are shared among the alert areas of its own side in
proportion to the part of the disc each covers. The disc's part across the border (another
side's territory) or in the sea holds nobody: the shares are taken of the disc's part on the
settlement's own land, so a city on the border or the coast keeps all its people; the part on
its own land beyond the zones' outer edge lives outside the zones and is not counted.

People are whole: each settlement's shares are rounded by largest remainder, so they add up
exactly to its population (or, where part of it lies beyond the zones, to that part, rounded).
Small places (a radius below MIN_SPREAD_RADIUS_KM or a fraction of the area size) stay at
their point, counted in the area that holds it, as before: spreading them would change
nothing but the time a build takes.

Each share keeps a point to judge it from (exposure: can these people reach a shelter?): the
settlement's point for a small place, else the centroid of the disc's part in the area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from safezone.domain.areas import BOX_MARGIN_DEG, first_holders
from safezone.domain.clipping import polygons_in_boxes
from safezone.domain.settlements import KM_PER_DEGREE, estimated_radius_km

MIN_SPREAD_RADIUS_KM = 1.0
# ... or this fraction of the area size, whichever is larger: smaller discs barely cross an edge.
SPREAD_RADIUS_AREA_FRACTION = 0.15
DISC_VERTICES = 32
# A disc whose covered share is within this of its land counts as wholly inside the zones.
_WHOLE = 1 - 1e-9


@dataclass(frozen=True)
class Shares:
    """People per (area, settlement), flat and indexed alike."""

    area: np.ndarray  # index into the areas given
    geonameid: np.ndarray
    people: np.ndarray
    lon: np.ndarray  # where the share is judged from
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.area)


def spread_radius_km(area_km: float) -> float:
    """The radius from which a settlement is spread over a disc rather than kept at its point."""
    return max(MIN_SPREAD_RADIUS_KM, SPREAD_RADIUS_AREA_FRACTION * area_km)


def discs(lon: np.ndarray, lat: np.ndarray, radius_km: np.ndarray) -> np.ndarray:
    """Polygons (lon/lat) of circles of `radius_km` around the points, as local ellipses in degrees."""
    angles = np.linspace(0, 2 * np.pi, DISC_VERTICES + 1)
    angles[-1] = 0.0  # close the ring exactly
    dlat = (radius_km / KM_PER_DEGREE)[:, None]
    dlon = dlat / np.cos(np.radians(lat))[:, None]
    ring = np.stack([lon[:, None] + dlon * np.cos(angles), lat[:, None] + dlat * np.sin(angles)], axis=-1)
    return shapely.polygons(ring)


def spread_population(
    areas: Sequence[BaseGeometry],
    area_side: np.ndarray,
    lands: Sequence[BaseGeometry],
    lon: np.ndarray,
    lat: np.ndarray,
    people: np.ndarray,
    geonameid: np.ndarray,
    min_radius_km: float,
) -> Shares:
    """Each settlement's people shared among the areas (see module doc).

    `area_side[i]` is the index in `lands` of area i's side; `lands[k]` is side k's territory.
    Settlements with no people (districts) are skipped.
    """
    lon, lat, people, geonameid = (np.asarray(a) for a in (lon, lat, people, geonameid))
    area_side = np.asarray(area_side)
    areas = np.asarray(areas, dtype=object)
    keep = people > 0
    lon, lat, people, geonameid = lon[keep], lat[keep], people[keep], geonameid[keep]
    tree = shapely.STRtree(areas)
    radius = estimated_radius_km(people)
    side = np.full(len(lon), -1, dtype=np.int64)
    for k, land in enumerate(lands):
        shapely.prepare(land)
        side[(side < 0) & shapely.contains_xy(land, lon, lat)] = k
    wide = (radius >= min_radius_km) & (side >= 0)
    at_points = _at_points(tree, lon, lat, people, geonameid, ~wide)
    spread = _over_discs(tree, areas, area_side, lands, lon, lat, people, geonameid, radius, side, wide)
    return Shares(*(np.concatenate([a, b]) for a, b in zip(at_points, spread)))


def _at_points(tree, lon, lat, people, geonameid, chosen) -> tuple[np.ndarray, ...]:
    """Small places: all their people in the first area whose closure holds their point."""
    index = np.flatnonzero(chosen)
    point_index, area_index = first_holders(tree, shapely.points(lon[index], lat[index]))
    place = index[point_index]
    return area_index, geonameid[place], people[place], lon[place], lat[place]


def _over_discs(tree, areas, area_side, lands, lon, lat, people, geonameid, radius, side, chosen) -> tuple[np.ndarray, ...]:
    """Large places: their people shared by the area of their disc's part in each area."""
    index = np.flatnonzero(chosen)
    shapes = discs(lon[index], lat[index], radius[index])
    disc_index, area_index = tree.query(shapes, predicate="intersects")
    same_side = area_side[area_index] == side[index[disc_index]]
    disc_index, area_index = disc_index[same_side], area_index[same_side]
    pieces = shapely.intersection(shapes[disc_index], areas[area_index])
    piece_area = shapely.area(pieces)
    covered = np.bincount(disc_index, weights=piece_area, minlength=len(index))
    land = shapely.area(shapes)
    partial = np.flatnonzero(covered < _WHOLE * land)
    for k, territory in enumerate(lands):
        mine = partial[side[index[partial]] == k]
        # Each disc against the land near it: a side's territory may have 100,000 vertices.
        near = polygons_in_boxes(territory, shapely.bounds(shapes[mine]), BOX_MARGIN_DEG)
        land[mine] = shapely.area(shapely.intersection(shapes[mine], near))
    land = np.maximum(land, covered)
    inside = np.where(covered >= _WHOLE * land, 1.0, covered / np.where(land > 0, land, 1.0))
    target = np.rint(people[index] * inside).astype(np.int64)
    exact = people[index][disc_index] * piece_area / land[disc_index]
    shares = _largest_remainder(exact, disc_index, target)
    centres = shapely.get_coordinates(shapely.centroid(pieces))
    keep = shares > 0
    place = index[disc_index[keep]]
    return area_index[keep], geonameid[place], shares[keep], centres[keep, 0], centres[keep, 1]


def _largest_remainder(exact: np.ndarray, group: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Whole numbers near `exact` whose sum per group is exactly `target[group]`."""
    whole = np.floor(exact).astype(np.int64)
    missing = target - np.bincount(group, weights=whole, minlength=len(target)).astype(np.int64)
    order = np.lexsort((-(exact - whole), group))
    starts = np.searchsorted(group[order], group[order], side="left")
    rank = np.arange(len(order)) - starts
    whole[order] += rank < missing[group[order]]
    return whole
