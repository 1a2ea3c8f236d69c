"""One account per name whatever its case: `Olena` is `olena`, at sign-up, at login and in the
database itself (migration 0080, which refuses a database already holding such twins)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from safezone.adapters.db import Database, migrate
from safezone.domain.errors import InputError
from safezone.entrypoints.cli import main
from tests.accounts.conftest import PASSWORD, add, audit_actions, login


def test_a_name_differing_only_by_case_is_taken(database):
    add(database, "olena")
    with pytest.raises(InputError, match="user 'Olena' already exists as 'olena'"):
        add(database, "Olena", "approver")
    with database.unit_of_work() as uow:
        assert [u.name for u in uow.users.all()] == ["olena"]
    assert audit_actions(database)[-1] == ("command-line", "user.change_refused", "Olena")


def test_a_login_in_any_case_finds_the_one_account(database):
    add(database, "Olena.K")
    assert login(database, "olena.k").user.name == "Olena.K"
    assert login(database, "OLENA.K").user.name == "Olena.K"


def test_the_database_refuses_twins_however_they_are_written(database):
    add(database, "olena")
    with database.unit_of_work() as uow:
        with pytest.raises(Exception, match="(?i)unique"):
            uow.users.add("OLENA", "x", frozenset(), uow.users.by_name("olena").created_at)


def test_the_migration_names_the_twins_and_changes_nothing(db_url):
    engine = create_engine(db_url)
    migrate.upgrade(engine, "0070_alert_own_words")
    with engine.begin() as connection:
        for name in ("olena", "Olena", "OLENA", "bob", "Bob", "carol"):
            connection.execute(text("INSERT INTO users (name, password_hash, roles, created_at) "
                                    "VALUES (:name, 'x', 'issuer', CURRENT_TIMESTAMP)"), {"name": name})
    with pytest.raises(InputError) as refused:
        Database(db_url)
    assert "differ only by case: Bob / bob; OLENA / Olena / olena" in str(refused.value)
    assert migrate.current_revision(engine) == "0070_alert_own_words"
    engine.dispose()


def test_a_command_on_such_a_database_says_so_in_one_line(sqlite_url):
    engine = create_engine(sqlite_url)
    migrate.upgrade(engine, "0070_alert_own_words")
    with engine.begin() as connection:
        for name in ("olena", "Olena"):
            connection.execute(text("INSERT INTO users (name, password_hash, roles, created_at) "
                                    "VALUES (:name, 'x', 'issuer', CURRENT_TIMESTAMP)"), {"name": name})
    engine.dispose()
    result = CliRunner().invoke(main, ["users", "list", "--db", sqlite_url])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "error: field 'users.name': cannot make user names unique regardless of case" in result.output
    assert "differ only by case: Olena / olena" in result.output
