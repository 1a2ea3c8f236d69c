"""The public archive of alerts, per area: when each warning started and ended, and how.

An entry is one issued warning message (an Alert or an Update) in one of its areas, from its
issue to its end. The end comes from the message's own record: superseded by an Update,
cancelled, cleared (all-clear) or expired; an entry with no end is still in force. The
message kind (`message`) is the column a stage (early warning, alert, ...) can join later.

Ended entries are published only after a delay (the US IPAWS archive is a day late, so that
no one takes an archived alert for a live one); entries in force are always shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Iterable, Mapping, Sequence

from safezone.domain import alerts as rules
from safezone.domain.alerts import ENDED_HOW, AlertKind, AlertRecord, AlertState
from safezone.domain.errors import InputError

MAX_WINDOW = timedelta(days=366)
DEFAULT_WINDOW = timedelta(days=7)


class Ending(StrEnum):
    IN_FORCE = "in force"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"
    ALL_CLEAR = "all-clear"
    STOOD_DOWN = "stood-down"
    EXPIRED = "expired"


# The words are the public answers' own (domain.alerts.ENDED_HOW), so history and /api/alerts agree.
_ENDINGS = {state: Ending(how) for state, how in ENDED_HOW.items()}


@dataclass(frozen=True)
class HistoryEntry:
    """One warning message in one area, from its issue to its end (None: in force)."""

    area_id: str
    area_name: str
    zone_version: int
    alert_id: int
    chain_id: int  # the first Alert its Updates descend from: one "alert" to a reader
    message: str  # alert / update
    status: str
    threat: str
    start: datetime
    end: datetime | None
    ended: Ending


@dataclass(frozen=True)
class DayStat:
    area_id: str
    area_name: str
    day: date
    alerts: int  # distinct alerts (chains) in force in the area at some moment of the day
    minutes: float  # minutes under alert that day (overlapping alerts counted once)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def check_window(start: datetime | None, end: datetime | None, now: datetime) -> Window:
    """[start, end): by default the last 7 days; at most 366 days; both with a time zone."""
    end = end or now
    start = start or end - DEFAULT_WINDOW
    for name, moment in (("from", start), ("to", end)):
        if moment.utcoffset() is None:
            raise InputError("needs a time zone (e.g. 2026-11-27T12:00Z) or a date", field=name)
    if start >= end:
        raise InputError("'from' must come before 'to'", field="from")
    if end - start > MAX_WINDOW:
        raise InputError(f"the window may span at most {MAX_WINDOW.days} days", field="to")
    return Window(start, end)


def ending(alert: AlertRecord, now: datetime) -> tuple[datetime | None, Ending]:
    """When and how an issued warning stopped being in force, as of `now`."""
    if rules.in_force(alert, now):
        return None, Ending.IN_FORCE
    state = rules.effective_state(alert, now)
    if state is AlertState.EXPIRED:
        return alert.ended_at or alert.expires, Ending.EXPIRED
    return alert.ended_at or alert.expires, _ENDINGS[state]


def chain_ids(alerts: Iterable[AlertRecord]) -> dict[int, int]:
    """Per alert id, the id of the first Alert of its chain (through `follows`)."""
    parents = {a.id: a.follows for a in alerts if a.id is not None}
    roots: dict[int, int] = {}
    for alert_id in parents:
        current, seen = alert_id, set()
        while parents.get(current) is not None and current not in seen:
            seen.add(current)
            current = parents[current]  # type: ignore[assignment]
        roots[alert_id] = current
    return roots


def entries(alerts: Sequence[AlertRecord], names: Mapping[tuple[int, str], str], now: datetime,
            delay: timedelta, window: Window, area_id: str | None = None) -> list[HistoryEntry]:
    """The archive's entries overlapping the window, ordered by start, area and alert.

    `alerts` are issued messages with their ancestors; `names` maps (version, area id) to the
    area's name. Ended entries show only once `delay` has passed since their end.
    """
    roots = chain_ids(alerts)
    published_before = now - delay
    found = []
    for alert in alerts:
        if alert.kind not in (AlertKind.ALERT, AlertKind.UPDATE) or alert.issued_at is None:
            continue
        end, how = ending(alert, now)
        if end is not None and end > published_before:
            continue
        if alert.issued_at >= window.end or (end is not None and end <= window.start):
            continue
        for area in alert.area_ids:
            if area_id is not None and area != area_id:
                continue
            found.append(HistoryEntry(
                area_id=area, area_name=names.get((alert.zone_version, area), area),
                zone_version=alert.zone_version, alert_id=int(alert.id or 0), chain_id=roots[int(alert.id or 0)],
                # an update, or the stage a chain's first message announced (alert, early-warning)
                message=alert.kind.value if alert.kind is AlertKind.UPDATE else alert.stage.value,
                status=alert.status.value, threat=alert.threat,
                start=alert.issued_at, end=end, ended=how))
    return sorted(found, key=lambda e: (e.start, e.area_id, e.alert_id))


def daily(found: Sequence[HistoryEntry], window: Window, now: datetime) -> list[DayStat]:
    """Per area and UTC day of the window: alerts in force that day and minutes under alert."""
    by_area: dict[str, list[HistoryEntry]] = {}
    for entry in found:
        by_area.setdefault(entry.area_id, []).append(entry)
    limit = min(window.end, now)
    stats = []
    for area_id in sorted(by_area):
        spans = [(max(e.start, window.start), min(e.end or limit, limit), e.chain_id) for e in by_area[area_id]]
        spans = [s for s in spans if s[0] < s[1]]
        name = by_area[area_id][0].area_name
        day = window.start.astimezone(timezone.utc).date()
        while day <= (limit - timedelta(microseconds=1)).astimezone(timezone.utc).date():
            opens = datetime.combine(day, time(0), timezone.utc)
            closes = opens + timedelta(days=1)
            today = [(max(s, opens), min(e, closes), chain) for s, e, chain in spans if s < closes and e > opens]
            if today:
                stats.append(DayStat(area_id, name, day, len({c for _, _, c in today}),
                                     round(_union_seconds([(s, e) for s, e, _ in today]) / 60, 1)))
            day += timedelta(days=1)
    return stats


def _union_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    total, reach = 0.0, None
    for start, end in sorted(spans):
        if reach is None or start > reach:
            total += (end - start).total_seconds()
            reach = end
        elif end > reach:
            total += (end - reach).total_seconds()
            reach = end
    return total
