"""The audit log in storage: appended to under one lock, read in sequence order, never changed.

An append first touches the single `audit_head` row (a no-op UPDATE). On PostgreSQL that takes
its row lock, on SQLite the write lock, so two transactions cannot both take the same next
sequence number; the lock is held until the caller's transaction ends, which is also when the
entry becomes visible, together with the action it records.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from safezone.adapters.db.account_models import AuditHeadRow, AuditRow
from safezone.adapters.db.change_mark import moved
from safezone.adapters.db.import_repository import as_utc
from safezone.domain.audit import AuditEntry, ChainHead, canonical_details

HEAD_ID = 1

# Core statements on the tables, built once: an append runs them with its values as parameters,
# so recording an action builds no statement (the ORM's path built them, and their cache keys,
# on every entry).
_HEAD = AuditHeadRow.__table__
_LOCK_HEAD = (update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(seq=_HEAD.c.seq)
              .returning(_HEAD.c.seq, _HEAD.c.hash))
_APPEND = insert(AuditRow.__table__)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def lock_head(self) -> ChainHead:
        """The chain head, locked for this transaction: call before building the next entry."""
        seq, hash_ = self._session.execute(_LOCK_HEAD).one()
        return ChainHead(int(seq), hash_)

    def append(self, entry: AuditEntry) -> None:
        """Store a sealed entry that follows the locked head, and move the head onto it."""
        self._session.execute(_APPEND, {
            "seq": entry.seq, "at": entry.at, "actor": entry.actor, "action": entry.action, "subject": entry.subject,
            "details": canonical_details(entry.details), "prev_hash": entry.prev_hash, "hash": entry.hash})
        self._session.execute(_MOVE_HEAD, {"seq": entry.seq, "hash": entry.hash})
        moved(self._session)

    def one_snapshot(self) -> None:
        """Make every later read of this transaction see the same moment, so a check of the
        whole log is not confused by entries appended while it reads. First thing in a
        transaction; PostgreSQL needs REPEATABLE READ, SQLite's read transaction is one already."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))

    def head(self) -> ChainHead:
        row = self._session.execute(select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == HEAD_ID)).one()
        return ChainHead(int(row.seq), row.hash)

    def entries(self, after: int = 0, batch: int = 1000) -> Iterator[AuditEntry]:
        """Every entry with a sequence number above `after`, in order, read in batches."""
        while True:
            rows = self._session.scalars(
                select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq).limit(batch)
            ).all()
            yield from (_entry(row) for row in rows)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def last(self, count: int) -> list[AuditEntry]:
        """The newest `count` entries, oldest first."""
        rows = self._session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(count)).all()
        return [_entry(row) for row in reversed(rows)]

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(AuditRow)) or 0)

    def search(self, *, actor: str | None = None, action: str | None = None, subject: str | None = None,
               since: datetime | None = None, until: datetime | None = None, before: int | None = None,
               limit: int = 50) -> list[AuditEntry]:
        """Newest first: entries below sequence number `before` (the cursor) that match every
        filter given. Actor and subject match whole, in any case; `action` matches a whole
        action (`user.added`) or every action of a noun (`user`); times are inclusive."""
        query = select(AuditRow)
        if actor:
            query = query.where(func.lower(AuditRow.actor) == actor.lower())
        if action:
            query = query.where(or_(AuditRow.action == action, AuditRow.action.startswith(f"{action}.", autoescape=True)))
        if subject:
            query = query.where(func.lower(AuditRow.subject) == subject.lower())
        if since is not None:
            query = query.where(AuditRow.at >= _utc(since))
        if until is not None:
            query = query.where(AuditRow.at <= _utc(until))
        if before is not None:
            query = query.where(AuditRow.seq < before)
        rows = self._session.scalars(query.order_by(AuditRow.seq.desc()).limit(limit)).all()
        return [_entry(row) for row in rows]


def _utc(moment: datetime) -> datetime:
    """A bound time in UTC, as entries are stored (SQLite keeps no zone: the text must compare)."""
    return moment.astimezone(timezone.utc)


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=as_utc(row.at),
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        details=_details(row.details),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _details(text: str) -> dict:
    """Stored details; text that is no longer JSON comes back wrapped, and will fail its hash."""
    try:
        value = json.loads(text)
    except ValueError:
        return {"unreadable": text}
    return value if isinstance(value, dict) else {"unreadable": text}
