"""Residents subscribe without an account: a place or areas, channels, languages, drills off by
default; a manage token returned once reads, changes and deletes; deletion deletes; the place
is never returned; bad input is a 4xx naming the field. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging

import pytest

from safezone.domain.subscribers import digest
from tests.subscribers.support import bearer, body


def test_subscribe_read_change_delete(api, container):
    created = api.post("/api/subscriptions", json=body())
    assert created.status_code == 201, created.text
    answer = created.json()
    sub_id, token = answer["id"], answer["token"]
    assert token.startswith("szm_") and answer["drills"] is False
    assert answer["channels"] == ["webpush"] and answer["has_place"] is True
    assert "50.5" not in created.text and "29.99" not in created.text  # the place never comes back
    assert created.headers["cache-control"] == "no-store"

    with container.database.unit_of_work(read_only=True) as uow:
        stored, token_hash = uow.subscribers.get(sub_id)
    assert token_hash == digest(token) and token not in json.dumps(stored.__dict__, default=str)

    read = api.get(f"/api/subscriptions/{sub_id}", headers=bearer(token))
    assert read.status_code == 200 and read.json()["token"] is None and "place" not in read.json()
    assert api.get(f"/api/subscriptions/{sub_id}", headers=bearer("szm_wrong")).status_code == 404
    assert api.get(f"/api/subscriptions/{sub_id}").status_code == 401

    moved = api.request("PUT", f"/api/subscriptions/{sub_id}", headers=bearer(token),
                    json=body(lat=None, areas=["BBB-0-1"], drills=True))
    assert moved.status_code == 200, moved.text
    assert moved.json()["has_place"] is False and moved.json()["areas"] == ["BBB-0-1"] and moved.json()["drills"]

    assert api.request("DELETE", f"/api/subscriptions/{sub_id}", headers=bearer(token)).status_code == 204
    assert api.get(f"/api/subscriptions/{sub_id}", headers=bearer(token)).status_code == 404
    with container.database.unit_of_work(read_only=True) as uow:
        assert uow.subscribers.get(sub_id) is None and uow.subscribers.of_areas(["BBB-0-1"]) == set()


def test_email_is_confirmed_by_its_link_and_unsubscribed_in_one_click(api, container):
    created = api.post("/api/subscriptions", json=body(push=None, email="resident@example.org")).json()
    assert created["email"] == "pending"
    with container.database.unit_of_work(read_only=True) as uow:
        [(sub_id, address, email_token, language)] = uow.subscribers.confirmations_due()
    assert sub_id == created["id"] and address == "resident@example.org" and language == "uk"
    assert api.get(f"/api/subscriptions/{sub_id}/confirm", params={"token": "sze_" + "x" * 40}).status_code == 404
    assert api.get(f"/api/subscriptions/{sub_id}/confirm", params={"token": email_token}).status_code == 200
    assert api.get(f"/api/subscriptions/{sub_id}", headers=bearer(created["token"])).json()["email"] == "confirmed"
    assert api.post(f"/api/subscriptions/{sub_id}/unsubscribe", params={"token": email_token},
                    content="List-Unsubscribe=One-Click").status_code == 200
    assert api.get(f"/api/subscriptions/{sub_id}", headers=bearer(created["token"])).json()["channels"] == []


def test_bad_subscriptions_are_refused_with_the_field(api, container, caplog):
    caplog.set_level(logging.DEBUG)
    cases = {
        "place": body(lat=None),  # neither place nor areas
        "push": body(push=None),  # no channel
        "place.lat": body(lat=91.0),
        "email": body(email="not-an-address"),
        "push.endpoint": body(push={"endpoint": "ftp://x", "keys": body()["push"]["keys"]}),
        "push.keys.p256dh": body(push={"endpoint": "https://p.example.org/1", "keys": {"p256dh": "AAAA", "auth": "BBBB"}}),
        "languages[0]": body(languages=["not a language"]),
        "areas": body(areas=["A"] * 51),
        "surprise": body(surprise=1),
    }
    for field, sent in cases.items():
        answer = api.post("/api/subscriptions", json=sent)
        assert 400 <= answer.status_code < 500, (field, answer.text)
        assert field.split("[")[0].split(".")[0] in (answer.json().get("field") or "") + answer.json()["reason"], \
            (field, answer.json())
    assert api.post("/api/subscriptions", content=b"{" * 70_000,
                    headers={"content-type": "application/json"}).status_code == 413
    assert "91.0" not in caplog.text and "50.5" not in caplog.text
    with container.database.unit_of_work(read_only=True) as uow:
        assert uow.subscribers.count() == 0


def test_a_subscriber_flood_is_rate_limited_without_touching_public_reads(db_url, sample_zones, clock):
    from safezone.adapters.channels.settings import DeliverySettings
    from safezone.entrypoints.web import create_app
    from tests.support.app import Api, make_container

    built = make_container(db_url, sample_zones, clock, delivery=DeliverySettings(subscribe_burst=3, push_services=("push.example.org",)))
    api = Api(create_app(built, sweep=False))
    try:
        codes = [api.post("/api/subscriptions", json=body()).status_code for _ in range(6)]
        assert codes[:3] == [201] * 3 and set(codes[3:]) == {429}
        assert api.get("/api/zones.geojson").status_code == 200
    finally:
        api.close()
        built.close()


def test_push_endpoints_must_be_on_a_browsers_push_service(db_url, sample_zones, clock):
    """The worker posts to whatever endpoint a subscription names: a stranger's endpoint inside
    the operator's network (or any host that is no push service) is refused when subscribing."""
    from safezone.adapters.channels.settings import DeliverySettings
    from safezone.entrypoints.web import create_app
    from tests.support.app import Api, make_container

    built = make_container(db_url, sample_zones, clock, delivery=DeliverySettings(subscribe_burst=100))
    api = Api(create_app(built, sweep=False))
    keys = body()["push"]["keys"]
    try:
        for inside in ("https://127.0.0.1/push", "https://10.0.0.5:5432/", "https://169.254.169.254/latest",
                       "https://localhost/x", "https://fcm.googleapis.com.evil.example/send/1",
                       "https://push.example.org/send/abc"):
            answer = api.post("/api/subscriptions", json=body(push={"endpoint": inside, "keys": keys}))
            assert answer.status_code == 400 and answer.json()["field"] == "push.endpoint", (inside, answer.text)
            assert "SAFEZONE_PUSH_SERVICES" in answer.json()["reason"]
        for real in ("https://fcm.googleapis.com/fcm/send/dXk", "https://updates.push.services.mozilla.com/wpush/v2/gA",
                     "https://wns2-db5p.notify.windows.com/w/?token=BQ", "https://web.push.apple.com/QGn"):
            answer = api.post("/api/subscriptions", json=body(push={"endpoint": real, "keys": keys}))
            assert answer.status_code == 201, (real, answer.text)
        with built.database.unit_of_work(read_only=True) as uow:
            assert uow.subscribers.count() == 4
    finally:
        api.close()
        built.close()


