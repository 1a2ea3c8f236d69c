"""`safezone users ...`: operator accounts, from the machine that holds the database.

Whoever can run this can already write the database, so these commands need no login; they
are how the first admin is made. Each one is recorded in the audit log as `command-line`.
"""

from __future__ import annotations

import sys

import click
from rich.table import Table

from safezone.domain.accounts import Role
from safezone.entrypoints.cli.db import open_database, with_database
from safezone.entrypoints.cli.output import reports_bad_input, stdout
from safezone.services import accounts


@click.group()
def users() -> None:
    """Operator accounts: add, disable, list."""


@users.command()
@click.argument("name")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role], case_sensitive=False),
    help="issuer (composes and submits alerts), approver (approves others' Actual alerts), "
    "admin (manages users). Repeat for several.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@with_database
@reports_bad_input
def add(name: str, roles: tuple[str, ...], password_stdin: bool, db_url: str | None) -> None:
    """Add an operator NAME with one or more roles; the password is asked for (twice)."""
    password = _read_password(password_stdin)
    with open_database(db_url) as database, database.unit_of_work() as uow:
        user = accounts.add_user(uow, name, password, roles)
        uow.commit()
    stdout.print(f"added {user.name} ({', '.join(sorted(r.value for r in user.roles))})")


@users.command()
@click.argument("name")
@with_database
@reports_bad_input
def disable(name: str, db_url: str | None) -> None:
    """Disable the operator NAME and end their sessions (the account and its history stay)."""
    with open_database(db_url) as database, database.unit_of_work() as uow:
        accounts.disable_user(uow, name)
        uow.commit()
    stdout.print(f"disabled {name}")


@users.command("list")
@with_database
@reports_bad_input
def list_(db_url: str | None) -> None:
    """Every operator, with roles and whether the account is active."""
    with open_database(db_url) as database, database.unit_of_work() as uow:
        people = accounts.list_users(uow)
    if not people:
        stdout.print("no users yet: add the first admin with `safezone users add NAME --role admin`")
        return
    table = Table(title_justify="left")
    for heading in ("name", "roles", "status", "created (UTC)"):
        table.add_column(heading)
    for user in people:
        status = "active" if user.active else f"disabled {user.disabled_at:%Y-%m-%d %H:%M}"
        table.add_row(user.name, ", ".join(sorted(r.value for r in user.roles)), status, f"{user.created_at:%Y-%m-%d %H:%M}")
    stdout.print(table)


def _read_password(from_stdin: bool) -> str:
    """One line of stdin (without its line ending), or a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)
