"""Web Push, a real round trip: our channel encrypts and signs, a push service of our own on
127.0.0.1 (tests/delivery/push_service.py) checks the VAPID token and decrypts each push with
the subscriber's private key — what it reads is what the browser would show."""

from __future__ import annotations

import os
import stat
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import AsyncIterator

import pytest

from safezone.adapters.channels import render
from safezone.adapters.channels.webpush import (TOPIC_MAX_CHARS, WebPushChannel, application_server_key,
                                                load_or_create_vapid_key, topic)
from safezone.domain.alerts import AlertKind
from safezone.domain.cap.enums import MsgType, Status
from safezone.domain.delivery import ChannelKind, OutcomeKind
from tests.delivery.channel_support import NOW, a_delivery, anyio_backend, serving  # noqa: F401
from tests.delivery.push_service import PushService

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def push_service() -> AsyncIterator[tuple[PushService, str]]:
    service = PushService()
    async with serving(service.app()) as base:
        service.origin = base
        yield service, base


@pytest.fixture
def channel(tmp_path: Path) -> WebPushChannel:
    return WebPushChannel(load_or_create_vapid_key(tmp_path), subject="mailto:operators@example.org",
                          require_https=False, services=None,  # our push service listens on plain http://127.0.0.1
                          clock=lambda: NOW)  # NOW is fixed at import; the suite may reach this test minutes later


def a_push(**changes: object):
    return a_delivery(ChannelKind.WEBPUSH, **changes)


async def test_the_browser_decrypts_the_warning_in_its_language(channel):
    async with push_service() as (service, base):
        browser = service.browser("phone-1")
        outcome = await channel.send(a_push(), browser.subscription(base, ("uk-UA",)))
        await channel.close()
    assert outcome.kind is OutcomeKind.SENT, service.refused
    [push] = service.accepted
    assert push.payload["title"] == "Ракетна загроза: в укриття"
    assert push.payload["body"] == "Йдіть в укриття."
    assert push.payload["time_to_shelter_s"] == 15 and push.payload["areas"] == ["Sumy", "Okhtyrka"]
    assert push.payload["id"] == a_push().delivery_id  # the service worker drops a repeated id


async def test_the_vapid_token_is_signed_for_the_push_services_origin_with_our_kept_key(channel, tmp_path):
    async with push_service() as (service, base):
        await channel.send(a_push(), service.browser("phone-1").subscription(base))
        await channel.close()
    [push] = service.accepted
    assert push.claims["aud"] == base and push.claims["sub"] == "mailto:operators@example.org"
    assert push.vapid_key == application_server_key(load_or_create_vapid_key(tmp_path))


async def test_an_actual_warning_is_urgent_and_lives_no_longer_than_the_alert(channel):
    async with push_service() as (service, base):
        browser = service.browser("phone-1")
        await channel.send(a_push(), browser.subscription(base))
        await channel.send(a_push(status=Status.EXERCISE), browser.subscription(base))
        await channel.close()
    actual, drill = service.accepted
    assert actual.headers["Urgency"] == "high" and drill.headers["Urgency"] == "normal"
    remaining = (a_push().expires - NOW).total_seconds()
    assert int(actual.headers["TTL"]) == remaining
    assert drill.payload["title"].startswith("[EXERCISE] ")


async def test_an_update_has_the_topic_of_the_alert_it_replaces(channel):
    update = a_push(message_id=8, cap_identifier="urn:safezone:sz-8", kind=AlertKind.UPDATE, msg_type=MsgType.UPDATE)
    other = a_push(message_id=9, cap_identifier="urn:safezone:sz-9", chain="urn:safezone:sz-9")
    async with push_service() as (service, base):
        browser = service.browser("phone-1")
        for delivery in (a_push(), update, other):
            await channel.send(delivery, browser.subscription(base))
        await channel.close()
    first, replacing, unrelated = (p.headers["Topic"] for p in service.accepted)
    assert first == replacing != unrelated
    assert len(first) <= TOPIC_MAX_CHARS


def test_a_topic_is_short_and_base64url_whatever_the_chain():
    assert len(topic("urn:oid:2.49.0.1.276.0.DE-HH-HH-S001-20260101-001-" + "x" * 200)) == TOPIC_MAX_CHARS


