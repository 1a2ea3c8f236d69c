"""Every request observed once: a request id, Prometheus counters and latencies, and one
structured (JSON) log line.

The request id is the client's `X-Request-ID` when it is a short token (a proxy's id carries
through to our logs), else a new one; the answer echoes it, and every log line written while the
request runs carries it (see `jsonlog`). Metrics are labelled by route template (`/api/alerts/
{alert_id}`), never by raw path, so a scan of random URLs cannot grow them without bound.
"""

from __future__ import annotations

import contextvars
import itertools
import logging
import os
import re
import secrets
import time

from typing import Any, Sequence

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.routing import BaseRoute, Match

from safezone.entrypoints.web.asgi import App, Message, Receive, Scope, Send, header

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_LABELLED = 1000  # labelled children kept at hand (routes × methods × statuses)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
log = logging.getLogger("safezone.web.requests")
_counter = itertools.count(1)
_prefix = secrets.token_hex(8)


def _new_prefix() -> None:
    global _prefix
    _prefix = secrets.token_hex(8)


os.register_at_fork(after_in_child=_new_prefix)  # a forked worker never repeats its parent's ids


def new_request_id() -> str:
    """32 hex digits, unique: a random prefix per process and a counter (a uuid4 per request
    cost ~3 % of a public answer)."""
    return f"{_prefix}{next(_counter) & 0xFFFFFFFFFFFFFFFF:016x}"


class RequestMetrics:
    """The request counters of one app, in its own registry (two apps in one process, as in
    the tests, never share or clash)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter("safezone_http_requests", "HTTP requests answered, by route, method and status",
                                ["route", "method", "status"], registry=registry)
        self.latency = Histogram("safezone_http_request_seconds", "Time to answer, by route",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=registry)
        # Each labelled child as found once: `labels()` checks and joins its values on every
        # call, a few microseconds of every answer. Bounded (a client chooses the method).
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answer and its latency."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            if len(self._children) >= MAX_LABELLED:
                self._children.clear()
            children = self._children[key] = (self.requests.labels(route, method, str(status)),
                                               self.latency.labels(route))
        children[0].inc()
        children[1].observe(seconds)


def route_of(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The matched route's template, or "unmatched" (a 404). The router notes it in the scope;
    a middleware that copied the scope (HEAD, a forwarded client) hides that note, and a refusal
    before the router (429, 503) never had it: then the routes are matched again here."""
    route = scope.get("route")
    if route is not None:
        return getattr(route, "path", None) or "unmatched"
    probe = {**scope, "method": "GET" if scope["method"] == "HEAD" else scope["method"]}
    return _template(probe, routes) or "unmatched"


def _template(probe: Scope, routes: Sequence[BaseRoute], prefix: str = "") -> str | None:
    for candidate in routes:
        if candidate.matches(probe)[0] is not Match.FULL:
            continue
        included = getattr(candidate, "original_router", None)  # FastAPI >= 0.16x keeps included routers whole
        if included is None:
            path = getattr(candidate, "path", None)
            return prefix + path if path else None
        inner = candidate.include_context.prefix  # type: ignore[attr-defined]
        return _template({**probe, "path": probe["path"].removeprefix(inner)}, included.routes, prefix + inner)
    return None


class Observe:
    """Pure ASGI, outermost: id, metrics and the access log line, for refusals too."""

    def __init__(self, app: App, metrics: RequestMetrics, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = header(scope, b"x-request-id")
        rid = given if given and _GOOD_ID.match(given) else new_request_id()
        token = request_id.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            route = route_of(scope, self.routes)
            self.metrics.observe(route, scope["method"], status, elapsed)
            if log.isEnabledFor(logging.INFO):  # `serve --quiet` logs no access lines: nothing to build
                log.info("request", extra={"method": scope["method"], "path": scope["path"], "route": route,
                                           "status": status, "ms": round(elapsed * 1000, 2)})
            request_id.reset(token)
