"""Residents' shelter reports: one row per shelter, problem and open report, with a count.

Callers lock the shelter's row first (`ShelterRepository.open_by_id(for_update=True)`), so
two reports of one shelter at once add to one row instead of making two; a state change is an
UPDATE guarded by the state it expects, so of two operators handling one report at once
exactly one changes it (on PostgreSQL the second waits for the first's row lock, then finds
the report handled).
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from safezone.adapters.db.import_repository import as_utc
from safezone.adapters.db.models import ShelterReportRow, ShelterRow
from safezone.domain.shelter_reports import ReportState, ShelterProblem, ShelterReport

_OPEN = ReportState.OPEN.value


def _report(row: ShelterReportRow, name: str, closed: datetime | None) -> ShelterReport:
    return ShelterReport(
        id=row.id, shelter_id=row.shelter_id, problem=ShelterProblem(row.problem), state=ReportState(row.state),
        first_at=as_utc(row.first_at), last_at=as_utc(row.last_at), count=row.count, shelter_name=name,
        shelter_closed=closed is not None, handled_by=row.handled_by,
        handled_at=None if row.handled_at is None else as_utc(row.handled_at),
    )


class ShelterReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_or_count(self, shelter_id: int, problem: ShelterProblem, at: datetime) -> tuple[int, bool]:
        """Count one more report on the open one of this shelter and problem, or open a new
        one; its id, and whether it is new. The caller holds the shelter's row lock."""
        at = at.astimezone(timezone.utc)
        found = self._session.scalar(select(ShelterReportRow).where(
            ShelterReportRow.shelter_id == shelter_id, ShelterReportRow.problem == problem.value,
            ShelterReportRow.state == _OPEN))
        if found is not None:
            found.count += 1
            found.last_at = at
            self._session.flush()
            return found.id, False
        row = ShelterReportRow(shelter_id=shelter_id, problem=problem.value, state=_OPEN, first_at=at, last_at=at,
                               count=1)
        self._session.add(row)
        self._session.flush()
        return row.id, True

    def get(self, report_id: int) -> ShelterReport | None:
        found = self._session.execute(self._joined().where(ShelterReportRow.id == report_id)).first()
        return None if found is None else _report(*found)

    def listed(self, state: ReportState | None = ReportState.OPEN, limit: int = 200) -> list[ShelterReport]:
        """Newest first (by the latest report it counts); all states with `state` None."""
        query = self._joined()
        if state is not None:
            query = query.where(ShelterReportRow.state == state.value)
        query = query.order_by(ShelterReportRow.last_at.desc(), ShelterReportRow.id.desc()).limit(limit)
        return [_report(*found) for found in self._session.execute(query)]

    def open_since(self, since: datetime | None) -> list[ShelterReport]:
        """Open reports last counted at or after `since` (all open ones with None), by the
        (state, last_at) index: how another process's new reports are noticed."""
        query = self._joined().where(ShelterReportRow.state == _OPEN)
        if since is not None:
            query = query.where(ShelterReportRow.last_at >= since.astimezone(timezone.utc))
        return [_report(*found) for found in self._session.execute(query.order_by(ShelterReportRow.id))]

    def handle(self, report_id: int, state: ReportState, by: str, at: datetime) -> bool:
        """Move an open report to `state`; False if it was not open (handled already)."""
        done = self._session.execute(
            update(ShelterReportRow).where(ShelterReportRow.id == report_id, ShelterReportRow.state == _OPEN)
            .values(state=state.value, handled_by=by, handled_at=at.astimezone(timezone.utc)))
        return bool(done.rowcount)

    def handle_all_open(self, shelter_id: int, state: ReportState, by: str, at: datetime) -> int:
        """Move every open report of a shelter to `state` (its closing answers them all); how many."""
        done = self._session.execute(
            update(ShelterReportRow).where(ShelterReportRow.shelter_id == shelter_id, ShelterReportRow.state == _OPEN)
            .values(state=state.value, handled_by=by, handled_at=at.astimezone(timezone.utc)))
        return int(done.rowcount or 0)

    def _joined(self):  # type: ignore[no-untyped-def]
        return (select(ShelterReportRow, ShelterRow.name, ShelterRow.closed_at)
                .join(ShelterRow, ShelterRow.id == ShelterReportRow.shelter_id))
