"""CSRF tokens: one per session, derived from it, checked in constant time."""

from __future__ import annotations

import pytest

from safezone.services.accounts import check_csrf, csrf_token
from tests.accounts.conftest import add, login


def test_the_csrf_token_of_a_session_is_accepted(database):
    add(database, "olena")
    grant = login(database, "olena")
    assert check_csrf(grant.token, grant.csrf_token)
    assert csrf_token(grant.token) == grant.csrf_token  # the web layer can derive it again


def test_another_sessions_csrf_token_is_refused(database):
    add(database, "olena")
    first, second = login(database, "olena"), login(database, "olena")
    assert first.csrf_token != second.csrf_token
    assert not check_csrf(first.token, second.csrf_token)


@pytest.mark.parametrize("presented", [None, "", "x", "токен", "A" * 43])
def test_missing_or_wrong_csrf_tokens_are_refused(presented):
    assert not check_csrf("some session token", presented)


def test_no_session_no_csrf():
    assert not check_csrf(None, csrf_token("anything"))
    assert not check_csrf("", csrf_token(""))


def test_the_csrf_token_is_not_the_session_token():
    token = "some session token"
    assert csrf_token(token) != token and token not in csrf_token(token)
    assert len(csrf_token(token)) == 43
