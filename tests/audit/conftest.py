"""A database with a short, known audit log: the starting point for the tampering tests."""

from __future__ import annotations

import pytest

from safezone.adapters.db import Database
from safezone.services import accounts
from safezone.services.audit import record

PASSWORD = "a long enough password"


@pytest.fixture
def database(db_url):
    with Database(db_url) as db:
        yield db


@pytest.fixture
def logged(database):
    """Eight entries: a user added, a login, then six alert actions."""
    with database.unit_of_work() as uow:
        accounts.add_user(uow, "olena", PASSWORD, ["issuer"])
        accounts.authenticate(uow, "olena", PASSWORD)
        for n in range(6):
            record(uow, "olena", "alert.submitted", f"alert-{n}", {"areas": [f"UKR-1-{n}"], "n": n})
        uow.commit()
    return database
