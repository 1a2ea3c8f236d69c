"""Web Push to residents' browsers: RFC 8030 (the protocol), RFC 8291 (aes128gcm payload
encryption, `push_crypto`) and RFC 8292 (VAPID, signed by py-vapid).

- The VAPID key is made on first start and kept in a PEM file, because browsers bind every
  subscription to the public key they subscribed with: a new key would orphan them all.
- `Urgency: high` for Actual messages, so a phone in power saving wakes for them.
- `TTL` is the message's remaining life: a push service never delivers it after `expires`.
- `Topic` is derived from the alert chain: an Update, Cancel or all-clear replaces the earlier
  notification still waiting in the push service instead of queueing behind it.
- A push service's 404 or 410 means the subscription is gone: the outcome says to remove it.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02, VapidException

from safezone.adapters.channels import push_crypto, render
from safezone.adapters.channels.base import expired, utcnow
from safezone.adapters.channels.http import HttpPoster, written_origin
from safezone.adapters.channels.push_crypto import b64url_decode
from safezone.domain.cap.enums import Status
from safezone.domain.delivery import Delivery, Outcome, PushReceiver
from safezone.domain.subscribers import KNOWN_PUSH_SERVICES, on_push_service

VAPID_KEY_FILE = "vapid_private.pem"
TOPIC_MAX_CHARS = 32  # RFC 8030 §5.4: at most 32 characters of the base64url alphabet
JWT_LIFETIME_S = 12 * 3600  # RFC 8292 allows at most 24 h; half leaves room for clock skew
JWT_RENEW_BEFORE_S = 3600


def load_or_create_vapid_key(folder: Path) -> Vapid02:
    """The server's VAPID key from `folder`, made (and kept, readable by the owner only) the
    first time. Two processes starting together end with the same key: the file is linked
    into place only if it does not exist yet."""
    path = Path(folder) / VAPID_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Vapid02()
        key.generate_keys()
        draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key.private_pem())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink()
    return Vapid02.from_file(str(path))


def application_server_key(key: Vapid02) -> str:
    """The public key, base64url, as a page passes it to `PushManager.subscribe()`."""
    raw = key.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@functools.lru_cache(maxsize=256)
def topic(chain: str) -> str:
    """The push `Topic` of an alert chain: 32 base64url characters of its hash."""
    digest = hashlib.sha256(chain.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOPIC_MAX_CHARS]


class WebPushChannel:
    """Encrypts each notification for its subscription and posts it to the push service."""

    def __init__(self, key: Vapid02, *, subject: str, timeout_s: float = 5.0, max_connections: int = 200,
                 per_host: int = 50, require_https: bool = True,
                 services: tuple[str, ...] | None = KNOWN_PUSH_SERVICES,
                 clock: Callable[[], datetime] = utcnow) -> None:
        """`subject` is how push services reach the operator: `mailto:` or an `https:` URL.
        Every real push service is on https; `require_https=False` is for a local test service.
        `services` is checked again here, for endpoints stored before the list changed."""
        self._key = key
        self._services = services
        self._schemes = ("https",) if require_https else ("http", "https")
        self._subject = subject
        self._http = HttpPoster("push service", timeout_s=timeout_s, max_connections=max_connections,
                                per_host=per_host)
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}  # origin -> (Authorization, valid until)
        self._origins: dict[str, str] = {}  # an endpoint's scheme://netloc as written -> its checked origin

    async def send(self, delivery: Delivery, receiver: PushReceiver) -> Outcome:
        now = self._clock()
        late = expired(delivery, now)
        if late:
            return late
        try:
            body, headers = self.request(delivery, receiver, now)
        except (VapidException, binascii.Error, ValueError) as bad:
            return Outcome.permanent(f"push subscription unusable: {bad}")
        return await self._http.post(receiver.endpoint, body, headers)

    def request(self, delivery: Delivery, receiver: PushReceiver, now: datetime) -> tuple[bytes, dict[str, str]]:
        """The encrypted body and headers of one push: all the CPU work of a send (the
        benchmark times it against raw `cryptography`). Raises ValueError for unusable keys."""
        body = _encrypt(receiver, render.push_payload(delivery, receiver.languages))
        headers = {
            "TTL": str(max(1, int(delivery.remaining(now).total_seconds()))),
            "Urgency": "high" if delivery.status is Status.ACTUAL else "normal",
            "Topic": topic(delivery.chain),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": self._authorization(receiver.endpoint),
        }
        return body, headers

    async def close(self) -> None:
        await self._http.close()

    def _authorization(self, endpoint: str) -> str:
        """`vapid t=<JWT>, k=<public key>` for the endpoint's origin, signed once per origin and
        reused until an hour before it expires (an ECDSA signature per push would cost more
        than the encryption)."""
        origin = self._origin(endpoint)
        cached = self._tokens.get(origin)
        wall = time.time()
        if cached is None or cached[1] - JWT_RENEW_BEFORE_S < wall:
            expires = int(wall) + JWT_LIFETIME_S
            header = self._key.sign({"aud": origin, "sub": self._subject, "exp": expires})["Authorization"]
            cached = self._tokens[origin] = (header, expires)
        return cached[0]

    def _origin(self, endpoint: str) -> str:
        """The endpoint's origin, checked once per push service (every subscriber of one push
        service shares it) rather than parsing each subscriber's whole URL."""
        written = written_origin(endpoint)
        origin = self._origins.get(written)
        if origin is None:
            parts = urlsplit(endpoint)
            if parts.scheme not in self._schemes or not parts.hostname:
                raise ValueError(f"push endpoint is not an {' or '.join(self._schemes)} URL")
            if not on_push_service(endpoint, self._services):
                raise ValueError("push endpoint is not on a push service this deployment allows (SAFEZONE_PUSH_SERVICES)")
            origin = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # no userinfo in aud
            if len(self._origins) < 1024:
                self._origins[written] = origin
        return origin


def _encrypt(receiver: PushReceiver, payload: bytes) -> bytes:
    return push_crypto.encrypt(payload, b64url_decode(receiver.p256dh), b64url_decode(receiver.auth))
