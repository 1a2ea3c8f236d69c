"""In-process rate limits: a token bucket per client address, in separate buckets by kind of
request, so a flood of public reads never locks an address out of login, of the operator side
or of the health checks.

This is the embedded default's limiter (one process); with Redis configured, several worker
processes share their buckets through `adapters.queue.shared_limits`, behind the same one
method, `acquire`. A refused request gets 429 with Retry-After in whole seconds.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable, Protocol

from safezone.entrypoints.web.asgi import App, Receive, Scope, Send, client_host
from safezone.entrypoints.web.errors import problem

MAX_CLIENTS = 50_000
OPERATOR_PREFIX = "/api/operator"
LOGIN_PATH = f"{OPERATOR_PREFIX}/login"
HEALTH_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
SUBSCRIBE_PREFIX = "/api/subscriptions"
# The pages and their files: the same bytes for everyone, kept by the browser and the service
# worker. They draw from no bucket: behind a mobile carrier's shared address (CGNAT) hundreds of
# phones open the page at the same minute, and each load would spend a dozen of the address's
# tokens on files before the first answer that matters. Admission control still bounds them.
PAGE_PATHS = frozenset({"/", "/drills", "/console", "/sw.js", "/favicon.ico"})
PAGE_PREFIXES = ("/static/", "/vendor/", "/messages/", "/docs/assets/")
SHELTERS_PREFIX = "/api/shelters/"
REPORTS_SUFFIX = "/reports"
# Residents' shelter reports: per address (two taps, a few shelters), and per shelter whoever
# sends them (a flood about one shelter is refused, not counted on for ever).
REPORT_RATE_PER_MINUTE, REPORT_BURST = 10.0, 5.0
SHELTER_REPORT_RATE_PER_MINUTE, SHELTER_REPORT_BURST = 30.0, 20.0
# Health checks come from a few monitors, often through one address: generous, but bounded.
HEALTH_RATE_PER_MINUTE = 600.0
HEALTH_BURST = 120.0


class Limiter(Protocol):
    async def acquire(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds to wait before the next one will."""


class RateLimiter:
    def __init__(self, per_minute: float, burst: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("the rate must be positive and the burst at least 1")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client → (tokens, when)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds to wait before the next one will."""
        now = self.clock()
        with self._lock:
            tokens, then = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._remember(client, tokens - 1, now)
                return 0.0
            self._remember(client, tokens, now)
            return (1 - tokens) / self.rate

    async def acquire(self, client: str) -> float:
        """The limiters' one interface (a shared limiter awaits Redis): as `take`."""
        return self.take(client)

    def _remember(self, client: str, tokens: float, now: float) -> None:
        if len(self._buckets) >= MAX_CLIENTS and client not in self._buckets:
            # Forget clients whose buckets have refilled: they lose nothing by it.
            self._buckets = {k: (t, w) for k, (t, w) in self._buckets.items()
                             if t + (now - w) * self.rate < self.burst}
        self._buckets[client] = (tokens, now)


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def bucket(path: str) -> str:
    """Which bucket a request draws from: "health", "login", "operator", "subscribe", "report",
    "page" (no limit per address) or "public"."""
    if path in HEALTH_PATHS:
        return "health"
    if path in PAGE_PATHS or path.startswith(PAGE_PREFIXES):
        return "page"
    if path == LOGIN_PATH:
        return "login"
    if path == OPERATOR_PREFIX or path.startswith(OPERATOR_PREFIX + "/"):
        return "operator"
    if path == SUBSCRIBE_PREFIX or path.startswith(SUBSCRIBE_PREFIX + "/"):
        return "subscribe"  # a subscriber flood never eats the public reads' bucket
    if path.startswith(SHELTERS_PREFIX) and path.endswith(REPORTS_SUFFIX):
        return "report"  # nor a flood of shelter reports
    return "public"


class RateLimits:
    """Pure ASGI: refuse with 429 a client address that has emptied its bucket for this kind
    of request. The address is the one `ForwardedClient` settled on, never a raw header."""

    def __init__(self, app: App, limiters: dict[str, Limiter]) -> None:
        self.app = app
        self.limiters = limiters

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            limiter = self.limiters.get(bucket(scope["path"]))
            wait = await limiter.acquire(client_host(scope)) if limiter else 0.0
            if wait > 0:
                refusal = problem(429, "rate_limited", "too many requests from this address; try again shortly",
                                  headers={"Retry-After": retry_after(wait)})
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)
