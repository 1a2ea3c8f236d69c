"""The database handle: an engine on a migrated schema, and units of work on it.

Units of work that may write are serialised on both databases, so a state change always
reads what the previous one committed (two approvers, or an approve and a reject, never both
"win"):

- SQLite: pysqlite's own transaction handling is switched off (it begins a transaction only
  at the first INSERT/UPDATE, after the reads a decision is based on), and each unit of work
  begins its own: `BEGIN IMMEDIATE` takes the database's write lock before the first read,
  waiting (busy_timeout) while another writer holds it. A read-only unit of work (and any
  connection not marked as a writer) begins a plain deferred transaction: it reads one
  snapshot and neither waits for writers nor makes them wait, because a database file runs in
  write-ahead-log mode (`journal_mode=WAL`). In SQLite's default rollback journal a commit
  must wait until no connection is reading: under public load (many readers, in this process
  and in others on the same file) an operator's issue waited a second and more for them.
  See SQLAlchemy's pysqlite notes, "Serializable isolation / Savepoints / Transactional DDL",
  and SQLite's "Write-Ahead Logging" (the -wal and -shm files beside the database are part of it).
- PostgreSQL: the repositories lock the rows a change depends on (`SELECT … FOR UPDATE`, an
  advisory lock where there is no row yet); read-only units of work run `READ ONLY`.
"""

from __future__ import annotations

import contextlib
import copy
import math
import secrets
import sqlite3
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from safezone.adapters.db import migrate
from safezone.adapters.db.change_mark import MarkReader
from safezone.adapters.db.change_notice import notice
from safezone.adapters.db.held_areas import HeldAreas
from safezone.adapters.db.held_connection import STATEMENT_ALONE, HeldConnection
from safezone.adapters.db.unit_of_work import WRITES, UnitOfWork
from safezone.adapters.db.url import resolve_url
from safezone.adapters.db.work_check import WorkCheck


