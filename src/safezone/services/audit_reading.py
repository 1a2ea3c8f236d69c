"""Reading the audit log from the console: a page of entries with filters, and the chain check.

Who may read: admins (they answer for accounts and the log itself) and approvers (the second
person of every alert, who must be able to see who composed, approved and issued what).
Issuers and analysts may not: the log names every operator and every failed login.

Verifying reads the whole log, so only admins may start it, and one runs at a time per process
(another meanwhile is refused with `VerificationRunning`). Each use case reads in one read-only unit of work, so a long read
never holds the write lock; only a refusal opens a writing one, to record the refusal.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from safezone.adapters.db import Database
from safezone.domain.accounts import PermissionDenied, Role, User, require_role
from safezone.domain.audit import AuditEntry
from safezone.services import accounts
from safezone.services.audit import AuditReport, verify

READERS = (Role.ADMIN, Role.APPROVER)
VERIFIERS = (Role.ADMIN,)
MAX_PAGE = 200
_verifying = threading.Lock()  # one verification at a time in this process


class VerificationRunning(Exception):
    """Another verification is reading the log: wait for it rather than start a second."""


@dataclass(frozen=True)
class AuditQuery:
    """The filters of one page; `before` is the cursor (the `next_before` of the last page)."""

    actor: str | None = None
    action: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = 50


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before: int | None  # None: this was the last page


def page(database: Database, user: User, query: AuditQuery) -> AuditPage:
    """One page of the log, newest first, for an admin or an approver."""
    if not 1 <= query.limit <= MAX_PAGE:
        raise ValueError(f"limit must be 1 to {MAX_PAGE}")
    _allow(database, user, READERS, "read the audit log")
    with database.unit_of_work(read_only=True) as uow:
        found = uow.audit.search(actor=query.actor, action=query.action, subject=query.subject, since=query.since,
                                 until=query.until, before=query.before, limit=query.limit + 1)
    more = len(found) > query.limit
    shown = found[: query.limit]
    return AuditPage(shown, shown[-1].seq if more else None)


def check(database: Database, user: User) -> AuditReport:
    """The whole chain verified, for an admin: every hash and link, and the end against the head."""
    _allow(database, user, VERIFIERS, "verify the audit log")
    if not _verifying.acquire(blocking=False):
        raise VerificationRunning("a verification of the audit log is running; try again in a few seconds")
    try:
        with database.unit_of_work(read_only=True) as uow:
            uow.audit.one_snapshot()  # appends go on while it reads: none of them is taken for damage
            return verify(uow)
    finally:
        _verifying.release()


def _allow(database: Database, user: User, roles: tuple[Role, ...], action: str) -> None:
    """Check the role without a transaction; a refusal is recorded (and committed) in one."""
    try:
        require_role(user, roles, action)
    except PermissionDenied:
        with database.unit_of_work() as uow:
            accounts.authorize(uow, user, roles, action)
        raise
