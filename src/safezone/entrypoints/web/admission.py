"""Admission control: operators first, when the public side is hit hardest.

In an attack the public reads peak at the very moment operators must approve and issue. Every
request of one process shares its worker threads, its database connections and the GIL, so
without a limit public reads queue in front of an approve. This middleware counts the public
requests in flight and, above a limit, answers a new one at once with 503 and `Retry-After: 1`
(cheap: no thread, no database), so the process keeps room for the operator side; operator
requests, login and health checks are never shed. A shed reader retries a second later and is
served from the prepared snapshot.

A prepared public answer is made in one go and is never in flight for long, so the limit does
not keep the event loop's turns short; what does is the hold (`operators_first`): while a known
operator's change is in flight, new public requests wait for it, at most half a second.

Both work whatever proxy sits in front and need no second port, so the embedded default keeps
them; but the approve still shares the process's CPU with the public load. Where that matters,
`safezone serve --operator-port` moves the operator side into a process of its own
(cli.operator_process), and the limit stays on the public listener.
"""

from __future__ import annotations

from prometheus_client import Counter
from starlette.datastructures import Headers

from safezone.entrypoints.web.asgi import App, Receive, Scope, Send
from safezone.entrypoints.web.errors import problem
from safezone.entrypoints.web.operators_first import OperatorsFirst
from safezone.entrypoints.web.ratelimit import bucket

RETRY_AFTER_S = 1
# Live streams stay open as long as a page does and hold no worker thread while they wait: they
# are not "in flight" work, and counting them would shed every reader once a few pages are open.
STREAM_PATHS = frozenset({"/api/stream"})
# What waits while an operator's change is held (operators_first): everything the public sends,
# its writes (subscriptions, shelter reports) as well as its reads; never health checks or login.
WAITING_KINDS = frozenset({"public", "page", "subscribe", "report"})


class Admission:
    """Pure ASGI: at most `limit` public requests in flight in this process, the rest get 503;
    and with `first`, public requests wait while a known operator's change is in flight."""

    def __init__(self, app: App, limit: int, shed: Counter | None = None, first: OperatorsFirst | None = None,
                 held: Counter | None = None) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0
        self.shed = shed  # refusals, for /metrics
        self.first = first  # None: operators' changes hold nothing
        self.held = held  # public requests that waited for an operator's change, for /metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = bucket(scope["path"])
        if self.first is not None:
            if kind == "operator" and self.first.may_hold(scope["method"], Headers(scope=scope)):
                await self.first.holding(self.app(scope, receive, send))
                return
            if self.first.holds and kind in WAITING_KINDS:
                if self.held is not None:
                    self.held.inc()
                await self.first.wait()
        if kind not in ("public", "page") or scope["path"] in STREAM_PATHS:
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
