"""Residents report shelter problems; issuers and admins dismiss a report or close the shelter.

Through the real app on SQLite and PostgreSQL: answers and refusals, the collapsing of a flood
into one counted report, the limits per address and per shelter, the audit entries, a closed
shelter gone from "where am I?" and the map, and two operators acting on one report at once.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import inspect

from safezone.domain.shelters import Shelter
from safezone.entrypoints.web import create_app
from safezone.entrypoints.web.ratelimit import REPORT_BURST, SHELTER_REPORT_BURST, SHELTER_REPORT_RATE_PER_MINUTE
from tests.support.app import Api, add_shelters, login
from tests.web.test_races import at_once, one_winner

WESTGATE = {"lat": 50.45, "lon": 29.99}
CELLAR = Shelter("test", "cellar", "Westgate cellar", 50.4502, 29.9901, 120, "basement", True, "24/7")
METRO = Shelter("test", "metro", "Westgate metro", 50.4510, 29.9905, 2000, "metro", False)
WINDOW = {"bbox": "29.98,50.44,30.0,50.46"}


@pytest.fixture
def shelters(container) -> list[int]:
    return add_shelters(container, CELLAR, METRO)


def report(api: Api, shelter_id: int, problem: str = "locked"):
    return api.post(f"/api/shelters/{shelter_id}/reports", json={"problem": problem})


def actions(container) -> list[tuple[str, str, str]]:
    with container.database.unit_of_work() as uow:
        return [(e.actor, e.action, e.subject) for e in uow.audit.entries() if "shelter" in e.action]


def test_a_report_is_created_then_counted_and_operators_see_it_newest_first(api, container, clock, shelters):
    cellar, metro = shelters
    first = report(api, cellar)
    assert first.status_code == 201, first.text
    assert first.json()["counted"] is False
    clock.advance(minutes=1)
    assert report(api, metro, "full").status_code == 201
    clock.advance(minutes=1)
    again = report(api, cellar)
    assert again.status_code == 202, again.text
    assert again.json()["report"] == first.json()["report"]

    listed = login(api, "alice").get("/api/operator/shelter-reports").json()
    assert [(r["shelter_name"], r["problem"], r["count"]) for r in listed["reports"]] == [
        ("Westgate cellar", "locked", 2), ("Westgate metro", "full", 1)]
    assert listed["reports"][0]["state"] == "open"
    # What is kept of a report: the shelter, the problem, the times and who handled it; nobody's address.
    with container.database.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("shelter_reports")}
    assert columns == {"id", "shelter_id", "problem", "state", "first_at", "last_at", "count", "handled_by",
                       "handled_at"}


def test_bad_input_is_refused_naming_the_field(api, shelters):
    bad = api.post(f"/api/shelters/{shelters[0]}/reports", json={"problem": "smelly"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "problem"
    assert api.post(f"/api/shelters/{shelters[0]}/reports", json={}).json()["field"] == "problem"
    unknown = report(api, 999_999)
    assert unknown.status_code == 404
    assert "999999" in unknown.json()["reason"]
    assert api.post("/api/shelters/nope/reports", json={"problem": "gone"}).status_code == 422


def test_too_many_reports_from_one_address_get_429_with_retry_after(api, shelters):
    answers = [report(api, shelters[i % 2], "gone") for i in range(int(REPORT_BURST) + 1)]
    assert [a.status_code for a in answers[:-1]] == [201, 201] + [202] * (int(REPORT_BURST) - 2)
    refused = answers[-1]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert api.get("/api/where", params=WESTGATE).status_code == 200  # public reads have their own bucket


def test_a_flood_about_one_shelter_from_many_addresses_is_one_row_then_429(container, shelters):
    app = create_app(container, sweep=False)
    clients = [Api(app, client=f"10.0.0.{i}") for i in range(int(SHELTER_REPORT_BURST // REPORT_BURST) + 1)]
    started = time.monotonic()
    try:
        codes = [report(c, shelters[0], "full").status_code for c in clients for _ in range(int(REPORT_BURST))]
    finally:
        for c in clients:
            c.close()
    # The shelter's bucket holds its burst, and refills at its rate while the loop runs (a slow
    # machine may earn a token or two): never more than that gets through.
    refilled = int((time.monotonic() - started) * SHELTER_REPORT_RATE_PER_MINUTE / 60)
    accepted = codes.count(201) + codes.count(202)
    assert codes.count(201) == 1
    assert SHELTER_REPORT_BURST <= accepted <= SHELTER_REPORT_BURST + refilled
    assert 429 in codes
    with container.database.unit_of_work() as uow:
        (row,) = uow.shelter_reports.listed()
    assert row.count == accepted


def test_closing_a_shelter_on_a_report_takes_it_out_of_where_and_the_map_and_is_audited(api, container, shelters):
    cellar, metro = shelters
    assert [s["id"] for s in api.get("/api/where", params=WESTGATE).json()["shelters"]] == [cellar, metro]
    locked = report(api, cellar).json()["report"]
    full = report(api, cellar, "full").json()["report"]
    alice = login(api, "alice")

    closed = alice.post(f"/api/operator/shelter-reports/{locked}/close-shelter")
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "acted" and closed.json()["shelter_closed"] is True
    assert [s["id"] for s in api.get("/api/where", params=WESTGATE).json()["shelters"]] == [metro]
    mapped = api.get("/api/shelters.geojson", params=WINDOW).json()["features"]
    assert [f["properties"]["name"] for f in mapped] == ["Westgate metro"]
    assert report(api, cellar).status_code == 404  # a closed shelter is no longer offered, nor reported
    # Its other open report was answered with it.
    assert alice.get("/api/operator/shelter-reports").json()["reports"] == []
    everything = alice.get("/api/operator/shelter-reports", params={"state": "all"}).json()["reports"]
    assert {r["id"]: r["state"] for r in everything} == {locked: "acted", full: "acted"}
    # The registry keeps it, closed.
    with container.database.unit_of_work() as uow:
        kept = uow.shelters.get("test", "cellar")
    assert kept is not None and kept.closed_at is not None and kept.withdrawn_by is None
    assert ("alice", "shelter.closed", f"shelter {cellar}") in actions(container)


def test_dismissing_leaves_the_shelter_open_and_a_second_hand_gets_409(api, container, shelters):
    cellar = shelters[0]
    report_id = report(api, cellar, "not_accessible").json()["report"]
    dave = login(api, "dave")  # an admin may handle reports too
    assert dave.post(f"/api/operator/shelter-reports/{report_id}/dismiss").json()["state"] == "dismissed"
    again = dave.post(f"/api/operator/shelter-reports/{report_id}/close-shelter")
    assert again.status_code == 409 and "dismissed" in again.json()["reason"]
    assert cellar in [s["id"] for s in api.get("/api/where", params=WESTGATE).json()["shelters"]]
    assert ("dave", "shelter_report.dismissed", f"shelter {cellar}") in actions(container)
    # A new report of the same problem opens a new line: the dismissed one is not reopened.
    assert report(api, cellar, "not_accessible").status_code == 201


def test_only_issuers_and_admins_handle_reports(api, container, shelters):
    report_id = report(api, shelters[0]).json()["report"]
    bob = login(api, "bob")  # an approver
    assert bob.get("/api/operator/shelter-reports").status_code == 403
    refused = bob.post(f"/api/operator/shelter-reports/{report_id}/close-shelter")
    assert refused.status_code == 403
    assert ("bob", "permission.denied", f"shelter report {report_id}") in [
        (e.actor, e.action, e.subject) for e in _entries(container)]
    assert api.post(f"/api/operator/shelter-reports/{report_id}/dismiss").status_code == 401
    assert login(api, "alice").post("/api/operator/shelter-reports/424242/dismiss").status_code == 404


def _entries(container):
    with container.database.unit_of_work() as uow:
        return list(uow.audit.entries())


def test_two_operators_acting_on_one_report_at_once_one_wins(api, container):
    alice, dave = login(api, "alice"), login(api, "dave")
    pairs = [("close-shelter", "close-shelter"), ("dismiss", "close-shelter"), ("close-shelter", "dismiss"),
             ("dismiss", "dismiss")]
    for trial, steps in enumerate(pairs):
        shelter_id = add_shelters(container, Shelter("race", f"s{trial}", f"Race {trial}", 50.45, 29.99 + trial / 1000))[0]
        report_id = report(api, shelter_id).json()["report"]
        answers = at_once(lambda: alice.post(f"/api/operator/shelter-reports/{report_id}/{steps[0]}"),
                          lambda: dave.post(f"/api/operator/shelter-reports/{report_id}/{steps[1]}"))
        winner = one_winner(answers)
        assert answers[winner].json()["handled_by"] == ("alice", "dave")[winner]
        handled = [a for _, a, s in actions(container) if s == f"shelter {shelter_id}"]
        assert len(handled) == 1, (steps, handled)


def test_two_reports_of_one_shelter_closed_at_once_close_it_once(api, container, shelters):
    cellar = shelters[0]
    locked, full = report(api, cellar).json()["report"], report(api, cellar, "full").json()["report"]
    alice, dave = login(api, "alice"), login(api, "dave")
    answers = at_once(lambda: alice.post(f"/api/operator/shelter-reports/{locked}/close-shelter"),
                      lambda: dave.post(f"/api/operator/shelter-reports/{full}/close-shelter"))
    one_winner(answers)
    assert [a for _, a, s in actions(container) if s == f"shelter {cellar}"] == ["shelter.closed"]


def test_parallel_first_reports_of_one_shelter_make_one_row(container, shelters):
    app = create_app(container, sweep=False)
    clients = [Api(app, client=f"10.1.0.{i}") for i in range(4)]
    try:
        answers = at_once(*[lambda c=c: report(c, shelters[1], "gone") for c in clients])
    finally:
        for c in clients:
            c.close()
    assert sorted(a.status_code for a in answers) == [201, 202, 202, 202]
    with container.database.unit_of_work() as uow:
        (row,) = uow.shelter_reports.listed()
    assert row.count == 4
