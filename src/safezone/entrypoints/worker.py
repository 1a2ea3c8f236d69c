"""The delivery worker, as `safezone serve` runs it in process (the embedded default).

`channels(container)` opens the channels the settings turn on (webhooks always; Web Push with a
VAPID folder; e-mail with an SMTP host; MQTT with a broker host), `engine(container)` wires the
engine on them, and `embedded(container, stop)` runs passes until told to stop (woken at once
by every committed alert change, so an issued message does not wait for the poll), then closes the channels;
with the collector set for delivering meanwhile (`collector.delivering`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from safezone.adapters.channels.email import EmailChannel
from safezone.adapters.channels.mqtt import MqttChannel
from safezone.adapters.channels.webhook import WebhookChannel
from safezone.adapters.channels.webpush import WebPushChannel, load_or_create_vapid_key
from safezone.bootstrap import Container
from safezone.domain.breaker import CircuitBreaker
from safezone.entrypoints import collector
from safezone.services.delivery import DeliveryEngine


def channels(container: Container) -> dict[str, Any]:
    settings = container.delivery_settings
    clock = container.clock
    opened: dict[str, Any] = {"webhook": WebhookChannel(clock=clock)}
    if settings.vapid_dir is not None:
        opened["webpush"] = WebPushChannel(load_or_create_vapid_key(settings.vapid_dir), subject=settings.vapid_subject,
                                           require_https=not settings.allow_http,
                                           services=settings.allowed_push_services, clock=clock)
    if settings.smtp_host:
        opened["email"] = EmailChannel(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_sender,
                                       sender_name=container.settings.sender_name, clock=clock)
    if settings.mqtt_host:
        opened["mqtt"] = MqttChannel(host=settings.mqtt_host, port=settings.mqtt_port, clock=clock)
    return opened


def engine(container: Container, opened: dict[str, Any], owner: str | None = None) -> DeliveryEngine:
    return DeliveryEngine(container.database, opened, container.delivery_settings, container.alerts.settings,
                          container.clock, owner=owner, breaker=CircuitBreaker())


async def embedded(container: Container, stop: asyncio.Event, opened: dict[str, Any] | None = None,
                   running: DeliveryEngine | None = None) -> None:
    """Run the engine in this process (`running`, made on `opened` when not given: a benchmark
    passes its own to wait for its receipts); an issued alert wakes it at once instead of at its
    next poll (issue → first delivery in milliseconds)."""
    opened = opened if opened is not None else channels(container)
    running = running if running is not None else engine(container, opened)
    # Any committed change may have written an outbox entry (an alert, an update, a cancel).
    forget = container.alerts.on_change(lambda _action, _alert: running.wake())
    try:
        with collector.delivering():
            await running.run(stop)
    finally:
        forget()
        for channel in opened.values():
            await channel.close()
