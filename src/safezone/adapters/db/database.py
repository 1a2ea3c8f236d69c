"""The database handle: an engine on a migrated schema, and units of work on it.

Units of work that may write are serialised on both databases, so a state change always
reads what the previous one committed (two approvers, or an approve and a reject, never both
"win"):

- SQLite: pysqlite's own transaction handling is switched off (it begins a transaction only
  at the first INSERT/UPDATE, after the reads a decision is based on), and each unit of work
  begins its own: `BEGIN IMMEDIATE` takes the database's write lock before the first read,
  waiting (busy_timeout) while another writer holds it. A read-only unit of work (and any
  connection not marked as a writer) begins a plain deferred transaction: it reads one
  snapshot and does not queue behind writers (only, briefly, behind a writer's commit).
  See SQLAlchemy's pysqlite notes, "Serializable isolation / Savepoints / Transactional DDL".
- PostgreSQL: the repositories lock the rows a change depends on (`SELECT … FOR UPDATE`, an
  advisory lock where there is no row yet); read-only units of work run `READ ONLY`.
"""

from __future__ import annotations

import copy
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

from safezone.adapters.db import migrate
from safezone.adapters.db.unit_of_work import WRITES, UnitOfWork
from safezone.adapters.db.url import resolve_url


def _tune_sqlite(engine: Engine) -> None:
    """Foreign keys on (SQLite leaves them off), wait for a writer instead of failing, and
    begin every transaction ourselves: IMMEDIATE (the write lock first) on a connection marked
    as one that writes, DEFERRED on any other (reads, a readiness probe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own from here on
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        writes = connection.get_execution_options().get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN DEFERRED")


class Database:
    """One database (SQLite file or PostgreSQL), brought to the current schema when opened."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, pool_pre_ping=parsed.get_backend_name() != "sqlite")
        if parsed.get_backend_name() == "sqlite":
            _tune_sqlite(self.engine)
        migrate.upgrade(self.engine)
        self._sessions = sessionmaker(self.engine.execution_options(**{WRITES: True}), expire_on_commit=False)
        reader = self.engine.execution_options(postgresql_readonly=True) if self.dialect == "postgresql" else self.engine
        self._read_sessions = sessionmaker(reader, expire_on_commit=False)
        self._only_reads = False

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
            return UnitOfWork(self._read_sessions, read_only=True)
        return UnitOfWork(self._sessions)

    def reader(self) -> "Database":
        """This database for a side that only reads (the public answers): every unit of work
        it opens is read-only, so those answers never queue behind an import or an issue."""
        view = copy.copy(self)
        view._only_reads = True
        return view

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
