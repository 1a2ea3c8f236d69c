"""Exercise and Test alerts: marked in CAP status and in every answer a person sees, issued
without a second person, and never mixed into the Actual alerts or the Actual feed."""

from __future__ import annotations

from safezone.adapters.cap_xml import check
from tests.support.app import headlines, compose_body, login


def test_an_exercise_is_marked_everywhere_and_kept_apart(api):
    alice, bob = login(api, "alice"), login(api, "bob")
    drill = alice.post("/api/operator/alerts", compose_body("Exercise")).json()["alert"]
    assert drill["banner"] == "EXERCISE — NOT A REAL ALERT"
    assert drill["workflow"]["needs_approval"] is False
    texts = headlines(drill)
    assert all(h.startswith("EXERCISE — NOT A REAL ALERT: ") for h in texts["en"])
    assert all(h.startswith("НАВЧАННЯ") for h in texts["uk"])
    assert all(h.startswith("УЧЕНИЯ") for h in texts["ru"])
    alice.post(f"/api/operator/alerts/{drill['id']}/submit")
    issued = alice.post(f"/api/operator/alerts/{drill['id']}/issue").json()  # no second person for a drill
    assert issued["state"] == "issued" and issued["status"] == "Exercise"

    real = alice.post("/api/operator/alerts", compose_body("Actual", areas=("BBB-1-1",))).json()["alert"]
    alice.post(f"/api/operator/alerts/{real['id']}/submit")
    bob.post(f"/api/operator/alerts/{real['id']}/approve")
    alice.post(f"/api/operator/alerts/{real['id']}/issue")

    actual = api.get("/api/alerts").json()
    assert [a["id"] for a in actual["alerts"]] == [real["id"]] and actual["banner"] is None
    drills = api.get("/api/alerts", params={"status": "Exercise"}).json()
    assert [a["id"] for a in drills["alerts"]] == [drill["id"]]
    assert drills["banner"] == "EXERCISE — NOT A REAL ALERT"
    assert all(a["banner"] == "EXERCISE — NOT A REAL ALERT" for a in drills["alerts"])
    assert api.get("/api/alerts", params={"status": "Test"}).json()["count"] == 0
    assert [f["id"] for f in api.get("/api/alerts.geojson").json()["features"]] == [real["id"]]

    actual_feed = api.get("/feeds/alerts.atom").content
    drill_feed = api.get("/feeds/exercises.atom").content
    assert f"/api/alerts/{real['id']}/cap.xml".encode() in actual_feed
    assert f"/api/alerts/{drill['id']}/cap.xml".encode() not in actual_feed
    assert b"EXERCISE" not in actual_feed
    assert f"/api/alerts/{drill['id']}/cap.xml".encode() in drill_feed
    assert "<title>EXERCISE: EXERCISE — NOT A REAL ALERT".encode() in drill_feed

    cap = check(api.get(f"/api/alerts/{drill['id']}/cap.xml").content)
    assert cap.ok and cap.alert.status == "Exercise"
    here = api.get("/api/where", params={"lat": 50.5, "lon": 29.99}).json()
    assert here["alerts"] == [] and [d["id"] for d in here["drills"]] == [drill["id"]]
    assert here["drills"][0]["banner"] == "EXERCISE — NOT A REAL ALERT"


def test_system_and_draft_messages_never_reach_the_public(api):
    alice = login(api, "alice")
    for status in ("System", "Draft"):
        alert_id = alice.post("/api/operator/alerts", compose_body(status)).json()["alert"]["id"]
        alice.post(f"/api/operator/alerts/{alert_id}/submit")
        assert alice.post(f"/api/operator/alerts/{alert_id}/issue").json()["state"] == "issued"
        assert api.get(f"/api/alerts/{alert_id}").status_code == 404
        assert api.get(f"/api/alerts/{alert_id}/cap.xml").status_code == 404
    assert api.get("/api/alerts", params={"status": "System"}).status_code == 422
    assert api.get("/api/alerts").json()["count"] == 0


def test_operators_own_words_in_a_drill_still_carry_the_marker(api):
    alice = login(api, "alice")
    body = compose_body("Test", texts={"en": {"headline": "Siren check at noon"}})
    alert = alice.post("/api/operator/alerts", body).json()["alert"]
    assert headlines(alert)["en"] == ["TEST — NOT A REAL ALERT: Siren check at noon"]
    assert alert["banner"] == "TEST — NOT A REAL ALERT"
