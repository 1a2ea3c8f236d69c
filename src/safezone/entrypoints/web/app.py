"""The web application: the public API and the operator API on one assembled container.

    app = create_app(assemble(Settings.from_environ()))

The OpenAPI schema is at /openapi.json (and readable at /docs). Public answers carry ETags
and Cache-Control; the public side and login are rate limited per client address; operator
answers are never cached.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from safezone import __version__
from safezone.bootstrap import Container
from safezone.entrypoints.web import errors
from safezone.entrypoints.web import operator as operator_api
from safezone.entrypoints.web import public as public_api
from safezone.entrypoints.web.ratelimit import RateLimiter, retry_after
from safezone.entrypoints.web.schemas import Problem

log = logging.getLogger("safezone.web")
OPERATOR_PREFIX = "/api/operator"
LIMITED_OPERATOR_PATHS = frozenset({f"{OPERATOR_PREFIX}/login"})
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
PROBLEMS = {"4XX": {"model": Problem, "description": "Refused, with the reason"},
            "5XX": {"model": Problem, "description": "An unexpected error (never from bad input)"}}


def _limited(path: str) -> bool:
    return not path.startswith(OPERATOR_PREFIX) or path in LIMITED_OPERATOR_PATHS


async def _sweep_expired(container: Container) -> None:
    """Record expiries as they fall due (alerts already stop counting at their expiry)."""
    while True:
        try:
            await run_in_threadpool(container.alerts.expire_due)
        except Exception:  # keep sweeping; a database hiccup must not end expiry for good
            log.exception("expiry sweep failed")
        await asyncio.sleep(container.settings.expiry_sweep_s)


def create_app(container: Container, *, sweep: bool = True) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_sweep_expired(container)) if sweep else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()

    app = FastAPI(
        title="safezone",
        version=__version__,
        description="Safety zones, shelters and CAP 1.2 warnings for people within range of "
                    "cross-border fire. Public reads need no login; operator actions need a session.",
        lifespan=lifespan,
        responses=PROBLEMS,
    )
    app.state.container = container
    limiter = RateLimiter(container.settings.public_rate_per_minute, container.settings.public_burst)

    @app.middleware("http")
    async def guard(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        if _limited(request.url.path):
            client = request.client.host if request.client else "unknown"
            wait = limiter.take(client)
            if wait > 0:
                return errors.problem(429, "rate_limited", "too many requests from this address; try again shortly",
                                      headers={"Retry-After": retry_after(wait), **SECURITY_HEADERS})
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if request.url.path.startswith(OPERATOR_PREFIX):
            response.headers["Cache-Control"] = "no-store"
        return response

    errors.install(app)
    app.include_router(public_api.router, tags=["public"])
    app.include_router(operator_api.router, tags=["operator"])
    return app
