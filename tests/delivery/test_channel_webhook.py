"""Webhooks to integrators: signed so a receiver can refuse forgeries and replays, and every
answer of the receiver turned into an outcome the delivery engine can act on.

Each test runs a real aiohttp receiver on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from aiohttp import web

from safezone.adapters.channels.webhook import (WebhookChannel, WebhookVerificationError, new_secret,
                                                signed_headers, verify)
from safezone.domain.delivery import OutcomeKind, WebhookReceiver
from tests.delivery.channel_support import CAP_XML, NOW, a_delivery, anyio_backend, free_port, serving  # noqa: F401

pytestmark = pytest.mark.anyio
SECRET = new_secret()


def receiver_app(status: int = 204, delay_s: float = 0.0) -> tuple[web.Application, list]:
    """An integrator that verifies every webhook and records what it accepted."""
    accepted: list = []

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            message_id = verify(SECRET, request.headers, body)
        except WebhookVerificationError as refused:
            return web.Response(status=401, text=str(refused))
        accepted.append((message_id, json.loads(body)))
        await asyncio.sleep(delay_s)
        return web.Response(status=status)

    app = web.Application()
    app.router.add_post("/hook", hook)
    return app, accepted


async def send_to(url: str, **channel_options: object):
    channel = WebhookChannel(**channel_options)
    try:
        return await channel.send(a_delivery(), WebhookReceiver("gw-1", url, SECRET))
    finally:
        await channel.close()


async def test_a_signed_webhook_verifies_at_the_receiver_and_carries_the_cap_and_a_summary():
    app, accepted = receiver_app()
    async with serving(app) as base:
        outcome = await send_to(f"{base}/hook")
    assert outcome.kind is OutcomeKind.SENT
    [(message_id, body)] = accepted
    assert message_id == a_delivery().delivery_id  # the idempotency key, the same on a redelivery
    assert body["cap"].encode() == CAP_XML
    summary = body["summary"]
    assert summary["identifier"] == "urn:safezone:sz-7" and summary["status"] == "Actual"
    assert summary["time_to_shelter_s"] == 15
    assert [a["name"] for a in summary["areas"]] == ["Sumy", "Okhtyrka"]
    assert summary["texts"]["uk-UA"]["headline"] == "Ракетна загроза: в укриття"
    assert len(summary["texts"]["en-GB"]["short"]) <= 160


def test_a_tampered_body_is_refused():
    body = b'{"summary":{"status":"Exercise"}}'
    headers = signed_headers(SECRET, "msg_1", body, NOW)
    assert verify(SECRET, headers, body, now=NOW) == "msg_1"
    with pytest.raises(WebhookVerificationError, match="altered"):
        verify(SECRET, headers, body.replace(b"Exercise", b"Actual"), now=NOW)


def test_a_forgery_signed_with_another_secret_is_refused():
    body = b"{}"
    with pytest.raises(WebhookVerificationError, match="another secret"):
        verify(SECRET, signed_headers(new_secret(), "msg_1", body, NOW), body, now=NOW)


def test_a_replayed_old_message_is_refused_even_with_its_valid_signature():
    body = b"{}"
    headers = signed_headers(SECRET, "msg_1", body, NOW - timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError, match="600 s old"):
        verify(SECRET, headers, body, now=NOW)


def test_missing_headers_are_named():
    with pytest.raises(WebhookVerificationError, match="missing header webhook-signature"):
        verify(SECRET, {"webhook-id": "msg_1", "webhook-timestamp": "1"}, b"{}", now=NOW)


@pytest.mark.parametrize("status, kind, retryable", [
    (200, OutcomeKind.SENT, False),
    (410, OutcomeKind.GONE, False),
    (503, OutcomeKind.FAILED, True),
    (429, OutcomeKind.FAILED, True),
    (400, OutcomeKind.FAILED, False),
])
async def test_the_receivers_answer_decides_the_outcome(status, kind, retryable):
    app, _ = receiver_app(status)
    async with serving(app) as base:
        outcome = await send_to(f"{base}/hook")
    assert (outcome.kind, outcome.retryable) == (kind, retryable)
    assert str(status) in outcome.reason


async def test_a_slow_receiver_times_out_and_is_retried_later():
    app, _ = receiver_app(delay_s=1.0)
    async with serving(app) as base:
        outcome = await send_to(f"{base}/hook", timeout_s=0.2)
    assert outcome.kind is OutcomeKind.FAILED and outcome.retryable
    assert "timed out after 0.2 s" in outcome.reason


async def test_copies_waiting_for_a_free_connection_do_not_time_out_while_they_wait():
    """Ten copies at once through two connections to a receiver taking 0.3 s each: the last
    waits 1.2 s for a connection, yet each has 0.8 s once sent (a fan-out queues thousands)."""
    app, accepted = receiver_app(delay_s=0.3)
    channel = WebhookChannel(timeout_s=0.8, max_connections=2, per_host=2)
    try:
        async with serving(app) as base:
            outcomes = await asyncio.gather(*(channel.send(a_delivery(receiver_id=f"gw-{n}"),
                                                           WebhookReceiver(f"gw-{n}", f"{base}/hook", SECRET))
                                              for n in range(10)))
    finally:
        await channel.close()
    assert [o.kind for o in outcomes] == [OutcomeKind.SENT] * 10, [o.reason for o in outcomes]
    assert len(accepted) == 10


async def test_an_unreachable_receiver_is_retried_later():
    outcome = await send_to(f"http://127.0.0.1:{free_port()}/hook")
    assert outcome.kind is OutcomeKind.FAILED and outcome.retryable
    assert "unreachable" in outcome.reason


async def test_an_expired_message_is_not_sent():
    app, accepted = receiver_app()
    channel = WebhookChannel()
    async with serving(app) as base:
        outcome = await channel.send(a_delivery(expires=NOW - timedelta(seconds=1)),
                                     WebhookReceiver("gw-1", f"{base}/hook", SECRET))
        await channel.close()
    assert outcome.kind is OutcomeKind.EXPIRED and accepted == []


async def test_a_broken_secret_is_a_permanent_failure_not_a_crash():
    outcome = await WebhookChannel().send(a_delivery(), WebhookReceiver("gw-1", "http://127.0.0.1:9/", "whsec_!!"))
    assert outcome.kind is OutcomeKind.FAILED and not outcome.retryable
    assert "secret" in outcome.reason
