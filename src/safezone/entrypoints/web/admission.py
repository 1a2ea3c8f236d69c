"""Admission control: operators first, when the public side is hit hardest.

In an attack the public reads peak at the very moment operators must approve and issue. Every
request of one process shares its worker threads, its database connections and the GIL, so
without a limit public reads queue in front of an approve. This middleware counts the public
requests in flight and, above a limit, answers a new one at once with 503 and `Retry-After: 1`
(cheap: no thread, no database), so the process keeps room for the operator side; operator
requests, login and health checks are never shed. A shed reader retries a second later and is
served from the prepared snapshot.

It holds whatever proxy sits in front and needs no second port, so the embedded default keeps
it; but the approve still shares the process's event loop and CPU with the public load. Where
that matters, `safezone serve --operator-port` moves the operator side into a process of its
own (cli.operator_process), and this limit stays on the public listener.
"""

from __future__ import annotations

from prometheus_client import Counter

from safezone.entrypoints.web.asgi import App, Receive, Scope, Send
from safezone.entrypoints.web.errors import problem
from safezone.entrypoints.web.ratelimit import bucket

RETRY_AFTER_S = 1
# Live streams stay open as long as a page does and hold no worker thread while they wait: they
# are not "in flight" work, and counting them would shed every reader once a few pages are open.
STREAM_PATHS = frozenset({"/api/stream"})


class Admission:
    """Pure ASGI: at most `limit` public requests in flight in this process; the rest get 503."""

    def __init__(self, app: App, limit: int, shed: Counter | None = None) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self.shed = shed  # refusals, for /metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or bucket(scope["path"]) not in ("public", "page") or scope["path"] in STREAM_PATHS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            if self.shed is not None:
                self.shed.inc()
            refusal = problem(503, "busy", "the public side is at capacity; operators come first. Try again shortly",
                              headers={"Retry-After": str(RETRY_AFTER_S)})
            await refusal(scope, receive, send)
            return
        # One event loop per process: the counter needs no lock.
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
