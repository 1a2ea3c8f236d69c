"""The change watcher's wait (`adapters/db/change_notice.py`): on PostgreSQL a commit that moves
the change mark, made on another connection, ends it at once; a rollback, or a commit that moves
nothing, sends nothing; a local wake ends it on both databases; and after its connection is
killed the reader listens again on the next one. Every wait is bounded."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from safezone.adapters.db import Database
from safezone.adapters.db.change_mark import MarkReader
from safezone.adapters.db.change_notice import CHANNEL, Wake

LONG_S = 5.0  # a wait that must not last: ended well before this
AT_ONCE_S = 1.0


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    with Database(db_url) as db:
        yield db


@pytest.fixture
def other(db_url: str) -> Iterator[Database]:
    """Another process's handle on the same database (its own engine and pool)."""
    with Database(db_url) as db:
        yield db


@pytest.fixture
def reader(database: Database) -> Iterator[MarkReader]:
    marks = database.mark_reader()
    marks.read()  # the connection is open (and listening, on PostgreSQL)
    yield marks
    marks.close()


@pytest.fixture
def wake() -> Iterator[Wake]:
    woken = Wake()
    yield woken
    woken.close()


def move_mark(database: Database, *, commit: bool = True) -> None:
    with database.unit_of_work() as uow:
        uow.changes.shelters_changed()
        uow.changes.shelters_changed()  # twice in one transaction: still one notice
        if commit:
            uow.commit()


def timed_wait(reader: MarkReader, wake: Wake, timeout_s: float = LONG_S) -> float:
    start = time.monotonic()
    reader.wait(wake, timeout_s)
    return time.monotonic() - start


def notices(listener: Connection, within_s: float) -> list[str]:
    """The channels of the notices `listener` receives within `within_s` seconds."""
    return [n.channel for n in listener.connection.dbapi_connection.notifies(timeout=within_s)]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_only_a_committed_move_of_the_mark_sends_a_notice(database, other):
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as listener:
        listener.exec_driver_sql(f"LISTEN {CHANNEL}")
        move_mark(other, commit=False)
        with other.unit_of_work() as uow:  # a commit that moves nothing a public answer shows
            uow.users.add("carol", "not-a-hash", frozenset(), datetime.now(timezone.utc))
            uow.commit()
        assert notices(listener, 0.3) == []
        move_mark(other)
        assert notices(listener, AT_ONCE_S) == [CHANNEL]


def test_another_connections_commit_ends_the_wait_at_once_on_postgresql_only(database, other, reader, wake):
    """SQLite has no notices: its watcher finds the change at its next reading (here a short
    interval, waited for whole)."""
    if database.dialect == "postgresql":
        before = reader.read()
        threading.Timer(0.2, move_mark, (other,)).start()
        took = timed_wait(reader, wake)
        assert 0.15 < took < AT_ONCE_S
        assert reader.read().shelter_seq == before.shelter_seq + 2
        assert timed_wait(reader, wake, 0.3) >= 0.25  # that notice was taken: none left to end a wait
    else:
        move_mark(other)
        assert timed_wait(reader, wake, 0.5) >= 0.45


def test_a_commit_through_the_readers_own_handle_does_not_end_its_wait(database, reader, wake):
    """Its own commits wake the watcher already (`Database.committed`): their notice is passed
    over, or the watcher would read twice for each."""
    move_mark(database)
    assert timed_wait(reader, wake, 0.5) >= 0.45
    assert reader.read().shelter_seq == 2


def test_notices_received_with_a_reading_end_the_next_wait_at_once(database, other, reader, wake):
    """A notice that comes in while the watcher reads is for a commit its reading may have
    missed: the wait that follows reads again at once."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite has no notices")
    move_mark(other)
    move_mark(other)
    time.sleep(0.2)  # both delivered to the reader's connection, unread
    reader.read()  # takes them in along with its row
    assert timed_wait(reader, wake) < AT_ONCE_S
    assert timed_wait(reader, wake, 0.3) >= 0.25  # all taken at once: one reading covers them


def test_a_local_wake_ends_the_wait_at_once(reader, wake):
    threading.Timer(0.2, wake.set).start()
    assert timed_wait(reader, wake) < AT_ONCE_S
    wake.clear()
    assert timed_wait(reader, wake, 0.3) >= 0.25
    wake.set()  # set before the wait: it does not wait at all
    assert timed_wait(reader, wake) < AT_ONCE_S


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_the_reader_listens_again_after_its_connection_is_killed(database, other, reader, wake):
    with other.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        killed = admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                    "AND query LIKE 'SELECT (SELECT seq FROM audit_head%'")).scalars().all()
    assert killed == [True]
    assert timed_wait(reader, wake) < AT_ONCE_S  # the server ending the connection wakes it too
    timed_wait(reader, wake, 0.3)  # whatever the lost connection left, taken or dropped
    before = reader.read()  # on a new connection, listening again
    threading.Timer(0.2, move_mark, (other,)).start()
    assert timed_wait(reader, wake) < AT_ONCE_S
    assert reader.read().shelter_seq == before.shelter_seq + 2
