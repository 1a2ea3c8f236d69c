"""The database handle: an engine on a migrated schema, and units of work on it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

from safezone.adapters.db import migrate
from safezone.adapters.db.unit_of_work import UnitOfWork
from safezone.adapters.db.url import resolve_url


def _tune_sqlite(engine: Engine) -> None:
    """Foreign keys on (SQLite leaves them off), and wait for a writer instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


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
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, cli_value: str | None = None) -> "Database":
        """The database named by `--db`, else `SAFEZONE_DB`, else ./safezone.db."""
        return cls(resolve_url(cli_value))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._sessions)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
