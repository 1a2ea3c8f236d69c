"""Sessions: a random token stored only as its hash, refused once expired, ended, or its user disabled."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from safezone.services.accounts import (
    DEFAULT_SESSION_LIFETIME,
    LoginRefused,
    SessionRefused,
    logout,
    purge_expired_sessions,
    resolve_session,
)
from tests.accounts.conftest import add, audit_actions, disable, login

NOON = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def resolve(database, token, now=None):
    with database.unit_of_work() as uow:
        return resolve_session(uow, token, now=now)


def refusal(database, token, now=None) -> str:
    with pytest.raises(SessionRefused) as refused:
        resolve(database, token, now)
    return refused.value.reason


def test_a_session_token_leads_back_to_its_user(database):
    add(database, "olena")
    grant = login(database, "olena")
    assert resolve(database, grant.token).name == "olena"
    assert len(grant.token) >= 43  # 32 random bytes
    assert login(database, "olena").token != grant.token


def test_only_the_hash_of_a_token_is_stored(database):
    add(database, "olena")
    grant = login(database, "olena")
    with database.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM sessions")).scalars().all()
    assert stored == [hashlib.sha256(grant.token.encode()).hexdigest()]
    assert grant.token not in " ".join(str(e) for e in audit_actions(database))


def test_a_session_lasts_eight_hours_by_default(database):
    add(database, "olena")
    grant = login(database, "olena", now=NOON)
    assert grant.expires_at == NOON + DEFAULT_SESSION_LIFETIME == NOON + timedelta(hours=8)
    assert resolve(database, grant.token, now=NOON + timedelta(hours=7, minutes=59)).name == "olena"


def test_an_expired_session_is_refused(database):
    add(database, "olena")
    grant = login(database, "olena", now=NOON)
    assert refusal(database, grant.token, now=NOON + timedelta(hours=8)) == "expired"
    assert refusal(database, grant.token, now=NOON + timedelta(days=30)) == "expired"


def test_the_lifetime_is_configurable(database):
    add(database, "olena")
    grant = login(database, "olena", now=NOON, lifetime=timedelta(minutes=15))
    assert resolve(database, grant.token, now=NOON + timedelta(minutes=14)).name == "olena"
    assert refusal(database, grant.token, now=NOON + timedelta(minutes=15)) == "expired"


@pytest.mark.parametrize("token", [None, "", "made-up-token", "x" * 100_000])
def test_an_unknown_token_is_refused(database, token):
    assert refusal(database, token) == "unknown"


def test_logout_ends_the_session_and_is_recorded(database):
    add(database, "olena")
    grant = login(database, "olena")
    with database.unit_of_work() as uow:
        assert logout(uow, grant.token) is True
        uow.commit()
    assert refusal(database, grant.token) == "unknown"
    with database.unit_of_work() as uow:
        assert logout(uow, grant.token) is False
    assert audit_actions(database)[-1] == ("olena", "logout", "olena")


def test_disabling_a_user_ends_their_sessions(database):
    add(database, "admin", "admin")
    add(database, "olena")
    grant = login(database, "olena")
    assert not disable(database, "olena").active
    assert refusal(database, grant.token) == "unknown"
    assert ("command-line", "user.disabled", "olena") in audit_actions(database)


def test_a_session_of_a_user_disabled_behind_its_back_is_refused(database):
    add(database, "olena")
    grant = login(database, "olena")
    with database.unit_of_work() as uow:  # the account flag alone, as another process might set it
        uow.users.disable(uow.users.by_name("olena").id, NOON)
        uow.commit()
    assert refusal(database, grant.token) == "disabled"


def test_a_disabled_user_cannot_log_in(database):
    add(database, "admin", "admin")
    add(database, "olena")
    disable(database, "olena")
    with pytest.raises(LoginRefused) as refused:
        login(database, "olena")
    assert refused.value.reason == "account disabled"


def test_expired_sessions_can_be_purged(database):
    add(database, "olena")
    old = login(database, "olena", now=NOON - timedelta(days=1))
    fresh = login(database, "olena", now=NOON)
    with database.unit_of_work() as uow:
        assert purge_expired_sessions(uow, now=NOON + timedelta(hours=1)) == 1
        uow.commit()
    assert refusal(database, old.token, now=NOON + timedelta(hours=1)) == "unknown"
    assert resolve(database, fresh.token, now=NOON + timedelta(hours=1)).name == "olena"


def test_naive_times_are_refused(database):
    add(database, "olena")
    with pytest.raises(ValueError, match="time zone"):
        login(database, "olena", now=datetime(2026, 11, 27, 12, 0))
