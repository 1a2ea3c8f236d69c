"""Everything configurable, from flags or the environment (`SAFEZONE_*`), checked at start.

A warning service that starts with a setting it cannot honour fails later, at the worst time
(a session lifetime of NaN hours logs every operator out on their first click). So every value
is parsed and range-checked here, once, and a bad one stops the start with one line naming the
setting: `InputError(field=<the variable>)`, which the CLI prints and exits 2 on.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from safezone.domain.errors import InputError
from safezone.services.history import ARCHIVE_DELAY_HOURS, DEFAULT_ARCHIVE_DELAY
from safezone.services.public import DEFAULT_FEED_RETENTION, FEED_RETENTION_HOURS

# Ranges a value must fall in; outside them it is a typo or a misunderstanding, not a choice.
SESSION_HOURS = (0.25, 168.0, " hours")  # a quarter of an hour to a week
FEED_HOURS = (*FEED_RETENTION_HOURS, " hours (what feed aggregators ask for)")
ARCHIVE_HOURS = (*ARCHIVE_DELAY_HOURS, " hours (0 to 30 days)")
RATES = (1.0, 1_000_000.0, " requests a minute")
BURSTS = (1.0, 1_000_000.0, " requests")
RANGES: dict[str, tuple[float, float, str]] = {
    "public_rate_per_minute": RATES, "public_burst": BURSTS,
    "login_rate_per_minute": RATES, "login_burst": BURSTS,
    "operator_rate_per_minute": RATES, "operator_burst": BURSTS,
    "ready_timeout_s": (0.1, 30.0, " seconds"),
    "expiry_sweep_s": (0.01, 3600.0, " seconds"),
    "public_in_flight": (1.0, 10_000.0, " requests"),
    "change_watch_s": (0.005, 5.0, " seconds"),
}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})
_HOST_NAME = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def number(name: str, raw: str | float, low: float, high: float, unit: str = "") -> float:
    """A finite number within [low, high], or an InputError naming the setting."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(f"must be a number, not {raw!r}", field=name) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"must be between {low:,.10g} and {high:,.10g}{unit}, not {raw!r}", field=name)
    return value


def flag(name: str, raw: str) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (a typo is an error, not "off")."""
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise InputError(f"must be one of 1, true, yes, on, 0, false, no, off, not {raw!r}", field=name)
    return word in TRUE_WORDS


def public_url(name: str, raw: str) -> str:
    """An absolute http(s) URL with a host and no query or fragment; links are made from it."""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InputError(f"must be an absolute http:// or https:// URL such as https://warn.example.org, "
                         f"not {raw!r}", field=name)
    return raw.rstrip("/")


def text(name: str, raw: str, *, spaces: bool = True) -> str:
    """A non-empty line of text without control characters (and, for identifiers, without spaces)."""
    if not raw.strip() or _CONTROL.search(raw) or (not spaces and re.search(r"[\s,&<]", raw)):
        what = "a non-empty word without spaces, commas, & or <" if not spaces else "a non-empty line of text"
        raise InputError(f"must be {what}, not {raw!r}", field=name)
    return raw


def networks(name: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """IP addresses or networks (10.0.0.0/8, ::1), each checked."""
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise InputError(f"{value!r} is not an IP address or network (such as 10.0.0.1 or "
                             "10.0.0.0/8)", field=name) from None
    return values


def host_names(name: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """Host names a client may address us by; `*.example.org` allows its subdomains."""
    checked = []
    for value in values:
        host = value.strip().lower()
        if not _HOST_NAME.match(host) and not _is_ip(host):
            raise InputError(f"{value!r} is not a host name (such as warn.example.org or "
                             "*.example.org)", field=name)
        checked.append(host)
    return tuple(checked)


def tiles_url(name: str, raw: str) -> str:
    """A tile server's URL template for the maps: http(s), with {z}, {x} and {y}."""
    if not raw.startswith(("https://", "http://")) or not all(p in raw for p in ("{z}", "{x}", "{y}")):
        raise InputError(f"{raw[:80]!r} is not a tile URL such as https://tiles.example.org/{{z}}/{{x}}/{{y}}.png",
                         field=name)
    if any(c in raw for c in "<>\"' \n"):
        raise InputError("the tile URL holds a character a URL cannot", field=name)
    return raw


