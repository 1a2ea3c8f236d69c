"""Residents' reports of a problem with a shelter, and what an operator may do with one.

A report says only which shelter and what is wrong (one of four problems), and when: nothing
about who sent it (no address, no device), so it can be kept and shown without holding
personal data. Reports of the same problem about the same shelter that are still open are one
report with a count, so a flood about one shelter stays one line for the operator.

A report never changes the registry by itself: an operator dismisses it, or closes the shelter
(the report is then "acted" on). Each report is handled once; a second hand gets a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from safezone.domain.accounts import PermissionDenied, Role, User


class ShelterProblem(StrEnum):
    LOCKED = "locked"
    FULL = "full"
    NOT_ACCESSIBLE = "not_accessible"
    GONE = "gone"


class ReportState(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    ACTED = "acted"  # the operator closed the shelter on it


# Who may handle reports: the duty operators of the console (issuers) and the administrators.
HANDLERS = frozenset({Role.ISSUER, Role.ADMIN})


@dataclass(frozen=True)
class ShelterReport:
    id: int
    shelter_id: int
    problem: ShelterProblem
    state: ReportState
    first_at: datetime
    last_at: datetime
    count: int  # how many reports of this problem it stands for
    shelter_name: str = ""
    shelter_closed: bool = False
    handled_by: str | None = None
    handled_at: datetime | None = None


class UnknownShelter(LookupError):
    """No open shelter of the registry has this id (never was, withdrawn, or closed)."""

    def __init__(self, shelter_id: int) -> None:
        super().__init__(f"no open shelter with id {shelter_id}")
        self.shelter_id = shelter_id


class UnknownReport(LookupError):
    def __init__(self, report_id: int) -> None:
        super().__init__(f"no shelter report with id {report_id}")


class ReportHandled(Exception):
    """The report was dismissed or acted on already (perhaps a moment ago, by someone else)."""

    def __init__(self, report: ShelterReport) -> None:
        by = f" by {report.handled_by}" if report.handled_by else ""
        super().__init__(f"report {report.id} is {report.state.value} already{by}; nothing was changed")


def require_handler(user: User, action: str = "handle shelter reports") -> None:
    """Refuse unless the user is active and an issuer or an admin."""
    if not user.active:
        raise PermissionDenied(user.name, action, "the account is disabled")
    if not user.roles & HANDLERS:
        raise PermissionDenied(user.name, action, "it needs the issuer or the admin role")
