"""The whole operator workflow through the real app, on SQLite and on PostgreSQL: compose,
preview, submit, approve by a second person, issue, then update and cancel — and what the
public sees at each step."""

from __future__ import annotations

from lxml import etree

from safezone.adapters.cap_xml import check
from safezone.services import audit
from tests.support.app import headlines, compose_body, login


def test_an_actual_alert_from_draft_to_cancel(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")

    composed = alice.post("/api/operator/alerts", compose_body())
    assert composed.status_code == 201, composed.text
    preview = composed.json()
    alert_id = preview["alert"]["id"]
    assert preview["alert"]["state"] == "draft"
    assert [a["id"] for a in preview["areas"]] == ["AAA-0-1", "BBB-0-1"]
    # Westgate (12,000; its district is not counted again) and Eastgate (20,000) with a hamlet of 600.
    assert preview["population"] == 32_600
    assert preview["settlements"] == 4
    assert preview["time_to_shelter_s"] == 15
    assert preview["subscribers"] == 0 and preview["receivers"] == {"webpush": 0, "webhook": 0, "email": 0, "mqtt": 0}
    texts = headlines(preview["alert"])
    assert set(texts) == {"en", "uk", "ru"}
    assert "Westgate" in texts["en"][0] and "15" in texts["uk"][0]
    assert preview["alert"]["workflow"]["needs_approval"] is True

    assert alice.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 409  # not even submitted
    assert alice.post(f"/api/operator/alerts/{alert_id}/submit").json()["state"] == "submitted"
    refused = alice.post(f"/api/operator/alerts/{alert_id}/issue")
    assert refused.status_code == 409 and "approval" in refused.json()["reason"]
    approved = bob.post(f"/api/operator/alerts/{alert_id}/approve")
    assert approved.json()["workflow"]["approved_by"] == "bob"
    assert api.get("/api/alerts").json()["count"] == 0  # approved is not issued

    issued = alice.post(f"/api/operator/alerts/{alert_id}/issue").json()
    assert issued["state"] == "issued" and issued["in_force"] and issued["cap_identifier"]

    public = api.get("/api/alerts").json()
    assert public["count"] == 1 and public["banner"] is None
    assert public["alerts"][0]["id"] == alert_id and public["alerts"][0]["status"] == "Actual"
    cap = api.get(f"/api/alerts/{alert_id}/cap.xml")
    assert cap.status_code == 200 and cap.headers["content-type"].startswith("application/cap+xml")
    result = check(cap.content)
    assert result.ok and result.version == "1.2", result.issues
    assert etree.fromstring(cap.content).nsmap[None] == "urn:oasis:names:tc:emergency:cap:1.2"
    assert [i.language for i in result.alert.infos] == ["en", "uk", "ru"]
    feed = api.get("/feeds/alerts.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert f"/api/alerts/{alert_id}/cap.xml".encode() in feed.content
    here = api.get("/api/where", params={"lat": 50.5, "lon": 29.99}).json()
    assert here["area"]["id"] == "AAA-0-1" and here["time_to_shelter_s"] == 15
    assert [a["id"] for a in here["alerts"]] == [alert_id]
    geo = api.get("/api/alerts.geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert geo.json()["features"][0]["properties"]["id"] == alert_id

    # An Actual update is prefilled from the alert in force and needs a second person too.
    update = alice.post(f"/api/operator/alerts/{alert_id}/update", {"areas": ["AAA-0-1", "AAA-1-1"]}).json()
    assert update["kind"] == "update" and update["state"] == "submitted" and update["follows"] == alert_id
    assert bob.post(f"/api/operator/alerts/{update['id']}/approve").status_code == 200
    assert alice.post(f"/api/operator/alerts/{update['id']}/issue").json()["state"] == "issued"
    assert alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"] == "updated"
    current = api.get("/api/alerts").json()["alerts"]
    assert [a["id"] for a in current] == [update["id"]]
    update_cap = check(api.get(f"/api/alerts/{update['id']}/cap.xml").content)
    assert update_cap.ok and update_cap.alert.msg_type == "Update"
    assert update_cap.alert.references[0].identifier == issued["cap_identifier"]

    # Cancel in the templates' words is one step: issued at once, by the issuer alone (with a
    # note, the operator's own words, it would wait for a second person: test_own_words.py).
    cancel = alice.post(f"/api/operator/alerts/{update['id']}/cancel").json()
    assert cancel["kind"] == "cancel" and cancel["state"] == "issued"
    assert api.get("/api/alerts").json()["count"] == 0
    cancel_cap = check(api.get(f"/api/alerts/{cancel['id']}/cap.xml").content)
    assert cancel_cap.ok and cancel_cap.alert.msg_type == "Cancel"
    feed = api.get("/feeds/alerts.atom").content  # the Cancel is announced, and kept a while
    assert f"/api/alerts/{cancel['id']}/cap.xml".encode() in feed and b"<title>CANCELLED: " in feed

    listed = alice.get("/api/operator/alerts").json()["alerts"]
    assert [(a["kind"], a["state"]) for a in listed] == [("cancel", "issued"), ("update", "cancelled"), ("alert", "updated")]
    with container.database.unit_of_work() as uow:
        assert [e.alert_id for e in uow.outbox.pending()] == [alert_id, update["id"], cancel["id"]]
        report = audit.verify(uow)
        actions = [e.action for e in uow.audit.last(100)]
    assert report.intact
    for action in ("login.succeeded", "alert.composed", "alert.submitted", "alert.approved", "alert.issued",
                   "alert.superseded", "alert.cancelled"):
        assert action in actions


def test_all_clear_is_one_step_and_areas_can_be_drawn(api):
    alice, bob = login(api, "alice"), login(api, "bob")
    # A square around the border at 50.5°N, 30°E overlaps both near-border areas, not the far ones.
    polygon = {"type": "Polygon", "coordinates": [[[29.97, 50.4], [30.03, 50.4], [30.03, 50.6], [29.97, 50.6], [29.97, 50.4]]]}
    preview = alice.post("/api/operator/alerts", compose_body(areas=(), polygon=polygon)).json()
    assert sorted(a["id"] for a in preview["areas"]) == ["AAA-0-1", "BBB-0-1"]
    alert_id = preview["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    bob.post(f"/api/operator/alerts/{alert_id}/approve")
    alice.post(f"/api/operator/alerts/{alert_id}/issue")
    clear = alice.post(f"/api/operator/alerts/{alert_id}/all-clear").json()
    assert clear["kind"] == "all-clear" and clear["state"] == "issued"
    assert [h[:9] for h in headlines(clear)["en"]] == ["All clear"]  # one text for every area
    assert headlines(clear)["uk"][0].startswith("Відбій тривоги")
    assert api.get("/api/alerts").json()["count"] == 0
    message = check(api.get(f"/api/alerts/{clear['id']}/cap.xml").content)
    assert message.ok and message.alert.infos[0].response_types == ("AllClear",)
