"""The zone model: settlements, alert areas and the zone set a build produces.

Everything later (shelters, exposure, warnings, targeting) speaks in these terms. Geometries
are shapely objects in WGS 84 longitude/latitude (EPSG:4326).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from shapely.geometry.base import BaseGeometry

from safezone.domain.threats import Band


@dataclass(frozen=True)
class Settlement:
    """A populated place from GeoNames.

    `part_of` holds the id of the city a district belongs to: its people are already counted
    in that city's population, so they are never added again.
    """

    geonameid: int
    name: str
    lat: float
    lon: float
    population: int
    country: str
    part_of: int | None = None

    @property
    def counted_population(self) -> int:
        return 0 if self.part_of is not None else self.population


DIRECTIONS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


@dataclass(frozen=True)
class AreaName:
    """An area's name in parts, so that each language can put it into words (the message
    templates do) and it reads like a place: "Sumy", "near Sudzha", "Tëtkino, 8 km south-west",
    never an address like "near Tëtkino 2"."""

    place: str  # the settlement's name as GeoNames writes it
    names: tuple[tuple[str, str], ...] = ()  # (language, name) where the data has the place's own name
    near: bool = False  # no settlement inside: named after the closest one
    direction: str | None = None  # one of DIRECTIONS: where the area lies from that place...
    distance_km: int | None = None  # ...and how far, when several areas are near the same place
    number: int | None = None  # among areas of one side that would still read the same

    def place_in(self, language: str) -> str:
        """The place's name in `language` ("uk", "uk-UA"...), else as GeoNames writes it."""
        return dict(self.names).get(language.split("-")[0].lower(), self.place)

    @property
    def label(self) -> str:
        """The name in English, the default everywhere no language is asked for."""
        return self.english(self.place, self.near, self.direction, self.distance_km, self.number)

    @staticmethod
    def english(place: str, near: bool = False, direction: str | None = None, distance_km: int | None = None,
                number: int | None = None) -> str:
        """The English label of these parts (a build words thousands before it makes any name)."""
        if direction:
            text = f"{place}, {distance_km} km {direction}"
        else:
            text = f"near {place}" if near else place
        return text + (f", area {number}" if number else "")

    @property
    def plain(self) -> "AreaName":
        """The name without direction and distance: what areas near one place share."""
        return replace(self, direction=None, distance_km=None)


@dataclass(frozen=True)
class PopulationShare:
    """Some of one settlement's people, counted in one area, and the point they are judged from.

    A large settlement's people are spread over a disc and shared among the areas it covers
    (see safezone.domain.population); a small one's stay whole at its point.
    """

    geonameid: int
    people: int
    lat: float
    lon: float


@dataclass(frozen=True)
class AlertArea:
    """The smallest unit a warning targets: part of one band on one side, a few km across.

    `settlements` are the places whose points lie in the area (listed; the largest names it).
    `shares` say how many people the area counts and from which settlements; an area without
    them (built by hand, or stored before shares existed) counts its settlements at their points.
    """

    id: str
    name: str
    side: str
    band: int
    min_km: float
    max_km: float
    time_to_shelter_s: int
    geometry: BaseGeometry
    settlements: tuple[Settlement, ...] = ()
    shares: tuple[PopulationShare, ...] | None = None
    naming: AreaName | None = None  # the parts of `name`; None in zone sets stored before it existed

    @property
    def population(self) -> int:
        return sum(share.people for share in self.people())

    def people(self) -> tuple[PopulationShare, ...]:
        """Who the area counts, and where each share is judged from."""
        if self.shares is not None:
            return self.shares
        return tuple(
            PopulationShare(s.geonameid, s.counted_population, s.lat, s.lon) for s in self.settlements if s.counted_population
        )


def by_time_to_shelter(areas: Iterable[AlertArea]) -> dict[int, list[AlertArea]]:
    """Areas grouped by their time to shelter, the most urgent first, each group in the order
    given: areas with different times need different instructions."""
    groups: dict[int, list[AlertArea]] = {}
    for area in sorted(areas, key=lambda a: a.time_to_shelter_s):  # a stable sort
        groups.setdefault(area.time_to_shelter_s, []).append(area)
    return groups


@dataclass(frozen=True)
class Side:
    """One protected side of the border: a country code and its territory."""

    code: str
    name: str
    territory: BaseGeometry


@dataclass(frozen=True)
class BorderInput:
    """A border line and the territories protected on its side(s), all in lon/lat."""

    name: str
    line: BaseGeometry
    sides: tuple[Side, ...]


@dataclass
class ZoneSet:
    """The result of one build: bands, areas and what they were built from."""

    border_name: str
    border: BaseGeometry
    sides: tuple[Side, ...]
    bands: tuple[Band, ...]
    areas: list[AlertArea]
    parameters: dict = field(default_factory=dict)

    def areas_of(self, side: str | None = None, band: int | None = None) -> Iterable[AlertArea]:
        for area in self.areas:
            if (side is None or area.side == side) and (band is None or area.band == band):
                yield area


@dataclass(frozen=True)
class SummaryRow:
    side: str
    band: int
    band_label: str
    time_to_shelter_s: int
    areas: int
    settlements: int
    population: int


def summarise(zones: ZoneSet) -> list[SummaryRow]:
    """Per side and band: how many areas, settlements and people."""
    rows = []
    for side in zones.sides:
        for band in zones.bands:
            areas = list(zones.areas_of(side.code, band.index))
            rows.append(
                SummaryRow(
                    side=side.code,
                    band=band.index,
                    band_label=band.label,
                    time_to_shelter_s=band.time_to_shelter_s,
                    areas=len(areas),
                    settlements=sum(len(a.settlements) for a in areas),
                    population=sum(a.population for a in areas),
                )
            )
    return rows
