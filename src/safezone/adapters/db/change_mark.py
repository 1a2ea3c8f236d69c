"""What the public read side keys its prepared answers on: one cheap statement that changes
whenever anything a public answer shows may have changed.

Every change to an alert (compose, issue, update, cancel, all-clear, expiry) writes an audit
entry in its own transaction, so the audit chain head's sequence number moves with it; the
active zone-set version covers activations. Both are read from the database, so every worker
process on one database agrees on them without talking to the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

# Plain SQL, run as is: it is read on every public request, so no statement is built or compiled.
MARK_SQL = ("SELECT (SELECT seq FROM audit_head WHERE id = 1), "
            "(SELECT version FROM zone_sets WHERE active ORDER BY version LIMIT 1)")


@dataclass(frozen=True)
class ChangeMark:
    audit_seq: int
    zone_version: int | None


class ChangeMarks:
    def __init__(self, session: Session) -> None:
        self._session = session

    def current(self) -> ChangeMark:
        """The mark as of now: two small lookups in one statement."""
        row = self._session.connection().exec_driver_sql(MARK_SQL).one()
        return ChangeMark(int(row[0] or 0), None if row[1] is None else int(row[1]))
