"""The delivery model the channels share: which text a receiver reads, the idempotency key
receivers see, and what an HTTP answer means for the delivery engine."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from safezone.adapters.channels import render
from safezone.adapters.channels.base import Channel
from safezone.adapters.channels.email import EmailChannel
from safezone.adapters.channels.http import written_origin
from safezone.adapters.channels.mqtt import MqttChannel
from safezone.adapters.channels.sse import Broadcaster
from safezone.adapters.channels.webhook import WebhookChannel
from safezone.adapters.channels.webpush import WebPushChannel, load_or_create_vapid_key
from safezone.domain.cap.enums import Status
from safezone.domain.delivery import ChannelKind, DeliveryText, OutcomeKind, http_outcome
from safezone.domain.stages import AlertStage
from tests.delivery.channel_support import a_delivery


@pytest.mark.parametrize("languages, chosen", [
    (("uk-UA",), "uk-UA"), (("uk",), "uk-UA"), (("de", "uk"), "uk-UA"), (("de",), "en-GB"), ((), "en-GB")])
def test_a_receiver_reads_the_first_of_its_languages_the_message_has(languages, chosen):
    assert a_delivery().text_for(languages).language == chosen


def test_the_idempotency_key_is_message_receiver_and_channel():
    one = a_delivery()
    assert one.idempotency_key == "7:r-1:webhook"
    assert one.delivery_id == a_delivery().delivery_id  # a redelivery carries the same id
    others = {a_delivery(receiver_id="r-2").delivery_id, a_delivery(channel=ChannelKind.EMAIL).delivery_id,
              a_delivery(message_id=8).delivery_id}
    assert one.delivery_id not in others and len(others) == 3


@pytest.mark.parametrize("status, kind, retryable", [
    (201, OutcomeKind.SENT, False), (404, OutcomeKind.GONE, False), (410, OutcomeKind.GONE, False),
    (408, OutcomeKind.FAILED, True), (429, OutcomeKind.FAILED, True), (502, OutcomeKind.FAILED, True),
    (301, OutcomeKind.FAILED, False), (403, OutcomeKind.FAILED, False)])
def test_what_an_http_answer_means(status, kind, retryable):
    outcome = http_outcome(status, "webhook")
    assert (outcome.kind, outcome.retryable) == (kind, retryable)


def test_only_actual_messages_go_unmarked():
    assert render.title(a_delivery(), a_delivery().texts[0]) == "Missile threat: shelter now"
    for status in (Status.EXERCISE, Status.TEST, Status.SYSTEM):
        drill = a_delivery(status=status)
        assert render.title(drill, drill.texts[0]).startswith(f"[{status.value.upper()}] ")
        assert render.short_text(drill, drill.texts[1]).startswith(f"[{status.value.upper()}] ")


def test_an_sms_text_fits_one_segment():
    long = a_delivery(texts=(DeliveryText("en", "x" * 300),))
    assert len(render.short_text(long, long.texts[0])) == render.SHORT_TEXT_CHARS


def test_every_channel_offers_the_one_interface(tmp_path):
    channels = [WebhookChannel(), EmailChannel(host="127.0.0.1", port=25, sender="w@example.org"),
                MqttChannel(host="127.0.0.1"), Broadcaster(),
                WebPushChannel(load_or_create_vapid_key(tmp_path), subject="mailto:w@example.org")]
    assert all(isinstance(channel, Channel) for channel in channels)


def test_every_channel_says_the_stage():
    early = a_delivery(stage=AlertStage.EARLY_WARNING)
    assert render.summary(early)["stage"] == "early-warning"
    assert json.loads(render.push_payload(early))["stage"] == "early-warning"
    assert render.summary(a_delivery())["stage"] == "alert"


@pytest.mark.parametrize("body, renderer, languages", [
    (lambda d: render.webhook_body(d), "_webhook_body", None),
    (lambda d: render.push_payload(d, ("uk",)), "_push_payload", ("uk",)),
])
def test_a_message_is_encoded_once_for_all_its_receivers_each_with_its_own_id(monkeypatch, body, renderer, languages):
    encoded = []
    real = getattr(render, renderer)
    monkeypatch.setattr(render, renderer, lambda *args: encoded.append(args) or real(*args))
    channel = ChannelKind.WEBHOOK if renderer == "_webhook_body" else ChannelKind.WEBPUSH
    message = a_delivery(channel, message_id=9001)
    bodies = {}
    for n in range(50):
        receiver = replace(message, receiver_id=f"r-{n}")
        bodies[receiver.delivery_id] = body(receiver)
        fresh = real(receiver) if languages is None else real(receiver, languages)
        assert bodies[receiver.delivery_id] == fresh  # byte for byte what rendering it alone gives
    assert len(encoded) == 1
    for delivery_id, encoded_body in bodies.items():
        seen = json.loads(encoded_body)
        assert (seen["summary"]["id"] if channel is ChannelKind.WEBHOOK else seen["id"]) == delivery_id
    assert len(set(bodies.values())) == 50


def test_a_changed_message_is_encoded_anew_even_with_the_same_id():
    first = a_delivery(message_id=9002)
    changed = replace(first, status=Status.EXERCISE, texts=(DeliveryText("en-GB", "Changed", "", ""),))
    assert render.webhook_body(first) != render.webhook_body(changed)
    assert json.loads(render.webhook_body(changed))["summary"]["texts"]["en-GB"]["headline"] == "Changed"
    assert json.loads(render.push_payload(changed))["title"] == "[EXERCISE] Changed"


@pytest.mark.parametrize("url", ["https://push.example.net/send/abc?x=1#f", "http://user:pw@127.0.0.1:8080/r1",
                                 "https://h.example?x", "https://h.example#f", "https://h.example"])
def test_a_receivers_host_key_is_what_urlsplit_says(url):
    parts = urlsplit(url)
    assert written_origin(url) == f"{parts.scheme}://{parts.netloc}"
