"""Residents who subscribe to warnings, and integrators an admin registers.

A subscriber has no account: a secret manage token (returned once, stored only as its
SHA-256) lets its holder read, change or delete the subscription. Where a subscriber lives is
personal data: it is stored to target warnings and nothing else — no answer returns it and no
log prints it (`Subscription.__repr__` leaves it out).

Pure: validation of what a subscriber or an admin sends, and the records; no database, no web.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from safezone.domain.errors import InputError

MAX_AREAS = 50
MAX_LANGUAGES = 5
MAX_EMAIL_CHARS = 254
MAX_URL_CHARS = 2000
MAX_NAME_CHARS = 100
TOKEN_BYTES = 32
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")
_EMAIL = re.compile(r"^[^\s@<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")
_AREA_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_TOPIC = re.compile(r"^[A-Za-z0-9_./-]{1,200}$")
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")

# The push services of the browsers people use (Chrome, Edge, Firefox, Safari and those built on
# them). A push endpoint is a URL the subscriber hands us and our worker then POSTs to: without
# this list anyone could make the worker post to an address inside the operator's network.
KNOWN_PUSH_SERVICES = (
    "fcm.googleapis.com", "android.googleapis.com",  # Chrome, Chromium-based browsers, Samsung
    "push.services.mozilla.com",  # Firefox (updates.push.services.mozilla.com)
    "notify.windows.com",  # Edge (wns2-….notify.windows.com)
    "push.apple.com",  # Safari (web.push.apple.com)
)


def new_token(prefix: str) -> str:
    """A secret handed out once: the prefix says what it is for, 32 random bytes make it unguessable."""
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def new_id(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(9)


def digest(token: str) -> str:
    """What we keep of a secret token: its SHA-256, so a stolen database grants nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Place:
    """A point a subscriber chose (or their device's position): lat/lon in degrees."""

    lat: float
    lon: float

    def __repr__(self) -> str:  # never printed, not even in a traceback's locals
        return "Place(<withheld>)"


@dataclass(frozen=True)
class PushSubscription:
    endpoint: str
    p256dh: str
    auth: str

    def __repr__(self) -> str:
        return "PushSubscription(<withheld>)"


@dataclass(frozen=True)
class Subscription:
    """What a subscriber asked for. `email_confirmed` stays False until the link is opened:
    nothing is mailed to an unconfirmed address but the confirmation itself."""

    id: str
    place: Place | None
    area_ids: tuple[str, ...]
    languages: tuple[str, ...]
    drills: bool
    push: PushSubscription | None
    email: str | None
    email_confirmed: bool
    created_at: datetime
    updated_at: datetime

    def __repr__(self) -> str:
        return f"Subscription({self.id})"

    @property
    def channels(self) -> tuple[str, ...]:
        found = []
        if self.push is not None:
            found.append("webpush")
        if self.email is not None:
            found.append("email")
        return tuple(found)


@dataclass(frozen=True)
class SubscriptionRequest:
    """What a subscriber sends (all of it, when creating; the fields to change, when updating)."""

    place: Place | None = None
    area_ids: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    drills: bool = False
    push: PushSubscription | None = None
    email: str | None = None


def check_place(lat: object, lon: object, where: str = "place") -> Place:
    for name, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"{name} must be a number", field=f"{where}.{name}")
        if not -bound <= value <= bound:
            raise InputError(f"{name} must be between -{bound} and {bound}", field=f"{where}.{name}")
    return Place(float(lat), float(lon))  # type: ignore[arg-type]


def check_area_ids(area_ids: tuple[str, ...], where: str = "areas") -> tuple[str, ...]:
    if len(area_ids) > MAX_AREAS:
        raise InputError(f"at most {MAX_AREAS} areas, not {len(area_ids)}", field=where)
    for index, area in enumerate(area_ids):
        if not _AREA_ID.match(area):
            raise InputError("an area id is 1 to 100 letters, digits and . _ : -", field=f"{where}[{index}]")
    return tuple(dict.fromkeys(area_ids))


def check_languages(languages: tuple[str, ...]) -> tuple[str, ...]:
    if not languages:
        raise InputError("name at least one language (a BCP 47 tag such as uk or uk-UA)", field="languages")
    if len(languages) > MAX_LANGUAGES:
        raise InputError(f"at most {MAX_LANGUAGES} languages", field="languages")
    for index, tag in enumerate(languages):
        if not _LANGUAGE.match(tag):
            raise InputError(f"{tag[:20]!r} is not a language tag such as uk or uk-UA", field=f"languages[{index}]")
    return tuple(dict.fromkeys(languages))


def check_email(address: str) -> str:
    address = address.strip()
    if len(address) > MAX_EMAIL_CHARS or not _EMAIL.match(address):
        raise InputError("not an e-mail address (name@example.org, at most 254 characters)", field="email")
    return address


def on_push_service(endpoint: str, services: tuple[str, ...] | None) -> bool:
    """Whether the endpoint's host is one of `services` or under one (None: any host)."""
    if services is None:
        return True
    host = (urlsplit(endpoint).hostname or "").rstrip(".").lower()
    return any(host == service or host.endswith("." + service) for service in services)