@pytest.mark.parametrize("status, kind, retryable", [
    (410, OutcomeKind.GONE, False), (404, OutcomeKind.GONE, False),
    (503, OutcomeKind.FAILED, True), (413, OutcomeKind.FAILED, False)])
async def test_the_push_services_answer_decides_the_outcome(channel, status, kind, retryable):
    async with push_service() as (service, base):
        browser = service.browser("phone-1")
        service.answers["phone-1"] = status
        outcome = await channel.send(a_push(), browser.subscription(base))
        await channel.close()
    assert (outcome.kind, outcome.retryable) == (kind, retryable)


async def test_a_broken_subscription_is_a_permanent_failure_not_a_crash(channel):
    async with push_service() as (service, base):
        broken = replace(service.browser("phone-1").subscription(base), p256dh="bm90IGEga2V5")
        outcome = await channel.send(a_push(), broken)
        await channel.close()
    assert outcome.kind is OutcomeKind.FAILED and not outcome.retryable
    assert service.accepted == []


async def test_an_expired_warning_is_not_pushed(channel):
    async with push_service() as (service, base):
        outcome = await channel.send(a_push(expires=NOW - timedelta(seconds=1)),
                                     service.browser("phone-1").subscription(base))
        await channel.close()
    assert outcome.kind is OutcomeKind.EXPIRED and service.accepted == []


async def test_a_push_stays_within_the_size_push_services_accept(channel):
    many = tuple(replace(a_push().areas[0], id=f"UKR-1-{n}", name=f"Settlement number {n}") for n in range(900))
    assert len(render.push_payload(a_push(areas=many))) <= render.PUSH_PAYLOAD_MAX_BYTES
    async with push_service() as (service, base):
        outcome = await channel.send(a_push(areas=many), service.browser("phone-1").subscription(base))
        await channel.close()
    assert outcome.kind is OutcomeKind.SENT
    assert service.accepted[0].payload["time_to_shelter_s"] == 15


def test_the_vapid_key_is_made_once_kept_private_and_reloaded(tmp_path):
    first = application_server_key(load_or_create_vapid_key(tmp_path / "keys"))
    kept = tmp_path / "keys" / "vapid_private.pem"
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert application_server_key(load_or_create_vapid_key(tmp_path / "keys")) == first
    assert list((tmp_path / "keys").iterdir()) == [kept]


async def test_the_push_service_really_checks_the_token_a_push_for_another_origin_is_refused(channel):
    async with push_service() as (service, base):
        service.origin = "https://push.elsewhere.example"
        outcome = await channel.send(a_push(), service.browser("phone-1").subscription(base))
        await channel.close()
    assert outcome.kind is OutcomeKind.FAILED and not outcome.retryable
    assert service.accepted == [] and "aud" in service.refused[0]


async def test_a_plain_http_endpoint_is_refused_by_default(tmp_path):
    strict = WebPushChannel(load_or_create_vapid_key(tmp_path), subject="mailto:operators@example.org")
    async with push_service() as (service, base):
        outcome = await strict.send(a_push(), service.browser("phone-1").subscription(base))
        await strict.close()
    assert outcome.kind is OutcomeKind.FAILED and not outcome.retryable and "https" in outcome.reason
    assert service.accepted == []


async def test_an_endpoint_off_the_known_push_services_is_never_posted_to(tmp_path):
    """A push endpoint is an address a stranger hands us: the worker posts only to the push
    services of browsers (or those the operator lists), never into the operator's own network,
    even for a subscription stored before the list was narrowed."""
    guarded = WebPushChannel(load_or_create_vapid_key(tmp_path), subject="mailto:operators@example.org",
                             require_https=False, services=("push.services.mozilla.com",), clock=lambda: NOW)
    async with push_service() as (service, base):
        outcome = await guarded.send(a_push(), service.browser("phone-1").subscription(base))
        await guarded.close()
    assert outcome.kind is OutcomeKind.FAILED and not outcome.retryable and "SAFEZONE_PUSH_SERVICES" in outcome.reason
    assert service.accepted == [] and service.refused == []
