"""Incidents matched to the alerts in force at their place and time, with hand-computed
expectations, on SQLite and PostgreSQL.

The sample zones (tests/conftest.py): a border at 30°E; AAA-0-1 (29.929–30°E, 15 s to
shelter), AAA-1-1 (29.718–29.929°E, 90 s), BBB-0-1 (30–30.071°E, 15 s), BBB-1-1 (30.071–
30.282°E, 90 s), all 50–51°N. Times UTC, 27 November 2026:
  12:00 A  Actual on AAA-0-1 and AAA-1-1        12:00 D  Exercise on BBB-1-1 (60 min)
  12:10 U  updates A: AAA-1-1 and BBB-0-1 (AAA-0-1 dropped, BBB-0-1 added)
  12:30 U  cancelled
  12:40 B  Actual on AAA-0-1; 12:50 all-clear
  13:00 C  Actual on BBB-1-1, 10 min, nothing happens
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.app import issue_alert, login


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 27, hour, minute, second, tzinfo=timezone.utc)


def _issue(alice, bob, areas, minutes, status="Actual"):
    return issue_alert(alice, bob, tuple(areas), status, lifetime_minutes=minutes)


@pytest.fixture
def alerts(api, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    clock.now = at(12, 0)
    ids = {"A": _issue(alice, bob, ["AAA-0-1", "AAA-1-1"], 120),
           "D": _issue(alice, bob, ["BBB-1-1"], 60, "Exercise")}
    clock.now = at(12, 10)
    update = alice.post(f"/api/operator/alerts/{ids['A']}/update", {"areas": ["AAA-1-1", "BBB-0-1"]}).json()
    bob.post(f"/api/operator/alerts/{update['id']}/approve")
    assert alice.post(f"/api/operator/alerts/{update['id']}/issue").status_code == 200
    ids["U"] = update["id"]
    clock.now = at(12, 30)
    assert alice.post(f"/api/operator/alerts/{ids['U']}/cancel").status_code == 200
    clock.now = at(12, 40)
    ids["B"] = _issue(alice, bob, ["AAA-0-1"], 120)
    clock.now = at(12, 50)
    assert alice.post(f"/api/operator/alerts/{ids['B']}/all-clear").status_code == 200
    clock.now = at(13, 0)
    ids["C"] = _issue(alice, bob, ["BBB-1-1"], 10)
    clock.now = at(13, 30)
    return ids


WEST_NEAR, WEST_FAR, EAST_NEAR, EAST_FAR = 29.99, 29.8, 30.01, 30.2
EDGE = 30.0  # the border: the edge AAA-0-1 and BBB-0-1 share
# name: (time, lon, expected verdict, alert, lead s, time to shelter s, area)
CASES = {
    "inside A, 5 min after issue": (at(12, 5), WEST_NEAR, "warned in time", "A", 300, 15, "AAA-0-1"),
    "on the edge of A's area": (at(12, 5), EDGE, "warned in time", "A", 300, 15, "AAA-0-1"),
    "a minute before A was issued": (at(11, 59), WEST_NEAR, "not warned", None, None, 15, "AAA-0-1"),
    "where the Update moved away from": (at(12, 20), WEST_NEAR, "not warned", None, None, 15, "AAA-0-1"),
    "where the Update kept A's warning": (at(12, 20), WEST_FAR, "warned in time", "U", 1200, 90, "AAA-1-1"),
    "10 s after the Update added the area": (at(12, 10, 10), EAST_NEAR, "warned late", "U", 10, 15, "BBB-0-1"),
    "a minute after the cancel": (at(12, 31), EAST_NEAR, "not warned", None, None, 15, "BBB-0-1"),
    "during B": (at(12, 45), WEST_NEAR, "warned in time", "B", 300, 15, "AAA-0-1"),
    "a minute after the all-clear": (at(12, 51), WEST_NEAR, "not warned", None, None, 15, "AAA-0-1"),
    "under the drill only": (at(12, 15), EAST_FAR, "not warned", None, None, 90, "BBB-1-1"),
}


def _record(analyst, moment, lon):
    answer = analyst.post("/api/operator/incidents", {
        "time": moment.isoformat(), "lat": 50.5, "lon": lon, "kind": "impact", "confidence": "confirmed",
        "source": "field report", "note": "test"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_each_incident_gets_its_hand_computed_verdict(api, alerts, analyst):
    for name, (moment, lon, verdict, alert, lead, shelter, area) in CASES.items():
        got = _record(analyst, moment, lon)["assessment"]
        expected = {"verdict": verdict, "alert_id": alerts.get(alert), "lead_time_s": lead,
                    "time_to_shelter_s": shelter, "area_id": area}
        assert {k: got[k] for k in expected} == expected, name


def test_per_alert_its_incidents_or_no_incident_and_a_full_assessment_agrees(api, alerts, analyst):
    recorded = {name: _record(analyst, moment, lon)["id"] for name, (moment, lon, *_rest) in CASES.items()}
    assessed = analyst.post("/api/operator/incidents/assess").json()
    assert assessed == {"count": 10, "verdicts": {"warned in time": 4, "warned late": 1, "not warned": 5}}
    listed = analyst.get("/api/operator/incidents").json()["incidents"]
    by_alert: dict[int, set[int]] = {}
    for incident in listed:
        for match in incident["assessment"]["alerts"]:
            by_alert.setdefault(match["alert_id"], set()).add(incident["id"])
    assert by_alert == {
        alerts["A"]: {recorded["inside A, 5 min after issue"], recorded["on the edge of A's area"]},
        alerts["U"]: {recorded["where the Update kept A's warning"], recorded["10 s after the Update added the area"]},
        alerts["B"]: {recorded["during B"]},
    }  # C had no incident; the drill D is never matched


def test_only_analysts_record_incidents_and_refusals_are_audited(api, container, alerts):
    alice = login(api, "alice")
    refused = alice.post("/api/operator/incidents", {"time": "2026-11-27T12:05:00Z", "lat": 50.5, "lon": 29.99,
                                                      "kind": "impact", "confidence": "confirmed", "source": "x"})
    assert refused.status_code == 403
    with container.database.unit_of_work(read_only=True) as uow:
        assert uow.incidents.count() == 0
        assert uow.audit.last(1)[0].action == "permission.denied"


@pytest.mark.parametrize(("body", "field"), [
    ({"time": "2026-11-27T11:05:00"}, "time"),
    ({"time": "2030-01-01T00:00:00Z"}, "time"),
    ({"kind": "strike"}, "kind"),
    ({"confidence": "sure"}, "confidence"),
    ({"source": " "}, "source"),
    ({"lat": None, "lon": None}, "geometry"),
    ({"lat": None, "lon": None, "geometry": {"type": "Polygon", "coordinates": [[[29, 50], [31, 50], [31, 52], [29, 50]]]}},
     "geometry"),
])
def test_a_bad_incident_is_refused_naming_the_field_and_nothing_is_stored(api, container, analyst, body, field):
    good = {"time": "2026-11-27T11:05:00Z", "lat": 50.5, "lon": 29.99, "kind": "impact", "confidence": "confirmed",
            "source": "field report"}
    answer = analyst.post("/api/operator/incidents", {**good, **body})
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field
    with container.database.unit_of_work(read_only=True) as uow:
        assert uow.incidents.count() == 0
