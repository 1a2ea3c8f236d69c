"""Signed webhooks to integrators, in the style of Standard Webhooks.

Each POST carries `webhook-id` (the delivery's idempotency key as receivers see it: a
redelivery has the same id, so a receiver drops the copy), `webhook-timestamp` (Unix seconds)
and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the integrator's
secret (`whsec_<base64>`). `verify()` is the receiver's side, in this module so integrators
written in Python can use it and our tests check both ends against each other: it refuses a
forged or altered message and a replay (a timestamp outside the tolerance).

One pooled aiohttp session serves every endpoint (fan-out to thousands of receivers); every
request has a total timeout, so a slow receiver costs at most that and never blocks others.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hmac
import secrets
from datetime import datetime
from typing import Callable, Mapping

from safezone.adapters.channels import render
from safezone.adapters.channels.base import expired, utcnow
from safezone.adapters.channels.http import HttpPoster
from safezone.domain.delivery import Delivery, Outcome, WebhookReceiver

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300  # five minutes either way, as Standard Webhooks suggests
USER_AGENT = "safezone-webhook/1"


class WebhookVerificationError(ValueError):
    """A webhook that must not be trusted: the reason says which check failed."""


def new_secret() -> str:
    """A fresh signing secret for an integrator: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` over `id.timestamp.body` under the secret's key."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.digest(_key(secret), signed, "sha256")
    return f"{SIGNATURE_VERSION},{base64.b64encode(mac).decode()}"


def signed_headers(secret: str, message_id: str, body: bytes, now: datetime) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: datetime | None = None,
           tolerance_s: int = DEFAULT_TOLERANCE_S) -> str:
    """Check a received webhook; return its id (to drop duplicates) or raise
    `WebhookVerificationError` saying what is wrong."""
    lowered = {k.lower(): v for k, v in headers.items()}
    missing = [h for h in ("webhook-id", "webhook-timestamp", "webhook-signature") if not lowered.get(h)]
    if missing:
        raise WebhookVerificationError(f"missing header {', '.join(missing)}")
    message_id, stamp = lowered["webhook-id"], lowered["webhook-timestamp"]
    try:
        timestamp = int(stamp)
    except ValueError:
        raise WebhookVerificationError(f"webhook-timestamp {stamp!r} is not Unix seconds") from None
    age = (now or utcnow()).timestamp() - timestamp
    if abs(age) > tolerance_s:
        raise WebhookVerificationError(
            f"webhook-timestamp is {abs(age):.0f} s {'old' if age > 0 else 'in the future'}, "
            f"beyond the {tolerance_s} s tolerance (a replay or a wrong clock)")
    expected = signature(secret, message_id, timestamp, body).split(",", 1)[1]
    for candidate in lowered["webhook-signature"].split():
        version, _, value = candidate.partition(",")
        if version == SIGNATURE_VERSION and hmac.compare_digest(value, expected):
            return message_id
    raise WebhookVerificationError("no webhook-signature matches: the body, id or timestamp was altered, "
                                   "or it was signed with another secret")


class WebhookChannel:
    """POSTs the CAP XML with its JSON summary (`render.webhook_body`), signed per receiver."""

    def __init__(self, *, timeout_s: float = 5.0, connect_timeout_s: float = 2.0, max_connections: int = 200,
                 per_host: int = 20, clock: Callable[[], datetime] = utcnow) -> None:
        self._http = HttpPoster("webhook", timeout_s=timeout_s, connect_timeout_s=connect_timeout_s,
                                max_connections=max_connections, per_host=per_host)
        self._clock = clock

    async def send(self, delivery: Delivery, receiver: WebhookReceiver) -> Outcome:
        now = self._clock()
        late = expired(delivery, now)
        if late:
            return late
        delivery_id = delivery.delivery_id  # a hash: made once a copy
        body = render.webhook_body(delivery, delivery_id)
        try:
            headers = signed_headers(receiver.secret, delivery_id, body, now)
        except ValueError as bad:
            return Outcome.permanent(f"webhook secret unusable: {bad}")
        headers["content-type"] = "application/json"
        headers["user-agent"] = USER_AGENT
        return await self._http.post(receiver.url, body, headers)

    async def close(self) -> None:
        await self._http.close()


@functools.lru_cache(maxsize=4096)
def _key(secret: str) -> bytes:
    """The HMAC key of a secret, decoded once per integrator (a fan-out signs thousands of copies)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a webhook secret is 'whsec_' followed by base64") from None
    if len(key) < 16:
        raise ValueError("a webhook secret needs at least 16 bytes of key")
    return key
