"""Ending an alert stays one step in the templates' words; an Actual cancel, all-clear or
update in the operator's own words (texts or note) needs a second person, like an alert.
Through the real app, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from safezone.adapters.cap_xml import check
from tests.support.app import Session, compose_body, headlines, login

OWN_TEXT = {"en": {"headline": "Leave the shelters now", "description": "Written by the duty officer."}}


def in_force(alice: Session, bob: Session, status: str = "Actual") -> int:
    alert_id = alice.post("/api/operator/alerts", compose_body(status, areas=("AAA-0-1",))).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    if status == "Actual":
        assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{alert_id}/issue").json()["state"] == "issued"
    return alert_id


@pytest.mark.parametrize("ending", ["cancel", "all-clear"])
def test_in_the_templates_words_an_alert_ends_in_one_step(api, ending):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = in_force(alice, bob)
    ended = alice.post(f"/api/operator/alerts/{alert_id}/{ending}").json()
    assert ended["state"] == "issued" and ended["kind"] == ending
    assert ended["workflow"]["own_words"] is False and ended["workflow"]["needs_approval"] is False
    assert api.get("/api/alerts").json()["count"] == 0


@pytest.mark.parametrize("ending, body", [
    ("cancel", {"texts": OWN_TEXT}),
    ("all-clear", {"texts": OWN_TEXT}),
    ("cancel", {"note": "MISSILES INBOUND — take cover"}),
    ("all-clear", {"note": "written by hand"}),
])
def test_in_own_words_an_actual_ending_waits_for_a_second_person(api, container, ending, body):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = in_force(alice, bob)
    pending = alice.post(f"/api/operator/alerts/{alert_id}/{ending}", body)
    assert pending.status_code == 200, pending.text
    follow_up = pending.json()
    assert follow_up["state"] == "submitted"
    assert follow_up["workflow"]["own_words"] is True and follow_up["workflow"]["needs_approval"] is True
    # Nothing went out: the alert is still in force, and its author alone cannot send the words.
    assert [a["id"] for a in api.get("/api/alerts").json()["alerts"]] == [alert_id]
    refused = alice.post(f"/api/operator/alerts/{follow_up['id']}/issue")
    assert refused.status_code == 409 and "own words" in refused.json()["reason"]
    with container.database.unit_of_work() as uow:
        assert [e.alert_id for e in uow.outbox.pending()] == [alert_id]

    assert bob.post(f"/api/operator/alerts/{follow_up['id']}/approve").json()["state"] == "approved"
    issued = alice.post(f"/api/operator/alerts/{follow_up['id']}/issue").json()
    assert issued["state"] == "issued" and issued["workflow"]["approved_by"] == "bob"
    assert alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"] == (
        "cancelled" if ending == "cancel" else "all-clear")
    message = check(api.get(f"/api/alerts/{follow_up['id']}/cap.xml").content)
    assert message.ok, message.issues
    if "texts" in body:
        assert headlines(issued)["en"] == ["Leave the shelters now"]
    elif ending == "cancel":  # a Cancel carries its note to receivers (an all-clear keeps it among operators)
        assert message.alert.note == body["note"]


def test_nobody_approves_their_own_words(api):
    alice, bob, carol = login(api, "alice"), login(api, "bob"), login(api, "carol")
    alert_id = in_force(alice, bob)
    mine = carol.post(f"/api/operator/alerts/{alert_id}/cancel", {"texts": OWN_TEXT}).json()
    assert mine["state"] == "submitted"
    assert carol.post(f"/api/operator/alerts/{mine['id']}/approve").status_code == 403


def test_a_template_cancel_still_goes_out_while_own_words_wait(api):
    """The one-step cancel is never blocked by a pending one in someone's own words; that one
    can no longer be issued once the alert has ended."""
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = in_force(alice, bob)
    pending = alice.post(f"/api/operator/alerts/{alert_id}/cancel", {"texts": OWN_TEXT}).json()
    assert pending["state"] == "submitted"
    now = alice.post(f"/api/operator/alerts/{alert_id}/cancel").json()
    assert now["state"] == "issued" and now["workflow"]["own_words"] is False
    assert bob.post(f"/api/operator/alerts/{pending['id']}/approve").status_code == 200
    late = alice.post(f"/api/operator/alerts/{pending['id']}/issue")
    assert late.status_code == 409 and "not in force" in late.json()["reason"]


def test_drills_in_own_words_need_no_second_person(api):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = in_force(alice, bob, "Exercise")
    ended = alice.post(f"/api/operator/alerts/{alert_id}/all-clear", {"texts": OWN_TEXT}).json()
    assert ended["state"] == "issued"
    assert ended["workflow"]["own_words"] is True and ended["workflow"]["needs_approval"] is False


def test_an_alert_says_whether_its_words_are_the_operators(api):
    alice = login(api, "alice")
    templated = alice.post("/api/operator/alerts", compose_body()).json()["alert"]
    own = alice.post("/api/operator/alerts", compose_body(texts=OWN_TEXT, languages=["en"])).json()["alert"]
    assert templated["workflow"]["own_words"] is False and own["workflow"]["own_words"] is True
    listed = {a["id"]: a["workflow"]["own_words"] for a in alice.get("/api/operator/alerts").json()["alerts"]}
    assert listed == {templated["id"]: False, own["id"]: True}