def _tune_sqlite(engine: Engine, in_memory: bool) -> None:
    """Foreign keys on (SQLite leaves them off), wait for a writer instead of failing, a
    database file in write-ahead-log mode (readers and the writer never wait for each other),
    and begin every transaction ourselves: IMMEDIATE (the write lock first) on a connection
    marked as one that writes, DEFERRED on any other (reads, a readiness probe), none on a
    held connection's (`STATEMENT_ALONE`: its one statement is a read of its own)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own from here on
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if not in_memory:  # kept in the file: a no-op once set
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        options = connection.get_execution_options()
        if not options.get(STATEMENT_ALONE, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITES, False) else "BEGIN DEFERRED")


H = TypeVar("H", bound=HeldConnection)


# Connections kept open, so a request never opens (and closes) one: the worker threads (40) and
# the background tasks each find one. The default (5 kept, 10 more opened and closed on demand)
# churned under public load: connect, pragmas and close on most requests. PostgreSQL keeps fewer
# per process (a server allows 100 by default, shared by every worker process).
SQLITE_POOL = {"pool_size": 48, "max_overflow": 16}
POSTGRES_POOL = {"pool_size": 20, "max_overflow": 30}


class DatabaseUnavailable(Exception):
    """The database cannot answer now (down, unreachable, or locked by another connection)."""


# SQLite reports contention and a vanished file as OperationalError, alongside schema errors
# ("no such table") that are bugs, not outages: only these mean "try again later".
_SQLITE_UNAVAILABLE = ("database is locked", "database is busy", "unable to open database", "disk i/o error")


# SQLITE_FULL ("database or disk is full") and PostgreSQL's disk_full: no room to write. Nothing
# the request did is kept (its transaction rolls back), and it may succeed once space is freed.
_SQLITE_FULL = 13
_POSTGRES_DISK_FULL = "53100"


def full(error: BaseException) -> bool:
    """Whether a database error says the disk under the database is full."""
    orig = getattr(error, "orig", None)
    if orig is None:
        return False
    return (getattr(orig, "sqlite_errorcode", None) == _SQLITE_FULL
            or getattr(orig, "sqlstate", None) == _POSTGRES_DISK_FULL)


def unavailable(error: BaseException) -> bool:
    """Whether a database error means the database is unavailable (answer 503), not a bug."""
    if isinstance(error, DatabaseUnavailable) or full(error):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        return any(words in str(error.orig).lower() for words in _SQLITE_UNAVAILABLE)
    return True  # PostgreSQL: operational errors are the server's or the network's, not ours


class Database:
    """One database (SQLite file or PostgreSQL), brought to the current schema when opened."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        sqlite = parsed.get_backend_name() == "sqlite"
        in_memory = sqlite and parsed.database in (None, "", ":memory:")  # one connection, SQLAlchemy's own pool
        pool = {} if in_memory else SQLITE_POOL if sqlite else POSTGRES_POOL
        self.engine = create_engine(url, pool_pre_ping=not sqlite, **pool)
        if sqlite:
            _tune_sqlite(self.engine, in_memory)
        migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine.execution_options(**{WRITES: True}), expire_on_commit=False)
        reader = self.engine.execution_options(postgresql_readonly=True) if self.dialect == "postgresql" else self.engine
        self._read_sessions = sessionmaker(reader, expire_on_commit=False)
        self._only_reads = False
        # Called after every commit made through this process's units of work (shared by `reader()`).
        self.committed: list[Callable[[], None]] = []
        self._probes: dict[float, Engine] = {}
        self.held_areas = HeldAreas()  # areas read before, by version and id (shared by `reader()`)
        self._held: list[HeldConnection] = []  # connections held for one statement, closed with the database
        # PostgreSQL: a commit that moves the change mark wakes the watchers of other handles at once.
        self._sender = secrets.token_hex(8)
        self._notice = notice(self._sender) if self.dialect == "postgresql" else None

    @classmethod
    def open(cls, cli_value: str | None = None) -> "Database":
        """The database named by `--db`, else `SAFEZONE_DB`, else ./safezone.db."""
        return cls(resolve_url(cli_value))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """One transaction. Unless `read_only`, it may write, and it is serialised with every
        other unit of work that may write (see the module's docstring); a read-only one
        neither waits for writers nor may commit."""
        if read_only or self._only_reads:
            return UnitOfWork(self._read_sessions, read_only=True, held=self.held_areas)
        return UnitOfWork(self._sessions, committed=self.committed, held=self.held_areas, notice=self._notice)

    @contextlib.contextmanager
    def reads_on(self, held: HeldConnection) -> Iterator[UnitOfWork]:
        """A read-only unit of work on `held`'s connection (the change watcher's, for a rebuild)
        on PostgreSQL: in autocommit, its statements alone, with no pool ping, BEGIN or ROLLBACK
        (three of about eight round trips, each a wait for the server and then for the
        interpreter in a busy process). Each statement reads the newest commits, as in a READ
        COMMITTED transaction, which is what a read-only unit of work is there. On SQLite, whose
        read transaction sees one moment throughout, an ordinary read-only unit of work."""
        if self.dialect != "postgresql":
            with self.unit_of_work(read_only=True) as uow:
                yield uow
            return
        with held.holding() as connection, \
                UnitOfWork(sessionmaker(connection, expire_on_commit=False), read_only=True, held=self.held_areas) as uow:
            yield uow

    def mark_reader(self) -> MarkReader:
        """One connection of its own for reading the change mark again and again (on PostgreSQL
        listening for the commits of other handles: see change_notice)."""
        return self._hold(MarkReader(self.engine, self._sender))

    def work_check(self, topic: str) -> WorkCheck:
        """One connection of its own for the delivery engine's look for work."""
        return self._hold(WorkCheck(self.engine, topic))

    def _hold(self, held: H) -> H:
        """`held`, closed with the database if its user has not closed it by then (a closed
        one may open again: it stays listed)."""
        self._held.append(held)
        return held

    def reader(self) -> "Database":
        """This database for a side that only reads (the public answers): every unit of work
        it opens is read-only, so those answers never queue behind an import or an issue."""
        view = copy.copy(self)
        view._only_reads = True
        return view
    def ping(self, timeout_s: float) -> None:
        """Read the schema revision on a fresh connection that waits at most about `timeout_s`;
        on SQLite, also take the write lock and let it go at once.

        A fresh connection, not one from the pool: the pool's connections wait 30 s for a
        locked SQLite file, and a readiness check must answer fast. The write lock because in
        write-ahead-log mode reads go on while another connection holds it, and a service that
        cannot write cannot issue an alert. Raises DatabaseUnavailable.
        """
        engine = self._probe_engine(timeout_s)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT version_num FROM alembic_version")).all()
                if self.dialect == "sqlite":
                    raw = connection.connection.driver_connection
                    raw.execute("BEGIN IMMEDIATE")
                    raw.execute("ROLLBACK")
        except DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            raise DatabaseUnavailable(reason) from None
        except sqlite3.OperationalError as error:  # the write lock, taken on the driver's connection
            raise DatabaseUnavailable(str(error).strip().splitlines()[0]) from None

    def _probe_engine(self, timeout_s: float) -> Engine:
        if timeout_s not in self._probes:
            if self.dialect == "sqlite":
                options: dict = {"timeout": timeout_s}
            else:  # libpq counts whole seconds (at least 2); the statement timeout is finer
                options = {"connect_timeout": max(2, math.ceil(timeout_s)),
                           "options": f"-c statement_timeout={int(timeout_s * 1000)}"}
            self._probes[timeout_s] = create_engine(self.url, poolclass=NullPool, connect_args=options)
        return self._probes[timeout_s]

    def close(self) -> None:
        for held in self._held:
            held.close()
        self.engine.dispose()
        for probe in self._probes.values():
            probe.dispose()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
