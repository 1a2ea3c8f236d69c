"""An alert in force must always be endable, however large.

The ~900-area alert of the field test (a polygon of 34–36°E × 50.5–51.5°N, medium range, in
English, Ukrainian and Russian) went out as 1.12 MB of CAP, and then cancel, all-clear, update
and the feeds all answered 500: the stored message was read back with the 1 MB limit meant for
messages from strangers. Our own stored messages are read without that limit. Through the real
app, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import timedelta

from shapely.geometry import Point
from sqlalchemy import update

from safezone.adapters.cap_xml import DEFAULT_MAX_BYTES, check, parse_own, to_xml
from safezone.adapters.cap_xml.publish import PUBLISH_LIMIT_BYTES, WARNING_BUDGET_BYTES
from safezone.adapters.db.alert_models import AlertRow
from safezone.domain import alerts as rules
from safezone.domain.alerts import MAX_AREAS, AlertKind
from safezone.domain.cap import InfoText, Status, WarningSpec, compose_alert
from tests.support.app import Session, login

DRAWN = {"type": "Polygon", "coordinates": [[[34, 50.5], [36, 50.5], [36, 51.5], [34, 51.5], [34, 50.5]]]}


def large_alert(alice: Session, bob: Session, body: dict | None = None) -> int:
    """Compose, submit, approve (if Actual) and issue the field test's alert; its id."""
    body = body or {"status": "Actual", "threat": "medium range", "languages": ["en", "uk", "ru"], "polygon": DRAWN}
    composed = alice.post("/api/operator/alerts", body)
    assert composed.status_code == 201, composed.text
    alert_id = composed.json()["alert"]["id"]
    assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
    if body["status"] == "Actual":
        assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
    issued = alice.post(f"/api/operator/alerts/{alert_id}/issue")
    assert issued.status_code == 200, issued.text
    return alert_id


def store_as_before(container, alert_id: int) -> int:
    """Store the alert's CAP as it went out before the publish limit: every area's polygon of up
    to 100 points, pretty-printed, over the 1 MB inbound limit. Its size in bytes."""
    with container.database.unit_of_work() as uow:
        alert = uow.alerts.get(alert_id)
        areas = uow.areas.by_ids(alert.zone_version, alert.area_ids)
        message = compose_alert(areas, alert.texts, WarningSpec(event=alert.texts[0][1].event or alert.threat),
                                sender=container.alerts.settings.sender, status=alert.status,
                                expires=alert.expires, sent=alert.issued_at, identifier=alert.cap_identifier,
                                max_points=100)
    xml = to_xml(message)
    with container.database.engine.begin() as connection:
        connection.execute(update(AlertRow).where(AlertRow.id == alert_id).values(cap_xml=xml.decode("utf-8")))
    return len(xml)


def test_an_alert_stored_above_the_inbound_limit_is_updated_cancelled_cleared_and_fed(border_api):
    api, container = border_api
    alice, bob = login(api, "alice"), login(api, "bob")
    drill = {"status": "Exercise", "threat": "medium range", "languages": ["en", "uk", "ru"], "polygon": DRAWN}
    updated, cleared = large_alert(alice, bob, drill), large_alert(alice, bob, drill)
    for alert_id in (updated, cleared):
        assert store_as_before(container, alert_id) > DEFAULT_MAX_BYTES

    # The feed and each alert's own CAP read the large messages back.
    answer = api.get("/feeds/exercises.atom")
    assert answer.status_code == 200 and answer.content.count(b"<entry") == 2
    big = api.get(f"/api/alerts/{updated}/cap.xml")
    assert big.status_code == 200 and len(big.content) > DEFAULT_MAX_BYTES
    assert len(parse_own(big.content).infos) >= 3

    # Update, all-clear (and cancel, by the same road) read them back too.
    update = alice.post(f"/api/operator/alerts/{updated}/update", {"lifetime_minutes": 30})
    assert update.status_code == 200 and update.json()["state"] == "issued", update.text
    all_clear = alice.post(f"/api/operator/alerts/{cleared}/all-clear")
    assert all_clear.status_code == 200 and all_clear.json()["state"] == "issued", all_clear.text
    cancel = alice.post(f"/api/operator/alerts/{update.json()['id']}/cancel")
    assert cancel.status_code == 200 and cancel.json()["state"] == "issued", cancel.text

    states = {i: alice.get(f"/api/operator/alerts/{i}").json()["alert"]["state"] for i in (updated, cleared)}
    assert states == {updated: "updated", cleared: "all-clear"}
    for follow_up in (update.json()["id"], all_clear.json()["id"], cancel.json()["id"]):
        published(api, follow_up)
    assert api.get("/feeds/exercises.atom").content.count(b"<entry") == 5


