"""Use cases of residents' shelter reports: report a problem, list reports, dismiss one, or
close the shelter on one. Each is one transaction; the operator's steps are audited.

A report never changes the registry: only an operator's "close shelter" does, through the
shelter registry (`ShelterRepository.close`), and then every open report about that shelter
is answered with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from safezone.adapters.db import Database, UnitOfWork
from safezone.domain.accounts import PermissionDenied, User
from safezone.domain.shelter_reports import (
    ReportHandled,
    ReportState,
    ShelterProblem,
    ShelterReport,
    UnknownReport,
    UnknownShelter,
    require_handler,
)
from safezone.services.audit import record, record_refusal
from safezone.services.shelters import close_shelter


@dataclass(frozen=True)
class Received:
    report_id: int
    new: bool  # False: counted on an open report of the same problem


def report_problem(database: Database, shelter_id: int, problem: ShelterProblem, now: datetime) -> Received:
    """Record a resident's report about an open shelter (UnknownShelter otherwise)."""
    with database.unit_of_work() as uow:
        if uow.shelters.open_by_id(shelter_id, for_update=True) is None:
            raise UnknownShelter(shelter_id)
        report_id, new = uow.shelter_reports.add_or_count(shelter_id, problem, now)
        uow.commit()
    return Received(report_id, new)


def listed(database: Database, actor: User, state: ReportState | None = ReportState.OPEN,
           limit: int = 200) -> list[ShelterReport]:
    """Reports newest first (open ones by default), for an issuer or an admin."""
    require_handler(actor, "read shelter reports")
    with database.unit_of_work(read_only=True) as uow:
        return uow.shelter_reports.listed(state, limit)


def open_since(database: Database, since: datetime | None) -> list[ShelterReport]:
    """Open reports counted at or after `since` (all open ones with None), for the operator
    process's watch of reports made in other processes (no permission: nothing leaves the server)."""
    with database.unit_of_work(read_only=True) as uow:
        return uow.shelter_reports.open_since(since)


def dismiss(database: Database, report_id: int, actor: User, now: datetime) -> ShelterReport:
    """Dismiss an open report: the shelter stays as it is."""
    with database.unit_of_work() as uow:
        report = _open_report(uow, report_id, actor, "dismiss a shelter report")
        if not uow.shelter_reports.handle(report_id, ReportState.DISMISSED, actor.name, now):
            raise ReportHandled(_current(uow, report_id))
        record(uow, actor, "shelter_report.dismissed", f"shelter {report.shelter_id}",
               {"report": report_id, "problem": report.problem.value, "count": report.count}, at=now)
        uow.commit()
        return _current(uow, report_id)


def close_on_report(database: Database, report_id: int, actor: User, now: datetime) -> ShelterReport:
    """Close the report's shelter (out of every public answer) and answer its open reports."""
    with database.unit_of_work() as uow:
        report = _open_report(uow, report_id, actor, "close a shelter")
        uow.shelters.lock_row(report.shelter_id)
        if not uow.shelter_reports.handle(report_id, ReportState.ACTED, actor.name, now):
            raise ReportHandled(_current(uow, report_id))
        closed = close_shelter(uow, report.shelter_id, actor.name, now)
        others = uow.shelter_reports.handle_all_open(report.shelter_id, ReportState.ACTED, actor.name, now)
        record(uow, actor, "shelter.closed" if closed else "shelter_report.acted", f"shelter {report.shelter_id}",
               {"report": report_id, "problem": report.problem.value, "count": report.count,
                "other_reports": others}, at=now)
        uow.commit()
        return _current(uow, report_id)


def _open_report(uow: UnitOfWork, report_id: int, actor: User, action: str) -> ShelterReport:
    try:
        require_handler(actor, action)
    except PermissionDenied as denied:
        record_refusal(uow, denied.user, "permission.denied", f"shelter report {report_id}",
                       {"action": denied.action, "reason": denied.reason})
        raise
    report = uow.shelter_reports.get(report_id)
    if report is None:
        raise UnknownReport(report_id)
    if report.state is not ReportState.OPEN:
        raise ReportHandled(report)
    return report


def _current(uow: UnitOfWork, report_id: int) -> ShelterReport:
    found = uow.shelter_reports.get(report_id)
    assert found is not None, "a report is never deleted while its shelter exists"
    return found
