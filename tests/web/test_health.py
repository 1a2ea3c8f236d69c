"""Liveness and readiness: /healthz never touches the database; /readyz does, with a short
timeout, and answers a fast 503 with the reason when the database is locked (SQLite) or refuses
connections (PostgreSQL). Other requests get 503, not 500, while the database is down."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy.engine import make_url

from safezone.entrypoints.web import create_app
from tests.support.app import Api, make_container


def test_ready_when_the_database_answers(api):
    assert api.get("/healthz").json() == {"ok": True}
    ready = api.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"ok": True, "database": "ok"}
    assert ready.headers["cache-control"] == "no-store"


def test_a_locked_sqlite_gives_a_fast_clear_503(sqlite_url, sample_zones, clock):
    container = make_container(sqlite_url, sample_zones, clock)
    api = Api(create_app(container, sweep=False))
    holder = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        answer = api.get("/readyz")
        took = time.monotonic() - started
        # About 1.6 s here (the 1.5 s probe); the bound only has to tell it from the pool's 30 s
        # wait, with room for a full-suite process's pauses (one run took 2.75 s).
        assert answer.status_code == 503 and took < 6, (answer.status_code, took)
        body = answer.json()
        assert body["error"] == "not_ready" and "locked" in body["reason"]
        assert answer.headers["retry-after"] == "5"
        assert api.get("/healthz").status_code == 200  # alive all the same: no restart for a lock
        holder.execute("ROLLBACK")
        assert api.get("/readyz").status_code == 200
    finally:
        holder.close()
        api.close()
        container.close()


@pytest.mark.postgres
def test_a_postgresql_that_refuses_connections_gives_503(postgres_server, postgres_url, sample_zones, clock):
    container = make_container(postgres_url, sample_zones, clock)
    api = Api(create_app(container, sweep=False))
    name = make_url(postgres_url).database
    try:
        assert api.get("/readyz").status_code == 200 and api.get("/api/alerts").status_code == 200
        postgres_server.psql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        postgres_server.psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        started = time.monotonic()
        ready = api.get("/readyz")
        assert ready.status_code == 503 and time.monotonic() - started < 2.5
        assert ready.json()["error"] == "not_ready" and "does not answer" in ready.json()["reason"]
        down = api.get("/api/alerts")
        assert down.status_code == 503 and down.json()["error"] == "database_unavailable"
        assert down.headers["retry-after"] == "5"
        postgres_server.psql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert api.get("/readyz").status_code == 200 and api.get("/api/alerts").status_code == 200
    finally:
        api.close()
        container.close()
