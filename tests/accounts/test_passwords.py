"""Passwords: stored only as argon2id hashes, checked on login, and a refusal tells a stranger nothing."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from safezone.domain.errors import InputError
from safezone.services.accounts import LoginRefused, add_user, authenticate
from tests.accounts.conftest import PASSWORD, add, audit_actions, login

pytestmark = pytest.mark.real_password_hashing


def stored_hash(database, name: str) -> str:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT password_hash FROM users WHERE name = :n"), {"n": name}).scalar_one()


def test_a_password_is_stored_as_an_argon2id_hash_never_in_clear(database):
    add(database, "olena")
    stored = stored_hash(database, "olena")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    with database.engine.connect() as connection:
        everything = " ".join(
            str(value)
            for table in ("users", "sessions", "audit_log")
            for row in connection.execute(text(f"SELECT * FROM {table}"))
            for value in row
        )
    assert PASSWORD not in everything


def test_two_users_with_one_password_get_different_hashes(database):
    add(database, "olena")
    add(database, "petro")
    assert stored_hash(database, "olena") != stored_hash(database, "petro")


def test_the_right_password_opens_a_session(database):
    add(database, "olena", "issuer", "approver")
    grant = login(database, "olena")
    assert grant.user.name == "olena"
    assert {r.value for r in grant.user.roles} == {"issuer", "approver"}


@pytest.mark.parametrize("attempt", ["correct horse battery stapl", "CORRECT HORSE BATTERY STAPLE", "", "x" * 5000])
def test_a_wrong_password_is_refused_and_recorded(database, attempt):
    add(database, "olena")
    with pytest.raises(LoginRefused) as refused:
        login(database, "olena", attempt)
    assert refused.value.reason == "wrong password"
    # The refusal was committed by authenticate itself, though the caller never committed.
    assert audit_actions(database)[-1] == ("anonymous", "login.failed", "olena")


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(database):
    add(database, "olena")
    with pytest.raises(LoginRefused) as unknown:
        login(database, "nobody")
    with pytest.raises(LoginRefused) as wrong:
        login(database, "olena", "not the right one")
    assert str(unknown.value) == str(wrong.value)
    assert unknown.value.reason == "unknown user"


def test_the_failed_login_records_where_it_came_from(database):
    with pytest.raises(LoginRefused):
        login(database, "nobody", origin="203.0.113.7")
    with database.unit_of_work() as uow:
        entry = uow.audit.last(1)[0]
    assert entry.details == {"from": "203.0.113.7", "reason": "unknown user"}


@pytest.mark.parametrize("password", ["", "short", "elevenchars"])
def test_a_short_password_is_refused_and_only_the_refusal_is_written(database, password):
    with pytest.raises(InputError, match="at least 12"):
        add(database, "olena", password=password)
    with database.unit_of_work() as uow:
        assert uow.users.count() == 0
        assert [(e.action, e.details["change"]) for e in uow.audit.entries()] == [("user.change_refused", "add")]


def test_a_password_of_exactly_twelve_characters_is_enough(database):
    add(database, "olena", password="twelve chars")
    assert login(database, "olena", "twelve chars").user.name == "olena"


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_the_next_login(database):
    add(database, "olena")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with database.unit_of_work() as uow:
        uow.users.set_password_hash(uow.users.by_name("olena").id, weak)
        uow.commit()
    login(database, "olena")
    upgraded = stored_hash(database, "olena")
    assert upgraded != weak and "m=65536" in upgraded
    login(database, "olena")  # and the new hash still verifies


@pytest.mark.parametrize("name", ["", " olena", "olena smith", "-olena", "o" * 65, "олена", "a;drop"])
def test_user_names_are_plain_and_short(database, name):
    with pytest.raises(InputError, match="invalid user name"):
        add(database, name)


def test_a_name_is_taken_once(database):
    add(database, "olena")
    with pytest.raises(InputError, match="already exists"):
        add(database, "olena")


def test_unknown_roles_are_refused(database):
    with database.unit_of_work() as uow:
        with pytest.raises(InputError, match="unknown role 'root'"):
            add_user(uow, "olena", PASSWORD, ["issuer", "root"])
        with pytest.raises(InputError, match="at least one role"):
            add_user(uow, "olena", PASSWORD, [])


def test_roles_are_read_in_any_case(database):
    assert {r.value for r in add(database, "olena", "Issuer", "APPROVER").roles} == {"issuer", "approver"}


def test_authenticate_refuses_a_very_long_name_without_looking_it_up(database):
    with database.unit_of_work() as uow, pytest.raises(LoginRefused):
        authenticate(uow, "x" * 10_000, PASSWORD)
    assert audit_actions(database)[-1][2] == "x" * 64


@pytest.mark.parametrize("password", [" " * 12, "\t" * 20, " \u00a0" * 8])
def test_a_password_of_spaces_alone_is_refused_with_the_rule(database, password):
    with pytest.raises(InputError) as refused:
        add(database, "olena", password=password)
    assert str(refused.value) == ("field 'password': password is only spaces; a password is 12 to 1024 characters, "
                                  "not only spaces (long enough to resist guessing, short enough to hash quickly)")


def test_a_password_over_the_limit_says_the_rule(database):
    with pytest.raises(InputError, match="password too long: 1025 characters, at most 1024; a password is 12 to 1024"):
        add(database, "olena", password="x" * 1025)
