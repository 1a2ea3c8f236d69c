"""Recording actions in the audit log, and checking that nobody has rewritten it.

`record` appends inside the caller's unit of work, so an action and its entry commit — or
roll back — together: the log never claims something that did not happen, nor misses
something that did. Actions are named `noun.verb` in the past tense (`user.added`,
`login.failed`, `alert.approved`); details hold what a reader needs later, never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from safezone.adapters.db import UnitOfWork
from safezone.domain.accounts import User
from safezone.domain.audit import AuditEntry, ChainHead, Problem, chain_next, verify_chain

MAX_ACTOR = 100
MAX_ACTION = 100
MAX_SUBJECT = 300


@dataclass(frozen=True)
class AuditReport:
    entries: int
    head: ChainHead
    problems: list[Problem]

    @property
    def intact(self) -> bool:
        return not self.problems


def record(
    uow: UnitOfWork,
    actor: User | str,
    action: str,
    subject: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits with the caller's commit)."""
    actor_name = actor.name if isinstance(actor, User) else actor
    if not actor_name or not action:
        raise ValueError("an audit entry needs an actor and an action")
    if len(actor_name) > MAX_ACTOR or len(action) > MAX_ACTION:
        raise ValueError("audit actor or action too long")
    head = uow.audit.lock_head()
    entry = chain_next(
        head,
        at or datetime.now(timezone.utc),
        actor_name,
        action,
        subject[:MAX_SUBJECT],
        dict(details or {}),
    )
    uow.audit.append(entry)
    return entry


def record_refusal(
    uow: UnitOfWork,
    actor: User | str,
    action: str,
    subject: str = "",
    details: Mapping[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEntry:
    """Record something refused (a failed login, a permission denied) so that it stays.

    The caller is about to raise, which rolls its unit of work back; so whatever the caller
    did so far is undone first, then the refusal alone is recorded and committed.
    """
    uow.rollback()
    entry = record(uow, actor, action, subject, details, at=at)
    uow.commit()
    return entry


def verify(uow: UnitOfWork) -> AuditReport:
    """Read the whole log and check every hash and link, and the end against the chain head."""
    head = uow.audit.head()
    entries = list(uow.audit.entries())
    return AuditReport(entries=len(entries), head=head, problems=verify_chain(entries, head))


def recent(uow: UnitOfWork, count: int = 20) -> list[AuditEntry]:
    """The newest entries, oldest first."""
    if count < 1:
        raise ValueError("count must be at least 1")
    return uow.audit.last(count)
