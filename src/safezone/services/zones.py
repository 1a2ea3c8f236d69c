"""Build the safety zones of a border, and answer "where am I?" against them."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from safezone.domain.population import spread_population, spread_radius_km
from safezone.domain.settlements import KM_PER_DEGREE, SettlementIndex, estimated_radius_km
from safezone.domain.areas import cell_polygons, clip_cells, covering_cells, first_holders, resolution_for, tile_cells
from safezone.domain.errors import InputError
from safezone.domain.geodesy import BorderGeometry
from safezone.domain.naming import name_areas
from safezone.domain.placenames import PlaceNames
from safezone.domain.threats import Band, ThreatClass, derive_bands
from safezone.domain.zones import AlertArea, BorderInput, PopulationShare, Side, ZoneSet

Progress = Callable[[str], None]

# A protected territory must come this close to the border line to be "on" it.
TOUCH_TOLERANCE_KM = 1.0
DEFAULT_AREA_KM = 7.0


def _quiet(_: str) -> None:
    pass


def check_sides_touch(border: BorderGeometry, sides: Sequence[Side]) -> None:
    """Refuse a protected territory that does not reach the border: its zones would be empty."""
    for side in sides:
        if side.territory.is_empty:
            raise InputError(f"the protected territory of side {side.code!r} is empty", field="territory")
        nearest = shapely.shortest_line(border.lonlat, side.territory)
        lon, lat = shapely.get_coordinates(nearest)[1]
        gap = float(border.distance_km(lon, lat)[0])
        if gap > TOUCH_TOLERANCE_KM:
            raise InputError(
                f"the protected territory of side {side.code!r} does not touch the border "
                f"(it stays {gap:.1f} km away)",
                field="territory",
            )


def build_zones(
    border: BorderInput,
    threats: Sequence[ThreatClass],
    settlements: SettlementIndex,
    *,
    area_km: float = DEFAULT_AREA_KM,
    band_edges_km: Sequence[float] | None = None,
    progress: Progress = _quiet,
    place_names: PlaceNames | None = None,
) -> ZoneSet:
    """Distance bands on each protected side, cut into named alert areas with their people.
    With `place_names`, area names also know their places' names in other languages."""
    bands = derive_bands(threats, band_edges_km)
    resolution = resolution_for(area_km)
    progress("Measuring the border")
    geometry = BorderGeometry(border.line)
    check_sides_touch(geometry, border.sides)
    progress("Drawing distance bands")
    edges = sorted({b.min_km for b in bands} | {b.max_km for b in bands})
    buffers = {edge: geometry.buffer(edge) for edge in edges}
    outer = buffers[edges[-1]]
    areas: list[AlertArea] = []
    for side in border.sides:
        progress(f"Cutting alert areas of {side.name}")
        territory = shapely.clip_by_rect(side.territory, *outer.bounds)
        cells = covering_cells(shapely.intersection(outer, territory), resolution)
        tiles = tile_cells(cells, cell_polygons(cells))
        for band in bands:
            ring = shapely.difference(buffers[band.max_km], buffers[band.min_km])
            for cell, piece in clip_cells(tiles, shapely.intersection(ring, territory)):
                areas.append(
                    AlertArea(
                        id=f"{side.code}-{band.index}-{cell}",
                        name="",
                        side=side.code,
                        band=band.index,
                        min_km=band.min_km,
                        max_km=band.max_km,
                        time_to_shelter_s=band.time_to_shelter_s,
                        geometry=piece,
                    )
                )
    progress("Placing settlements")
    areas = _with_settlements(areas, settlements, outer)
    areas = _with_people(areas, border.sides, settlements, outer, spread_radius_km(area_km))
    progress("Measuring distances")
    areas = _with_distances(areas, geometry, bands)
    areas = name_areas(areas, settlements, place_names)
    return ZoneSet(
        border_name=border.name,
        border=border.line,
        sides=border.sides,
        bands=tuple(bands),
        areas=areas,
        parameters={
            "area_km": area_km,
            "h3_resolution": resolution,
            "threats": [t.name for t in threats],
            "border_length_km": round(geometry.length_km, 1),
        },
    )


def _with_settlements(areas: list[AlertArea], settlements: SettlementIndex, outer: BaseGeometry) -> list[AlertArea]:
    """Put each settlement in exactly one area (the first whose closure holds its point)."""
    candidates = settlements.within_bounds(*outer.bounds)
    points = shapely.points(settlements.lon[candidates], settlements.lat[candidates])
    point_index, area_index = first_holders(shapely.STRtree([a.geometry for a in areas]), points)
    members: dict[int, list[int]] = {}
    for p, a in zip(point_index.tolist(), area_index.tolist()):
        members.setdefault(a, []).append(int(candidates[p]))
    updated = []
    for i, area in enumerate(areas):
        found = sorted(members.get(i, ()), key=lambda j: (-int(settlements.population[j]), int(settlements.geonameid[j])))
        updated.append(replace(area, settlements=tuple(settlements.settlement(j) for j in found)))
    return updated


