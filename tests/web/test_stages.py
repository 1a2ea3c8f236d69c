"""Stages through the real app, on SQLite and PostgreSQL: the operator routes for an early
warning, escalate, remind and stand down; the public answers name each alert's stage and threat
class and, once it ended, which way; and parallel escalate and stand-down: exactly one wins."""

from __future__ import annotations

import pytest

from tests.support.app import compose_body, login
from tests.web.test_races import TRIALS, actions_on, at_once, one_winner


def early_warning(alice, bob, status: str = "Actual", areas=("AAA-0-1",)) -> int:
    body = compose_body(status, areas=areas, threat="medium range", stage="early-warning")
    answer = alice.post("/api/operator/alerts", body)
    assert answer.status_code == 201, answer.text
    alert_id = answer.json()["alert"]["id"]
    assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
    if status == "Actual":
        assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 200
    return alert_id


def test_the_chain_through_the_api_and_what_the_public_reads(api):
    alice, bob = login(api, "alice"), login(api, "bob")
    early = early_warning(alice, bob)
    public = api.get(f"/api/alerts/{early}").json()
    assert (public["stage"], public["ended"], public["threat"]) == ("early-warning", None, "medium range")
    here = api.get("/api/where", params={"lat": 50.45, "lon": 29.99}).json()
    assert [(a["id"], a["stage"], a["threat"]) for a in here["alerts"]] == [(early, "early-warning", "medium range")]

    escalation = alice.post(f"/api/operator/alerts/{early}/escalate")
    assert escalation.status_code == 200 and escalation.json()["state"] == "submitted"  # two persons, as any alert
    alarm = escalation.json()["id"]
    assert bob.post(f"/api/operator/alerts/{alarm}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{alarm}/issue").status_code == 200
    assert api.get(f"/api/alerts/{early}").json()["ended"] == "superseded"

    reminder = alice.post(f"/api/operator/alerts/{alarm}/remind")
    assert reminder.status_code == 200 and reminder.json()["state"] == "issued"
    assert reminder.json()["stage"] == "stay-in-shelter"
    listed = {a["id"]: a["stage"] for a in api.get("/api/alerts").json()["alerts"]}
    assert listed == {reminder.json()["id"]: "stay-in-shelter"}

    clear = alice.post(f"/api/operator/alerts/{reminder.json()['id']}/all-clear")
    assert clear.status_code == 200 and clear.json()["stage"] == "all-clear"
    assert api.get(f"/api/alerts/{reminder.json()['id']}").json()["ended"] == "all-clear"
    assert api.get("/api/alerts").json()["alerts"] == []


def test_refused_steps_are_409_with_a_reason(api):
    alice, bob = login(api, "alice"), login(api, "bob")
    early = early_warning(alice, bob)
    for step in ("all-clear", "remind"):
        answer = alice.post(f"/api/operator/alerts/{early}/{step}")
        assert answer.status_code == 409, answer.text
        assert "not under alert" in answer.json()["reason"] or "needs an alert" in answer.json()["reason"]
    stood = alice.post(f"/api/operator/alerts/{early}/stand-down")
    assert stood.status_code == 200 and stood.json()["state"] == "issued"
    assert api.get(f"/api/alerts/{early}").json()["ended"] == "stood-down"
    assert "STOOD DOWN: " in api.get("/feeds/alerts.atom").text  # a feed reader learns how it ended
    refused = alice.post("/api/operator/alerts", compose_body(stage="early-warning"))  # short range: none
    assert refused.status_code == 400 and refused.json()["field"] == "stage", refused.text
    bad = alice.post("/api/operator/alerts", compose_body(stage="all-clear"))
    assert bad.status_code == 422


def test_ended_alerts_say_which_way_cancelled_and_expired(api, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    cancelled = early_warning(alice, bob, "Exercise")
    assert alice.post(f"/api/operator/alerts/{cancelled}/cancel").status_code == 200
    assert api.get(f"/api/alerts/{cancelled}").json()["ended"] == "cancelled"
    expiring = early_warning(alice, bob, "Exercise")
    clock.advance(minutes=16)  # the early warning's 15 minutes
    assert api.get(f"/api/alerts/{expiring}").json()["ended"] == "expired"


def test_options_list_each_threat_class_stages(api):
    alice = login(api, "alice")
    threats = {t["name"]: t for t in alice.get("/api/operator/options").json()["threats"]}
    assert threats["short range"]["stages"] == ["alert", "stay-in-shelter", "all-clear"]
    assert threats["medium range"]["stage_lifetime_minutes"] == {"early-warning": 15, "alert": 60,
                                                                 "stay-in-shelter": 30, "all-clear": 60}


def test_escalate_and_stand_down_at_once_exactly_one_wins(api, container):
    """On an Exercise, so the escalation issues at once like the stand-down."""
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    for trial in range(TRIALS):
        early = early_warning(alice, bob, "Exercise")
        answers = at_once(lambda: alice.post(f"/api/operator/alerts/{early}/escalate"),
                          lambda: carol.post(f"/api/operator/alerts/{early}/stand-down"))
        winner = one_winner(answers)
        state = alice.get(f"/api/operator/alerts/{early}").json()["alert"]["state"]
        assert state == ("updated", "stood-down")[winner], f"trial {trial}"
        with container.database.unit_of_work() as uow:
            follow_ups = [a.id for a in uow.alerts.listed() if a.follows == early]
        assert follow_ups == [answers[winner].json()["id"]], f"trial {trial}"
        endings = [a for a in actions_on(container, early) if a in ("alert.superseded", "alert.stood_down")]
        assert endings == [("alert.superseded", "alert.stood_down")[winner]], f"trial {trial}"


@pytest.mark.parametrize("first,second", [("escalate", "escalate"), ("stand-down", "stand-down")])
def test_the_same_step_twice_at_once_happens_once(api, container, first, second):
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    early = early_warning(alice, bob, "Exercise")
    one_winner(at_once(lambda: alice.post(f"/api/operator/alerts/{early}/{first}"),
                       lambda: carol.post(f"/api/operator/alerts/{early}/{second}")))
    with container.database.unit_of_work() as uow:
        assert len([a for a in uow.alerts.listed() if a.follows == early]) == 1


def test_a_reminder_cannot_keep_a_real_alert_in_force_beyond_its_approved_expiry(api):
    """A reminder goes out in one step because it repeats what was approved; a longer life is
    a change that needs a second person (an update)."""
    alice, bob = login(api, "alice"), login(api, "bob")
    alarm = alice.post("/api/operator/alerts", compose_body(lifetime_minutes=60)).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alarm}/submit")
    bob.post(f"/api/operator/alerts/{alarm}/approve")
    assert alice.post(f"/api/operator/alerts/{alarm}/issue").status_code == 200
    approved_expiry = api.get(f"/api/alerts/{alarm}").json()["expires"]

    longer = alice.post(f"/api/operator/alerts/{alarm}/remind", {"lifetime_minutes": 600})
    assert longer.status_code == 400, longer.text
    assert longer.json()["field"] == "lifetime_minutes" and "second person" in longer.json()["reason"]
    assert api.get(f"/api/alerts/{alarm}").json()["expires"] == approved_expiry  # nothing changed
    assert [a["id"] for a in api.get("/api/alerts").json()["alerts"]] == [alarm]

    shorter = alice.post(f"/api/operator/alerts/{alarm}/remind", {"lifetime_minutes": 30})
    assert shorter.status_code == 200 and shorter.json()["state"] == "issued", shorter.text
