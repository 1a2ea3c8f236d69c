"""One message on its way to one receiver over one channel, and what became of it.

A `Delivery` carries everything a channel needs to show the message (texts per language, the
areas and their time to shelter, links, the CAP XML) so a channel never reads the database;
its idempotency key (message × receiver × channel) is what a receiver uses to drop a copy it
has already seen, and what our delivery table refuses a second success for.

Pure: no network, no database, no XML library.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Sequence

from safezone.domain.alerts import AlertKind
from safezone.domain.stages import AlertStage
from safezone.domain.cap.enums import MsgType, Status


class ChannelKind(StrEnum):
    WEBPUSH = "webpush"
    WEBHOOK = "webhook"
    EMAIL = "email"
    MQTT = "mqtt"
    SSE = "sse"


@dataclass(frozen=True)
class DeliveryText:
    """What a person reads, in one language (a BCP 47 tag such as `uk-UA`)."""

    language: str
    headline: str
    description: str | None = None
    instruction: str | None = None
    event: str | None = None


@dataclass(frozen=True)
class DeliveryArea:
    """An alert area the message covers, with its time to shelter in seconds."""

    id: str
    name: str
    time_to_shelter_s: int


@dataclass(frozen=True)
class Delivery:
    """One issued message for one receiver on one channel.

    `chain` is the CAP identifier of the first alert of the chain (the alert itself for a new
    one): every Update, Cancel and all-clear of it shares it, so a push service can replace the
    earlier notification and a siren knows which warning an all-clear ends.
    """

    message_id: int  # the issued alert record
    receiver_id: str
    channel: ChannelKind
    cap_identifier: str
    chain: str
    kind: AlertKind
    msg_type: MsgType
    status: Status
    sent: datetime
    expires: datetime
    texts: tuple[DeliveryText, ...]
    areas: tuple[DeliveryArea, ...] = ()
    # Areas an earlier message of the chain covered and this one no longer does (an Update
    # that shrinks the warning): they are clear now.
    cleared_areas: tuple[DeliveryArea, ...] = ()
    web_url: str | None = None  # the alert's page
    cap_url: str | None = None  # its CAP XML
    cap_xml: bytes | None = None
    sender: str = ""
    stage: AlertStage = AlertStage.ALERT  # the chain's stage the message announces (safezone.domain.stages)

    def __post_init__(self) -> None:
        if not self.texts:
            raise ValueError("a delivery needs its text in at least one language")
        if self.expires.tzinfo is None or self.sent.tzinfo is None:
            raise ValueError("sent and expires must be timezone-aware")

    @property
    def idempotency_key(self) -> str:
        """message × receiver × channel, readable, for our own delivery table."""
        return f"{self.message_id}:{self.receiver_id}:{self.channel.value}"

    @property
    def delivery_id(self) -> str:
        """The idempotency key as receivers see it: short, opaque, safe in any header."""
        digest = hashlib.sha256(self.idempotency_key.encode()).digest()[:18]
        return "msg_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @property
    def is_drill(self) -> bool:
        """Exercise and Test (and System) messages: marked as such everywhere a person sees them."""
        return self.status is not Status.ACTUAL

    @property
    def ends_warning(self) -> bool:
        """Cancel and all-clear: the areas are no longer under this warning."""
        return self.kind in (AlertKind.CANCEL, AlertKind.ALL_CLEAR, AlertKind.STAND_DOWN)

    @property
    def time_to_shelter_s(self) -> int | None:
        """The shortest time to shelter over the message's areas (the one to act on)."""
        return min((a.time_to_shelter_s for a in self.areas), default=None)

    def remaining(self, now: datetime) -> timedelta:
        """How long the message stays worth showing; zero or less once it has expired."""
        return self.expires - now

    def text_for(self, languages: Sequence[str] = ()) -> DeliveryText:
        """The text in the first language the receiver reads (by full tag, then by its
        primary language: `uk` matches `uk-UA`), else the message's first language."""
        for wanted in languages:
            for text in self.texts:
                if text.language.lower() == wanted.lower():
                    return text
            primary = wanted.split("-")[0].lower()
            for text in self.texts:
                if text.language.split("-")[0].lower() == primary:
                    return text
        return self.texts[0]


class OutcomeKind(StrEnum):
    SENT = "sent"  # handed over to the receiver or its service
    DELIVERED = "delivered"  # the receiver confirmed it
    FAILED = "failed"
    GONE = "gone"  # the receiver no longer exists (push 404/410, webhook 410): remove it
    EXPIRED = "expired"  # past `expires`: not sent


@dataclass(frozen=True)
class Outcome:
    """What one attempt did. A failure is either worth retrying (a timeout, a 5xx, a full
    mailbox) or permanent (the receiver refused the message itself)."""

    kind: OutcomeKind
    reason: str = ""
    retryable: bool = False
    detail: dict = field(default_factory=dict, compare=False)

    @classmethod
    def sent(cls, reason: str = "", **detail: object) -> Outcome:
        return cls(OutcomeKind.SENT, reason, detail=dict(detail))

    @classmethod
    def delivered(cls, reason: str = "", **detail: object) -> Outcome:
        return cls(OutcomeKind.DELIVERED, reason, detail=dict(detail))

    @classmethod
    def retry(cls, reason: str, **detail: object) -> Outcome:
        return cls(OutcomeKind.FAILED, reason, retryable=True, detail=dict(detail))

    @classmethod
    def permanent(cls, reason: str, **detail: object) -> Outcome:
        return cls(OutcomeKind.FAILED, reason, retryable=False, detail=dict(detail))

    @classmethod
    def gone(cls, reason: str, **detail: object) -> Outcome:
        return cls(OutcomeKind.GONE, reason, detail=dict(detail))

    @classmethod
    def expired(cls, reason: str = "past its expiry") -> Outcome:
        return cls(OutcomeKind.EXPIRED, reason)

    @property
    def ok(self) -> bool:
        return self.kind in (OutcomeKind.SENT, OutcomeKind.DELIVERED)


def http_outcome(status: int, what: str) -> Outcome:
    """The outcome of an HTTP answer from a webhook or a push service: 2xx sent; 404/410 the
    receiver is gone; 408, 425, 429 and 5xx worth retrying; any other 4xx refuses the message."""
    if 200 <= status < 300:
        return Outcome.sent(f"{what} answered {status}", status=status)
    if status in (404, 410):
        return Outcome.gone(f"{what} answered {status}: the receiver is gone", status=status)
    if status in (408, 425, 429) or status >= 500:
        return Outcome.retry(f"{what} answered {status}", status=status)
    return Outcome.permanent(f"{what} refused the message with {status}", status=status)


@dataclass(frozen=True)
class WebhookReceiver:
    """An integrator's endpoint (siren controller, broadcaster, SMS/Telegram gateway)."""

    id: str
    url: str
    secret: str  # whsec_<base64>, shared with the integrator


@dataclass(frozen=True)
class EmailReceiver:
    id: str
    address: str
    languages: tuple[str, ...] = ()
    unsubscribe_url: str | None = None  # one click, RFC 8058


@dataclass(frozen=True)
class PushReceiver:
    """A browser's Web Push subscription (what `PushManager.subscribe()` returns)."""

    id: str
    endpoint: str
    p256dh: str  # the browser's public key, base64url
    auth: str  # its 16-byte auth secret, base64url
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class BrokerReceiver:
    """A message broker's topic tree for sirens and displays (one retained topic per area)."""

    id: str
    prefix: str = "safezone/areas"
