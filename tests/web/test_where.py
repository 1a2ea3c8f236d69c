"""`/api/where`: the alerts in force at a point, found by their own geometry whatever zone set
is active, in a compact answer whose size and cost do not grow with alerts elsewhere.

Run on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from shapely.geometry import box
from sqlalchemy import event

from safezone.entrypoints.web.caching import json_bytes
from tests.support.app import compose_body, login

WESTGATE = {"lat": 50.45, "lon": 29.99}  # in AAA-0-1, the near band west of the border (15 s)


def _issue(alice, bob, areas: tuple[str, ...], status: str = "Actual") -> int:
    alert_id = alice.post("/api/operator/alerts", compose_body(status, areas=areas)).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    if status == "Actual":
        assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
    issued = alice.post(f"/api/operator/alerts/{alert_id}/issue")
    assert issued.status_code == 200, issued.text
    return alert_id


def _finer_zones(zones):
    """A new build of the same border: every area cut in a northern and a southern half, with new
    ids, and the near band made narrower, so Westgate now lies in the far band (90 s)."""
    areas = []
    for area in zones.areas:
        west, south, east, north = area.geometry.bounds
        if area.band == 0 and area.side == "AAA":
            west = 29.995
        if area.band == 1 and area.side == "AAA":
            east = 29.995
        middle = (south + north) / 2
        areas.append(replace(area, id=area.id + "s", geometry=box(west, south, east, middle), settlements=()))
        areas.append(replace(area, id=area.id + "n", geometry=box(west, middle, east, north), settlements=()))
    return replace(zones, areas=areas)


def test_alerts_in_force_stay_found_on_their_own_areas_after_a_new_zone_set_is_activated(api, container, sample_zones):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = _issue(alice, bob, ("AAA-0-1",))
    with container.database.unit_of_work() as uow:
        uow.zones.add(_finer_zones(sample_zones), activate=True)
        uow.commit()

    here = api.get("/api/where", params=WESTGATE).json()
    assert here["area"]["id"] == "AAA-1-1s"  # the new set: the far band now, 90 s
    assert here["time_to_shelter_s"] == 90
    (alert,) = here["alerts"]
    assert alert["id"] == alert_id
    assert alert["area"] == "AAA-0-1"  # the alert's own area, in the zone set it was issued on
    assert alert["time_to_shelter_s"] == 15  # what the alert told people here

    # The alert's own geometry, not the new set's: just across the border it says nothing.
    assert api.get("/api/where", params={"lat": 50.45, "lon": 30.01}).json()["alerts"] == []
    # And the map and the alerts list still show it on its own areas.
    (feature,) = api.get("/api/alerts.geojson").json()["features"]
    assert [a["id"] for a in feature["properties"]["areas"]] == ["AAA-0-1"]

    # Ending it needs no help from the new set.
    assert alice.post(f"/api/operator/alerts/{alert_id}/cancel").json()["state"] == "issued"
    assert api.get("/api/where", params=WESTGATE).json()["alerts"] == []


def test_each_alert_at_the_point_is_a_short_summary_with_its_links(api):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = _issue(alice, bob, ("AAA-0-1", "AAA-1-1", "BBB-0-1"))
    drill_id = _issue(alice, bob, ("AAA-0-1",), status="Exercise")
    here = api.get("/api/where", params=WESTGATE).json()
    (alert,) = here["alerts"]
    assert set(alert) == {"id", "status", "banner", "stage", "threat", "area", "headline", "time_to_shelter_s", "expires", "links"}
    assert alert["id"] == alert_id and alert["status"] == "Actual" and alert["banner"] is None
    assert set(alert["headline"]) == {"en", "uk", "ru"} and "Westgate" in alert["headline"]["en"]
    assert alert["time_to_shelter_s"] == 15
    assert alert["links"] == {"json": f"/api/alerts/{alert_id}", "cap": f"/api/alerts/{alert_id}/cap.xml"}
    assert api.get(alert["links"]["cap"]).status_code == 200
    (drill,) = here["drills"]
    assert drill["id"] == drill_id and drill["banner"] == "EXERCISE — NOT A REAL ALERT"


def test_the_answer_does_not_grow_with_alerts_in_force_elsewhere(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    _issue(alice, bob, ("AAA-0-1",))
    _issue(alice, bob, ("BBB-1-1",))  # elsewhere: Far East

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def measure() -> tuple[int, int]:
        api.get("/api/where", params=WESTGATE)  # the snapshot is rebuilt once per change, not per request
        statements.clear()
        event.listen(container.database.engine, "before_cursor_execute", count)
        try:
            answer = api.get("/api/where", params=WESTGATE)
        finally:
            event.remove(container.database.engine, "before_cursor_execute", count)
        assert answer.status_code == 200 and len(answer.json()["alerts"]) == 1
        return len(json_bytes(answer.json())), len(statements)

    with_one_elsewhere = measure()
    for _ in range(29):
        _issue(alice, bob, ("BBB-1-1", "BBB-0-1", "AAA-1-1"))
    assert api.get("/api/alerts").json()["count"] == 31
    assert measure() == with_one_elsewhere


def test_the_snapshot_is_rebuilt_in_as_many_statements_whatever_is_in_force(api, container):
    """After a change the first public answer rebuilds the snapshot while the public side waits
    for it, so its cost must not grow with the alerts in force (it read each alert's areas
    and their settlements one alert at a time: two statements more per alert)."""
    alice, bob = login(api, "alice"), login(api, "bob")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    def rebuild_after_an_issue(areas: tuple[str, ...]) -> int:
        _issue(alice, bob, areas)
        statements.clear()
        event.listen(container.database.engine, "before_cursor_execute", count)
        try:
            assert api.get("/api/alerts").status_code == 200
        finally:
            event.remove(container.database.engine, "before_cursor_execute", count)
        return len(statements)

    with_one = rebuild_after_an_issue(("AAA-0-1",))
    for _ in range(10):
        _issue(alice, bob, ("BBB-1-1", "BBB-0-1"))
    assert api.get("/api/alerts").json()["count"] == 11
    assert rebuild_after_an_issue(("AAA-1-1",)) == with_one
