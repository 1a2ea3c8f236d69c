"""Opening a database: where it is, and the schema it gets on first use."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from safezone.adapters.db import Database, resolve_url
from safezone.adapters.db.migrate import current_revision, head_revision


def test_the_url_comes_from_the_option_then_the_environment_then_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_url(None, {}) == f"sqlite:///{tmp_path / 'safezone.db'}"
    assert resolve_url(None, {"SAFEZONE_DB": "postgresql://u@h/db"}) == "postgresql+psycopg://u@h/db"
    assert resolve_url("other.db", {"SAFEZONE_DB": "postgresql://u@h/db"}) == f"sqlite:///{tmp_path / 'other.db'}"


def test_a_sqlite_file_is_created_and_migrated_on_first_use(tmp_path):
    path = tmp_path / "nested" / "safezone.db"
    with Database.open(str(path)) as db:
        assert path.exists()
        assert current_revision(db.engine) == head_revision()
        tables = set(inspect(db.engine).get_table_names())
    assert {"zone_sets", "alert_areas", "settlements", "shelters", "import_runs"} <= tables
    with Database.open(str(path)) as again:  # a second open changes nothing
        assert current_revision(again.engine) == head_revision()


@pytest.mark.postgres
def test_postgres_gets_postgis_geometry_columns_with_gist_indexes(postgres_url):
    with Database(postgres_url) as db, db.engine.connect() as connection:
        column_type = connection.execute(
            text("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                 "WHERE attrelid = 'shelters'::regclass AND attname = 'point'")
        ).scalar_one()
        methods = connection.execute(
            text("SELECT am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                 "JOIN pg_am am ON am.oid = c.relam WHERE c.relname = 'gix_shelters_point'")
        ).scalar_one()
    assert column_type == "geometry(Point,4326)"
    assert methods == "gist"


def test_a_write_commits_while_another_connection_is_reading(db_url):
    """An operator's issue must not wait for the public side's readers: on SQLite's default
    rollback journal a commit waits until no connection is reading (a second and more under
    public load); in write-ahead-log mode, as on PostgreSQL, it does not."""
    with Database(db_url) as db:
        with db.unit_of_work(read_only=True) as reader:
            before = reader.changes.current()  # the read transaction now holds its snapshot
            committed = threading.Event()

            def write() -> None:
                with db.unit_of_work() as uow:
                    uow.changes.shelters_changed()
                    uow.commit()
                committed.set()

            writer = threading.Thread(target=write)
            writer.start()
            assert committed.wait(10), "the write waited for the reader"
        writer.join()
        with db.unit_of_work(read_only=True) as uow:
            assert uow.changes.current().shelter_seq == before.shelter_seq + 1


def test_a_sqlite_file_keeps_a_write_ahead_log(tmp_path):
    path = tmp_path / "safezone.db"
    with Database.open(str(path)) as db, db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
