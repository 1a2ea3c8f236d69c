"""The public archive, no login: per area, each warning's start, end and how it ended
(`/api/history`, `.csv`), and per area and day the alerts and minutes under alert
(`/api/stats`, `.csv`). Actual unless one kind of drill is asked for; never mixed."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from safezone.adapters.reports import history_tables as tables
from safezone.adapters.reports.tables import CSV_MEDIA_TYPE
from safezone.bootstrap import Container
from safezone.domain.cap import Status
from safezone.domain.errors import InputError
from safezone.entrypoints.web import caching
from safezone.entrypoints.web.deps import services
from safezone.entrypoints.web.schemas import PublicStatus

router = APIRouter()
Services = Annotated[Container, Depends(services)]
ARCHIVE_MAX_AGE = 60
Area = Annotated[str | None, Query(max_length=100, description="One alert area id; all areas when left out.")]
Moment = Annotated[str | None, Query(max_length=40, description="ISO 8601 date or time with zone (UTC if none).")]
StatusQuery = Annotated[PublicStatus, Query(description="Actual (default), or one kind of drill: Exercise or Test.")]
_CSV_DOC = {200: {"description": "CSV, UTF-8 with a byte-order mark", "content": {"text/csv": {"schema": {"type": "string"}}}}}


def moment(raw: str | None, field: str) -> datetime | None:
    """A date (its midnight, UTC) or a date and time; without a zone, UTC."""
    if raw is None:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00")) if "T" in raw or " " in raw \
            else datetime.combine(date.fromisoformat(raw), datetime.min.time())
    except ValueError:
        raise InputError(f"{raw!r} is not an ISO 8601 date or time (e.g. 2026-11-27 or 2026-11-27T12:00Z)",
                         field=field) from None
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=timezone.utc)


def _delay_hours(services: Container) -> float:
    return services.history.delay.total_seconds() / 3600


@router.get("/api/history", summary="Archive: each warning per area, its start, end and how it ended")
def history(request: Request, services: Services, area: Area = None, from_: Annotated[str | None, Query(
        alias="from", max_length=40)] = None, to: Moment = None, status: StatusQuery = "Actual") -> Response:
    window, found = services.history.entries(Status(status), moment(from_, "from"), moment(to, "to"), area)
    return caching.cached_json(request, tables.entries_json(status, window, _delay_hours(services), found),
                               ARCHIVE_MAX_AGE)


@router.get("/api/history.csv", summary="Archive as CSV (UTF-8 with BOM)", response_class=Response,
            responses=_CSV_DOC)
def history_csv(request: Request, services: Services, area: Area = None, from_: Annotated[str | None, Query(
        alias="from", max_length=40)] = None, to: Moment = None, status: StatusQuery = "Actual") -> Response:
    _, found = services.history.entries(Status(status), moment(from_, "from"), moment(to, "to"), area)
    return caching.cached(request, tables.entries_csv(found), CSV_MEDIA_TYPE, ARCHIVE_MAX_AGE)


@router.get("/api/stats", summary="Per area and UTC day: alerts in force and minutes under alert")
def stats(request: Request, services: Services, area: Area = None, from_: Annotated[str | None, Query(
        alias="from", max_length=40)] = None, to: Moment = None, status: StatusQuery = "Actual") -> Response:
    window, days = services.history.daily(Status(status), moment(from_, "from"), moment(to, "to"), area)
    return caching.cached_json(request, tables.stats_json(status, window, _delay_hours(services), days),
                               ARCHIVE_MAX_AGE)


@router.get("/api/stats.csv", summary="Daily figures as CSV (UTF-8 with BOM)", response_class=Response,
            responses=_CSV_DOC)
def stats_csv(request: Request, services: Services, area: Area = None, from_: Annotated[str | None, Query(
        alias="from", max_length=40)] = None, to: Moment = None, status: StatusQuery = "Actual") -> Response:
    _, days = services.history.daily(Status(status), moment(from_, "from"), moment(to, "to"), area)
    return caching.cached(request, tables.stats_csv(days), CSV_MEDIA_TYPE, ARCHIVE_MAX_AGE)
