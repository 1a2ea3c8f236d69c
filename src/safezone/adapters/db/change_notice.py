"""On PostgreSQL, a commit that moves the change mark wakes every process's change watcher at
once (LISTEN/NOTIFY), instead of leaving it to find the move at its next reading, up to one
watch interval later. The notice only wakes: the watcher then reads the mark as it would have,
so a notice lost (a connection dropped, the server restarted) costs one interval, never a
change. SQLite has no such thing: its watchers read every interval, as before.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time
from typing import Any

from sqlalchemy.engine import Connection, Engine

from safezone.adapters.db.held_connection import HeldConnection

CHANNEL = "safezone_change_mark"
LISTEN_SQL = f"LISTEN {CHANNEL}"


def notice(sender: str) -> str:
    """The statement a commit that moves the mark runs first, built once per `Database` (its
    `sender`). PostgreSQL delivers it when the transaction commits, never for a rollback, and
    folds the same notice sent twice in one transaction into one. The sender is named so that
    its own watcher passes over it: its own commits wake that watcher already."""
    return f"NOTIFY {CHANNEL}, '{sender}'"


class Wake:
    """A `threading.Event` whose wait a socket becoming readable also ends (a database
    connection's, where notices arrive): one `select` waits for both, with no polling."""

    def __init__(self) -> None:
        self._receive, self._send = socket.socketpair()
        self._receive.setblocking(False)
        self._send.setblocking(False)
        self._lock = threading.Lock()
        self._set = self._closed = False
        # One selector for every wait (one waiter at a time: the watcher's thread), not one made
        # and closed per wait, every interval.
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._receive, selectors.EVENT_READ)

    def set(self) -> None:
        """End the current or next wait (from any thread); one byte in the pair while set."""
        with self._lock:
            if not self._set and not self._closed:
                self._set = True
                self._send.send(b"\0")

    def clear(self) -> None:
        with self._lock:
            if self._set:
                self._set = False
                self._receive.recv(1)

    def wait(self, timeout_s: float, also: int | None = None) -> bool:
        """Until set, `timeout_s` passed, or the socket `also` (a file descriptor) is readable:
        whether it was `also`."""
        if also is None:
            self._selector.select(timeout_s)
            return False
        self._selector.register(also, selectors.EVENT_READ)
        try:
            ready = self._selector.select(timeout_s)
        finally:
            self._selector.unregister(also)
        return any(key.fd == also for key, _ in ready)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._selector.close()
            self._receive.close()
            self._send.close()


class Listening(HeldConnection):
    """A held connection that, on PostgreSQL, listens for the notices of other senders than
    `sender` (again on each new connection, so a reopened one listens too: whatever was
    committed meanwhile, the reading that follows the reopening sees)."""

    def __init__(self, engine: Engine, sender: str) -> None:
        super().__init__(engine)
        self._sender = sender

    def _open(self) -> Connection:
        connection = super()._open()
        if connection.dialect.name == "postgresql":
            try:
                connection.detach()  # it listens: closed when dropped, never back in the pool
                connection.exec_driver_sql(LISTEN_SQL)
            except BaseException:
                connection.close()
                raise
        return connection

    def wait(self, wake: Wake, timeout_s: float) -> None:
        """Until `wake` is set, `timeout_s` has passed or another sender's commit moved the mark
        (PostgreSQL); at once if a notice came with the last statements (its commit may be newer
        than what they read). Every notice received is taken: one reading covers them all."""
        with self._lock:
            listening = None if self._connection is None else self._connection.connection.dbapi_connection
        if listening is None or self._engine.dialect.name != "postgresql":  # or no connection open
            wake.wait(timeout_s)
            return
        deadline = time.monotonic() + timeout_s
        try:
            while not self._take_notices(listening):  # readable: notices, or the server ending it
                left = deadline - time.monotonic()
                if left <= 0 or not wake.wait(left, listening.fileno()):
                    return
        except self._engine.dialect.loaded_dbapi.Error:  # lost: the next reading opens another
            self.close()

    def _take_notices(self, listening: Any) -> bool:
        """Whether another sender's notice arrived, all notices taken: received earlier
        (psycopg keeps them) or waiting on the socket, without waiting."""
        with self._lock:
            return sum(n.payload != self._sender for n in listening.notifies(timeout=0)) > 0
