"""The audit log in a real database: appended in the caller's transaction, refused any change by
the database itself, and — when someone goes around the refusal — found out by `verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from safezone.services import accounts
from safezone.services.audit import record, recent, verify
from tests.audit.conftest import PASSWORD
from tests.audit.tampering import shift_from, swap, tamper


def kinds(report) -> list[tuple[int, str]]:
    return [(p.seq, p.kind) for p in report.problems]


def check(database):
    with database.unit_of_work() as uow:
        return verify(uow)


def test_the_chain_stays_intact_through_many_actions(database):
    with database.unit_of_work() as uow:
        accounts.add_user(uow, "admin", PASSWORD, ["admin"])
        admin = uow.users.by_name("admin")
        uow.commit()
    for n in range(20):
        with database.unit_of_work() as uow:
            accounts.add_user(uow, f"user{n}", PASSWORD, ["issuer", "approver"], by=admin)
            grant = accounts.authenticate(uow, f"user{n}", PASSWORD)
            record(uow, grant.user, "alert.submitted", f"alert-{n}", {"n": n, "text": "Укриття — shelter now"})
            accounts.logout(uow, grant.token)
            uow.commit()
        with pytest.raises(accounts.LoginRefused), database.unit_of_work() as uow:
            accounts.authenticate(uow, f"user{n}", "not the password at all")
    report = check(database)
    assert report.intact, report.problems
    assert report.entries == 1 + 20 * 5
    assert report.head.seq == report.entries
    with database.unit_of_work() as uow:
        actions = [e.action for e in uow.audit.entries()]
    assert actions[:6] == ["user.added", "user.added", "login.succeeded", "alert.submitted", "logout", "login.failed"]


def test_an_entry_commits_and_rolls_back_with_its_action(database):
    with database.unit_of_work() as uow:
        accounts.add_user(uow, "olena", PASSWORD, ["issuer"])
        # no commit: the user and the entry vanish together
    with database.unit_of_work() as uow:
        assert uow.users.by_name("olena") is None
        assert uow.audit.count() == 0
        entry = record(uow, "olena", "alert.submitted", "alert-1")
        uow.commit()
    assert entry.seq == 1  # the rolled-back entry left no gap
    assert check(database).intact


def test_recent_gives_the_newest_entries_oldest_first(logged):
    with logged.unit_of_work() as uow:
        last = recent(uow, 3)
    assert [e.seq for e in last] == [6, 7, 8]
    assert last[-1].details == {"areas": ["UKR-1-5"], "n": 5}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 8",
        "DELETE FROM audit_log",
        "UPDATE audit_head SET seq = 2",
        "DELETE FROM audit_head",
        "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) "
        "VALUES (9, CURRENT_TIMESTAMP, 'mallory', 'x', 'y', '{}', 'bad', 'bad')",
    ],
)
def test_the_database_refuses_to_change_the_log(logged, statement):
    with pytest.raises(DBAPIError, match="append-only|audit_head|must follow"):
        with logged.engine.begin() as connection:
            connection.execute(text(statement))
    assert check(logged).intact
    assert check(logged).entries == 8


@pytest.mark.postgres
def test_postgres_refuses_truncate_too(postgres_url):
    from safezone.adapters.db import Database

    with Database(postgres_url) as db:
        with pytest.raises(DBAPIError, match="TRUNCATE refused"):
            with db.engine.begin() as connection:
                connection.execute(text("TRUNCATE audit_log"))


def test_a_changed_detail_is_found(logged):
    tamper(logged.url, "UPDATE audit_log SET details = '{\"areas\":[\"UKR-1-9\"],\"n\":2}' WHERE seq = 5")
    report = check(logged)
    assert kinds(report) == [(5, "changed")]


def test_a_changed_actor_is_found(logged):
    tamper(logged.url, "UPDATE audit_log SET actor = 'somebody else' WHERE seq = 1")
    assert kinds(check(logged)) == [(1, "changed")]


def test_a_removed_entry_is_found(logged):
    tamper(logged.url, "DELETE FROM audit_log WHERE seq = 4")
    report = check(logged)
    assert kinds(report) == [(4, "missing")]
    assert report.entries == 7


def test_entries_removed_from_the_end_are_found(logged):
    tamper(logged.url, "DELETE FROM audit_log WHERE seq >= 7")
    assert kinds(check(logged)) == [(7, "missing")]


def test_two_swapped_entries_are_found(logged):
    tamper(logged.url, *swap(3, 6))
    report = check(logged)
    assert kinds(report) == [(3, "moved"), (6, "moved")]
    assert report.problems[0].message == "this entry was recorded as #6"


def test_an_inserted_entry_is_found(logged):
    with logged.unit_of_work() as uow:
        fourth = next(e for e in uow.audit.entries() if e.seq == 4)
    tamper(
        logged.url,
        *shift_from(5, 1),
        "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES "
        f"(5, CURRENT_TIMESTAMP, 'mallory', 'alert.approved', 'alert-2', '{{}}', '{fourth.hash}', '{'a' * 64}')",
    )
    report = check(logged)
    assert report.problems[0].seq == 5 and report.problems[0].kind == "inserted"
    assert kinds(report)[1:5] == [(6, "moved"), (7, "moved"), (8, "moved"), (9, "moved")]


def test_the_chain_can_be_appended_to_again_after_verification(logged):
    with logged.unit_of_work() as uow:
        record(uow, "olena", "alert.cancelled", "alert-1")
        uow.commit()
    report = check(logged)
    assert report.intact and report.entries == 9
