"""Shelters and how far a person can walk to one before the fire arrives.

Walking model (documented, configurable): a person covers `speed_m_s` metres per second along
streets, and streets are `detour_factor` times longer than the straight geodesic line. So the
walking distance to a shelter is estimated as geodesic distance × detour factor, and a shelter
is within reach of a time to shelter T when geodesic × detour ≤ T × speed.

The defaults are planning values, not averages of fit adults:
- 1.0 m/s (3.6 km/h): the walking speed traffic engineers use for older people, children and
  people carrying others (the usual 1.2–1.4 m/s is for healthy adults alone). A plan must work
  for the slowest resident it protects.
- 1.3: the ratio of street distance to straight-line distance commonly measured in towns
  (1.2 in dense grids, up to 1.5–1.6 in villages with few paths).
An area whose time to shelter is 0 s ("immediate") has no walking reach at all: there, only
protection inside the building a person is in counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from safezone.domain.errors import InputError
from safezone.domain.geodesy import WGS84

DEFAULT_WALKING_SPEED_M_S = 1.0
DEFAULT_DETOUR_FACTOR = 1.3


@dataclass(frozen=True)
class WalkingModel:
    """How fast and how directly people walk to shelter (see the module docstring)."""

    speed_m_s: float = DEFAULT_WALKING_SPEED_M_S
    detour_factor: float = DEFAULT_DETOUR_FACTOR

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_m_s) and 0.1 <= self.speed_m_s <= 5.0):
            raise InputError(f"walking speed must be between 0.1 and 5 m/s, not {self.speed_m_s}", field="walking_speed")
        if not (math.isfinite(self.detour_factor) and 1.0 <= self.detour_factor <= 5.0):
            raise InputError(f"detour factor must be between 1 and 5, not {self.detour_factor}", field="detour_factor")

    def walking_m(self, geodesic_m: float) -> float:
        """Estimated street distance for a straight-line (geodesic) distance."""
        return geodesic_m * self.detour_factor

    def walking_s(self, geodesic_m: float) -> float:
        return self.walking_m(geodesic_m) / self.speed_m_s

    def reach_geodesic_m(self, seconds: float) -> float:
        """The straight-line radius a person covers on foot in `seconds`."""
        return max(0.0, seconds) * self.speed_m_s / self.detour_factor


@dataclass(frozen=True)
class Shelter:
    """One entry of the registry.

    `capacity` None means unknown (common in OpenStreetMap): the shelter still counts for
    reach, but adds nothing to capacity figures. `accessible` None means not recorded.
    """

    source: str
    source_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None = None
    kind: str = "shelter"
    accessible: bool | None = None
    opening: str = ""
    last_verified: date | None = None
    id: int | None = None  # the registry's own key, once stored
    withdrawn_by: int | None = None  # the import run that withdrew it from the registry, if any
    closed_at: datetime | None = None  # when an operator closed it: out of the public answers


@dataclass(frozen=True)
class ImportRun:
    """The record of one import attempt, kept whether it was applied or rejected."""

    source: str
    file: str
    format: str
    started_at: datetime
    finished_at: datetime
    status: str  # "applied" or "rejected"
    rows_read: int
    inserted: int
    updated: int
    bad_rows: int
    problems: tuple[str, ...] = ()
    id: int | None = None
    unchanged: int = 0  # rows identical to the stored shelter: nothing written
    removed: int = 0  # shelters of the source withdrawn because a --replace file no longer lists them


def check_coordinates(lat: float, lon: float, *, file: str | None = None, line: int | None = None) -> None:
    """Reject coordinates that cannot be a shelter's place, naming the field at fault."""
    if not math.isfinite(lat) or not -90.0 <= lat <= 90.0:
        raise InputError(f"latitude {lat} is outside -90..90", file=file, line=line, field="lat")
    if not math.isfinite(lon) or not -180.0 <= lon <= 180.0:
        raise InputError(f"longitude {lon} is outside -180..180", file=file, line=line, field="lon")
    if lat == 0.0 and lon == 0.0:
        raise InputError("coordinates 0, 0 are a missing position, not a place", file=file, line=line, field="lat")


def geodesic_one_m(lat: float, lon: float, lat2: float, lon2: float) -> float:
    """The geodesic distance in metres between two points: the same float as `geodesic_m` gives
    for that pair (one GeographicLib call either way), without the cost of arrays (for a few)."""
    return float(WGS84.inv(lon, lat, lon2, lat2)[2])


def geodesic_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Geodesic distances in metres from one point to many (WGS 84 ellipsoid)."""
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    if lats.size == 0:
        return np.zeros(0)
    _, _, dist = WGS84.inv(np.full(lats.shape, lon), np.full(lats.shape, lat), lons, lats)
    return np.asarray(dist, dtype=float)


class ImportRefused(InputError):
    """An import refused whole, with the problems behind it: nothing is written."""

    def __init__(self, message: str, file: str, problems: list[InputError]) -> None:
        super().__init__(message, file=file)
        self.problems = problems


class RejectedImport(ImportRefused):
    """A file with bad rows, refused whole: the operator sees every problem, nothing is written."""

    def __init__(self, file: str, problems: list[InputError], good_rows: int) -> None:
        super().__init__(
            f"{len(problems)} bad row(s), so nothing was imported; fix them, or pass --skip-bad "
            f"to import the {good_rows} good row(s) alone",
            file,
            problems,
        )
        self.good_rows = good_rows


class ReplaceRefused(ImportRefused):
    """A `--replace` that could withdraw a shelter by mistake, refused whole.

    Replacing withdraws every shelter of the source the file does not list. Two files make
    that unsafe: one with no shelter at all (an empty or truncated export would empty the
    registry), and, with --skip-bad, one whose bad rows cannot be matched to a shelter (no
    readable id or position): the shelter such a row stands for would look absent.
    """
