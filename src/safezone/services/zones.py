"""Build the safety zones of a border, and answer "where am I?" against them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from safezone.domain.population import spread_population, spread_radius_km
from safezone.domain.settlements import KM_PER_DEGREE, SettlementIndex, estimated_radius_km
from safezone.domain.areas import TILE_DEG, cell_polygons, cell_size, clip_cells, covering_cells, first_holders, tile_cells
from safezone.domain.clipping import TileSet
from safezone.domain.errors import InputError
from safezone.domain.geodesy import BorderGeometry
from safezone.domain.naming import NEAR_SEARCH_DEG, area_names
from safezone.domain.placenames import PlaceNames
from safezone.domain.threats import Band, ThreatClass, derive_bands
from safezone.domain.zones import AlertArea, BorderInput, PopulationShare, Settlement, Side, ZoneSet

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
    size = cell_size(area_km)
    resolution = size.resolution
    progress("Measuring the border")
    geometry = BorderGeometry(border.line)
    check_sides_touch(geometry, border.sides)
    progress("Drawing distance bands")
    edges = sorted({b.min_km for b in bands} | {b.max_km for b in bands})
    buffers = {edge: geometry.buffer(edge) for edge in edges}
    outer = buffers[edges[-1]]
    cut = _cut(border.sides, bands, buffers, resolution, progress)
    progress("Placing settlements")
    near = TileSet.covering(outer, TILE_DEG)
    reach = _Reach.of(settlements, outer)
    # One scan of all settlements, for a box holding the others (names look up to NEAR_SEARCH_DEG
    # beyond the areas; a margin, for centroids a rounding beyond the bounds); each narrower box
    # looks among its rows.
    minx, miny, maxx, maxy = outer.bounds
    grow_x, grow_y = max(reach.dlon, NEAR_SEARCH_DEG + 0.1), max(reach.dlat, NEAR_SEARCH_DEG + 0.1)
    pool = settlements.within_bounds(minx - grow_x, miny - grow_y, maxx + grow_x, maxy + grow_y)
    members = _settlements_in(cut.geometries, settlements, outer, near, pool)
    shares = _shares(cut, border.sides, settlements, reach, pool, near, spread_radius_km(area_km))
    progress("Measuring distances")
    low, high = _distance_ranges(cut.geometries, cut.bands, geometry, bands)
    namings = area_names(cut.sides, cut.bands, cut.geometries, members, settlements, place_names, pool)
    times = [band.time_to_shelter_s for band in bands]
    # Zipped columns rather than indexed ones: a long border makes tens of thousands of areas.
    areas = [
        AlertArea(
            id=area_id,
            name=naming.label,
            side=side,
            band=band,
            min_km=lowest,
            max_km=highest,
            time_to_shelter_s=times[band],
            geometry=shape,
            settlements=inside,
            shares=share,
            naming=naming,
        )
        for area_id, naming, side, band, lowest, highest, shape, inside, share in zip(
            cut.ids, namings, cut.sides, cut.bands, low, high, cut.geometries, members, shares)
    ]
    return ZoneSet(
        border_name=border.name,
        border=border.line,
        sides=border.sides,
        bands=tuple(bands),
        areas=areas,
        parameters={
            "area_km": area_km,
            "h3_resolution": resolution,
            "cell_km": round(size.km, 2),  # the size used: the grid's step nearest area_km
            "threats": [t.name for t in threats],
            "border_length_km": round(geometry.length_km, 1),
        },
    )


@dataclass(frozen=True)
class _Cut:
    """The areas' shapes and keys, as columns: each area is made once, when all is known."""

    ids: list[str]
    sides: list[str]
    bands: list[int]
    geometries: np.ndarray


def _cut(sides: Sequence[Side], bands: Sequence[Band], buffers: dict[float, BaseGeometry], resolution: int,
         progress: Progress) -> _Cut:
    """Each side's bands cut into H3 cells, in order of side, band and cell."""
    outer = buffers[max(buffers)]
    ids: list[str] = []
    codes: list[str] = []
    indices: list[int] = []
    geometries: list[BaseGeometry] = []
    # A band's ring is the same on every side: drawn once, not once per side.
    rings = [shapely.difference(buffers[band.max_km], buffers[band.min_km]) for band in bands]
    for side in sides:
        progress(f"Cutting alert areas of {side.name}")
        territory = shapely.clip_by_rect(side.territory, *outer.bounds)
        cells = covering_cells(shapely.intersection(outer, territory), resolution)
        tiles = tile_cells(cells, cell_polygons(cells))
        for band, ring in zip(bands, rings):
            for cell, piece in clip_cells(tiles, shapely.intersection(ring, territory)):
                ids.append(f"{side.code}-{band.index}-{cell}")
                codes.append(side.code)
                indices.append(band.index)
                geometries.append(piece)
    shapes = np.empty(len(geometries), dtype=object)
    shapes[:] = geometries
    return _Cut(ids, codes, indices, shapes)


