"""Exposure: per alert area, band and side — people, shelters, capacity, and who can reach one in time.

Model (documented in the report too):
- A small settlement's people are counted at its point (GeoNames coordinates); a large one's
  are spread over a disc of its estimated radius and shared among the areas the disc covers
  (see safezone.domain.population). City districts count nothing of their own: their people
  are inside their city's figure (see Settlement).
- Each share of people "can reach a shelter in time" when some shelter (of any area, even
  across an area edge) lies within walking reach of the share's point — the settlement's point,
  or for a spread city the centre of its disc's part in the area: geodesic distance × detour
  factor ≤ the area's time to shelter × walking speed (see WalkingModel). A coarse model, honest
  about being one. Immediate areas (0 s) have no walking reach.
- Reach ignores capacity; capacity per resident is reported beside it, so a full shelter
  next door still shows as a capacity shortfall. Unknown capacities add nothing.
- A shelter counts in the area whose polygon holds it.
- With stages, people have more than their time to shelter when an early warning comes first:
  coverage is also given within the time to shelter plus the early warning's lead time
  (`lead_time_s`, the minutes an early warning comes before the alarm), and per threat class
  that uses an early warning, within its own configured lead time (`early_warning_lead_s` in
  the threat-class file), over the areas the class reaches. And since a planner
  needs more than "0 % in 15 s", each share's walking time to its nearest shelter is measured:
  the report says who is within 1, 3, 5 and 10 minutes (cumulative), per area, band and side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping, Sequence

import numpy as np
import shapely
from scipy.spatial import cKDTree

from safezone.adapters.config.threats import ThreatConfig
from safezone.adapters.db import Database, UnitOfWork
from safezone.domain.errors import InputError
from safezone.domain.shelters import Shelter, WalkingModel, geodesic_m
from safezone.domain.stages import DEFAULT_EARLY_WARNING_LEAD_S
from safezone.domain.zones import AlertArea, ZoneSet

EARTH_RADIUS_M = 6_371_008.8
# The sphere's chord underestimates ellipsoidal distance by under 0.5 %: widen the candidate
# search by more than that, then decide on the exact geodesic distance.
CANDIDATE_MARGIN = 1.01
# An early warning comes minutes before the alarm: without a configured one, the report counts
# the stages' conservative default (see domain.stages).
DEFAULT_LEAD_TIME_S = DEFAULT_EARLY_WARNING_LEAD_S
# Walking-time bands of the distribution, in minutes, cumulative: "within 1 minute", "within 3"...
WALKING_MINUTES = (1, 3, 5, 10)


def share(part: int, whole: int) -> float | None:
    """part / whole; None where nobody lives, which is not 0 % covered."""
    return None if whole == 0 else part / whole


@dataclass(frozen=True)
class Figures:
    """The sums every row of the report shows, for one area or a group of them."""

    settlements: int = 0
    population: int = 0
    shelters: int = 0
    capacity: int = 0
    unknown_capacity: int = 0  # shelters whose capacity is not recorded
    reachable_population: int = 0
    early_reachable_population: int = 0  # within the time to shelter plus the early warning's lead time
    within_1_min: int = 0  # people whose nearest shelter is at most 1 minute's walk away
    within_3_min: int = 0
    within_5_min: int = 0
    within_10_min: int = 0

    @property
    def early_coverage(self) -> float | None:
        """Share of the population that can reach a shelter when an early warning came first."""
        return share(self.early_reachable_population, self.population)

    def within_minutes(self) -> dict[int, int]:
        """People within each walking time of a shelter (cumulative), by minutes."""
        return {m: getattr(self, f"within_{m}_min") for m in WALKING_MINUTES}

    @property
    def capacity_per_resident(self) -> float | None:
        return share(self.capacity, self.population)

    @property
    def coverage(self) -> float | None:
        """Share of the population that can reach a shelter in time."""
        return share(self.reachable_population, self.population)

    @property
    def unreached_population(self) -> int:
        return self.population - self.reachable_population

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(a + b for a, b in zip(self._values(), other._values())))

    def _values(self) -> tuple[int, ...]:
        return (self.settlements, self.population, self.shelters, self.capacity, self.unknown_capacity,
                self.reachable_population, self.early_reachable_population, self.within_1_min, self.within_3_min,
                self.within_5_min, self.within_10_min)


@dataclass(frozen=True)
class ThreatCoverage:
    """One threat class with an early warning: over the areas it reaches, who can reach a shelter
    within the time to shelter, and within it plus the class's own lead time."""

    threat: str
    lead_time_s: int
    population: int = 0
    reachable_population: int = 0
    early_reachable_population: int = 0

    @property
    def coverage(self) -> float | None:
        return share(self.reachable_population, self.population)

    @property
    def early_coverage(self) -> float | None:
        return share(self.early_reachable_population, self.population)


@dataclass(frozen=True)
class AreaExposure:
    area: AlertArea
    figures: Figures


