"""The public archive as data: JSON answers and CSV tables (see reports.tables for the BOM)."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from safezone.adapters.reports.tables import csv_bytes
from safezone.domain.history import DayStat, HistoryEntry, Window

ENTRY_COLUMNS = ("area_id", "area_name", "zone_version", "alert_id", "chain_id", "message", "status", "threat",
                 "start", "end", "ended")
STAT_COLUMNS = ("area_id", "area_name", "day", "alerts", "minutes_under_alert")


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry_row(entry: HistoryEntry) -> tuple:
    return (entry.area_id, entry.area_name, entry.zone_version, entry.alert_id, entry.chain_id, entry.message,
            entry.status, entry.threat, _time(entry.start), _time(entry.end), entry.ended.value)


def _stat_row(stat: DayStat) -> tuple:
    return (stat.area_id, stat.area_name, stat.day.isoformat(), stat.alerts, stat.minutes)


def _window(window: Window) -> dict:
    return {"from": _time(window.start), "to": _time(window.end)}


def entries_json(status: str, window: Window, delay_hours: float, entries: Sequence[HistoryEntry]) -> dict:
    return {"status": status, **_window(window), "publication_delay_hours": delay_hours, "count": len(entries),
            "entries": [dict(zip(ENTRY_COLUMNS, _entry_row(e))) for e in entries]}


def stats_json(status: str, window: Window, delay_hours: float, stats: Sequence[DayStat]) -> dict:
    return {"status": status, **_window(window), "publication_delay_hours": delay_hours, "count": len(stats),
            "days": [dict(zip(STAT_COLUMNS, _stat_row(s))) for s in stats]}


def entries_csv(entries: Sequence[HistoryEntry]) -> bytes:
    return csv_bytes(ENTRY_COLUMNS, (_entry_row(e) for e in entries))


def stats_csv(stats: Sequence[DayStat]) -> bytes:
    return csv_bytes(STAT_COLUMNS, (_stat_row(s) for s in stats))
