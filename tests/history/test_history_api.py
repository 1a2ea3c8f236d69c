"""The public archive: each warning per area with its start, end and how it ended, and per area
and day the alerts and minutes under alert; Actual and drills apart; ended warnings published
only after the delay. Checked by hand and against the alert log, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from tests.support.app import issue_alert, login


def at(hour: int, minute: int, day: int = 27) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


def _issue(alice, bob, areas, minutes, status="Actual"):
    return issue_alert(alice, bob, tuple(areas), status, lifetime_minutes=minutes)


@pytest.fixture
def story(api, clock):
    """A day of warnings, each ending another way (times UTC, 27 November 2026):
    A 12:00 AAA-0-1, superseded 12:10 by U (moved to BBB-0-1), U cancelled 12:30;
    B 12:40 AAA-0-1, all-clear 13:00; C 13:00 AAA-1-1, expires 13:10; E 13:30 BBB-1-1, expires
    14:00; F 23:50 AAA-1-1, expires 00:10 the next day; D an Exercise 12:00 AAA-0-1, 60 min."""
    alice, bob = login(api, "alice"), login(api, "bob")
    clock.now = at(12, 0)
    ids = {"A": _issue(alice, bob, ["AAA-0-1"], 120), "D": _issue(alice, bob, ["AAA-0-1"], 60, "Exercise")}
    clock.now = at(12, 10)
    update = alice.post(f"/api/operator/alerts/{ids['A']}/update", {"areas": ["BBB-0-1"]}).json()
    bob.post(f"/api/operator/alerts/{update['id']}/approve")
    assert alice.post(f"/api/operator/alerts/{update['id']}/issue").status_code == 200
    ids["U"] = update["id"]
    clock.now = at(12, 30)
    assert alice.post(f"/api/operator/alerts/{ids['U']}/cancel").status_code == 200
    clock.now = at(12, 40)
    ids["B"] = _issue(alice, bob, ["AAA-0-1"], 120)
    clock.now = at(13, 0)
    assert alice.post(f"/api/operator/alerts/{ids['B']}/all-clear").status_code == 200
    ids["C"] = _issue(alice, bob, ["AAA-1-1"], 10)
    clock.now = at(13, 30)
    ids["E"] = _issue(alice, bob, ["BBB-1-1"], 30)
    clock.now = at(23, 50)
    alice, bob = login(api, "alice"), login(api, "bob")  # sessions last 8 hours
    ids["F"] = _issue(alice, bob, ["AAA-1-1"], 20)
    return ids


WINDOW = {"from": "2026-11-27", "to": "2026-11-29"}


def _rows(api, **params):
    answer = api.get("/api/history", params={**WINDOW, **params})
    assert answer.status_code == 200, answer.text
    return [(e["area_id"], e["alert_id"], e["chain_id"], e["message"], e["start"], e["end"], e["ended"])
            for e in answer.json()["entries"]]


def test_the_archive_lists_each_warning_per_area_with_how_it_ended(api, clock, story):
    s = story
    clock.now = at(0, 11, day=29)  # every warning ended more than 24 h ago
    assert _rows(api) == [
        ("AAA-0-1", s["A"], s["A"], "alert", "2026-11-27T12:00:00Z", "2026-11-27T12:10:00Z", "superseded"),
        ("BBB-0-1", s["U"], s["A"], "update", "2026-11-27T12:10:00Z", "2026-11-27T12:30:00Z", "cancelled"),
        ("AAA-0-1", s["B"], s["B"], "alert", "2026-11-27T12:40:00Z", "2026-11-27T13:00:00Z", "all-clear"),
        ("AAA-1-1", s["C"], s["C"], "alert", "2026-11-27T13:00:00Z", "2026-11-27T13:10:00Z", "expired"),
        ("BBB-1-1", s["E"], s["E"], "alert", "2026-11-27T13:30:00Z", "2026-11-27T14:00:00Z", "expired"),
        ("AAA-1-1", s["F"], s["F"], "alert", "2026-11-27T23:50:00Z", "2026-11-28T00:10:00Z", "expired"),
    ]
    assert [r[1] for r in _rows(api, area="AAA-0-1")] == [s["A"], s["B"]]
    names = {e["area_id"]: e["area_name"] for e in api.get("/api/history", params=WINDOW).json()["entries"]}
    assert names["AAA-0-1"] == "Westgate" and names["BBB-0-1"] == "Eastgate"


def test_the_archive_agrees_with_the_alert_log(api, container, clock, story):
    clock.now = at(0, 11, day=29)
    with container.database.unit_of_work(read_only=True) as uow:
        log = {a.id: a for a in uow.alerts.listed(limit=1000)}
    for entry in api.get("/api/history", params=WINDOW).json()["entries"]:
        alert = log[entry["alert_id"]]
        assert alert.status == "Actual" and entry["area_id"] in alert.area_ids
        assert entry["start"] == alert.issued_at.isoformat().replace("+00:00", "Z")
        assert entry["end"] == (alert.ended_at or alert.expires).isoformat().replace("+00:00", "Z")
    issued_warnings = {a.id for a in log.values() if a.issued_at and a.kind in ("alert", "update") and a.status == "Actual"}
    assert {e["alert_id"] for e in api.get("/api/history", params=WINDOW).json()["entries"]} == issued_warnings


def test_ended_warnings_wait_for_the_publication_delay_and_warnings_in_force_do_not(api, clock, story):
    s = story
    clock.now = at(23, 55)  # F in force; the rest ended less than 24 h ago
    assert [(r[1], r[6]) for r in _rows(api)] == [(s["F"], "in force")]
    clock.now = at(12, 20, day=28)  # A ended 24 h 10 min ago, U 23 h 50 min ago
    assert [r[1] for r in _rows(api)] == [s["A"]]
    assert api.get("/api/history", params=WINDOW).json()["publication_delay_hours"] == 24


def test_drills_are_apart_and_never_mixed(api, clock, story):
    clock.now = at(0, 11, day=29)
    drills = _rows(api, status="Exercise")
    assert drills == [("AAA-0-1", story["D"], story["D"], "alert", "2026-11-27T12:00:00Z",
                       "2026-11-27T13:00:00Z", "expired")]
    assert story["D"] not in [r[1] for r in _rows(api)]
    assert _rows(api, status="Test") == []


def test_stats_per_area_and_day_count_alerts_and_minutes_under_alert(api, clock, story):
    clock.now = at(0, 11, day=29)
    days = api.get("/api/stats", params=WINDOW).json()["days"]
    assert [(d["area_id"], d["day"], d["alerts"], d["minutes_under_alert"]) for d in days] == [
        ("AAA-0-1", "2026-11-27", 2, 30.0),   # A 12:00–12:10, B 12:40–13:00
        ("AAA-1-1", "2026-11-27", 2, 20.0),   # C 13:00–13:10, F 23:50–24:00
        ("AAA-1-1", "2026-11-28", 1, 10.0),   # F 00:00–00:10
        ("BBB-0-1", "2026-11-27", 1, 20.0),   # U (A's chain) 12:10–12:30
        ("BBB-1-1", "2026-11-27", 1, 30.0),   # E 13:30–14:00
    ]
    drills = api.get("/api/stats", params={**WINDOW, "status": "Exercise"}).json()["days"]
    assert [(d["area_id"], d["alerts"], d["minutes_under_alert"]) for d in drills] == [("AAA-0-1", 1, 60.0)]


def test_csv_has_a_byte_order_mark_and_opens_with_the_csv_module(api, clock, story):
    clock.now = at(0, 11, day=29)
    for path, key in (("/api/history", "entries"), ("/api/stats", "days")):
        answer = api.get(path + ".csv", params=WINDOW)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        assert answer.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
        expected = api.get(path, params=WINDOW).json()[key]
        assert len(rows) == len(expected) > 0
        assert [{k: str(v) for k, v in e.items() if v is not None} == {k: v for k, v in r.items() if v != ""}
                for e, r in zip(expected, rows)] == [True] * len(rows)


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-11-29", "to": "2026-11-27"}, "from"),
    ({"from": "2025-01-01", "to": "2026-11-27"}, "to"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01"}, "to"),
])
def test_bad_windows_are_refused_with_the_field(api, params, field):
    for path in ("/api/history", "/api/history.csv", "/api/stats", "/api/stats.csv"):
        answer = api.get(path, params=params)
        assert answer.status_code == 400, answer.text
        assert answer.json()["field"] == field


def test_a_status_that_is_not_public_is_refused(api):
    assert api.get("/api/history", params={"status": "System"}).status_code == 422
    assert api.get("/api/stats", params={"area": "x" * 101}).status_code == 422