@dataclass(frozen=True)
class GroupExposure:
    """A (side, band) group; `side` or `band` None means all of them."""

    side: str | None
    band: int | None
    time_to_shelter_s: int | None
    figures: Figures


@dataclass
class ExposureReport:
    zones: ZoneSet
    zone_set_version: int | None
    walking: WalkingModel
    areas: list[AreaExposure]
    groups: list[GroupExposure]
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    shelters: Sequence[Shelter] = ()
    lead_time_s: int = DEFAULT_LEAD_TIME_S
    by_threat: list[ThreatCoverage] = field(default_factory=list)  # classes with an early warning, by name

    @property
    def total(self) -> Figures:
        return sum((a.figures for a in self.areas), Figures())

    def worst_first(self) -> list[AreaExposure]:
        """Areas with people, the most people out of reach first, then the lowest coverage."""
        with_people = [a for a in self.areas if a.figures.population > 0]
        return sorted(with_people, key=lambda a: (-a.figures.unreached_population, a.figures.coverage or 0.0, a.area.id))

    def group(self, side: str | None, band: int | None) -> GroupExposure:
        return next(g for g in self.groups if g.side == side and g.band == band)


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


class ShelterIndex:
    """Shelter points, searchable by distance (k-d tree on the unit sphere, exact check after)."""

    def __init__(self, shelters: Sequence[Shelter]) -> None:
        self.lat = np.array([s.lat for s in shelters], dtype=float)
        self.lon = np.array([s.lon for s in shelters], dtype=float)
        self.capacity = np.array([s.capacity or 0 for s in shelters], dtype=np.int64)
        self.known = np.array([s.capacity is not None for s in shelters], dtype=bool)
        self._tree = cKDTree(_unit_vectors(self.lat, self.lon)) if shelters else None

    def __len__(self) -> int:
        return len(self.lat)

    def any_within(self, lat: float, lon: float, radius_m: float) -> bool:
        """Is some shelter within `radius_m` (geodesic) of the point?"""
        if self._tree is None or radius_m <= 0:
            return False
        chord = 2 * np.sin(min(radius_m * CANDIDATE_MARGIN / EARTH_RADIUS_M, np.pi) / 2)
        candidates = self._tree.query_ball_point(_unit_vectors(np.array([lat]), np.array([lon]))[0], chord)
        if not candidates:
            return False
        idx = np.asarray(candidates)
        return bool((geodesic_m(lat, lon, self.lat[idx], self.lon[idx]) <= radius_m).any())

    def nearest_m(self, lat: float, lon: float) -> float:
        """Geodesic distance to the nearest shelter (inf without shelters): the sphere's nearest,
        then every shelter within the margin of it, decided on the exact distance."""
        if self._tree is None:
            return math.inf
        point = _unit_vectors(np.array([lat]), np.array([lon]))[0]
        chord, _ = self._tree.query(point)
        candidates = self._tree.query_ball_point(point, chord * CANDIDATE_MARGIN + 1e-12)
        idx = np.asarray(candidates)
        return float(geodesic_m(lat, lon, self.lat[idx], self.lon[idx]).min())


def compute_exposure(
    zones: ZoneSet, shelters: Sequence[Shelter], walking: WalkingModel = WalkingModel(), zone_set_version: int | None = None,
    lead_time_s: int = DEFAULT_LEAD_TIME_S, lead_times: Mapping[str, int] | None = None,
) -> ExposureReport:
    """The exposure figures of a zone set against a list of shelters (see the module docstring);
    `lead_times` gives, per threat class with an early warning, its lead time in seconds."""
    for seconds in (lead_time_s, *(lead_times or {}).values()):
        check_lead_time(seconds)
    index = ShelterIndex(shelters)
    in_area = _shelters_per_area(zones.areas, index)
    reached_by = {b.index: {name for name, _ in b.seconds_by_threat} for b in zones.bands}
    per_threat = {name: ThreatCoverage(name, lead) for name, lead in sorted((lead_times or {}).items())}
    areas = []
    for position, area in enumerate(zones.areas):
        members = in_area.get(position, np.zeros(0, dtype=int))
        reach_m = walking.reach_geodesic_m(area.time_to_shelter_s)
        shares = area.people()
        reachable = sum(share.people for share in shares if index.any_within(share.lat, share.lon, reach_m))
        walk_s = [(share.people, walking.walking_s(index.nearest_m(share.lat, share.lon))) for share in shares]
        within = {f"within_{m}_min": sum(p for p, s in walk_s if s <= 60 * m) for m in WALKING_MINUTES}
        figures = Figures(
            early_reachable_population=int(sum(p for p, s in walk_s if s <= area.time_to_shelter_s + lead_time_s)),
            **within,
            settlements=len(area.settlements),
            population=area.population,
            shelters=len(members),
            capacity=int(index.capacity[members].sum()),
            unknown_capacity=int((~index.known[members]).sum()),
            reachable_population=int(reachable),
        )
        areas.append(AreaExposure(area, figures))
        for name in reached_by.get(area.band, set()) & per_threat.keys():
            _add_threat(per_threat, name, area, int(reachable), walk_s)
    return ExposureReport(zones, zone_set_version, walking, areas, _groups(zones, areas), shelters=tuple(shelters),
                          lead_time_s=lead_time_s, by_threat=list(per_threat.values()))


