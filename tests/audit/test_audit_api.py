"""The audit log over the operator API (`/api/operator/audit`, `/audit/verify`), on SQLite and
PostgreSQL: filters, a cursor that pages through without gaps or repeats, who may read and
who may verify (refusals audited), bad filters named, and a tampered log showing where it breaks."""

from __future__ import annotations

import pytest

from safezone.services import audit_reading
from tests.audit.tampering import tamper
from tests.support.app import api, clock, container, issue_alert, login  # noqa: F401  (fixtures)

AUDIT = "/api/operator/audit"


def seqs(answer) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [entry["seq"] for entry in answer.json()["entries"]]


def every_entry(container) -> list:
    with container.database.unit_of_work() as uow:
        return list(uow.audit.entries())


def test_filters_pick_entries_newest_first(api, container, clock):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    clock.advance(hours=1)
    alert_id = issue_alert(alice, bob)
    log = every_entry(container)
    newest_first = [e.seq for e in reversed(log)]

    assert seqs(dave.get(AUDIT, params={"limit": 200})) == newest_first
    assert seqs(dave.get(AUDIT, params={"actor": "ALICE"})) == [e.seq for e in reversed(log) if e.actor == "alice"]
    added = seqs(dave.get(AUDIT, params={"action": "user.added"}))
    assert len(added) == 4 and added == [e.seq for e in reversed(log) if e.action == "user.added"]
    about_alert = dave.get(AUDIT, params={"alert": alert_id}).json()["entries"]
    assert [e["action"] for e in about_alert] == ["alert.issued", "alert.approved", "alert.submitted", "alert.composed"]
    assert all(e["subject"] == f"alert {alert_id}" for e in about_alert)
    assert seqs(dave.get(AUDIT, params={"action": "alert", "actor": "bob"})) == [about_alert[1]["seq"]]
    assert seqs(dave.get(AUDIT, params={"action": "alert.issue"})) == []  # a whole action, not any prefix
    later = seqs(dave.get(AUDIT, params={"from": "2026-11-27T13:00:00Z"}))
    assert later == [e.seq for e in reversed(log) if e.at.hour >= 13] and len(later) >= 4
    earlier = seqs(dave.get(AUDIT, params={"to": "2026-11-27T12:30:00+00:00", "limit": 200}))
    assert sorted(earlier + later, reverse=True) == newest_first
    assert seqs(dave.get(AUDIT, params={"from": "2026-11-27T14:00:00+01:00", "to": "2026-11-27T13:30"})) == later


def test_the_cursor_pages_through_without_gaps_or_repeats(api, container):
    dave = login(api, "dave")
    for name in ("alice", "bob", "carol"):
        login(api, name)
    seen, cursor = [], None
    while True:
        answer = dave.get(AUDIT, params={"limit": 3, **({"before": cursor} if cursor else {})}).json()
        assert len(answer["entries"]) <= 3
        seen += [e["seq"] for e in answer["entries"]]
        cursor = answer["next_before"]
        if cursor is None:
            break
    assert seen == [e.seq for e in reversed(every_entry(container))]


def test_approvers_read_admins_verify_others_are_refused_and_recorded(api, container):
    alice, bob, dave = login(api, "alice"), login(api, "bob"), login(api, "dave")
    refused = alice.get(AUDIT)
    assert refused.status_code == 403 and "it needs the admin or approver role" in refused.json()["reason"]
    assert alice.get(f"{AUDIT}/verify").status_code == 403
    assert bob.get(AUDIT).status_code == 200
    not_admin = bob.get(f"{AUDIT}/verify")
    assert not_admin.status_code == 403 and "it needs the admin role" in not_admin.json()["reason"]
    denied = [(e["actor"], e["details"]["action"]) for e in dave.get(AUDIT, params={"action": "permission.denied"}).json()["entries"]]
    assert denied == [("bob", "verify the audit log"), ("alice", "verify the audit log"), ("alice", "read the audit log")]
    assert api.get(AUDIT).status_code == 401


@pytest.mark.parametrize("params, field", [
    ({"from": "yesterday"}, "from"), ({"to": "2026-13-01"}, "to"), ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"), ({"before": "x"}, "before"), ({"alert": "seven"}, "alert"),
    ({"from": "2026-11-28", "to": "2026-11-27"}, "to"), ({"alert": 3, "subject": "alice"}, "alert"),
    ({"actor": "a" * 101}, "actor"),
])
def test_bad_filters_are_422_naming_the_field(api, params, field):
    answer = login(api, "dave").get(AUDIT, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field and answer.json()["reason"].startswith(f"{field}: ")


def test_verify_says_intact_with_the_head_then_where_a_tampered_log_breaks(api, container, db_url):
    dave = login(api, "dave")
    intact = dave.get(f"{AUDIT}/verify").json()
    log = every_entry(container)
    assert intact["intact"] is True and intact["entries"] == len(log) == intact["head"]["seq"]
    assert intact["head"]["hash"] == log[-1].hash and intact["problems"] == [] and intact["first_problem"] is None
    tamper(db_url, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    broken = dave.get(f"{AUDIT}/verify").json()
    assert broken["intact"] is False and broken["problem_count"] >= 1
    assert broken["first_problem"] == {"seq": 3, "kind": "changed", "message": "its content no longer matches its hash"}
    assert seqs(dave.get(AUDIT, params={"actor": "mallory"})) == [3]  # the log still reads


def test_one_verification_at_a_time_and_a_refused_one_takes_no_turn(api):
    dave, bob = login(api, "dave"), login(api, "bob")
    with audit_reading._verifying:  # as if a long verification were running
        busy = dave.get(f"{AUDIT}/verify")
        assert bob.get(f"{AUDIT}/verify").status_code == 403
    assert busy.status_code == 429 and busy.headers["retry-after"] == "5"
    assert "a verification of the audit log is running" in busy.json()["reason"]
    assert dave.get(f"{AUDIT}/verify").json()["intact"] is True


@pytest.mark.postgres
def test_a_verification_is_not_confused_by_entries_appended_while_it_reads(postgres_url):
    """SQLite's read transaction keeps writers' commits out until it ends; PostgreSQL needs the snapshot."""
    from safezone.adapters.db import Database
    from safezone.domain.audit import verify_chain
    from safezone.services.audit import record

    with Database(postgres_url) as db:
        with db.unit_of_work() as uow:
            record(uow, "olena", "alert.submitted", "alert 1")
            uow.commit()
        with db.unit_of_work(read_only=True) as reading:
            reading.audit.one_snapshot()
            head = reading.audit.head()
            with db.unit_of_work() as writing:
                record(writing, "olena", "alert.submitted", "alert 2")
                writing.commit()
            assert verify_chain(list(reading.audit.entries()), head) == []
