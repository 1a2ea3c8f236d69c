"""Every refusal as a 4xx with a JSON reason (`schemas.Problem`); nothing a client sends may
become a 5xx. A database that is down, locked or out of disk space is a 503 with Retry-After
(its transaction rolled back: nothing half-written); an unexpected error
is logged and answered with a 500 that reveals nothing (`failsafe.Failsafe`)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException

from safezone.adapters.db import DatabaseUnavailable, full, unavailable
from safezone.domain.accounts import LastAdmin, PermissionDenied, UnknownUser
from safezone.domain.alerts import UnknownAlert, WorkflowError
from safezone.domain.cap.issues import CapCompositionError
from safezone.domain.errors import InputError
from safezone.domain.shelter_reports import ReportHandled, UnknownReport, UnknownShelter
from safezone.services.accounts import LoginRefused, SessionRefused
from safezone.services.public import NoZones

log = logging.getLogger("safezone.web")


class Refused(Exception):
    """A refusal raised by the web layer itself (no login, no CSRF token, rate limit)."""

    def __init__(self, status: int, error: str, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason, self.headers = status, error, reason, headers or {}


def problem(status: int, error: str, reason: str, field: str | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "reason": reason, "field": field}, status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


def _validation_reason(exc: RequestValidationError) -> tuple[str, str | None]:
    errors = exc.errors()
    if not errors:
        return "the request is not valid", None
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
    message = first.get("msg", "invalid")
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    return (f"{where}: {message}{more}" if where else f"{message}{more}"), (where or None)


# Refusals whose message says it all: the exception, its status and the kind of error.
PLAIN_REFUSALS: dict[type[Exception], tuple[int, str]] = {
    CapCompositionError: (400, "bad_input"),
    UnknownAlert: (404, "not_found"),
    WorkflowError: (409, "conflict"),
    PermissionDenied: (403, "forbidden"),
    LoginRefused: (401, "login_refused"),
    UnknownShelter: (404, "not_found"),
    UnknownReport: (404, "not_found"),
    ReportHandled: (409, "conflict"),
}


def _plain(status: int, error: str):  # type: ignore[no-untyped-def]
    async def handler(_: Request, exc: Exception) -> JSONResponse:
        return problem(status, error, str(exc))

    return handler


def install(app: FastAPI) -> None:
    for kind, (status, error) in PLAIN_REFUSALS.items():
        app.add_exception_handler(kind, _plain(status, error))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        reason, field = _validation_reason(exc)
        return problem(422, "invalid_request", reason, field)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return problem(400, "bad_input", exc.message, exc.field)

    @app.exception_handler(UnknownUser)
    async def _unknown_user(_: Request, exc: UnknownUser) -> JSONResponse:
        return problem(404, "not_found", exc.message, exc.field)

    @app.exception_handler(LastAdmin)
    async def _last_admin(_: Request, exc: LastAdmin) -> JSONResponse:
        return problem(409, "conflict", exc.message, exc.field)

    @app.exception_handler(NoZones)
    async def _no_zones(_: Request, exc: NoZones) -> JSONResponse:
        return problem(404, "no_zones", f"{exc}: run `safezone zones build` or `safezone serve` with the default border")

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("refused by the database: %s", exc.orig)
        return problem(409, "conflict", "the change conflicts with what is already stored; nothing was written")

    @app.exception_handler(SessionRefused)
    async def _session(_: Request, exc: SessionRefused) -> JSONResponse:
        return problem(401, f"session_{exc.reason}", str(exc), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Refused)
    async def _refused(_: Request, exc: Refused) -> JSONResponse:
        return problem(exc.status, exc.error, exc.reason, headers=exc.headers)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        names = {404: "not_found", 405: "method_not_allowed", 400: "bad_request", 413: "body_too_large"}
        return problem(exc.status_code, names.get(exc.status_code, "error"), str(exc.detail),
                       headers=getattr(exc, "headers", None))

    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        if not unavailable(exc):
            raise exc  # a bug, not an outage: the failsafe answers 500 and logs it
        if full(exc):
            log.error("database full on %s %s: %s", request.method, request.url.path, exc)
            return problem(503, "database_full", "the database is full (no disk space left): nothing was written; "
                           "try again once space is freed", headers={"Retry-After": "30"})
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return problem(503, "database_unavailable", "the database is unavailable or busy; try again shortly",
                       headers={"Retry-After": "5"})

    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(DatabaseUnavailable, _database_down)
