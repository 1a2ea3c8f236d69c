"""What the public read side keys its prepared answers on: one cheap statement that changes
whenever anything a public answer shows may have changed.

Every change to an alert (compose, issue, update, cancel, all-clear, expiry) writes an audit
entry in its own transaction, so the audit chain head's sequence number moves with it; the
active zone-set version covers activations. Both are read from the database, so every worker
process on one database agrees on them without talking to the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from safezone.adapters.db.account_models import AuditHeadRow
from safezone.adapters.db.models import ZoneSetRow


@dataclass(frozen=True)
class ChangeMark:
    audit_seq: int
    zone_version: int | None


class ChangeMarks:
    def __init__(self, session: Session) -> None:
        self._session = session

    def current(self) -> ChangeMark:
        """The mark as of now: two primary-key lookups in one statement."""
        seq = select(AuditHeadRow.seq).where(AuditHeadRow.id == 1).scalar_subquery()
        version = select(ZoneSetRow.version).where(ZoneSetRow.active.is_(True)).limit(1).scalar_subquery()
        row = self._session.execute(select(seq, version)).one()
        return ChangeMark(int(row[0] or 0), None if row[1] is None else int(row[1]))
