"""`safezone users add/disable/list`, as the person setting up a server types them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from safezone.entrypoints.cli import main
from safezone.services.accounts import LoginRefused, SessionRefused, resolve_session
from tests.accounts.conftest import PASSWORD, audit_actions, login


def run(db_url: str, *args: str, input: str | None = None):
    return CliRunner().invoke(main, [*args, "--db", db_url], input=input, catch_exceptions=False)


def test_the_first_admin_is_added_with_the_password_on_stdin(db_url, database):
    result = run(db_url, "users", "add", "admin", "--role", "admin", "--role", "issuer", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "added admin (admin, issuer)" in result.output
    assert login(database, "admin").user.name == "admin"
    assert audit_actions(database)[0] == ("command-line", "user.added", "admin")


def test_the_password_is_asked_for_twice_and_not_echoed(db_url, database):
    result = run(db_url, "users", "add", "olena", "--role", "issuer", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert login(database, "olena").user.name == "olena"


def test_two_different_passwords_at_the_prompt_are_asked_again(db_url, database):
    result = run(db_url, "users", "add", "olena", "--role", "issuer", input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0
    assert "do not match" in result.output.lower()


def test_a_short_password_is_refused_with_a_clear_message(db_url, database):
    result = run(db_url, "users", "add", "olena", "--role", "issuer", "--password-stdin", input="short\n")
    assert result.exit_code == 2
    assert "password too short: 5 characters, at least 12 needed" in result.output
    assert "Traceback" not in result.output
    with database.unit_of_work() as uow:
        assert uow.users.count() == 0


def test_a_role_is_required_and_checked(db_url):
    assert run(db_url, "users", "add", "olena", "--password-stdin", input=PASSWORD).exit_code == 2
    result = run(db_url, "users", "add", "olena", "--role", "root", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2 and "'root' is not one of" in result.output


def test_a_bad_name_and_a_taken_name_are_refused(db_url):
    assert run(db_url, "users", "add", "bad name", "--role", "issuer", "--password-stdin", input=PASSWORD).exit_code == 2
    assert run(db_url, "users", "add", "olena", "--role", "issuer", "--password-stdin", input=PASSWORD).exit_code == 0
    result = run(db_url, "users", "add", "olena", "--role", "approver", "--password-stdin", input=PASSWORD)
    assert result.exit_code == 2 and "'olena' already exists" in result.output


def test_users_are_listed_with_roles_and_status(db_url):
    assert "no users yet" in run(db_url, "users", "list").output
    run(db_url, "users", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD)
    run(db_url, "users", "add", "olena", "--role", "issuer", "--role", "approver", "--password-stdin", input=PASSWORD)
    assert run(db_url, "users", "disable", "olena").exit_code == 0
    listing = run(db_url, "users", "list").output
    admin_line = next(line for line in listing.splitlines() if "admin" in line and "active" in line)
    olena_line = next(line for line in listing.splitlines() if "olena" in line)
    assert "approver, issuer" in olena_line and "disabled" in olena_line
    assert "admin" in admin_line


def test_disable_refuses_unknown_users_and_the_last_admin(db_url):
    result = run(db_url, "users", "disable", "nobody")
    assert result.exit_code == 2 and "no user named 'nobody'" in result.output
    run(db_url, "users", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD)
    result = run(db_url, "users", "disable", "admin")
    assert result.exit_code == 2 and "last active admin" in result.output


def test_a_disabled_user_is_enabled_again_with_the_same_password(db_url, database):
    run(db_url, "users", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD)
    run(db_url, "users", "add", "olena", "--role", "issuer", "--password-stdin", input=PASSWORD)
    assert run(db_url, "users", "disable", "OLENA").output.strip() == "disabled olena"
    result = run(db_url, "users", "enable", "Olena")
    assert result.exit_code == 0 and result.output.strip() == "enabled olena"
    assert login(database, "olena").user.active
    result = run(db_url, "users", "enable", "olena")
    assert result.exit_code == 2 and "user 'olena' is already enabled" in result.output
    assert audit_actions(database)[-3:] == [("command-line", "user.enabled", "olena"),
                                            ("olena", "login.succeeded", "olena"),
                                            ("command-line", "user.change_refused", "olena")]


def test_a_password_is_reset_and_the_old_one_no_longer_opens(db_url, database):
    run(db_url, "users", "add", "olena", "--role", "issuer", "--password-stdin", input=PASSWORD)
    old = login(database, "olena")
    result = run(db_url, "users", "password", "olena", "--password-stdin", input="a brand new passphrase\n")
    assert result.exit_code == 0 and "new password for olena" in result.output
    with pytest.raises(LoginRefused):
        login(database, "olena")
    assert login(database, "olena", "a brand new passphrase").user.name == "olena"
    with database.unit_of_work() as uow, pytest.raises(SessionRefused):
        resolve_session(uow, old.token)
    result = run(db_url, "users", "password", "olena", "--password-stdin", input=" " * 14 + "\n")
    assert result.exit_code == 2 and "password is only spaces; a password is 12 to 1024 characters" in result.output


def test_roles_are_replaced_and_the_last_admin_keeps_the_role(db_url, database):
    run(db_url, "users", "add", "admin", "--role", "admin", "--password-stdin", input=PASSWORD)
    result = run(db_url, "users", "roles", "admin", "--role", "issuer")
    assert result.exit_code == 2
    assert "'admin' is the last active admin and cannot lose the admin role" in result.output
    result = run(db_url, "users", "roles", "admin", "--role", "admin", "--role", "approver")
    assert result.exit_code == 0 and result.output.strip() == "roles of admin are now admin, approver"
    assert audit_actions(database)[-2:] == [("command-line", "user.change_refused", "admin"),
                                            ("command-line", "user.roles_changed", "admin")]
    result = run(db_url, "users", "roles", "nobody", "--role", "issuer")
    assert result.exit_code == 2 and "no user named 'nobody'" in result.output
