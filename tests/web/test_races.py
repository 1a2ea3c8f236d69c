"""Two operators acting on one alert at the same moment, through the real app on SQLite and on
PostgreSQL: exactly one of them wins, the other is told 409, and the audit log, the outbox and
the alert agree on what happened — nothing is lost and nothing is done twice.

Each request comes from a thread of its own and the app serves them from its worker threads,
so the two steps really run at once; a barrier releases both together.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest

from safezone.services.alerts import OUTBOX_TOPIC
from tests.support.app import Session, compose_body, login

APPROVE_REJECT_TRIALS = 20
TRIALS = 5
FOLLOW_UP_TRIALS = 3


def at_once(*steps: Callable[[], Any]) -> list[Any]:
    """Run each step in its own thread, released together; their answers in order."""
    start = threading.Barrier(len(steps))
    answers: list[Any] = [None] * len(steps)

    def run(index: int) -> None:
        start.wait()
        try:
            answers[index] = steps[index]()
        except BaseException as error:  # noqa: BLE001 - the test reads it
            answers[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def codes(answers: list[Any]) -> list[int]:
    assert all(not isinstance(a, BaseException) for a in answers), answers
    return [a.status_code for a in answers]


def one_winner(answers: list[Any]) -> int:
    """The index of the single 200 among answers that are otherwise 409s."""
    found = codes(answers)
    assert sorted(found) == [200] + [409] * (len(found) - 1), [(a.status_code, a.text) for a in answers]
    return found.index(200)


def actions_on(container: Any, alert_id: int) -> list[str]:
    with container.database.unit_of_work() as uow:
        return [e.action for e in uow.audit.entries() if e.subject == f"alert {alert_id}"]


def submitted(alice: Session, status: str = "Actual") -> int:
    alert_id = alice.post("/api/operator/alerts", compose_body(status, areas=("AAA-0-1",))).json()["alert"]["id"]
    assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
    return alert_id


def issued(alice: Session, bob: Session, status: str = "Actual") -> int:
    alert_id = submitted(alice, status)
    if status == "Actual":
        assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 200
    return alert_id


def test_approve_and_reject_at_once_one_decision_wins(api, container):
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    for trial in range(APPROVE_REJECT_TRIALS):
        alert_id = submitted(alice)
        answers = at_once(lambda: bob.post(f"/api/operator/alerts/{alert_id}/approve"),
                          lambda: carol.post(f"/api/operator/alerts/{alert_id}/reject", {"reason": "wrong areas"}))
        winner = one_winner(answers)
        state = alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"]
        assert state == ("approved", "rejected")[winner], f"trial {trial}"
        decisions = [a for a in actions_on(container, alert_id) if a in ("alert.approved", "alert.rejected")]
        assert decisions == [("alert.approved", "alert.rejected")[winner]], f"trial {trial}"
        if state == "rejected":  # a rejection is never lost: the alert cannot be issued
            assert alice.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 409


def test_two_approvers_at_once_one_approval(api, container):
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    for trial in range(TRIALS):
        alert_id = submitted(alice)
        winner = one_winner(at_once(lambda: bob.post(f"/api/operator/alerts/{alert_id}/approve"),
                                    lambda: carol.post(f"/api/operator/alerts/{alert_id}/approve")))
        body = alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]
        assert body["workflow"]["approved_by"] == ("bob", "carol")[winner], f"trial {trial}"
        assert actions_on(container, alert_id).count("alert.approved") == 1, f"trial {trial}"


def test_submit_twice_at_once_one_submission(api, container):
    alice, carol = login(api, "alice"), login(api, "carol")
    for trial in range(TRIALS):
        alert_id = alice.post("/api/operator/alerts", compose_body(areas=("AAA-0-1",))).json()["alert"]["id"]
        one_winner(at_once(lambda: alice.post(f"/api/operator/alerts/{alert_id}/submit"),
                           lambda: carol.post(f"/api/operator/alerts/{alert_id}/submit")))
        assert actions_on(container, alert_id).count("alert.submitted") == 1, f"trial {trial}"


def test_issue_twice_at_once_one_message(api, container):
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    for trial in range(TRIALS):
        alert_id = submitted(alice)
        assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
        one_winner(at_once(lambda: alice.post(f"/api/operator/alerts/{alert_id}/issue"),
                           lambda: carol.post(f"/api/operator/alerts/{alert_id}/issue")))
        assert actions_on(container, alert_id).count("alert.issued") == 1, f"trial {trial}"
        with container.database.unit_of_work() as uow:
            assert [e.topic for e in uow.outbox.for_alert(alert_id)] == [OUTBOX_TOPIC]


# Two ways of ending (or changing) one alert in force, sent at once: only one may follow it.
FOLLOW_UPS = {
    "cancel-cancel": (("cancel", None), ("cancel", None)),
    "cancel-all-clear": (("cancel", None), ("all-clear", None)),
    "all-clear-all-clear": (("all-clear", None), ("all-clear", None)),
    "update-cancel": (("update", {"areas": ["AAA-0-1", "AAA-1-1"]}), ("cancel", None)),
    "update-update": (("update", {"areas": ["AAA-1-1"]}), ("update", {"areas": ["AAA-0-1", "AAA-1-1"]})),
}


@pytest.mark.parametrize("pair", list(FOLLOW_UPS))
def test_two_follow_ups_at_once_only_one_follows(api, container, pair):
    """On an Exercise, so every follow-up (even an update) issues at once, by its author alone."""
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    (first, first_body), (second, second_body) = FOLLOW_UPS[pair]
    for trial in range(FOLLOW_UP_TRIALS):
        alert_id = issued(alice, bob, "Exercise")
        answers = at_once(lambda: alice.post(f"/api/operator/alerts/{alert_id}/{first}", first_body),
                          lambda: carol.post(f"/api/operator/alerts/{alert_id}/{second}", second_body))
        winner = one_winner(answers)
        follow_up = answers[winner].json()
        assert follow_up["state"] == "issued" and follow_up["follows"] == alert_id
        with container.database.unit_of_work() as uow:
            follow_ups = [a for a in uow.alerts.listed() if a.follows == alert_id]
            ended = uow.alerts.get(alert_id)
            announced = [e.alert_id for e in uow.outbox.pending(limit=10_000)]
        assert [a.id for a in follow_ups] == [follow_up["id"]], f"trial {trial}: {pair}"
        assert ended.state.value == {"cancel": "cancelled", "all-clear": "all-clear",
                                     "update": "updated"}[(first, second)[winner]]
        assert announced.count(follow_up["id"]) == 1 and announced.count(alert_id) == 1
        ending = [a for a in actions_on(container, alert_id)
                  if a in ("alert.cancelled", "alert.cleared", "alert.superseded")]
        assert len(ending) == 1, f"trial {trial}: {pair}: {ending}"


def test_an_actual_update_and_a_cancel_at_once(api, container):
    """The Actual update waits for a second person; the cancel goes out at once and ends the
    alert, so the pending update can no longer be issued."""
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    for trial in range(TRIALS):
        alert_id = issued(alice, bob)
        update, cancel = at_once(
            lambda: alice.post(f"/api/operator/alerts/{alert_id}/update", {"areas": ["AAA-1-1"]}),
            lambda: carol.post(f"/api/operator/alerts/{alert_id}/cancel"))
        assert cancel.status_code == 200 and cancel.json()["state"] == "issued", cancel.text
        if update.status_code == 200:  # composed before the cancel went out
            pending = update.json()["id"]
            assert update.json()["state"] == "submitted"
            bob.post(f"/api/operator/alerts/{pending}/approve")
            assert alice.post(f"/api/operator/alerts/{pending}/issue").status_code == 409, f"trial {trial}"
        else:
            assert update.status_code == 409, update.text
        assert alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"] == "cancelled"

