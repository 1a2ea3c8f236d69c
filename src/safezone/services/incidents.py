"""Use cases of the incident log: record incidents (one, or a file), list them, assess them.

Recording is one unit of work: the incidents, their audit entry and their assessment commit
together, so an incident is never stored without its verdict, and a file with a bad row
stores nothing (unless the analyst asks for the good rows alone).

Why only new incidents are assessed when they are recorded: an incident's verdict depends on
the alerts in force at its time, and a later alert action (issue, update, cancel, all-clear,
expiry) happens after that time and cannot change what was in force then. `assess_all` (the
`incidents assess` command) recomputes everything, e.g. after a new zone set is activated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from safezone.adapters.db import Database, UnitOfWork
from safezone.adapters.incident_sources import IncidentRows, read_incidents
from safezone.domain.accounts import PermissionDenied, User, require_analyst
from safezone.domain.errors import InputError
from safezone.domain.incidents import Incident
from safezone.domain.matching import Assessment, IncidentPlace, assess
from safezone.services.audit import record, record_refusal

COMMAND_LINE = "command-line"


class RejectedIncidents(InputError):
    """A file with bad rows: nothing was imported; every problem is listed."""

    def __init__(self, path: str, problems: list[InputError], good: int) -> None:
        super().__init__(f"{len(problems)} bad row(s), {good} good; nothing imported "
                         "(fix the rows, or import the good rows alone with --skip-bad)", file=path)
        self.problems = problems


@dataclass(frozen=True)
class Recorded:
    ids: list[int]
    assessments: list[Assessment]
    skipped: list[InputError]


def record_incidents(database: Database, incidents: Sequence[Incident], actor: User | None, now: datetime,
                     *, action: str = "incident.recorded", subject: str = "",
                     skipped: Sequence[InputError] = ()) -> Recorded:
    """Store incidents with their audit entry and their assessment, in one transaction.
    `actor` None is the local command line (whoever may run it on the server)."""
    with database.unit_of_work() as uow:
        name = _authorized(uow, actor, "record incidents", subject)
        ids = uow.incidents.add(list(incidents), name, now)
        assessments = _assess(uow, now, [IncidentPlace(i, n.occurred_at, n.place) for i, n in zip(ids, incidents)])
        record(uow, name, action, subject or f"incidents {ids[0]}–{ids[-1]}" if ids else "no incidents",
               {"count": len(ids), "first": ids[0] if ids else None, "skipped": len(skipped)}, at=now)
        uow.commit()
    return Recorded(ids, assessments, list(skipped))


def import_incidents(database: Database, path: str, actor: User | None, now: datetime, *, format: str | None = None,
                     skip_bad: bool = False, encoding: str = "utf-8") -> Recorded:
    """A whole file, or nothing: with bad rows and no `skip_bad`, RejectedIncidents."""
    rows: IncidentRows = read_incidents(path, now, format=format, encoding=encoding)
    if rows.problems and not skip_bad:
        raise RejectedIncidents(path, rows.problems, len(rows.incidents))
    return record_incidents(database, rows.incidents, actor, now, action="incident.imported", subject=path,
                            skipped=rows.problems)


def assess_all(database: Database, actor: User | None, now: datetime) -> list[Assessment]:
    """Assess every incident again and replace the stored assessment whole."""
    with database.unit_of_work() as uow:
        name = _authorized(uow, actor, "assess incidents", "incidents")
        assessments = _assess(uow, now, None)
        record(uow, name, "incident.assessed", "incidents", {"count": len(assessments)}, at=now)
        uow.commit()
    return assessments


def listed(database: Database, start: datetime | None = None, end: datetime | None = None,
           limit: int = 1000) -> list[tuple[Incident, dict | None]]:
    """Incidents in a time window, oldest first, each with its verdict (None: not assessed)."""
    with database.unit_of_work(read_only=True) as uow:
        incidents = uow.incidents.listed(start, end, limit)
        verdicts = uow.incidents.verdicts([int(i.id or 0) for i in incidents])
    return [(i, verdicts.get(int(i.id or 0))) for i in incidents]


def listed_ids(database: Database, ids: Sequence[int]) -> list[tuple[Incident, dict | None]]:
    with database.unit_of_work(read_only=True) as uow:
        verdicts = uow.incidents.verdicts(ids)
        return [(i, verdicts.get(int(i.id or 0))) for i in uow.incidents.by_ids(ids)]


def _assess(uow: UnitOfWork, now: datetime, new: list[IncidentPlace] | None) -> list[Assessment]:
    """Assess `new` incidents (known in memory: not read back) or, None, every incident (read
    after taking the lock, so no incident recorded meanwhile is left without its verdict)."""
    uow.incidents.lock_assessment()
    places = uow.incidents.places() if new is None else new
    if not places:
        return []
    latest = max(p.occurred_at for p in places)
    alerts = uow.incidents.actual_warnings(now, issued_by=latest)
    version = uow.zones.active_version()
    active = list(uow.incidents.area_shapes(version).values()) if version is not None else []
    assessments = assess(places, alerts, active)
    uow.incidents.replace_assessment(assessments, now, whole=new is None)
    return assessments


def _authorized(uow: UnitOfWork, actor: User | None, action: str, subject: str) -> str:
    if actor is None:
        return COMMAND_LINE
    try:
        require_analyst(actor, action)
    except PermissionDenied as denied:
        record_refusal(uow, denied.user, "permission.denied", subject, {"action": denied.action, "reason": denied.reason})
        raise
    return actor.name