def test_the_push_services_setting_is_checked_at_start():
    from safezone.adapters.channels.settings import DeliverySettings
    from safezone.domain.errors import InputError

    chosen = DeliverySettings.from_environ({"SAFEZONE_PUSH_SERVICES": "push.example.org, FCM.googleapis.com."})
    assert chosen.push_services == ("push.example.org", "fcm.googleapis.com")
    assert chosen.allowed_push_services == chosen.push_services
    assert DeliverySettings(allow_http=True).allowed_push_services is None  # the local test mode
    for bad in ("https://push.example.org", "a b", " , "):
        with pytest.raises(InputError) as refused:
            DeliverySettings.from_environ({"SAFEZONE_PUSH_SERVICES": bad})
        assert refused.value.field == "SAFEZONE_PUSH_SERVICES"


def test_a_change_and_a_delete_at_once_leave_no_half_subscription(api, container):
    from tests.web.test_races import at_once, codes

    for trial in range(4):
        created = api.post("/api/subscriptions", json=body(areas=["AAA-0-1"])).json()
        url, headers = f"/api/subscriptions/{created['id']}", bearer(created["token"])
        found = codes(at_once(lambda: api.request("PUT", url, headers=headers, json=body(areas=["BBB-0-1"])),
                              lambda: api.request("DELETE", url, headers=headers)))
        assert found[1] == 204 and found[0] in (200, 404), found
        with container.database.unit_of_work(read_only=True) as uow:
            assert uow.subscribers.get(created["id"]) is None
            assert created["id"] not in uow.subscribers.of_areas(["AAA-0-1", "BBB-0-1"])  # no orphan areas


def test_pages_read_the_vapid_public_key_the_worker_signs_with(api, container, clock, tmp_path):
    from dataclasses import replace

    from safezone.adapters.channels.webpush import application_server_key, load_or_create_vapid_key
    from safezone.bootstrap import assemble
    from safezone.entrypoints.web import create_app
    from tests.support.app import Api

    off = api.get("/api/push-key")
    assert off.status_code == 200 and off.json() == {"public_key": None}  # Web Push is off: e-mail only
    keys = tmp_path / "keys"
    on = assemble(container.settings, clock, database=container.database,
                  delivery=replace(container.delivery_settings, vapid_dir=keys))
    with_key = Api(create_app(on, sweep=False))
    try:
        answer = with_key.get("/api/push-key")
        assert answer.status_code == 200
        assert answer.json()["public_key"] == application_server_key(load_or_create_vapid_key(keys))
        assert len(answer.json()["public_key"]) == 87  # a P-256 point, uncompressed, base64url
    finally:
        with_key.close()
