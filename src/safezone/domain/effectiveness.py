"""Warning effectiveness in figures: how many incidents were warned in time, late or not at
all; their lead times against the time to shelter; per band, per area and per week; and the
alerts that had no incident (which may be false alarms, or warnings that worked)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Sequence

from safezone.domain.matching import Verdict

VERDICTS = (Verdict.IN_TIME.value, Verdict.LATE.value, Verdict.NOT_WARNED.value)


@dataclass
class Counts:
    by_verdict: dict[str, int] = field(default_factory=lambda: {v: 0 for v in VERDICTS})

    def add(self, verdict: str) -> None:
        self.by_verdict[verdict] = self.by_verdict.get(verdict, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.by_verdict.values())

    def share(self, verdict: str) -> float | None:
        return self.by_verdict.get(verdict, 0) / self.total if self.total else None


@dataclass(frozen=True)
class Judged:
    """One assessed incident, as the figures need it."""

    incident_id: int
    occurred_at: datetime
    lon: float
    lat: float
    kind: str
    confidence: str
    verdict: str
    lead_time_s: float | None
    time_to_shelter_s: int | None
    area_id: str | None
    area_name: str | None
    band: int | None
    alert_id: int | None


@dataclass
class Figures:
    start: datetime
    end: datetime
    total: Counts
    median_lead_s: float | None
    alerts: int  # Actual alerts (an Alert with its Updates) in force in the window
    alerts_without_incident: list[int]
    by_band: dict[int | None, Counts]
    by_area: dict[str, tuple[str, Counts]]
    by_week: dict[date, Counts]
    incidents: Sequence[Judged]


def week_of(moment: datetime) -> date:
    """The Monday of the ISO week (UTC) the moment falls in."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def figures(start: datetime, end: datetime, judged: Sequence[Judged], alert_chains: Iterable[int],
            chains_with_incidents: Iterable[int]) -> Figures:
    total, by_band, by_area, by_week = Counts(), {}, {}, {}
    for item in judged:
        total.add(item.verdict)
        by_band.setdefault(item.band, Counts()).add(item.verdict)
        if item.area_id is not None:
            by_area.setdefault(item.area_id, (item.area_name or item.area_id, Counts()))[1].add(item.verdict)
        by_week.setdefault(week_of(item.occurred_at), Counts()).add(item.verdict)
    leads = [i.lead_time_s for i in judged if i.lead_time_s is not None]
    chains = sorted(set(alert_chains))
    hit = set(chains_with_incidents)
    return Figures(start, end, total, statistics.median(leads) if leads else None, len(chains),
                   [c for c in chains if c not in hit], dict(sorted(by_band.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))),
                   dict(sorted(by_area.items(), key=lambda kv: -kv[1][1].total)), dict(sorted(by_week.items())), judged)
