"""Liveness and readiness, for monitors and load balancers.

`/healthz` says the process answers (it touches nothing else, so a slow database never makes a
monitor restart a healthy process). `/readyz` says the service can do its work: it reads the
database on a fresh connection with a short timeout and answers 503 with the reason when it
cannot (down, unreachable, or locked by another connection), within about that timeout; with
Redis configured (several workers), Redis must answer too.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from redis.exceptions import RedisError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from safezone.adapters.db import DatabaseUnavailable
from safezone.bootstrap import Container
from safezone.entrypoints.web.deps import services
from safezone.entrypoints.web.errors import problem
from safezone.entrypoints.web.schemas import Problem

router = APIRouter(tags=["health"])
Services = Annotated[Container, Depends(services)]
RETRY_AFTER_S = 5
NOT_READY = {503: {"model": Problem, "description": "Not ready: the reason (the database is down or locked)"}}


@router.get("/healthz", summary="Liveness: the process answers (touches no database)")
def health() -> dict:
    return {"ok": True}


@router.get("/readyz", summary="Readiness: the database answers within a short timeout", responses=NOT_READY)
async def ready(services: Services) -> JSONResponse:
    timeout = services.settings.ready_timeout_s
    try:
        await asyncio.wait_for(run_in_threadpool(services.database.ping, timeout), timeout + 0.5)
    except DatabaseUnavailable as down:
        return not_ready(f"the database does not answer: {down}")
    except asyncio.TimeoutError:
        return not_ready(f"the database did not answer within {timeout:g} s")
    checked = {"ok": True, "database": "ok"}
    if services.redis is not None:  # what the worker processes share: rate limits, live events
        try:
            await asyncio.wait_for(services.redis.ping(), timeout)
        except (RedisError, OSError, asyncio.TimeoutError) as down:
            return not_ready(f"Redis does not answer: {str(down) or 'no answer within the timeout'}")
        checked["redis"] = "ok"
    return JSONResponse(checked, headers={"Cache-Control": "no-store"})


def not_ready(reason: str) -> JSONResponse:
    return problem(503, "not_ready", reason, headers={"Retry-After": str(RETRY_AFTER_S)})
