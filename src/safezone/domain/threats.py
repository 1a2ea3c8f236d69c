"""Threat classes and the warning time they leave people, by distance from the border.

A threat class is described only by how far it reaches and how much warning it leaves: that is
all civil protection needs to know, and it keeps the words neutral.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, Sequence


class InvalidThreatClass(ValueError):
    """A threat class that cannot describe anything real (negative range, unordered table...)."""


class WarningTimeModel(Protocol):
    def seconds_at(self, distance_km: float) -> float:
        """Warning time, in seconds, for a place `distance_km` from the border."""

    def breakpoints_km(self) -> tuple[float, ...]:
        """Distances where the warning time changes in steps (band edges)."""


@dataclass(frozen=True)
class WarningTimeTable:
    """A published step table: up to `rows[i][0]` km the time to shelter is `rows[i][1]` s."""

    rows: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        if not self.rows:
            raise InvalidThreatClass("the warning-time table has no rows")
        previous = 0.0
        for upto_km, seconds in self.rows:
            if not (math.isfinite(upto_km) and math.isfinite(seconds)):
                raise InvalidThreatClass("the warning-time table holds a value that is not a number")
            if upto_km <= previous:
                raise InvalidThreatClass(
                    f"warning-time table distances must increase from 0 km: {upto_km} km follows {previous} km"
                )
            if seconds < 0:
                raise InvalidThreatClass(f"negative warning time {seconds} s at {upto_km} km")
            previous = upto_km

    def seconds_at(self, distance_km: float) -> float:
        for upto_km, seconds in self.rows:
            if distance_km < upto_km:
                return seconds
        return self.rows[-1][1]

    def breakpoints_km(self) -> tuple[float, ...]:
        return tuple(upto for upto, _ in self.rows)


@dataclass(frozen=True)
class ProjectileSpeed:
    """Warning time = flight time from the border at `speed_m_s`, minus the detection delay."""

    speed_m_s: float
    detection_delay_s: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.speed_m_s) and self.speed_m_s > 0):
            raise InvalidThreatClass(f"projectile speed must be a positive number of m/s, not {self.speed_m_s}")
        if not (math.isfinite(self.detection_delay_s) and self.detection_delay_s >= 0):
            raise InvalidThreatClass(f"detection delay must be ≥ 0 s, not {self.detection_delay_s}")

    def seconds_at(self, distance_km: float) -> float:
        return max(0.0, distance_km * 1000.0 / self.speed_m_s - self.detection_delay_s)

    def breakpoints_km(self) -> tuple[float, ...]:
        return ()


# Farther than this no civil-defence zoning makes sense; a larger figure is a typo (m for km).
MAX_PLAUSIBLE_RANGE_KM = 1000.0


@dataclass(frozen=True)
class ThreatClass:
    name: str
    max_range_km: float
    warning: WarningTimeTable | ProjectileSpeed
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidThreatClass("a threat class needs a name")
        if not math.isfinite(self.max_range_km) or self.max_range_km <= 0:
            raise InvalidThreatClass(f"threat class {self.name!r}: maximum range must be > 0 km, not {self.max_range_km}")
        if self.max_range_km > MAX_PLAUSIBLE_RANGE_KM:
            raise InvalidThreatClass(
                f"threat class {self.name!r}: maximum range {self.max_range_km} km is absurd "
                f"(more than {MAX_PLAUSIBLE_RANGE_KM:g} km); is it given in metres?"
            )

    def reaches(self, distance_km: float) -> bool:
        return distance_km < self.max_range_km


@dataclass(frozen=True)
class Band:
    """A distance band [min_km, max_km) on the protected side, with its time to shelter.

    The time to shelter is the shortest warning any threat class reaching the band leaves at
    its near edge: the band is planned for its worst case.
    """

    index: int
    min_km: float
    max_km: float
    time_to_shelter_s: int
    seconds_by_threat: tuple[tuple[str, int], ...]

    @property
    def label(self) -> str:
        return f"{self.min_km:g}–{self.max_km:g} km"


def derive_bands(threats: Sequence[ThreatClass], edges_km: Sequence[float] | None = None) -> list[Band]:
    """Cut the distance axis where any threat's range ends or its warning time steps.

    `edges_km` (optional) adds edges of the operator's own, e.g. to split a long band of a
    speed-based model into steps.
    """
    if not threats:
        raise InvalidThreatClass("no threat classes given")
    names = [t.name for t in threats]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidThreatClass(f"threat class names must be unique: {', '.join(duplicates)}")
    outer = max(t.max_range_km for t in threats)
    cuts = {0.0, outer}
    for threat in threats:
        cuts.add(threat.max_range_km)
        cuts.update(b for b in threat.warning.breakpoints_km() if b < threat.max_range_km)
    for edge in edges_km or ():
        if not math.isfinite(edge) or edge < 0:
            raise InvalidThreatClass(f"band edge {edge} km is not a distance")
        if edge < outer:
            cuts.add(float(edge))
    ordered = sorted(cuts)
    bands = []
    for index, (low, high) in enumerate(zip(ordered, ordered[1:])):
        per_threat = tuple(
            (t.name, int(math.floor(t.warning.seconds_at(low)))) for t in threats if t.reaches(low)
        )
        bands.append(
            Band(
                index=index,
                min_km=low,
                max_km=high,
                time_to_shelter_s=min(seconds for _, seconds in per_threat),
                seconds_by_threat=per_threat,
            )
        )
    return bands
