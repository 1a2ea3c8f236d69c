"""From a resident's subscription to the browser: subscribe through the API with a Web Push
subscription, issue an alert, and the engine's push reaches our own push service on 127.0.0.1,
which checks the VAPID token and decrypts it — in the subscriber's language, only inside the
alert's areas; a subscription the push service says is gone (410) is removed. Both databases."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from safezone.adapters.channels.webpush import WebPushChannel, load_or_create_vapid_key
from safezone.entrypoints import worker
from safezone.entrypoints.web import create_app
from tests.delivery.channel_support import serving
from tests.delivery.push_service import PushService, b64url
from tests.subscribers.conftest import TEST_DELIVERY
from tests.subscribers.support import bearer
from tests.support.app import Api, issue_alert, login, make_container


@pytest.fixture
def live(db_url, sample_zones):
    """The app on a real clock: the push service checks VAPID expiry against real time."""
    built = make_container(db_url, sample_zones, lambda: datetime.now(timezone.utc), delivery=TEST_DELIVERY)
    api = Api(create_app(built, sweep=False))
    yield built, api
    api.close()
    built.close()


def test_a_push_reaches_the_browser_inside_and_a_gone_one_is_removed(live, tmp_path):
    container, api = live
    service = PushService()

    async def scenario() -> dict:
        async with serving(service.app()) as base:
            service.origin = base
            made = {}
            for name, lat, lon in (("inside", 50.5, 29.99), ("outside", 50.5, 29.5), ("gone", 50.6, 29.99)):
                browser = service.browser(name)
                answer = api.post("/api/subscriptions", json={
                    "place": {"lat": lat, "lon": lon}, "languages": ["uk"],
                    "push": {"endpoint": f"{base}/push/{name}",
                             "keys": {"p256dh": b64url(browser.public_raw), "auth": b64url(browser.auth_secret)}}})
                assert answer.status_code == 201, answer.text
                made[name] = answer.json()
            service.answers["gone"] = 410
            alice, bob = login(api, "alice"), login(api, "bob")
            issue_alert(alice, bob, areas=("AAA-0-1",))
            channel = WebPushChannel(load_or_create_vapid_key(tmp_path), subject="mailto:ops@example.org",
                                     require_https=False, services=None, clock=container.clock)
            engine = worker.engine(container, {"webpush": channel})
            for _ in range(3):
                await engine.run_once()
            await channel.close()
            return made

    made = asyncio.run(scenario())
    assert [p.browser for p in service.accepted] == ["inside"], service.refused
    push = service.accepted[0]
    assert any("\u0400" <= c <= "\u04ff" for c in push.payload["title"])  # the Ukrainian text, as asked
    assert push.headers["Urgency"] == "high" and int(push.headers["TTL"]) > 0
    gone = api.get(f"/api/subscriptions/{made['gone']['id']}", headers=bearer(made["gone"]["token"])).json()
    assert gone["channels"] == []
