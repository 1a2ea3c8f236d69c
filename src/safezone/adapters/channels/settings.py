"""Delivery settings (`SAFEZONE_SMTP_*`, `SAFEZONE_MQTT_*`, `SAFEZONE_VAPID_DIR`, …), checked at start.

A channel without its setting is off: no SMTP host, no e-mail; no MQTT host, no broker topics.
Webhooks and Web Push need nothing but the network. Values are range-checked like every other
setting (`settings.number`): a bad one stops the start with its variable named.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from safezone.domain.subscribers import KNOWN_PUSH_SERVICES, check_push_services
from safezone.settings import flag, number


@dataclass(frozen=True)
class DeliverySettings:
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "warnings@safezone.local"
    mqtt_host: str | None = None
    mqtt_port: int = 1883
    vapid_dir: Path | None = None  # where vapid_private.pem lives; Web Push is off without it
    vapid_subject: str = "mailto:operator@safezone.local"
    allow_http: bool = False  # webhooks and push endpoints over plain http, to any host (local tests only)
    push_services: tuple[str, ...] = KNOWN_PUSH_SERVICES  # hosts a push endpoint may be on (or under)
    subscribe_rate_per_minute: float = 10.0  # new or changed subscriptions per client address
    subscribe_burst: float = 5.0
    max_attempts: int = 8  # then the delivery is dead (operators see and retry it)
    batch: int = 200  # deliveries one worker leases at a time
    lease_s: float = 30.0  # a dead worker's deliveries come due again after this
    poll_s: float = 0.05

    @property
    def allowed_push_services(self) -> tuple[str, ...] | None:
        """The push services endpoints must be on; None (any host) only in the local test mode."""
        return None if self.allow_http else self.push_services

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "DeliverySettings":
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, key in (("smtp_host", "SAFEZONE_SMTP_HOST"), ("smtp_sender", "SAFEZONE_SMTP_SENDER"),
                          ("mqtt_host", "SAFEZONE_MQTT_HOST"), ("vapid_subject", "SAFEZONE_VAPID_SUBJECT")):
            if env.get(key):
                values[name] = env[key]
        for name, key, low, high in (("smtp_port", "SAFEZONE_SMTP_PORT", 1, 65535),
                                     ("mqtt_port", "SAFEZONE_MQTT_PORT", 1, 65535),
                                     ("max_attempts", "SAFEZONE_DELIVERY_MAX_ATTEMPTS", 1, 100)):
            if env.get(key):
                values[name] = int(number(key, env[key], low, high))
        for name, key, low, high in (("subscribe_rate_per_minute", "SAFEZONE_SUBSCRIBE_RATE_PER_MINUTE", 1, 1e6),
                                     ("subscribe_burst", "SAFEZONE_SUBSCRIBE_BURST", 1, 1e6),
                                     ("lease_s", "SAFEZONE_DELIVERY_LEASE_S", 1, 3600)):
            if env.get(key):
                values[name] = number(key, env[key], low, high)
        if env.get("SAFEZONE_VAPID_DIR"):
            values["vapid_dir"] = Path(env["SAFEZONE_VAPID_DIR"])
        if env.get("SAFEZONE_DELIVERY_ALLOW_HTTP"):
            values["allow_http"] = flag("SAFEZONE_DELIVERY_ALLOW_HTTP", env["SAFEZONE_DELIVERY_ALLOW_HTTP"])
        if env.get("SAFEZONE_PUSH_SERVICES"):
            values["push_services"] = check_push_services(env["SAFEZONE_PUSH_SERVICES"], "SAFEZONE_PUSH_SERVICES")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