def check_push_services(names: str, where: str) -> tuple[str, ...]:
    """A comma-separated list of push service host names (an operator's setting)."""
    found = tuple(name.strip().rstrip(".").lower() for name in names.split(",") if name.strip())
    bad = [name for name in found if not _HOST_NAME.match(name)]
    if not found or bad:
        raise InputError(f"give host names separated by commas (like fcm.googleapis.com), not {bad or names!r}",
                         field=where)
    return found


def check_push(push: PushSubscription, *, require_https: bool = True,
               services: tuple[str, ...] | None = KNOWN_PUSH_SERVICES) -> PushSubscription:
    """A browser's push subscription: an https endpoint of a push service we know, and its keys."""
    check_url(push.endpoint, "push.endpoint", require_https=require_https)
    if not on_push_service(push.endpoint, services):
        raise InputError("is not the address of a browser's push service (" + ", ".join(services or ())
                         + "); an operator can allow others with SAFEZONE_PUSH_SERVICES", field="push.endpoint")
    for name, value, size in (("p256dh", push.p256dh, 65), ("auth", push.auth, 16)):
        if not _B64URL.match(value or ""):
            raise InputError(f"{name} must be base64url", field=f"push.keys.{name}")
        if _b64_len(value) != size:
            raise InputError(f"{name} must encode {size} bytes", field=f"push.keys.{name}")
    return push


def check_url(url: str, where: str, *, require_https: bool = True) -> str:
    if len(url) > MAX_URL_CHARS:
        raise InputError(f"at most {MAX_URL_CHARS} characters", field=where)
    schemes = ("https",) if require_https else ("http", "https")
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        raise InputError("is not a URL (a bad host or port)", field=where) from None
    if parts.scheme not in schemes or not host:
        raise InputError(f"must be an {' or '.join(schemes)} URL with a host", field=where)
    if parts.username or parts.password:
        raise InputError("must not carry a user name or password", field=where)
    return url


def check_request(wanted: SubscriptionRequest, *, require_https: bool = True,
                  push_services: tuple[str, ...] | None = KNOWN_PUSH_SERVICES) -> SubscriptionRequest:
    """A whole subscription: somewhere to watch and some way to be told, each well-formed."""
    if wanted.place is None and not wanted.area_ids:
        raise InputError("give a place (lat, lon) or at least one alert area", field="place")
    if wanted.push is None and wanted.email is None:
        raise InputError("give at least one channel: a Web Push subscription or an e-mail address", field="push")
    return SubscriptionRequest(
        place=None if wanted.place is None else check_place(wanted.place.lat, wanted.place.lon),
        area_ids=check_area_ids(wanted.area_ids),
        languages=check_languages(wanted.languages),
        drills=bool(wanted.drills),
        push=None if wanted.push is None else check_push(wanted.push, require_https=require_https,
                                                         services=push_services),
        email=None if wanted.email is None else check_email(wanted.email),
    )


def _b64_len(value: str) -> int:
    stripped = value.rstrip("=")
    return len(stripped) * 3 // 4


@dataclass(frozen=True)
class Integrator:
    """Another system an admin registered: a webhook (URL + signing secret) or a broker's
    topic tree, and the areas it wants (none: every area)."""

    id: str
    name: str
    kind: str  # "webhook" or "mqtt"
    area_ids: tuple[str, ...]
    created_at: datetime
    url: str | None = None
    secret: str | None = field(default=None, repr=False)
    topic_prefix: str | None = None

    def wants(self, area_ids: tuple[str, ...]) -> bool:
        return wants(self.area_ids, frozenset(area_ids))


def wants(filter_ids: tuple[str, ...], alert_areas: frozenset[str]) -> bool:
    """Whether an integrator with this area filter (none: every area) gets an alert over
    `alert_areas` (a set made once per alert, not once per integrator)."""
    return not filter_ids or not alert_areas.isdisjoint(filter_ids)


INTEGRATOR_KINDS = ("webhook", "mqtt")


def check_integrator(name: str, kind: str, url: str | None, topic_prefix: str | None, area_ids: tuple[str, ...],
                     *, require_https: bool = True) -> tuple[str, str, str | None, str | None, tuple[str, ...]]:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise InputError(f"a name of 1 to {MAX_NAME_CHARS} characters", field="name")
    if kind not in INTEGRATOR_KINDS:
        raise InputError(f"kind is one of {', '.join(INTEGRATOR_KINDS)}", field="kind")
    if kind == "webhook":
        if url is None:
            raise InputError("a webhook needs its url", field="url")
        check_url(url, "url", require_https=require_https)
        topic_prefix = None
    else:
        topic_prefix = topic_prefix or "safezone/areas"
        if not _TOPIC.match(topic_prefix) or "+" in topic_prefix or "#" in topic_prefix:
            raise InputError("a topic prefix is letters, digits and _ . / -, without wildcards", field="topic_prefix")
        url = None
    return name, kind, url, topic_prefix, check_area_ids(area_ids, "area_filter")
