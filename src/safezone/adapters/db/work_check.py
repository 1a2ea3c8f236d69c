"""The delivery engine's look for work, asked 20 times a second by an idle engine in the
serving process: is there anything to plan, send or confirm? One statement on a connection
held for it (held_connection), not a read-only unit of work: on PostgreSQL that was the pool's
ping, BEGIN, READ ONLY, three lookups and ROLLBACK, 1.2 ms of the serving process's CPU a look
(issue 12). The conditions are the repositories' own (`outbox_repository.pending`,
`delivery_repository.due`, `subscriber_repository.CONFIRMATION_WAITING`), asked at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.engine import Engine

from safezone.adapters.db.delivery_models import DeliveryRow
from safezone.adapters.db.delivery_repository import due
from safezone.adapters.db.held_connection import HeldConnection
from safezone.adapters.db.outbox_repository import pending
from safezone.adapters.db.subscriber_repository import CONFIRMATION_WAITING

# Built once; each sub-select stops at its first row.
_NOW = bindparam("now", type_=DeliveryRow.__table__.c.not_before.type)
_PLAN_OR_SEND = (exists().where(pending(bindparam("topic"))), exists().where(due(_NOW)))
_LOOKS = {False: select(or_(*_PLAN_OR_SEND)),
          True: select(or_(*_PLAN_OR_SEND, exists().where(CONFIRMATION_WAITING)))}


class WorkCheck(HeldConnection):
    """Whether an outbox entry of `topic` waits to be planned, a delivery is due, or (with the
    e-mail channel on) a confirmation mail waits to be sent."""

    def __init__(self, engine: Engine, topic: str) -> None:
        super().__init__(engine)
        self._topic = topic

    def any(self, now: datetime, *, email: bool) -> bool:
        """Anything to plan, send (due at `now`) or, with `email`, confirm?"""
        return bool(self.one(_LOOKS[email], {"topic": self._topic, "now": now})[0])
