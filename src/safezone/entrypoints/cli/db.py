"""`safezone db ...`: where the database is, its schema, which zone set is active; backups.

`--db` is shared by every command that stores or reads: a SQLAlchemy URL or a file path; when
absent, `SAFEZONE_DB`, else `safezone.db` in the working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from safezone.adapters.db import Database, UnknownVersion
from safezone.adapters.db import backup as backups
from safezone.adapters.db.migrate import current_revision
from safezone.adapters.db.url import redacted, resolve_url
from safezone.domain.errors import InputError
from safezone.entrypoints.cli.output import reports_bad_input, say, show_table
from safezone.services import audit as audit_service

db_option = click.option(
    "--db",
    "db_url",
    envvar="SAFEZONE_DB",
    help="Database: a file path (SQLite) or a URL such as postgresql://user@host/safezone. "
    "Default: $SAFEZONE_DB, else ./safezone.db.",
)

# Zone-set versions are 32-bit integers in both databases: a larger number is refused by the
# command line with a clear message, before it can overflow a query.
ZONE_SET_VERSION = click.IntRange(1, 2**31 - 1)


def open_database(value: str | None, *, existing: bool = False) -> Database:
    """Open (and, on first use, create and migrate) the database, or say clearly why not.

    Commands that only read pass `existing=True`: a mistyped SQLite path is then an error,
    not a new empty database left behind.
    """
    url = resolve_url(value)
    try:
        make_url(url)
    except ArgumentError:
        raise InputError(f"{redacted(url)} is neither a file path nor a database URL", field="db") from None
    sqlite_file = make_url(url).database if make_url(url).get_backend_name() == "sqlite" else None
    if existing and sqlite_file not in (None, "", ":memory:") and not Path(sqlite_file).exists():
        raise InputError(f"there is no database at {sqlite_file}; build the zones first (`safezone zones build`)",
                         field="db")
    try:
        return Database(url)
    except (NoSuchModuleError, ModuleNotFoundError):
        raise InputError(f"{redacted(url)}: safezone stores its data in SQLite (a file path) or PostgreSQL "
                         "(postgresql://…), nothing else", field="db") from None
    except OperationalError as unreachable:
        reason = str(unreachable.orig).strip().splitlines()[0] if unreachable.orig else str(unreachable)
        raise InputError(f"cannot open the database {redacted(url)}: {reason}", field="db") from None


def with_database(command: Callable) -> Callable:
    """Add `--db` to a command (it receives `db_url`)."""
    return db_option(command)


@click.group()
def db() -> None:
    """The database: schema, zone-set versions, the active zone set."""


@db.command()
@with_database
@reports_bad_input
def upgrade(db_url: str | None) -> None:
    """Create the database or bring its schema up to date (every command also does this)."""
    with open_database(db_url) as database:
        say(f"{redacted(database.url)}: schema at revision {current_revision(database.engine)}")


@db.command()
@with_database
@reports_bad_input
def info(db_url: str | None) -> None:
    """Where the database is, and what it holds."""
    with open_database(db_url) as database, database.unit_of_work() as uow:
        versions = uow.zones.versions()
        active = next((v.version for v in versions if v.active), None)
        say(f"database     {redacted(database.url)} ({database.dialect})")
        say(f"schema       revision {current_revision(database.engine)}")
        say(f"zone sets    {len(versions)} stored, active: {active if active is not None else 'none'}")
        registered, closed = uow.shelters.count(), uow.shelters.count_closed()
        say(f"shelters     {registered - closed:,} open, {closed:,} closed by operators")


@db.command()
@with_database
@reports_bad_input
def versions(db_url: str | None) -> None:
    """The stored zone-set versions, newest first."""
    with open_database(db_url) as database, database.unit_of_work() as uow:
        show_table(("version", "built (UTC)", "border", "areas", "active"),
                   ((i.version, f"{i.created_at:%Y-%m-%d %H:%M}", i.border_name, i.areas, "yes" if i.active else "")
                    for i in uow.zones.versions()), title="Zone sets")


@db.command()
@click.argument("version", type=ZONE_SET_VERSION)
@with_database
@reports_bad_input
def activate(version: int, db_url: str | None) -> None:
    """Make VERSION the active zone set (used by warnings, "nearest shelter" and the report)."""
    with open_database(db_url) as database, database.unit_of_work() as uow:
        try:
            uow.zones.activate(version)
        except UnknownVersion as unknown:
            raise InputError(str(unknown), field="version") from None
        uow.commit()
    say(f"zone set {version} is now active")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_database
@reports_bad_input
def backup(file: Path, db_url: str | None) -> None:
    """Write a backup of the database to FILE while the service runs (SQLite: the online backup
    API; PostgreSQL: pg_dump). FILE must not exist yet."""
    url = resolve_url(db_url)
    with open_database(db_url, existing=True) as database, database.unit_of_work(read_only=True) as uow:
        head = uow.audit.head()
    backups.backup(url, file)
    say(f"backup of {redacted(url)} written to {file} (audit log at #{head.seq} or later)")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_database
@reports_bad_input
def restore(file: Path, db_url: str | None) -> None:
    """Restore a backup FILE into a new SQLite file or an empty PostgreSQL database, then check
    its audit chain: exit 0 if intact, 1 if not."""
    url = resolve_url(db_url)
    backups.restore(file, url)
    with open_database(db_url, existing=True) as database, database.unit_of_work(read_only=True) as uow:
        report = audit_service.verify(uow)
    if not report.intact:
        say(f"restored into {redacted(url)}, but the audit chain is damaged: "
        f"{len(report.problems)} problem(s); see `safezone audit verify`")
        raise SystemExit(1)
    say(f"restored into {redacted(url)}; audit chain intact ({report.entries} entries, "
        f"last #{report.head.seq}, hash {report.head.hash})")