def _settlements_in(geometries: np.ndarray, settlements: SettlementIndex, outer: BaseGeometry,
                    near: TileSet, pool: np.ndarray) -> list[tuple[Settlement, ...]]:
    """Each area's settlements, the largest first: each settlement in exactly one area (the
    first whose closure holds its point). `near`: the tiles the zones reach into; `pool`: rows
    of settlements, ascending, holding all those within the outer edge's bounds."""
    candidates = settlements.within_bounds(*outer.bounds, rows=pool)
    candidates = candidates[near.holds(settlements.lon[candidates], settlements.lat[candidates])]
    points = shapely.points(settlements.lon[candidates], settlements.lat[candidates])
    point_index, area_index = first_holders(shapely.STRtree(geometries), points)
    chosen = candidates[point_index]
    order = np.lexsort((settlements.geonameid[chosen], -settlements.population[chosen].astype(np.int64), area_index))
    members: list[list[Settlement]] = [[] for _ in range(len(geometries))]
    for a, settlement in zip(area_index[order].tolist(), settlements.settlements(chosen[order])):
        members[a].append(settlement)
    return [tuple(m) for m in members]


@dataclass(frozen=True)
class _Reach:
    """How far beyond the outer edge a settlement's disc can reach into the zones."""

    dlon: float
    dlat: float
    window: tuple[float, float, float, float]  # the outer edge's bounds grown by that much

    @classmethod
    def of(cls, settlements: SettlementIndex, outer: BaseGeometry) -> "_Reach":
        """The reach of the largest counted settlement (plus 1 km), in degrees at the zones."""
        counted = settlements.part_of < 0
        reach_km = float(estimated_radius_km(np.max(settlements.population, where=counted, initial=0))) + 1.0
        minx, miny, maxx, maxy = outer.bounds
        dlat = reach_km / KM_PER_DEGREE
        dlon = dlat / math.cos(math.radians(min(89.0, max(abs(miny), abs(maxy)) + dlat)))
        return cls(dlon, dlat, (minx - dlon, miny - dlat, maxx + dlon, maxy + dlat))


def _shares(
    cut: _Cut, sides: Sequence[Side], settlements: SettlementIndex, reach: _Reach, pool: np.ndarray, near: TileSet,
    min_radius_km: float,
) -> list[tuple[PopulationShare, ...]]:
    """Each area's share of the people of the settlements whose disc (or point) it covers.
    `pool`: rows of settlements, ascending, holding all those in the reach's window."""
    if not cut.ids:
        return []
    window = reach.window
    # Settlements beyond the outer edge whose disc reaches into the zones count too.
    chosen = settlements.within_bounds(*window, rows=pool)
    chosen = chosen[settlements.part_of[chosen] < 0]
    chosen = chosen[near.grown(reach.dlon, reach.dlat).holds(settlements.lon[chosen], settlements.lat[chosen])]
    codes = [side.code for side in sides]
    shares = spread_population(
        cut.geometries,
        np.array([codes.index(code) for code in cut.sides]),
        [shapely.clip_by_rect(side.territory, *window) for side in sides],
        settlements.lon[chosen],
        settlements.lat[chosen],
        settlements.population[chosen],
        settlements.geonameid[chosen],
        min_radius_km,
    )
    per_area: list[list[PopulationShare]] = [[] for _ in cut.ids]
    order = np.lexsort((shares.geonameid, -shares.people, shares.area))
    columns = (shares.area[order], shares.geonameid[order], shares.people[order], shares.lat[order], shares.lon[order])
    for area, geonameid, people, lat, lon in zip(*(column.tolist() for column in columns)):
        per_area[area].append(PopulationShare(geonameid, people, lat, lon))
    return [tuple(p) for p in per_area]


def _distance_ranges(geometries: np.ndarray, band_of: Sequence[int], border: BorderGeometry,
                     bands: Sequence[Band]) -> tuple[list[float], list[float]]:
    """Each area's actual distance range, from its vertices, kept within its band."""
    if not len(geometries):
        return [], []
    coords, owner = shapely.get_coordinates(geometries, return_index=True)
    # Neighbouring cells share vertices: measure each distinct vertex once.
    unique, inverse = np.unique(np.ascontiguousarray(coords).view(np.complex128).ravel(), return_inverse=True)
    distances = border.distance_km(unique.real, unique.imag)[inverse.ravel()]
    starts = np.flatnonzero(np.diff(owner, prepend=-1))
    index = np.asarray(band_of)
    band_min = np.array([b.min_km for b in bands])[index]
    band_max = np.array([b.max_km for b in bands])[index]
    low = np.clip(np.minimum.reduceat(distances, starts), band_min, band_max)
    high = np.clip(np.maximum.reduceat(distances, starts), band_min, band_max)
    return _hundredths(low), _hundredths(high)


def _hundredths(values: np.ndarray) -> list[float]:
    """`[round(v, 2) for v in values]`, to the bit, without a call of round per area (a build
    rounds two figures of every area; round's exact decimal conversion was 2-3 % of a build).

    Away from a tie, Python rounds the exact value of v·100 to the nearest integer k and
    returns the double nearest k/100, which is what rint(v·100)/100 gives: the product's
    rounding error (< 1e-11 here) cannot carry it across a half. Values within 1e-6 of a half,
    and any too large for that bound to hold, are left to round itself."""
    scaled = values * 100
    found = (np.rint(scaled) / 100).tolist()
    with np.errstate(invalid="ignore"):  # inf - inf: such values go to round below
        fraction = scaled - np.floor(scaled)
    for i in np.flatnonzero((np.abs(fraction - 0.5) < 1e-6) | ~(np.abs(values) < 1e9)).tolist():
        found[i] = round(float(values[i]), 2)
    return found


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
    if not (math.isfinite(lat) and -90 <= lat <= 90):  # math, not numpy: a tenth of the cost per request
        raise InputError(f"latitude {lat} is outside -90…90", field="lat")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
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
