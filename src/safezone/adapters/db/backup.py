"""Backups of the whole database, taken while the service runs, and their restore.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies a consistent image page by
page while writers keep going. PostgreSQL: `pg_dump --format=custom` (a consistent snapshot)
and `pg_restore` into an empty database. A restore never overwrites data: it goes to a new
SQLite file or an empty PostgreSQL database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from safezone.domain.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PG_TIMEOUT_S = 3600


def backup(url: str, target: Path) -> None:
    """Write a backup of the database at `url` to `target` (which must not exist yet)."""
    if target.exists():
        raise InputError(f"{target} already exists; a backup never overwrites a file", field="backup")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_file(parsed), target)
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", "--dbname", _libpq(parsed)],
             parsed, "pg_dump")


def restore(source: Path, url: str) -> None:
    """Restore a backup made by `backup` into the database at `url`: a new SQLite file, or an
    empty PostgreSQL database (PostGIS may be installed in it already)."""
    if not source.is_file():
        raise InputError(f"there is no backup file {source}", field="backup")
    head = source.open("rb").read(16)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if head != SQLITE_MAGIC:
            raise InputError(f"{source} is not a SQLite backup (made by `safezone db backup` from SQLite)", field="backup")
        target = Path(_sqlite_file(parsed))
        if target.exists():
            raise InputError(f"{target} already exists; restore into a new file", field="db")
        _sqlite_copy(str(source), target)
        return
    if not head.startswith(PG_DUMP_MAGIC):
        raise InputError(f"{source} is not a PostgreSQL backup (made by `safezone db backup` from PostgreSQL)",
                         field="backup")
    engine = create_engine(url)
    try:
        if "alembic_version" in inspect(engine).get_table_names():
            raise InputError(f"{parsed.render_as_string(hide_password=True)} already holds a safezone database; "
                             "restore into an empty one", field="db")
    finally:
        engine.dispose()
    _run([_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error", "--dbname", _libpq(parsed),
          str(source)], parsed, "pg_restore")


def _sqlite_file(parsed: URL) -> str:
    if parsed.database in (None, "", ":memory:"):
        raise InputError("an in-memory SQLite database cannot be backed up or restored", field="db")
    return str(parsed.database)


def _sqlite_copy(source: str, target: Path) -> None:
    """The online backup API: a consistent copy even while other connections write."""
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(str(target))
    try:
        origin.backup(copy, pages=1024)
    finally:
        copy.close()
        origin.close()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    from safezone.adapters.db.local_postgres import PostgresUnavailable, pg_bin

    try:
        return str(pg_bin(name))
    except PostgresUnavailable:
        raise InputError(f"{name} is not installed (Debian: apt-get install postgresql-client)", field="db") from None


def _libpq(parsed: URL) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver name; the password goes by environment)."""
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _run(command: list[str], parsed: URL, name: str) -> None:
    env = {**os.environ, **({"PGPASSWORD": str(parsed.password)} if parsed.password else {})}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise InputError(f"{name}: {reason}", field="db")
