"""A throwaway PostgreSQL + PostGIS server on 127.0.0.1, for tests and benchmarks.

It gets a port and a data directory of its own and is stopped (and its files removed) at the
end. `initdb` refuses to run as root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PG_ROOT = Path("/usr/lib/postgresql")
TEMPLATE = "safezone_template"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL installation to start (scripts/install-test-deps installs one)."""


def pg_bin(name: str) -> Path:
    """A PostgreSQL program of the newest installed version."""
    versions = sorted((p for p in PG_ROOT.glob("*/bin") if p.parent.name.isdigit()), key=lambda p: int(p.parent.name))
    if not versions:
        raise PostgresUnavailable(f"PostgreSQL is not installed under {PG_ROOT}")
    return versions[-1] / name


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass(frozen=True)
class LocalPostgres:
    port: int
    data: Path | None = None  # what `stop` and `start` need (a test restarts the server)
    options: str = ""
    log: Path | None = None

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> None:
        subprocess.run(
            [str(pg_bin("psql")), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
             "-v", "ON_ERROR_STOP=1", "-q", "-c", sql],
            check=True, capture_output=True, text=True,
        )

    def stop(self) -> None:
        """Stop at once, as a crash would (open connections break)."""
        subprocess.run(_as_server_user([str(pg_bin("pg_ctl")), "-D", str(self.data), "-m", "immediate", "stop"]),
                       check=True, capture_output=True, text=True)

    def start(self) -> None:
        """Start again on the same port and data (after `stop`)."""
        subprocess.run(_as_server_user([str(pg_bin("pg_ctl")), "-D", str(self.data), "-o", self.options,
                                        "-l", str(self.log), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, text=True)

    def new_database(self, name: str) -> str:
        """A fresh database with PostGIS (copied from a template, so it takes milliseconds)."""
        self.psql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)


@contextmanager
def local_postgres() -> Iterator[LocalPostgres]:
    """Start a server, yield it, stop it and delete its files whatever happens."""
    initdb = pg_bin("initdb")
    root = Path(tempfile.mkdtemp(prefix="safezone-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    started = False
    try:
        subprocess.run(
            _as_server_user([str(initdb), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                             "--no-locale", "--no-sync"]),
            check=True, capture_output=True, text=True,
        )
        port = _free_port()
        options = f"-p {port} -h 127.0.0.1 -k {root} -c fsync=off -c full_page_writes=off"
        server = LocalPostgres(port, data, options, root / "server.log")
        server.start()
        started = True
        server.psql(f"CREATE DATABASE {TEMPLATE}")
        server.psql("CREATE EXTENSION postgis", database=TEMPLATE)
        yield server
    finally:
        if started:
            subprocess.run(_as_server_user([str(pg_bin("pg_ctl")), "-D", str(data), "-m", "immediate", "stop"]),
                           capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
