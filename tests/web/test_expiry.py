"""Alerts expire by themselves: out of every public answer the moment they expire, recorded as
expired by the sweep, and no longer open to update, cancel or all-clear."""

from __future__ import annotations

from tests.support.app import compose_body, login


def test_an_alert_leaves_the_public_answers_when_it_expires(api, container, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = alice.post("/api/operator/alerts", compose_body(lifetime_minutes=10)).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    bob.post(f"/api/operator/alerts/{alert_id}/approve")
    alice.post(f"/api/operator/alerts/{alert_id}/issue")
    stale = alice.post("/api/operator/alerts", compose_body(lifetime_minutes=5)).json()["alert"]["id"]
    assert api.get("/api/alerts").json()["count"] == 1

    clock.advance(minutes=10)
    assert api.get("/api/alerts").json()["count"] == 0
    assert api.get("/api/where", params={"lat": 50.5, "lon": 29.99}).json()["alerts"] == []
    feed = api.get("/feeds/alerts.atom").content  # kept a while, marked as expired
    assert b"<title>EXPIRED: " in feed and b'term="current"' not in feed
    assert api.get(f"/api/alerts/{alert_id}").json()["in_force"] is False
    assert alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"] == "expired"
    late = alice.post(f"/api/operator/alerts/{alert_id}/cancel")
    assert late.status_code == 409 and "not in force" in late.json()["reason"]
    assert alice.post(f"/api/operator/alerts/{stale}/submit").status_code == 409  # a draft past its end

    expired = container.alerts.expire_due()
    assert sorted(a.id for a in expired) == sorted([alert_id, stale])
    with container.database.unit_of_work() as uow:
        assert uow.alerts.get(alert_id).state == "expired"
        assert [e.subject for e in uow.audit.last(5) if e.action == "alert.expired"] == [f"alert {alert_id}", f"alert {stale}"]
    assert container.alerts.expire_due() == []
    assert api.get("/feeds/alerts.atom").content == feed  # recording the expiry changes nothing public
