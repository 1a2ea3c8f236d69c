"""Residents report a problem with a shelter (no login); issuers and admins handle the reports
in the console: dismiss one, or close the shelter on it. Reports are limited per address (the
"report" bucket of web.ratelimit) and per shelter (here), and keep no personal data."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from safezone.bootstrap import Container
from safezone.domain.shelter_reports import ReportState, ShelterProblem, ShelterReport
from safezone.entrypoints.web import live
from safezone.entrypoints.web.deps import Operator, operator, services
from safezone.entrypoints.web.errors import Refused
from safezone.entrypoints.web.ratelimit import retry_after
from safezone.entrypoints.web.views import when
from safezone.services import shelter_reports as service

router = APIRouter()
operator_router = APIRouter(prefix="/api/operator/shelter-reports")
Services = Annotated[Container, Depends(services)]
LoggedIn = Annotated[Operator, Depends(operator)]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
REPORTED = "shelter.reported"


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    problem: Literal["locked", "full", "not_accessible", "gone"] = Field(
        description="locked, full, not_accessible (no step-free access) or gone")


def reported(report_id: int, shelter_id: int, problem: ShelterProblem, new: bool) -> dict:
    """The consoles' event for a report received (new, or counted on an open one)."""
    return {"report": report_id, "shelter_id": shelter_id, "problem": problem.value, "new": new}


def report_json(report: ShelterReport) -> dict:
    return {"id": report.id, "shelter_id": report.shelter_id, "shelter_name": report.shelter_name,
            "shelter_closed": report.shelter_closed, "problem": report.problem.value, "state": report.state.value,
            "count": report.count, "first_at": when(report.first_at), "last_at": when(report.last_at),
            "handled_by": report.handled_by, "handled_at": when(report.handled_at)}


@router.post("/api/shelters/{shelter_id}/reports", status_code=201,
             summary="Report a problem with a shelter (no login): 201 a new report, 202 counted on an open one",
             responses={202: {"description": "Counted on the open report of the same problem"},
                        404: {"description": "No open shelter with this id"},
                        429: {"description": "Too many reports (from this address, or about this shelter)"}})
async def report(shelter_id: Id, body: ReportIn, request: Request, services: Services) -> JSONResponse:
    wait = await request.app.state.limiters["report-shelter"].acquire(f"shelter:{shelter_id}")
    if wait > 0:
        raise Refused(429, "rate_limited", "too many reports about this shelter; they are being looked at, "
                                           "try again later", {"Retry-After": retry_after(wait)})
    problem = ShelterProblem(body.problem)
    received = await run_in_threadpool(service.report_problem, services.database, shelter_id, problem,
                                       services.clock())
    if not getattr(request.app.state, "reports_watched", False):  # else the watch announces it (report_watch)
        await live.announce_to_operators(request, REPORTED, reported(received.report_id, shelter_id, problem,
                                                                     received.new))
    return JSONResponse({"report": received.report_id, "shelter_id": shelter_id, "problem": problem.value,
                         "counted": not received.new}, status_code=201 if received.new else 202,
                        headers={"Cache-Control": "no-store"})


@operator_router.get("", summary="Shelter reports, newest first (open ones unless `state` says otherwise)")
def listed(who: LoggedIn, services: Services,
           state: Annotated[Literal["open", "dismissed", "acted", "all"], Query()] = "open",
           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict:
    wanted = None if state == "all" else ReportState(state)
    found = service.listed(services.database, who.user, wanted, limit)
    return {"count": len(found), "reports": [report_json(r) for r in found]}


@operator_router.post("/{report_id}/dismiss", summary="Dismiss an open report (issuer or admin; audited)")
async def dismiss(report_id: Id, who: LoggedIn, request: Request, services: Services) -> dict:
    done = await run_in_threadpool(service.dismiss, services.database, report_id, who.user, services.clock())
    return await _handled(request, done)


@operator_router.post("/{report_id}/close-shelter",
                      summary="Close the report's shelter: out of the map and \"nearest shelters\" (issuer or admin; "
                              "audited); its other open reports are answered with it")
async def close_shelter(report_id: Id, who: LoggedIn, request: Request, services: Services) -> dict:
    done = await run_in_threadpool(service.close_on_report, services.database, report_id, who.user,
                                   services.clock())
    return await _handled(request, done)


async def _handled(request: Request, done: ShelterReport) -> dict:
    body = report_json(done)
    await live.announce_to_operators(request, f"shelter_report.{done.state.value}", body)
    return body
