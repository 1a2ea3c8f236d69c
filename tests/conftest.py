"""Shared fixtures: real databases for the tests that store things.

`db_url` runs a test twice: on a fresh SQLite file and on a fresh database in a real
PostgreSQL + PostGIS server that this session starts on 127.0.0.1 (a port and data directory
of its own, stopped at the end; see safezone.adapters.db.local_postgres).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterator

import pytest

# Browser fixtures (`chromium`, `page`) for every test that opens a page.
pytest_plugins = ["tests.support.browser"]

from argon2 import PasswordHasher

from safezone.adapters.db.local_postgres import LocalPostgres, PostgresUnavailable, local_postgres
from safezone.services import accounts

# argon2id at RFC 9106's parameters (what safezone stores) takes about 0.15 s a hash here, and
# most tests add four operators and log in two or three of them: a quarter of the suite's time.
# Tests hash with the smallest parameters instead, except where the hashing is what is tested
# (marker `real_password_hashing`) and in servers started as processes of their own.
QUICK_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def quick_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(accounts, "_hasher", QUICK_HASHER)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    try:
        with local_postgres() as server:
            yield server
    except PostgresUnavailable as missing:
        pytest.skip(f"{missing} (scripts/install-test-deps installs it)")


_database_numbers = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: LocalPostgres) -> str:
    """A fresh, empty database with PostGIS."""
    return postgres_server.new_database(f"safezone_test_{next(_database_numbers)}")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'safezone.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database of each kind in turn: the test runs once per backend."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def sample_zones():
    """A small, hand-made zone set: a north–south border at 30°E, two sides, two bands.

    Each side has one area per band (rectangles), with settlements at known points, one of
    them a district counted inside its city.
    """
    from shapely.geometry import LineString, box

    from safezone.domain.threats import Band
    from safezone.domain.zones import AlertArea, Settlement, Side, ZoneSet

    bands = (
        Band(index=0, min_km=0.0, max_km=5.0, time_to_shelter_s=15, seconds_by_threat=(("rockets", 15),)),
        Band(index=1, min_km=5.0, max_km=20.0, time_to_shelter_s=90, seconds_by_threat=(("rockets", 90),)),
    )
    near, far = 5 / 70.8, 20 / 70.8  # degrees of longitude at 50.5°N
    west = Side("AAA", "Westland", box(29.0, 50.0, 30.0, 51.0))
    east = Side("BBB", "Eastland", box(30.0, 50.0, 31.0, 51.0))

    def settlement(gid: int, name: str, lat: float, lon: float, pop: int, country: str, part_of: int | None = None):
        return Settlement(gid, name, lat, lon, pop, country, part_of)

    areas = [
        AlertArea("AAA-0-1", "Westgate", "AAA", 0, 0.0, 5.0, 15, box(30 - near, 50.0, 30.0, 51.0),
                  (settlement(1, "Westgate", 50.5, 29.98, 12000, "AA"),
                   settlement(2, "Westgate North", 50.51, 29.98, 3000, "AA", part_of=1))),
        AlertArea("AAA-1-1", "Far West", "AAA", 1, 5.0, 20.0, 90, box(30 - far, 50.0, 30 - near, 51.0),
                  (settlement(3, "Far West", 50.2, 29.8, 4000, "AA"),)),
        AlertArea("BBB-0-1", "Eastgate", "BBB", 0, 0.0, 5.0, 15, box(30.0, 50.0, 30 + near, 51.0),
                  (settlement(4, "Eastgate", 50.5, 30.02, 20000, "BB"),
                   settlement(5, "Hamlet", 50.8, 30.03, 600, "BB"))),
        AlertArea("BBB-1-1", "Far East", "BBB", 1, 5.0, 20.0, 90, box(30 + near, 50.0, 30 + far, 51.0), ()),
    ]
    return ZoneSet(
        border_name="Westland–Eastland",
        border=LineString([(30.0, 50.0), (30.0, 51.0)]),
        sides=(west, east),
        bands=bands,
        areas=areas,
        parameters={"threats": ["rockets"], "area_km": 10},
    )