def _with_people(
    areas: list[AlertArea], sides: Sequence[Side], settlements: SettlementIndex, outer: BaseGeometry, min_radius_km: float
) -> list[AlertArea]:
    """Each area's share of the people of the settlements whose disc (or point) it covers."""
    if not areas:
        return areas
    counted = settlements.part_of < 0
    # Settlements beyond the outer edge whose disc reaches into the zones count too.
    reach_km = float(estimated_radius_km(settlements.population[counted].max(initial=0))) + 1.0
    minx, miny, maxx, maxy = outer.bounds
    dlat = reach_km / KM_PER_DEGREE
    dlon = dlat / math.cos(math.radians(min(89.0, max(abs(miny), abs(maxy)) + dlat)))
    window = (minx - dlon, miny - dlat, maxx + dlon, maxy + dlat)
    chosen = settlements.within_bounds(*window)
    chosen = chosen[counted[chosen]]
    codes = [side.code for side in sides]
    shares = spread_population(
        [a.geometry for a in areas],
        np.array([codes.index(a.side) for a in areas]),
        [shapely.clip_by_rect(side.territory, *window) for side in sides],
        settlements.lon[chosen],
        settlements.lat[chosen],
        settlements.population[chosen],
        settlements.geonameid[chosen],
        min_radius_km,
    )
    per_area: dict[int, list[PopulationShare]] = {}
    order = np.lexsort((shares.geonameid, -shares.people, shares.area))
    for i in order.tolist():
        per_area.setdefault(int(shares.area[i]), []).append(
            PopulationShare(int(shares.geonameid[i]), int(shares.people[i]), float(shares.lat[i]), float(shares.lon[i]))
        )
    return [replace(area, shares=tuple(per_area.get(i, ()))) for i, area in enumerate(areas)]


def _with_distances(areas: list[AlertArea], border: BorderGeometry, bands: Sequence[Band]) -> list[AlertArea]:
    """Each area's actual distance range, from its vertices, kept within its band."""
    coords = [shapely.get_coordinates(a.geometry) for a in areas]
    if not coords:
        return areas
    flat = np.concatenate(coords)
    # Neighbouring cells share vertices: measure each distinct vertex once.
    unique, inverse = np.unique(flat, axis=0, return_inverse=True)
    distances = border.distance_km(unique[:, 0], unique[:, 1])[inverse.ravel()]
    bounds = np.cumsum([0] + [len(c) for c in coords])
    updated = []
    for area, start, stop in zip(areas, bounds[:-1], bounds[1:]):
        band = bands[area.band]
        low = float(np.clip(distances[start:stop].min(), band.min_km, band.max_km))
        high = float(np.clip(distances[start:stop].max(), band.min_km, band.max_km))
        updated.append(replace(area, min_km=round(low, 2), max_km=round(high, 2)))
    return updated


@dataclass(frozen=True)
class Location:
    """Where a point stands: its area (or none), distance to the border, time to shelter."""

    lat: float
    lon: float
    distance_km: float
    area: AlertArea | None

    @property
    def inside(self) -> bool:
        return self.area is not None

    @property
    def time_to_shelter_s(self) -> int | None:
        return self.area.time_to_shelter_s if self.area else None

    @property
    def side(self) -> str | None:
        return self.area.side if self.area else None

    @property
    def band(self) -> int | None:
        return self.area.band if self.area else None


def check_coordinates(lat: float, lon: float) -> None:
    if not (np.isfinite(lat) and -90 <= lat <= 90):
        raise InputError(f"latitude {lat} is outside -90…90", field="lat")
    if not (np.isfinite(lon) and -180 <= lon <= 180):
        raise InputError(f"longitude {lon} is outside -180…180", field="lon")


def locate(zones: ZoneSet, lat: float, lon: float, border: BorderGeometry | None = None) -> Location:
    """The area holding the point, if any, and the point's geodesic distance to the border."""
    check_coordinates(lat, lon)
    point = shapely.Point(lon, lat)
    tree = shapely.STRtree([a.geometry for a in zones.areas])
    hits = sorted(tree.query(point, predicate="intersects").tolist())
    area = zones.areas[hits[0]] if hits else None
    measure = border or BorderGeometry(zones.border)
    return Location(lat=lat, lon=lon, distance_km=float(measure.distance_km(lon, lat)[0]), area=area)
