"""A real database (SQLite and PostgreSQL in turn) for the account tests."""

from __future__ import annotations

import pytest

from safezone.adapters.db import Database

PASSWORD = "correct horse battery staple"


@pytest.fixture
def database(db_url):
    with Database(db_url) as db:
        yield db


def add(database, name: str, *roles: str, password: str = PASSWORD):
    from safezone.services.accounts import add_user

    with database.unit_of_work() as uow:
        user = add_user(uow, name, password, roles or ("issuer",))
        uow.commit()
    return user


def disable(database, name: str, by=None):
    from safezone.services.accounts import disable_user

    with database.unit_of_work() as uow:
        user = disable_user(uow, name, by=by)
        uow.commit()
    return user


def login(database, name: str, password: str = PASSWORD, **options):
    from safezone.services.accounts import authenticate

    with database.unit_of_work() as uow:
        grant = authenticate(uow, name, password, **options)
        uow.commit()
    return grant


def audit_actions(database) -> list[tuple[str, str, str]]:
    with database.unit_of_work() as uow:
        return [(e.actor, e.action, e.subject) for e in uow.audit.entries()]
