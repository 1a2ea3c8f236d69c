"""Import runs: what was imported from where, when, and what was wrong with it."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from safezone.adapters.db.models import ImportRunRow
from safezone.domain.shelters import ImportRun

# Problems kept per run: enough to fix a file, bounded so a hostile file cannot bloat the log.
MAX_PROBLEMS_KEPT = 200


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ImportRunRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, run: ImportRun) -> int:
        """Record a run; returns its id."""
        values = {
            "source": run.source,
            "file": run.file,
            "format": run.format,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "rows_read": run.rows_read,
            "inserted": run.inserted,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "removed": run.removed,
            "bad_rows": run.bad_rows,
            "problems": list(run.problems[:MAX_PROBLEMS_KEPT]),
        }
        return int(self._session.execute(insert(ImportRunRow).values(**values).returning(ImportRunRow.id)).scalar_one())

    def set_counts(self, run_id: int, inserted: int, updated: int, unchanged: int = 0, removed: int = 0) -> None:
        """The counts of a run, known once its rows are written (in the same transaction)."""
        row = self._session.get(ImportRunRow, run_id)
        assert row is not None
        row.inserted, row.updated, row.unchanged, row.removed = inserted, updated, unchanged, removed
        self._session.flush()

    def recent(self, source: str | None = None, limit: int = 20) -> list[ImportRun]:
        """The latest runs, newest first."""
        query = select(ImportRunRow).order_by(ImportRunRow.id.desc()).limit(limit)
        if source is not None:
            query = query.where(ImportRunRow.source == source)
        return [
            ImportRun(
                source=row.source,
                file=row.file,
                format=row.format,
                started_at=as_utc(row.started_at),
                finished_at=as_utc(row.finished_at),
                status=row.status,
                rows_read=row.rows_read,
                inserted=row.inserted,
                updated=row.updated,
                unchanged=row.unchanged,
                removed=row.removed,
                bad_rows=row.bad_rows,
                problems=tuple(row.problems),
                id=row.id,
            )
            for row in self._session.scalars(query)
        ]