def nearest_areas(zones, count: int, lon: float = 35.3, lat: float = 50.9) -> list[str]:
    """The ids of the `count` areas whose centres are nearest to a point near Sumy."""
    return [a.id for a in sorted(zones.areas, key=lambda a: a.geometry.centroid.distance(Point(lon, lat)))[:count]]


def published(api, alert_id: int) -> bytes:
    answer = api.get(f"/api/alerts/{alert_id}/cap.xml")
    assert answer.status_code == 200
    assert len(answer.content) <= PUBLISH_LIMIT_BYTES
    result = check(answer.content)  # what any receiver holding to the inbound limit reads
    assert result.ok, result.errors[:3]
    return answer.content


def test_the_largest_alert_compose_accepts_issues_updates_cancels_and_clears(border_api, border_zones):
    """As many areas as one alert may hold, in every language: composed, approved, issued,
    updated, cancelled and (another) cleared, every message within the limit, every feed read."""
    api, container = border_api
    alice, bob = login(api, "alice"), login(api, "bob")
    largest = {"status": "Actual", "threat": "medium range", "languages": ["en", "uk", "ru"],
               "areas": nearest_areas(border_zones, MAX_AREAS)}
    first, second = large_alert(alice, bob, largest), large_alert(alice, bob, largest)
    xml = published(api, first)
    assert len(xml) <= WARNING_BUDGET_BYTES
    message = parse_own(xml)
    assert len({g.value for i in message.infos for a in i.areas for g in a.geocodes}) == MAX_AREAS
    assert {i.language for i in message.infos} == {"en", "uk", "ru"}

    update = alice.post(f"/api/operator/alerts/{first}/update", {"lifetime_minutes": 30})
    assert update.status_code == 200, update.text
    update_id = update.json()["id"]
    assert bob.post(f"/api/operator/alerts/{update_id}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{update_id}/issue").status_code == 200
    cancel = alice.post(f"/api/operator/alerts/{update_id}/cancel")
    assert cancel.status_code == 200 and cancel.json()["state"] == "issued", cancel.text
    all_clear = alice.post(f"/api/operator/alerts/{second}/all-clear")
    assert all_clear.status_code == 200 and all_clear.json()["state"] == "issued", all_clear.text

    for alert_id in (first, second, update_id, cancel.json()["id"], all_clear.json()["id"]):
        published(api, alert_id)
    assert api.get("/api/alerts").json()["count"] == 0
    feed = api.get("/feeds/alerts.atom")
    assert feed.status_code == 200 and feed.content.count(b"<entry") == 5
    assert api.get("/feeds/exercises.atom").status_code == 200


def test_an_alert_too_large_to_publish_is_refused_when_composed_saying_its_size_and_the_limit(border_api, border_zones):
    api, container = border_api
    alice = login(api, "alice")
    long = {"headline": "Ракетна небезпека " * 100, "description": "Укриття " * 250, "instruction": "Негайно " * 220}
    answer = alice.post("/api/operator/alerts", {
        "status": "Actual", "threat": "medium range", "languages": ["en", "uk", "ru"],
        "areas": nearest_areas(border_zones, MAX_AREAS), "texts": {lang: long for lang in ("en", "uk", "ru")}})
    assert answer.status_code == 400, answer.text
    reason = answer.json()["reason"]
    assert f"{WARNING_BUDGET_BYTES:,} bytes" in reason and f"{PUBLISH_LIMIT_BYTES:,}-byte" in reason
    assert re.search(r"CAP message of [\d,]+ bytes", reason)
    assert answer.json()["field"] == "areas"
    assert alice.get("/api/operator/alerts").json()["count"] == 0  # nothing was stored

    # The same draft, stored by an earlier version that had no publish limit, cannot be
    # submitted: nothing that could never be issued reaches approval.
    now = container.clock()
    with container.database.unit_of_work() as uow:
        draft = rules.new_alert(
            kind=AlertKind.ALERT, status=Status.ACTUAL, threat="medium range", zone_version=uow.zones.active_version(),
            area_ids=tuple(nearest_areas(border_zones, MAX_AREAS)), author=uow.users.by_name("alice"), now=now,
            texts=tuple((lang, InfoText(**long)) for lang in ("en", "uk", "ru")), expires=now + timedelta(hours=1))
        draft_id = uow.alerts.add(draft).id
        uow.commit()
    refused = alice.post(f"/api/operator/alerts/{draft_id}/submit")
    assert refused.status_code == 400 and "960,000 bytes" in refused.json()["reason"], refused.text
    assert alice.get(f"/api/operator/alerts/{draft_id}").json()["alert"]["state"] == "draft"
