"""An alert in force must always be endable, however large.

The ~900-area alert of the field test (a polygon of 34–36°E × 50.5–51.5°N, medium range, in
English, Ukrainian and Russian) went out as 1.12 MB of CAP, and then cancel, all-clear, update
and the feeds all answered 500: the stored message was read back with the 1 MB limit meant for
messages from strangers. Our own stored messages are read without that limit. Through the real
app, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import update

from safezone.adapters.cap_xml import DEFAULT_MAX_BYTES, check, parse_own, to_xml
from safezone.adapters.db.alert_models import AlertRow
from safezone.domain.cap import Status, WarningSpec, compose_alert
from tests.support.app import Session, login

DRAWN = {"type": "Polygon", "coordinates": [[[34, 50.5], [36, 50.5], [36, 51.5], [34, 51.5], [34, 50.5]]]}


def large_alert(alice: Session, bob: Session, body: dict | None = None) -> int:
    """Compose, submit, approve and issue the field test's alert; its id."""
    composed = alice.post("/api/operator/alerts", body or {
        "status": "Actual", "threat": "medium range", "languages": ["en", "uk", "ru"], "polygon": DRAWN})
    assert composed.status_code == 201, composed.text
    alert_id = composed.json()["alert"]["id"]
    assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
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
                                sender=container.alerts.settings.sender, status=Status.ACTUAL,
                                expires=alert.expires, sent=alert.issued_at, identifier=alert.cap_identifier,
                                max_points=100)
    xml = to_xml(message)
    with container.database.engine.begin() as connection:
        connection.execute(update(AlertRow).where(AlertRow.id == alert_id).values(cap_xml=xml.decode("utf-8")))
    return len(xml)


def test_an_alert_stored_above_the_inbound_limit_is_updated_cancelled_cleared_and_fed(border_api):
    api, container = border_api
    alice, bob = login(api, "alice"), login(api, "bob")
    updated, cancelled, cleared = (large_alert(alice, bob) for _ in range(3))
    for alert_id in (updated, cancelled, cleared):
        assert store_as_before(container, alert_id) > DEFAULT_MAX_BYTES

    # The feeds and each alert's own CAP read the large messages back.
    for feed in ("/feeds/alerts.atom",):
        answer = api.get(feed)
        assert answer.status_code == 200 and answer.content.count(b"<entry") == 3
    big = api.get(f"/api/alerts/{updated}/cap.xml")
    assert big.status_code == 200 and len(big.content) > DEFAULT_MAX_BYTES
    assert len(parse_own(big.content).infos) >= 3

    update_id = alice.post(f"/api/operator/alerts/{updated}/update", {"lifetime_minutes": 30}).json()["id"]
    assert bob.post(f"/api/operator/alerts/{update_id}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{update_id}/issue").status_code == 200
    cancel = alice.post(f"/api/operator/alerts/{cancelled}/cancel")
    assert cancel.status_code == 200, cancel.text
    all_clear = alice.post(f"/api/operator/alerts/{cleared}/all-clear")
    assert all_clear.status_code == 200, all_clear.text

    states = {i: alice.get(f"/api/operator/alerts/{i}").json()["alert"]["state"] for i in (updated, cancelled, cleared)}
    assert states == {updated: "updated", cancelled: "cancelled", cleared: "all-clear"}
    for follow_up in (update_id, cancel.json()["id"], all_clear.json()["id"]):
        result = check(api.get(f"/api/alerts/{follow_up}/cap.xml").content, max_bytes=10 * DEFAULT_MAX_BYTES)
        assert result.ok, result.errors
    assert api.get("/feeds/alerts.atom").status_code == 200
