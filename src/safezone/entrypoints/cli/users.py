"""`safezone users ...`: operator accounts, from the machine that holds the database.

Whoever can run this can already write the database, so these commands need no login; they
are how the first admin is made. Each one is recorded in the audit log as `command-line`.
"""

from __future__ import annotations

import sys
from typing import Callable

import click

from safezone.domain.accounts import Role, User
from safezone.entrypoints.cli.db import open_database, with_database
from safezone.entrypoints.cli.output import reports_bad_input, say, show_table
from safezone.services import accounts


ROLES = click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role], case_sensitive=False),
    help="issuer (composes and submits alerts), approver (approves others' Actual alerts), "
    "admin (manages users). Repeat for several.",
)
PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                              help="Read the password from the first line of standard input.")


@click.group()
def users() -> None:
    """Operator accounts: add, list, enable or disable, reset a password, change roles."""


@users.command()
@click.argument("name")
@ROLES
@PASSWORD_STDIN
@with_database
@reports_bad_input
def add(name: str, roles: tuple[str, ...], password_stdin: bool, db_url: str | None) -> None:
    """Add an operator NAME with one or more roles; the password is asked for (twice)."""
    user = _change(db_url, accounts.add_user, name, _read_password(password_stdin), roles)
    say("added", user.name, f"({_roles(user)})")


@users.command()
@click.argument("name")
@with_database
@reports_bad_input
def disable(name: str, db_url: str | None) -> None:
    """Disable the operator NAME and end their sessions (the account and its history stay)."""
    user = _change(db_url, accounts.disable_user, name)
    say("disabled", user.name)


@users.command()
@click.argument("name")
@with_database
@reports_bad_input
def enable(name: str, db_url: str | None) -> None:
    """Let the disabled operator NAME log in again, with the same password and roles."""
    user = _change(db_url, accounts.enable_user, name)
    say("enabled", user.name)


@users.command()
@click.argument("name")
@PASSWORD_STDIN
@with_database
@reports_bad_input
def password(name: str, password_stdin: bool, db_url: str | None) -> None:
    """Give NAME a new password (asked for twice) and end their sessions."""
    user = _change(db_url, accounts.reset_password, name, _read_password(password_stdin))
    say("new password for", user.name, "(their sessions are ended)")


@users.command()
@click.argument("name")
@ROLES
@with_database
@reports_bad_input
def roles(name: str, roles: tuple[str, ...], db_url: str | None) -> None:
    """Replace the roles of NAME with the --role options given."""
    user = _change(db_url, accounts.set_roles, name, roles)
    say("roles of", user.name, f"are now {_roles(user)}")


@users.command("list")
@with_database
@reports_bad_input
def list_(db_url: str | None) -> None:
    """Every operator, with roles and whether the account is active."""
    with open_database(db_url) as database, database.unit_of_work() as uow:
        people = accounts.list_users(uow)
    if not people:
        say("no users yet: add the first admin with `safezone users add NAME --role admin`")
        return
    show_table(("name", "roles", "status", "created (UTC)"),
               ((user.name, _roles(user), _status(user), f"{user.created_at:%Y-%m-%d %H:%M}") for user in people))


def _change(db_url: str | None, change: Callable[..., User], *args: object) -> User:
    """Run one account change in its own unit of work, as the command line, and commit it."""
    with open_database(db_url) as database, database.unit_of_work() as uow:
        user = change(uow, *args)
        uow.commit()
    return user


def _status(user: User) -> str:
    return "active" if user.active else f"disabled {user.disabled_at:%Y-%m-%d %H:%M}"


def _roles(user: User) -> str:
    return ", ".join(sorted(r.value for r in user.roles))


def _read_password(from_stdin: bool) -> str:
    """One line of stdin (without its line ending), or a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)