def _add_threat(per_threat: dict[str, ThreatCoverage], name: str, area: AlertArea, reachable: int,
                walk_s: list[tuple[int, float]]) -> None:
    known = per_threat[name]
    early = int(sum(p for p, s in walk_s if s <= area.time_to_shelter_s + known.lead_time_s))
    per_threat[name] = ThreatCoverage(name, known.lead_time_s, known.population + area.population,
                                      known.reachable_population + reachable, known.early_reachable_population + early)


def early_warning_leads(config: ThreatConfig, override: int | None = None) -> dict[str, int]:
    """Per threat class that uses an early warning, its configured lead time (`override`, the
    CLI's `--lead-time`, replaces every one of them)."""
    leads = {t.name: config.plan(t.name).lead_time_s for t in config.threats}
    return {name: override if override is not None else lead for name, lead in leads.items() if lead is not None}


def check_lead_time(seconds: int) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 3600:
        raise InputError(f"the early warning's lead time must be 0 to 3600 seconds, not {seconds!r}", field="lead_time")


def _shelters_per_area(areas: list[AlertArea], index: ShelterIndex) -> dict[int, np.ndarray]:
    if not areas or len(index) == 0:
        return {}
    tree = shapely.STRtree([a.geometry for a in areas])
    point_idx, area_idx = tree.query(shapely.points(index.lon, index.lat), predicate="intersects")
    # A shelter exactly on a shared edge belongs to the first area only.
    first = np.unique(point_idx, return_index=True)[1]
    point_idx, area_idx = point_idx[first], area_idx[first]
    return {int(a): point_idx[area_idx == a] for a in np.unique(area_idx)}


def _groups(zones: ZoneSet, areas: list[AreaExposure]) -> list[GroupExposure]:
    times = {b.index: b.time_to_shelter_s for b in zones.bands}
    keys: list[tuple[str | None, int | None]] = [(s.code, b.index) for s in zones.sides for b in zones.bands]
    keys += [(None, b.index) for b in zones.bands] + [(s.code, None) for s in zones.sides] + [(None, None)]
    groups = []
    for side, band in keys:
        chosen = [a.figures for a in areas if (side is None or a.area.side == side) and (band is None or a.area.band == band)]
        groups.append(GroupExposure(side, band, times.get(band) if band is not None else None, sum(chosen, Figures())))
    return groups


class NoActiveZoneSet(InputError):
    """The report needs zones: none is active in the database (or the version asked for is missing)."""


def exposure_report(database: Database, walking: WalkingModel = WalkingModel(), version: int | None = None,
                    lead_time_s: int | None = None, threats: ThreatConfig | None = None) -> ExposureReport:
    """The report for a stored zone set (default: the active one) and the registry's shelters.

    Each class of `threats` with an early warning is counted within its own lead time; the
    headline's lead time is `lead_time_s` when given (it then replaces every class's), else the
    shortest configured one (the conservative figure), else the default."""
    with database.unit_of_work(read_only=True) as uow:
        version = uow.zones.active_version() if version is None else version
        zones = uow.zones.get(version) if version is not None else None
        if zones is None:
            raise NoActiveZoneSet(
                "no active zone set in the database: build zones into it and activate a version"
                if version is None
                else f"there is no zone set version {version}",
                field="zone set",
            )
        leads = early_warning_leads(threats, lead_time_s) if threats is not None else {}
        headline = lead_time_s if lead_time_s is not None else min(leads.values(), default=DEFAULT_LEAD_TIME_S)
        shelters = _shelters_near(uow, zones, walking, max((headline, *leads.values())))
    return compute_exposure(zones, shelters, walking, version, headline, leads)


def _shelters_near(uow: UnitOfWork, zones: ZoneSet, walking: WalkingModel, lead_time_s: int) -> list[Shelter]:
    """Shelters inside the zones' bounding box, widened by the longest walking reach counted
    (the time to shelter plus a lead time, or the distribution's longest band)."""
    if not zones.areas:
        return []
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds([a.geometry for a in zones.areas])
    longest = max(walking.reach_geodesic_m(max(a.time_to_shelter_s + lead_time_s, 60 * WALKING_MINUTES[-1]))
                  for a in zones.areas)
    margin = longest / 111_000.0 / max(np.cos(np.radians(max(abs(min_lat), abs(max_lat)))), 0.01) + 0.01
    return uow.shelters.within(min_lon - margin, min_lat - margin, max_lon + margin, max_lat + margin)
