"""One connection held for a statement run again and again (the change mark, the look for work).

On PostgreSQL a unit of work is five round trips (the pool's ping, BEGIN, READ ONLY, the
statement, ROLLBACK), and in a process busy answering the public each is a wait for the server
and then for the GIL. Held in autocommit, a reading is the statement alone. On SQLite the
statement runs without a BEGIN (`STATEMENT_ALONE`: see database.py), as its own read, ended once
its row is read: no snapshot or lock is held between readings.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

# An execution option: the SQLite `begin` listener emits no BEGIN on such a connection.
STATEMENT_ALONE = "safezone.statement_alone"


class HeldConnection:
    """A connection of its own, opened at the first statement and reopened after an error.

    One statement at a time (a lock: the threads of a threadpool may take turns with it)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def one(self, statement: str | Executable, parameters: Any = None) -> Row:
        """The one row of `statement`: plain driver SQL (nothing to build or compile), or a
        statement built once. A connection found dead (the server restarted, the backend
        killed) is replaced once, at once."""
        run = (lambda c: c.exec_driver_sql(statement, parameters)) if isinstance(statement, str) \
            else (lambda c: c.execute(statement, parameters))
        with self._lock:
            try:
                with self._using() as connection:
                    return run(connection).one()
            except DBAPIError as error:
                if not error.connection_invalidated:
                    raise
            with self._using() as connection:
                return run(connection).one()

    @contextlib.contextmanager
    def holding(self) -> Iterator[Connection]:
        """The connection itself, for several statements in a row (nothing else uses it
        meanwhile); dropped if they fail, so the next use opens another."""
        with self._lock, self._using() as connection:
            yield connection

    @contextlib.contextmanager
    def _using(self) -> Iterator[Connection]:
        """The connection, opened if need be; afterwards SQLAlchemy's own transaction is ended
        (nothing to end in the database), and after an error the connection is dropped."""
        if self._connection is None:
            self._connection = self._open()
        try:
            yield self._connection
            self._connection.rollback()
        except Exception:
            self._drop()
            raise

    def _open(self) -> Connection:
        connection = self._engine.connect()
        if self._engine.dialect.name == "postgresql":  # reset when it goes back to the pool
            return connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection.execution_options(**{STATEMENT_ALONE: True})

    def close(self) -> None:
        """Give the connection back (a later statement opens another)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a broken connection: the pool discards it
                pass
