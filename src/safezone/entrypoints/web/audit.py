"""The audit log for the console: `GET /api/operator/audit` (filters, newest first, a cursor)
for admins and approvers, and `GET /api/operator/audit/verify` (the chain's status) for admins.

Both are plain `def` endpoints, so FastAPI runs them in its thread pool and a long read never
blocks the event loop. A verification reads the whole log, so one runs at a time per process:
a second request meanwhile gets 429 with Retry-After rather than a second full read (a refused
non-admin never takes that turn: the role is checked first).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from safezone.bootstrap import Container
from safezone.domain.audit import AuditEntry, utc_text
from safezone.entrypoints.web.deps import Operator, operator, services
from safezone.entrypoints.web.errors import Refused
from safezone.services import audit_reading
from safezone.services.audit_reading import MAX_PAGE, AuditQuery

router = APIRouter(prefix="/api/operator/audit")
Services = Annotated[Container, Depends(services)]
LoggedIn = Annotated[Operator, Depends(operator)]
NO_STORE = {"Cache-Control": "no-store"}
MAX_PROBLEMS_SHOWN = 100
Moment = Annotated[datetime | None, Query(description="ISO 8601 date or time; UTC when it names no zone")]


@router.get("", summary="The audit log, newest first, with filters (admins and approvers)")
def audit_log(
    who: LoggedIn, services: Services,
    actor: Annotated[str | None, Query(max_length=100, description="Who acted, whole name in any case")] = None,
    action: Annotated[str | None, Query(max_length=100, description="`user.added`, or `user` for every user.*")] = None,
    alert: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Entries about one alert")] = None,
    subject: Annotated[str | None, Query(max_length=300, description="What it was about, whole, in any case")] = None,
    from_: Annotated[datetime | None, Query(alias="from", description="From this time on (inclusive)")] = None,
    to: Moment = None,
    before: Annotated[int | None, Query(ge=1, description="Cursor: the `next_before` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Entries per page, 1 to {MAX_PAGE}")] = 50,
) -> JSONResponse:
    if alert is not None and subject:
        _invalid("alert", "give either alert or subject, not both")
    since, until = _utc(from_), _utc(to)
    if since and until and since > until:
        _invalid("to", "must not be before from")
    query = AuditQuery(actor=actor or None, action=action or None, subject=f"alert {alert}" if alert else subject or None,
                       since=since, until=until, before=before, limit=limit)
    found = audit_reading.page(services.database, who.user, query)
    return JSONResponse({"entries": [entry_json(e) for e in found.entries], "next_before": found.next_before,
                         "limit": limit}, headers=NO_STORE)


@router.get("/verify", summary="Check the whole hash chain (admins; one at a time)")
def verify_log(who: LoggedIn, services: Services) -> JSONResponse:
    try:
        report = audit_reading.check(services.database, who.user)
    except audit_reading.VerificationRunning as running:
        raise Refused(429, "busy", str(running), {"Retry-After": "5"}) from None
    problems = [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in report.problems]
    return JSONResponse({
        "intact": report.intact, "entries": report.entries,
        "head": {"seq": report.head.seq, "hash": report.head.hash},
        "first_problem": problems[0] if problems else None,
        "problems": problems[:MAX_PROBLEMS_SHOWN], "problem_count": len(problems),
        "checked_at": utc_text(services.clock()),
    }, headers=NO_STORE)


def entry_json(entry: AuditEntry) -> dict:
    return {"seq": entry.seq, "at": utc_text(entry.at), "actor": entry.actor, "action": entry.action,
            "subject": entry.subject, "details": dict(entry.details), "hash": entry.hash}


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is UTC, as everywhere in the API."""
    if moment is None:
        return None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=timezone.utc)


def _invalid(field: str, message: str) -> None:
    """A 422 naming the query field, like FastAPI's own validation errors (see web.errors)."""
    raise RequestValidationError([{"loc": ("query", field), "msg": message, "type": "value_error"}])
