"""What the public read side keys its prepared answers on: one cheap statement that changes
whenever anything a public answer shows may have changed.

Every change to an alert (compose, issue, update, cancel, all-clear, expiry) writes an audit
entry in its own transaction, so the audit chain head's sequence number moves with it; the
active zone-set version covers activations; `shelter_head` moves with every change to the open
shelters (an import that writes or withdraws, a shelter closed). All are read from the database, so every worker
process on one database agrees on them without talking to the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from safezone.adapters.db.change_notice import Listening

# Plain SQL, run as is: it is read on every public request, so no statement is built or compiled.
MARK_SQL = ("SELECT (SELECT seq FROM audit_head WHERE id = 1), "
            "(SELECT version FROM zone_sets WHERE active ORDER BY version LIMIT 1), "
            "(SELECT seq FROM shelter_head WHERE id = 1)")
# Moves the shelters' part of the mark, in the transaction that changes them (its row lock
# makes such transactions take turns, so the number commits in order).
BUMP_SHELTERS_SQL = "UPDATE shelter_head SET seq = seq + 1 WHERE id = 1"


# Set in a session's `info` by a write that moves the mark (an audit entry, an activation, a
# shelter change): only such a commit makes this process's own readers stop trusting the
# watcher's last reading (a delivery receipt, which moves nothing, leaves it trusted).
MOVED = "safezone.moves_change_mark"


def moved(session: Session) -> None:
    """Note that the transaction of `session` moves the change mark."""
    session.info[MOVED] = True


@dataclass(frozen=True)
class ChangeMark:
    audit_seq: int
    zone_version: int | None
    shelter_seq: int


class ChangeMarks:
    def __init__(self, session: Session) -> None:
        self._session = session

    def current(self) -> ChangeMark:
        """The mark as of now: three small lookups in one statement."""
        return _mark(self._session.connection().exec_driver_sql(MARK_SQL).one())

    def shelters_changed(self) -> None:
        """Move the shelters' part of the mark, in the caller's transaction."""
        self._session.connection().exec_driver_sql(BUMP_SHELTERS_SQL)
        moved(self._session)


def _mark(row: Row) -> ChangeMark:
    return ChangeMark(int(row[0] or 0), None if row[1] is None else int(row[1]), int(row[2] or 0))


class MarkReader(Listening):
    """The mark read again and again on one connection held for it (the change watcher's): a
    unit of work a reading took up to 0.4 s in a process busy answering the public, past the
    reading's trust, sending every request back to the database (see held_connection). On
    PostgreSQL the watcher waits on it for another process's commit (see change_notice)."""

    def read(self) -> ChangeMark:
        return _mark(self.one(MARK_SQL))
