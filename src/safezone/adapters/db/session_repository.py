"""Login sessions in storage, found by the SHA-256 of their token (the token itself is never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from safezone.adapters.db.account_models import SessionRow
from safezone.adapters.db.import_repository import as_utc


@dataclass(frozen=True)
class StoredSession:
    token_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime


# Read on every operator request: a Core statement built once, run with the digest as its
# parameter, with no ORM object loaded (that was most of an authenticated request's overhead).
_SESSIONS = SessionRow.__table__
_GET = select(_SESSIONS.c.token_hash, _SESSIONS.c.user_id, _SESSIONS.c.created_at, _SESSIONS.c.expires_at).where(
    _SESSIONS.c.token_hash == bindparam("digest"))


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime) -> None:
        self._session.add(SessionRow(token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at))
        self._session.flush()

    def get(self, token_hash: str) -> StoredSession | None:
        row = self._session.execute(_GET, {"digest": token_hash}).first()
        if row is None:
            return None
        return StoredSession(row.token_hash, row.user_id, as_utc(row.created_at), as_utc(row.expires_at))

    def delete(self, token_hash: str) -> bool:
        """End one session; False if there was none."""
        return self._delete(delete(SessionRow).where(SessionRow.token_hash == token_hash)) > 0

    def delete_for_user(self, user_id: int) -> int:
        """End every session of a user (when the account is disabled)."""
        return self._delete(delete(SessionRow).where(SessionRow.user_id == user_id))

    def delete_expired(self, now: datetime) -> int:
        return self._delete(delete(SessionRow).where(SessionRow.expires_at <= now))

    def for_user(self, user_id: int) -> list[StoredSession]:
        rows = self._session.scalars(select(SessionRow).where(SessionRow.user_id == user_id).order_by(SessionRow.created_at))
        return [StoredSession(r.token_hash, r.user_id, as_utc(r.created_at), as_utc(r.expires_at)) for r in rows]

    def _delete(self, statement) -> int:  # type: ignore[no-untyped-def]
        count = self._session.execute(statement.execution_options(synchronize_session=False)).rowcount
        self._session.expire_all()
        return int(count or 0)
