"""Faulty receivers in one fan-out, through the engine, on SQLite and PostgreSQL: a Web Push
subscription whose key is not a curve point, a push subscription its service says is gone
(410), a webhook nobody listens on, a webhook answering 410 Gone, and a webhook that hangs past
the timeout. Each is handled as its fault deserves, and none slows the healthy receivers: they
have their copy before the hanging one's timeout has even run out."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import pytest

from safezone.adapters.channels.webhook import WebhookChannel
from safezone.adapters.channels.webpush import WebPushChannel, load_or_create_vapid_key
from safezone.entrypoints import worker
from safezone.entrypoints.web import create_app
from tests.delivery.channel_support import free_port, serving
from tests.delivery.push_service import PushService, b64url
from tests.subscribers.conftest import TEST_DELIVERY
from tests.subscribers.sink import Sink
from tests.subscribers.support import bearer
from tests.subscribers.test_delivery_engine import hook
from tests.support.app import Api, issue_alert, login, make_container

HEALTHY = 20
TIMEOUT_S = 2.0
NOT_A_POINT = b64url(b"\x04" + b"\x00" * 64)  # 65 bytes, as the API asks, yet no P-256 point


@pytest.fixture
def live(db_url, sample_zones):
    """The app on a real clock: the push service checks VAPID expiry against real time."""
    built = make_container(db_url, sample_zones, lambda: datetime.now(timezone.utc), delivery=TEST_DELIVERY)
    api = Api(create_app(built, sweep=False))
    yield built, api
    api.close()
    built.close()


def subscribe_push(api, base: str, name: str, p256dh: str, auth: str) -> dict:
    answer = api.post("/api/subscriptions", json={"place": {"lat": 50.5, "lon": 29.99}, "languages": ["en"],
                                                  "push": {"endpoint": f"{base}/push/{name}",
                                                           "keys": {"p256dh": p256dh, "auth": auth}}})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_faulty_receivers_are_each_handled_and_slow_nobody(live, tmp_path):
    container, api = live
    arrivals: list[float] = []

    async def healthy_answer(body):
        arrivals.append(time.monotonic())
        return 200

    async def hang(body):  # answers only after the engine has given up on it
        await asyncio.sleep(TIMEOUT_S + 2)
        return 200

    healthy, gone_hook, slow = Sink(healthy_answer), Sink(lambda body: 410), Sink(hang)
    service = PushService()
    try:
        dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
        for n in range(HEALTHY):
            hook(dave, healthy, f"healthy-{n}")
        hook(dave, gone_hook, "moved-away")
        hook(dave, slow, "hanging")
        unreachable = dave.post("/api/operator/integrators", {
            "name": "unplugged", "kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/hook",
            "area_filter": ["AAA-0-1"]}).json()

        async def scenario() -> tuple[dict, float]:
            async with serving(service.app()) as base:
                service.origin = base
                browser = service.browser("phone")
                keys = (b64url(browser.public_raw), b64url(browser.auth_secret))
                made = {"phone": subscribe_push(api, base, "phone", *keys),
                        "broken": subscribe_push(api, base, "broken", NOT_A_POINT, keys[1]),
                        "gone": subscribe_push(api, base, "gone", *keys)}
                service.answers["gone"] = 410
                alert_id = issue_alert(alice, bob, areas=("AAA-0-1",))
                channels = {"webhook": WebhookChannel(clock=container.clock, timeout_s=TIMEOUT_S),
                            "webpush": WebPushChannel(load_or_create_vapid_key(tmp_path), subject="mailto:ops@example.org",
                                                      require_https=False, services=None,
                                                      clock=container.clock)}
                engine = worker.engine(container, channels)
                started = time.monotonic()
                await engine.run_once()
                await engine.settle()  # the hanging copy records its timeout on its own
                for channel in channels.values():
                    await channel.close()
                return made | {"alert": alert_id}, started

        made, started = asyncio.run(scenario())
        alert_id = made["alert"]

        assert len(healthy.ids) == HEALTHY and set(healthy.ids.values()) == {1}
        assert max(arrivals) - started < TIMEOUT_S  # all in before the hanging receiver's timeout ran out
        assert [p.browser for p in service.accepted] == ["phone"]

        with container.database.unit_of_work(read_only=True) as uow:
            rows = {d.receiver: d for d in uow.deliveries.listed(alert_id=alert_id, limit=100)}
        by_name = {i["name"]: i["id"] for i in dave.get("/api/operator/integrators").json()["integrators"]}
        assert rows[by_name["hanging"]].state == "queued" and "timed out" in rows[by_name["hanging"]].reason
        assert rows[unreachable["id"]].state == "queued" and "unreachable" in rows[unreachable["id"]].reason
        moved = rows[by_name["moved-away"]]
        assert moved.state == "failed" and "410" in moved.reason and moved.attempts == 1  # not retried
        broken = rows[made["broken"]["id"]]
        assert broken.state == "failed" and broken.attempts == 1  # a permanent failure, not a crash
        assert rows[made["gone"]["id"]].state == "failed"
        gone = api.get(f"/api/subscriptions/{made['gone']['id']}", headers=bearer(made["gone"]["token"])).json()
        assert gone["channels"] == []  # the push service said it is gone: removed
        kept = api.get(f"/api/subscriptions/{made['broken']['id']}", headers=bearer(made["broken"]["token"])).json()
        assert kept["channels"] == ["webpush"]
    finally:
        for sink in (healthy, gone_hook, slow):
            sink.close()


def test_hanging_receivers_in_many_batches_do_not_hold_up_the_fan_out(live):
    """A pass does not wait out a hanging receiver's timeout before leasing the next batch: the
    copies still in flight after a moment finish (and are recorded) on their own."""
    container, _ = live
    hanging_at = (0, 10, 20, 30)  # the first of each of four batches of 10
    timeout_s = 3.0
    arrivals: list[float] = []

    async def healthy_answer(body):
        arrivals.append(time.monotonic())
        return 200

    async def hang(body):
        await asyncio.sleep(timeout_s + 2)
        return 200

    healthy, slow = Sink(healthy_answer), Sink(hang)
    try:
        from safezone.domain.subscribers import Integrator
        from tests.subscribers.workers import SECRET
        now = container.clock()
        with container.database.unit_of_work() as uow:
            for n in range(40):
                sink = slow if n in hanging_at else healthy
                uow.integrators.add(Integrator(id=f"int_{n:05d}", name=f"gateway {n}", kind="webhook", area_ids=(),
                                               created_at=now, url=sink.url(f"/r{n}"), secret=SECRET))
            uow.commit()
        _, api = live
        alert_id = issue_alert(login(api, "alice"), login(api, "bob"))

        async def scenario() -> float:
            channel = WebhookChannel(clock=container.clock, timeout_s=timeout_s)
            engine = worker.engine(container, {"webhook": channel})
            engine.settings = engine.settings.__class__(**{**engine.settings.__dict__, "batch": 10})
            engine.breaker = None  # each hanging receiver stands alone here
            started = time.monotonic()
            while len(healthy.ids) < 36 and time.monotonic() - started < 30:
                await engine.run_once()
            await engine.settle()
            await channel.close()
            return started

        started = asyncio.run(scenario())
        assert len(healthy.ids) == 36 and set(healthy.ids.values()) == {1}
        assert max(arrivals) - started < timeout_s * 1.5  # not four timeouts one after another
        with container.database.unit_of_work(read_only=True) as uow:
            rows = uow.deliveries.listed(alert_id=alert_id, limit=100)
        waiting = sorted(d.receiver for d in rows if d.state == "queued")
        assert waiting == [f"int_{n:05d}" for n in hanging_at]  # recorded: timed out, to retry
        assert all("timed out" in d.reason for d in rows if d.state == "queued")
    finally:
        healthy.close()
        slow.close()
