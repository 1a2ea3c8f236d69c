"""The web application: the public API and the operator API on one assembled container.

    app = create_app(assemble(Settings.from_environ()))

The OpenAPI schema is at /openapi.json (readable at /docs, offline). Public answers carry ETags
and Cache-Control; every request passes plain ASGI middlewares (outermost first):

- `Observe`: a request id (X-Request-ID, echoed), Prometheus counters and one JSON log line;
- `SecurityHeaders`: nosniff, no framing, no referrer on every answer; operator answers no-store;
- `Failsafe`: an unexpected error becomes a logged JSON 500, and the connection lives on;
- `TrustedHosts`: an unknown Host header gets 400 (when trusted hosts are configured);
- `ForwardedClient`: the client address, from X-Forwarded-For only via trusted proxies;
- `OperatorElsewhere`: on a public-only listener, the operator side is refused (404);
- `Admission`: operators first: above a number of public requests in flight, more get 503 at
  once; while an operator's change is in flight, public requests wait for it (`operators_first`);
- `RateLimits`: per address, separate buckets for public reads, login, operators, health,
  subscriptions and shelter reports (these also per shelter, in their endpoint);
- `BodyLimit`: request bodies limited per route before authentication and parsing (413);
- `HeadAsGet`: HEAD answered on every GET;
- `FastReads`: the prepared public GETs answered from memory without FastAPI's routing (the
  same answer, the same bytes), else on to FastAPI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from safezone import __version__
from safezone.adapters.queue.shared_limits import SharedRateLimiter
from safezone.bootstrap import Container
from safezone.entrypoints import worker
from safezone.entrypoints.web import audit as audit_api
from safezone.entrypoints.web import delivery_admin, docs, errors, health, live, metrics, openapi, pages
from safezone.entrypoints.web.pages import alert_page
from safezone.entrypoints.web import history as history_api
from safezone.entrypoints.web import incidents as incidents_api
from safezone.entrypoints.web import operator as operator_api
from safezone.entrypoints.web import subscriptions as subscriptions_api
from safezone.entrypoints.web import public as public_api
from safezone.entrypoints.web import users as users_api
from safezone.entrypoints.web.admission import Admission
from safezone.entrypoints.web.bodylimit import BodyLimit
from safezone.entrypoints.web.failsafe import Failsafe
from safezone.entrypoints.web.fast_reads import FastReads
from safezone.entrypoints.web.operators_first import KnownSessions, OperatorsFirst
from safezone.entrypoints.web.forwarded import ForwardedClient
from safezone.entrypoints.web.head import HeadAsGet
from safezone.entrypoints.web.hosts import TrustedHosts
from safezone.entrypoints.web.listeners import BOTH, OPERATOR, PUBLIC, Listener, OperatorElsewhere
from safezone.entrypoints.web.metrics import AppMetrics
from safezone.entrypoints.web.observe import Observe
from safezone.entrypoints.web import shelter_reports as shelter_reports_api
from safezone.entrypoints.web.ratelimit import (
    HEALTH_BURST,
    HEALTH_RATE_PER_MINUTE,
    REPORT_BURST,
    REPORT_RATE_PER_MINUTE,
    SHELTER_REPORT_BURST,
    SHELTER_REPORT_RATE_PER_MINUTE,
    Limiter,
    RateLimiter,
    RateLimits,
)
from safezone.entrypoints.web.report_watch import watch_reports
from safezone.entrypoints.web.watch import watch_changes
from safezone.entrypoints.web.schemas import Problem
from safezone.entrypoints.web.security_headers import SecurityHeaders
from safezone.settings import Settings

log = logging.getLogger("safezone.web")
PROBLEMS = {"4XX": {"model": Problem, "description": "Refused, with the reason"},
            "5XX": {"model": Problem, "description": "An unexpected error (never from bad input)"}}


async def _sweep_expired(container: Container) -> None:
    """Record expiries as they fall due (alerts already stop counting at their expiry)."""
    while True:
        try:
            await run_in_threadpool(container.alerts.expire_due)
        except Exception:  # keep sweeping; a database hiccup must not end expiry for good
            log.exception("expiry sweep failed")
        await asyncio.sleep(container.settings.expiry_sweep_s)


def rate_limiters(settings: Settings, subscribe: tuple[float, float] = (10.0, 5.0),
                  redis: Any = None) -> dict[str, Limiter]:
    """One limiter per bucket (see ratelimit.bucket), each with its own rate; with `redis`,
    shared by every worker process (falling back to the process's own when Redis is down)."""
    own = {
        "public": RateLimiter(settings.public_rate_per_minute, settings.public_burst),
        "login": RateLimiter(settings.login_rate_per_minute, settings.login_burst),
        "operator": RateLimiter(settings.operator_rate_per_minute, settings.operator_burst),
        "health": RateLimiter(HEALTH_RATE_PER_MINUTE, HEALTH_BURST),
        "subscribe": RateLimiter(*subscribe),
        "report": RateLimiter(REPORT_RATE_PER_MINUTE, REPORT_BURST),
        "report-shelter": RateLimiter(SHELTER_REPORT_RATE_PER_MINUTE, SHELTER_REPORT_BURST),  # keyed by shelter
    }
    if redis is None:
        return own
    return {name: SharedRateLimiter(redis, name, limiter) for name, limiter in own.items()}


def create_app(container: Container, *, sweep: bool = True, deliver: bool | None = None,
               close: bool = False, listener: Listener = BOTH, fast_reads: bool = True) -> FastAPI:
    """`deliver` runs the delivery worker in process (by default when `sweep` does); `close`
    closes the container when the app stops (a worker process that assembled its own).
    `listener` PUBLIC: the operator side is refused and runs elsewhere, with the expiry sweep
    and the delivery worker; issued messages reach the live stream through Redis or the change
    watcher's relay (`watch`). `fast_reads` False: every request through FastAPI (the tests
    compare both ways)."""
    public_only = listener == PUBLIC
    sweep = sweep and not public_only
    deliver = False if public_only else (sweep if deliver is None else deliver)

    @contextlib.asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sweep_expired(container)) if sweep else None
        fanout = live.shared(container)
        application.state.live_fanout = fanout  # endpoints that announce events of their own
        detach = live.attach(container, asyncio.get_running_loop(), fanout)
        reading = asyncio.create_task(fanout.run()) if fanout is not None else None
        changes = asyncio.create_task(watch_changes(container, relay=public_only and fanout is None,
                                                    rebuild=listener != OPERATOR))
        # The operator side's own process hears of reports made on the public one from the database.
        watching = asyncio.create_task(watch_reports(container)) if listener == OPERATOR and fanout is None else None
        application.state.reports_watched = watching is not None
        stop = asyncio.Event()
        delivering = asyncio.create_task(worker.embedded(container, stop)) if deliver else None
        try:
            yield
        finally:
            detach()
            for background in (reading, changes, watching):
                if background is not None:
                    background.cancel()
            await container.stream.close()  # open pages reconnect to the next server
            await container.operator_stream.close()
            if task is not None:
                task.cancel()
            if delivering is not None:
                stop.set()
                await delivering
            if container.redis is not None:
                await container.redis.aclose()
            if close:
                container.close()

    settings = container.settings
    app = FastAPI(
        title="safezone",
        version=__version__,
        description="Safety zones, shelters and CAP 1.2 warnings for people within range of "
                    "cross-border fire. Public reads need no login; operator actions need a session.",
        lifespan=lifespan,
        responses=PROBLEMS,
        servers=openapi.servers(settings.public_url),
        docs_url=None,  # served offline by `docs`
        redoc_url=None,
    )
    app.state.container = container
    app.state.metrics = AppMetrics(container.database.reader())
    # add_middleware puts each new one outside the previous: listed here innermost first.
    if fast_reads:
        app.add_middleware(FastReads, container=container, routes=public_api.router.routes)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit)
    delivery = container.delivery_settings
    app.state.limiters = rate_limiters(
        settings, (delivery.subscribe_rate_per_minute, delivery.subscribe_burst), container.redis)
    app.add_middleware(RateLimits, limiters=app.state.limiters)
    app.state.known_sessions = KnownSessions()
    # The operators' own process (--operator-port) has no public load to hold.
    first = None if listener == OPERATOR else OperatorsFirst(app.state.known_sessions,
                                                             caught_up=container.public.caught_up)
    app.add_middleware(Admission, limit=int(settings.public_in_flight), shed=app.state.metrics.shed,
                       first=first, held=app.state.metrics.held)
    if public_only:
        app.add_middleware(OperatorElsewhere)
    app.add_middleware(ForwardedClient, trusted=settings.trusted_proxies)
    app.add_middleware(TrustedHosts, trusted=settings.trusted_hosts)
    app.add_middleware(Failsafe)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Observe, metrics=app.state.metrics.requests, routes=app.router.routes)
    errors.install(app)
    app.include_router(public_api.router, tags=["public"])
    app.include_router(history_api.router, tags=["public"])
    app.include_router(operator_api.router, tags=["operator"])
    app.include_router(subscriptions_api.router, tags=["subscriptions"])
    app.include_router(subscriptions_api.key_router, tags=["subscriptions"])
    app.include_router(delivery_admin.router, tags=["delivery"])
    app.include_router(incidents_api.router, tags=["operator"])
    app.include_router(shelter_reports_api.router, tags=["public"])
    app.include_router(shelter_reports_api.operator_router, tags=["operator"])
    app.include_router(users_api.router, tags=["accounts"])
    app.include_router(audit_api.router, tags=["accounts"])
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(live.router)
    app.include_router(pages.router)
    app.include_router(alert_page.router)
    app.include_router(metrics.router)
    openapi.install(app, listener)
    return app
