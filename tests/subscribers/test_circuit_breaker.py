"""One dead receiver does not slow the others: after enough failures in a row its endpoint's
circuit opens, its copies wait without being tried (and without spending attempts), and the
healthy receivers' copies go out at once. A trial after the cool-off closes it again."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from safezone.adapters.channels.webhook import WebhookChannel
from safezone.domain.breaker import CircuitBreaker
from safezone.entrypoints import worker
from tests.subscribers.sink import Sink
from tests.subscribers.test_delivery_engine import hook
from tests.support.app import issue_alert, login

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_the_breaker_opens_after_failures_in_a_row_and_a_trial_closes_it():
    breaker = CircuitBreaker(threshold=3, cool_off=timedelta(seconds=30))
    for _ in range(2):
        breaker.record("https://a", False, T0)
    assert breaker.allows("https://a", T0)
    breaker.record("https://a", False, T0)
    assert not breaker.allows("https://a", T0 + timedelta(seconds=29))
    assert breaker.allows("https://b", T0)  # other endpoints are not affected
    assert breaker.allows("https://a", T0 + timedelta(seconds=31))  # the one trial
    assert not breaker.allows("https://a", T0 + timedelta(seconds=31))  # and only one
    breaker.record("https://a", True, T0 + timedelta(seconds=31))
    assert breaker.allows("https://a", T0 + timedelta(seconds=32))


def test_a_hanging_receiver_is_cut_off_and_the_others_are_served(api, container, clock):
    hanging_calls = []

    async def hang(body):  # answers only after the client has given up
        hanging_calls.append(1)
        await asyncio.sleep(1.5)
        return 200

    dead, healthy = Sink(hang), Sink()
    try:
        dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
        for n in range(6):
            hook(dave, dead, f"dead-{n}")
        engine = worker.engine(container, {"webhook": WebhookChannel(clock=clock, timeout_s=0.3)})
        issue_alert(alice, bob)

        async def scenario() -> None:  # one event loop: the channel's pooled session lives in it
            await engine.run_once()  # six timeouts: the circuit of the hanging host opens
            assert len(hanging_calls) == 6
            for n in range(3):
                hook(dave, healthy, f"healthy-{n}")
            issue_alert(alice, bob)
            clock.advance(seconds=5)  # the first copies are due again
            for _ in range(2):
                await engine.run_once()
            assert len(hanging_calls) == 6  # not tried while open: no copy waits out a timeout
            assert len(healthy.ids) == 3
            await engine.channels["webhook"].close()

        asyncio.run(scenario())
        with container.database.unit_of_work(read_only=True) as uow:
            waiting = uow.deliveries.listed(state="queued", limit=100)
        assert len(waiting) == 12 and all(d.attempts <= 1 for d in waiting)
    finally:
        dead.close()
        healthy.close()