def redis_url(name: str, raw: str) -> str:
    """A `redis://` or `rediss://` URL (what redis-py's from_url reads)."""
    if not re.match(r"^rediss?://[^\s/]+(/\d+)?$", raw):
        raise InputError(f"must be a redis:// URL such as redis://127.0.0.1:6379/0, not {raw!r}", field=name)
    return raw


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    return True


def _listed(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    """Everything configurable; every value is checked when the settings are made."""

    db: str | None = None  # --db, else SAFEZONE_DB, else ./safezone.db
    threats_file: Path | None = None
    templates_file: Path | None = None
    sender: str = "safezone.local"
    sender_name: str = "safezone civil protection"
    public_url: str | None = None
    contact: str | None = None  # the CAP <contact> of our messages; default: sender name and address
    redis_url: str | None = None  # shared rate limits and live events among worker processes; none: in process
    tiles_url: str | None = None  # a tile server for the pages' maps ({z}/{x}/{y}); none: our own data only
    session_lifetime: timedelta = timedelta(hours=8)
    secure_cookies: bool = False  # set behind HTTPS, so the session cookie never travels in clear
    public_rate_per_minute: float = 600.0  # per client address, public reads
    public_burst: float = 120.0
    login_rate_per_minute: float = 30.0  # per client address, login attempts: a bucket of its own
    login_burst: float = 10.0
    operator_rate_per_minute: float = 1200.0  # per client address, logged-in operator requests
    operator_burst: float = 300.0
    # Public requests one process serves at once; more get 503 at once (operators come first).
    # Below the worker thread pool (40), so an operator request always finds a thread.
    public_in_flight: float = 24.0
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For we believe; none by default
    trusted_hosts: tuple[str, ...] = ()  # Host headers we answer; any when empty
    ready_timeout_s: float = 1.5  # how long /readyz waits for the database
    expiry_sweep_s: float = 30.0
    # How often each process reads the database's change mark, so that public answers are served
    # from memory in between: what another process commits shows here within about this long.
    change_watch_s: float = 0.025
    feed_retention: timedelta = DEFAULT_FEED_RETENTION  # how long feeds keep ended alerts
    archive_delay: timedelta = DEFAULT_ARCHIVE_DELAY  # how long after its end a warning enters the archive
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Check values however they were given (flags, environment, or code)."""
        def name(attribute: str) -> str:
            return self.sources.get(attribute, attribute)

        number(name("session_lifetime"), self.session_lifetime.total_seconds() / 3600, *SESSION_HOURS)
        for attribute, limits in RANGES.items():
            number(name(attribute), getattr(self, attribute), *limits)
        number(name("feed_retention"), self.feed_retention.total_seconds() / 3600, *FEED_HOURS)
        number(name("archive_delay"), self.archive_delay.total_seconds() / 3600, *ARCHIVE_HOURS)
        text(name("sender"), self.sender, spaces=False)
        text(name("sender_name"), self.sender_name)
        if self.contact is not None:
            text(name("contact"), self.contact)
        if self.public_url is not None:
            object.__setattr__(self, "public_url", public_url(name("public_url"), self.public_url))
        if self.tiles_url is not None:
            tiles_url(name("tiles_url"), self.tiles_url)
        if self.redis_url is not None:
            redis_url(name("redis_url"), self.redis_url)
        networks(name("trusted_proxies"), self.trusted_proxies)
        object.__setattr__(self, "trusted_hosts", host_names(name("trusted_hosts"), self.trusted_hosts))
        for attribute in ("threats_file", "templates_file"):
            path = getattr(self, attribute)
            if path is not None and not Path(path).is_file():
                raise InputError(f"there is no file {path}", field=name(attribute))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        """Settings from `SAFEZONE_*` variables; `overrides` (command-line flags) win when not None."""
        env = os.environ if environ is None else environ
        sources = {"db": "SAFEZONE_DB", "threats_file": "SAFEZONE_THREATS", "templates_file": "SAFEZONE_TEMPLATES",
                   "sender": "SAFEZONE_SENDER", "sender_name": "SAFEZONE_SENDER_NAME",
                   "public_url": "SAFEZONE_PUBLIC_URL", "contact": "SAFEZONE_CONTACT", "tiles_url": "SAFEZONE_TILES_URL",
                   "redis_url": "SAFEZONE_REDIS_URL",
                   "session_lifetime": "SAFEZONE_SESSION_HOURS", "secure_cookies": "SAFEZONE_SECURE_COOKIES",
                   "public_rate_per_minute": "SAFEZONE_RATE_PER_MINUTE", "public_burst": "SAFEZONE_RATE_BURST",
                   "login_rate_per_minute": "SAFEZONE_LOGIN_RATE_PER_MINUTE", "login_burst": "SAFEZONE_LOGIN_BURST",
                   "operator_rate_per_minute": "SAFEZONE_OPERATOR_RATE_PER_MINUTE",
                   "operator_burst": "SAFEZONE_OPERATOR_BURST", "trusted_proxies": "SAFEZONE_TRUSTED_PROXIES",
                   "trusted_hosts": "SAFEZONE_TRUSTED_HOSTS", "ready_timeout_s": "SAFEZONE_READY_TIMEOUT_S",
                   "feed_retention": "SAFEZONE_FEED_RETENTION_HOURS",
                   "archive_delay": "SAFEZONE_ARCHIVE_DELAY_HOURS",
                   "public_in_flight": "SAFEZONE_PUBLIC_IN_FLIGHT", "change_watch_s": "SAFEZONE_CHANGE_WATCH_S"}

        def given(attribute: str) -> str | None:
            raw = env.get(sources[attribute])
            return raw if raw not in (None, "") else None

        values: dict[str, object] = {}
        for attribute in ("db", "sender", "sender_name", "public_url", "contact", "tiles_url", "redis_url"):
            if given(attribute) is not None:
                values[attribute] = given(attribute)
        for attribute in ("threats_file", "templates_file"):
            if given(attribute) is not None:
                values[attribute] = Path(str(given(attribute)))
        for attribute, limits in RANGES.items():
            if attribute in sources and given(attribute) is not None:
                values[attribute] = number(sources[attribute], str(given(attribute)), *limits)
        if given("session_lifetime") is not None:
            hours = number(sources["session_lifetime"], str(given("session_lifetime")), *SESSION_HOURS)
            values["session_lifetime"] = timedelta(hours=hours)
        for attribute, limits in (("feed_retention", FEED_HOURS), ("archive_delay", ARCHIVE_HOURS)):
            if given(attribute) is not None:
                values[attribute] = timedelta(hours=number(sources[attribute], str(given(attribute)), *limits))
        if given("secure_cookies") is not None:
            values["secure_cookies"] = flag(sources["secure_cookies"], str(given("secure_cookies")))
        for attribute in ("trusted_proxies", "trusted_hosts"):
            values[attribute] = _listed(given(attribute))
        for attribute, value in overrides.items():
            if value is not None and value != ():
                values[attribute] = value
                sources[attribute] = _flag_name(attribute)
        return cls(**values, sources=sources)  # type: ignore[arg-type]


def _flag_name(attribute: str) -> str:
    """The command-line flag an override came from, for error messages."""
    flags = {"trusted_proxies": "--trusted-proxy", "trusted_hosts": "--trusted-host"}
    return flags.get(attribute, "--" + attribute.replace("_", "-"))
