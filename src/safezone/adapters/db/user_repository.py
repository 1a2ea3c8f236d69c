"""Operator accounts in storage. Password hashes go in and out here and nowhere else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from safezone.adapters.db import locks
from safezone.adapters.db.account_models import UserRow
from safezone.adapters.db.import_repository import as_utc
from safezone.domain.accounts import Role, User

# Read on every operator request (whose session it is): a Core statement built once, run with
# the id as its parameter, with no ORM object loaded. Never the password hash.
_USERS = UserRow.__table__
_GET = select(_USERS.c.id, _USERS.c.name, _USERS.c.roles, _USERS.c.created_at, _USERS.c.disabled_at).where(
    _USERS.c.id == bindparam("user_id"))


class UserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, name: str, password_hash: str, roles: frozenset[Role], created_at: datetime) -> User:
        row = UserRow(name=name, password_hash=password_hash, roles=_roles_text(roles), created_at=created_at)
        self._session.add(row)
        self._session.flush()
        return _user(row)

    def get(self, user_id: int) -> User | None:
        row = self._session.execute(_GET, {"user_id": user_id}).first()
        return None if row is None else _user(row)

    def by_name(self, name: str) -> User | None:
        """The account called `name` in any case (names are unique regardless of case)."""
        row = self._row_named(name)
        return None if row is None else _user(row)

    def credentials(self, name: str) -> tuple[User, str] | None:
        """The user and their password hash, for checking a login typed in any case."""
        row = self._row_named(name)
        return None if row is None else (_user(row), row.password_hash)

    def _row_named(self, name: str) -> UserRow | None:
        # The same expression as the unique index of migration 0080, so the index serves it.
        return self._session.scalar(select(UserRow).where(func.lower(UserRow.name) == name.lower()))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))

    def disable(self, user_id: int, at: datetime) -> None:
        self._set(user_id, disabled_at=at)

    def enable(self, user_id: int) -> None:
        self._set(user_id, disabled_at=None)

    def set_roles(self, user_id: int, roles: frozenset[Role]) -> None:
        self._set(user_id, roles=_roles_text(roles))

    def _set(self, user_id: int, **values: object) -> None:
        self._session.execute(update(UserRow).where(UserRow.id == user_id).values(**values))
        self._session.expire_all()

    def lock_all(self) -> None:
        """Hold account changes to one transaction at a time, until it ends: for a change that
        depends on other accounts ("not the last active admin", "no such name yet"), so two at
        once cannot both pass the check (a named lock: a name being added has no row yet).
        Logins and session checks do not take it."""
        locks.hold(self._session, "accounts")

    def all(self) -> list[User]:
        return [_user(row) for row in self._session.scalars(select(UserRow).order_by(UserRow.name))]

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(UserRow)) or 0)


def _roles_text(roles: frozenset[Role]) -> str:
    return ",".join(sorted(role.value for role in roles))


def _user(row: UserRow | Row) -> User:
    return User(
        id=row.id,
        name=row.name,
        roles=frozenset(Role(value) for value in row.roles.split(",") if value),
        created_at=as_utc(row.created_at),
        disabled_at=None if row.disabled_at is None else as_utc(row.disabled_at),
    )
