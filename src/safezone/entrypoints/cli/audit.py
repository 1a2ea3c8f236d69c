"""`safezone audit ...`: check the audit log's hash chain, and read its latest entries."""

from __future__ import annotations

import json
import sys

import click

from safezone.domain.audit import utc_text
from safezone.entrypoints.cli.db import open_database, with_database
from safezone.entrypoints.cli.output import fail, reports_bad_input, say
from safezone.services import audit as audit_service

EXIT_DAMAGED = 1


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command()
@with_database
@reports_bad_input
def verify(db_url: str | None) -> None:
    """Check every entry's hash and link. Exit 0 if intact, 1 naming each bad entry.

    Write down the last hash it prints somewhere else: it is what shows a log rewritten
    from some entry to the end.
    """
    with open_database(db_url, existing=True) as database, database.unit_of_work() as uow:
        report = audit_service.verify(uow)
    if report.intact:
        noun = "entry" if report.entries == 1 else "entries"
        say(f"{report.entries} {noun}, chain intact (last #{report.head.seq}, hash {report.head.hash})")
        return
    for problem in report.problems:
        say(f"entry {problem}")
    fail(f"{len(report.problems)} problem(s) in {report.entries} entries", label="audit log damaged:")
    sys.exit(EXIT_DAMAGED)


@audit.command()
@click.option("--last", "count", type=click.IntRange(min=1), default=20, show_default=True, help="How many entries.")
@with_database
@reports_bad_input
def show(count: int, db_url: str | None) -> None:
    """The newest entries, oldest first: number, time (UTC), actor, action, subject, details."""
    with open_database(db_url, existing=True) as database, database.unit_of_work() as uow:
        entries = audit_service.recent(uow, count)
    if not entries:
        say("the audit log is empty")
    for entry in entries:
        details = json.dumps(dict(entry.details), ensure_ascii=False, sort_keys=True) if entry.details else ""
        say(f"#{entry.seq}  {utc_text(entry.at)}  {entry.actor}  {entry.action}  {entry.subject}  {details}".rstrip())
