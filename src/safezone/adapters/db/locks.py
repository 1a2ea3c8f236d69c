"""Named locks, for a change whose check reads rows that may not exist yet.

A row lock (`SELECT … FOR UPDATE`) cannot cover a row another transaction is about to insert:
two "is this name free?" checks both pass, two "activate" steps each clear only the sets they
saw. A named lock makes such changes take turns.

- PostgreSQL: a transaction-scoped advisory lock on a number derived from the name; it is
  released when the transaction commits or rolls back, and plain reads never wait for it.
- SQLite: nothing to do; every unit of work that may write holds the database's write lock
  from its first statement (see database.py).
"""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def hold(session: Session, name: str) -> None:
    """Wait for, then hold, the lock called `name` until the session's transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(lock_key(name))))


def lock_key(name: str) -> int:
    """A stable signed 64-bit number for `name` (what PostgreSQL's advisory locks take)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)
