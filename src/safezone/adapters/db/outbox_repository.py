"""The outbox: one entry per issued message, written in the alert's own transaction.

Delivery workers (services/delivery.py) plan each pending entry and mark it processed; the unique
(alert, topic) pair makes a second write of the same announcement fail instead of
delivering twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import OutboxRow
from safezone.adapters.db.import_repository import as_utc


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    alert_id: int
    topic: str
    payload: Mapping[str, Any]
    created_at: datetime
    attempts: int
    processed_at: datetime | None


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, alert_id: int, topic: str, payload: Mapping[str, Any], now: datetime) -> int:
        statement = insert(OutboxRow).values(alert_id=alert_id, topic=topic, payload=dict(payload),
                                             created_at=now, attempts=0).returning(OutboxRow.id)
        return int(self._session.execute(statement).scalar_one())

    def pending(self, limit: int = 100) -> list[OutboxEntry]:
        """Entries not yet processed, oldest first."""
        query = select(OutboxRow).where(OutboxRow.processed_at.is_(None)).order_by(OutboxRow.id).limit(limit)
        return [_entry(row) for row in self._session.scalars(query)]

    def claim_pending(self, topic: str, limit: int = 20) -> list[OutboxEntry]:
        """Unprocessed entries of a topic, oldest first, locked for this transaction (PostgreSQL:
        `SKIP LOCKED`, so two workers plan different entries; SQLite: the writer's lock)."""
        query = (select(OutboxRow).where(OutboxRow.processed_at.is_(None), OutboxRow.topic == topic)
                 .order_by(OutboxRow.id).limit(limit))
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_entry(row) for row in self._session.scalars(query)]

    def has_pending(self, topic: str) -> bool:
        query = select(OutboxRow.id).where(pending(topic)).limit(1)
        return self._session.scalar(query) is not None

    def mark_processed(self, entry_id: int, now: datetime) -> None:
        self._session.execute(update(OutboxRow).where(OutboxRow.id == entry_id)
                              .values(processed_at=now, attempts=OutboxRow.attempts + 1))

    def for_alert(self, alert_id: int) -> list[OutboxEntry]:
        query = select(OutboxRow).where(OutboxRow.alert_id == alert_id).order_by(OutboxRow.id)
        return [_entry(row) for row in self._session.scalars(query)]

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


def _entry(row: OutboxRow) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        alert_id=row.alert_id,
        topic=row.topic,
        payload=dict(row.payload),
        created_at=as_utc(row.created_at),
        attempts=row.attempts,
        processed_at=None if row.processed_at is None else as_utc(row.processed_at),
    )


def pending(topic: object) -> ColumnElement[bool]:
    """An entry of `topic` (a value or a bound parameter) not processed yet."""
    return (OutboxRow.processed_at.is_(None)) & (OutboxRow.topic == topic)
