"""The public archive: per area, each warning's start, end and how it ended, and daily figures.

Reads only (a read-only unit of work). Actual messages unless one kind of drill is asked for,
never mixed; ended warnings appear only after the publication delay (see domain.history).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from safezone.adapters.db import Database
from safezone.adapters.db.unit_of_work import UnitOfWork
from safezone.domain import history
from safezone.domain.alerts import AlertRecord, PUBLIC_STATUSES
from safezone.domain.cap import Status
from safezone.domain.errors import InputError
from safezone.domain.history import DayStat, HistoryEntry, Window

DEFAULT_ARCHIVE_DELAY = timedelta(hours=24)
ARCHIVE_DELAY_HOURS = (0.0, 720.0)
# More warnings than this in one answer: the caller narrows the window or names an area.
MAX_WARNINGS = 20_000
MAX_CHAIN_STEPS = 50


class HistoryService:
    def __init__(self, database: Database, clock: Callable[[], datetime],
                 delay: timedelta = DEFAULT_ARCHIVE_DELAY) -> None:
        self.database = database
        self.clock = clock
        self.delay = delay

    def entries(self, status: Status, start: datetime | None, end: datetime | None,
                area_id: str | None = None) -> tuple[Window, list[HistoryEntry]]:
        """The archive's entries for one public status, in a checked window."""
        now = self.clock()
        window = history.check_window(start, end, now)
        with self.database.unit_of_work(read_only=True) as uow:
            alerts = self._warnings(uow, _public(status), window, area_id)
            names = _area_names(uow, alerts)
        return window, history.entries(alerts, names, now, self.delay, window, area_id)

    def daily(self, status: Status, start: datetime | None, end: datetime | None,
              area_id: str | None = None) -> tuple[Window, list[DayStat]]:
        """Per area and UTC day: alerts in force and minutes under alert (published entries only)."""
        window, found = self.entries(status, start, end, area_id)
        return window, history.daily(found, window, self.clock())

    def _warnings(self, uow: UnitOfWork, status: Status, window: Window, area_id: str | None) -> list[AlertRecord]:
        alerts = uow.alerts.warnings_between([status], window.start, window.end, area_id, limit=MAX_WARNINGS + 1)
        if len(alerts) > MAX_WARNINGS:
            raise InputError(f"more than {MAX_WARNINGS:,} warnings in this window: narrow it or name an area",
                             field="from")
        return alerts + _ancestors(uow, alerts)


def _public(status: Status) -> Status:
    if status not in PUBLIC_STATUSES:
        raise InputError("only Actual, Exercise and Test alerts are public", field="status")
    return status


def _ancestors(uow: UnitOfWork, alerts: list[AlertRecord]) -> list[AlertRecord]:
    """The earlier messages of each chain that are not in the list, so every entry names its first Alert."""
    known = {a.id for a in alerts}
    found: list[AlertRecord] = []
    wanted = {a.follows for a in alerts if a.follows is not None} - known
    for _ in range(MAX_CHAIN_STEPS):
        if not wanted:
            break
        more = uow.alerts.by_ids(i for i in wanted if i is not None)
        found.extend(more)
        known |= {a.id for a in more}
        wanted = {a.follows for a in more if a.follows is not None} - known
    return found


def _area_names(uow: UnitOfWork, alerts: list[AlertRecord]) -> dict[tuple[int, str], str]:
    per_version: dict[int, set[str]] = {}
    for alert in alerts:
        per_version.setdefault(alert.zone_version, set()).update(alert.area_ids)
    return {(version, area.id): area.name for version, ids in per_version.items()
            for area in uow.areas.by_ids(version, sorted(ids))}
