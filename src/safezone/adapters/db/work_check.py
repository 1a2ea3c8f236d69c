"""The delivery engine's look for work, asked 20 times a second by an idle engine in the
serving process: is there anything to plan, send or confirm? One statement on a connection
held for it (held_connection), not a read-only unit of work: on PostgreSQL that was the pool's
ping, BEGIN, READ ONLY, three lookups and ROLLBACK, 1.2 ms of the serving process's CPU a look
(issue 12). The answer is the repositories' own (`OutboxRepository.has_pending`,
`DeliveryRepository.has_due`, `SubscriberRepository.confirmations_due`), asked at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine

from safezone.adapters.db.delivery_models import DeliveryRow
from safezone.adapters.db.delivery_repository import PENDING
from safezone.adapters.db.held_connection import HeldConnection

# `{p}` is the driver's placeholder. The sub-selects stop at their first row.
_PLAN = "EXISTS (SELECT 1 FROM outbox WHERE processed_at IS NULL AND topic = {p})"
_SEND = ("EXISTS (SELECT 1 FROM deliveries WHERE state = {p} AND not_before <= {p} "
         "AND (lease_until IS NULL OR lease_until < {p}))")
_CONFIRM = ("EXISTS (SELECT 1 FROM subscribers WHERE email_token IS NOT NULL "
            "AND NOT email_confirmation_sent AND NOT email_confirmed)")


class WorkCheck(HeldConnection):
    """Whether an outbox entry of `topic` waits to be planned, a delivery is due, or (with the
    e-mail channel on) a confirmation mail waits to be sent."""

    def __init__(self, engine: Engine, topic: str) -> None:
        super().__init__(engine)
        self._topic = topic
        p = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._sql = {False: f"SELECT {_PLAN} OR {_SEND}".format(p=p),
                     True: f"SELECT {_PLAN} OR {_SEND} OR {_CONFIRM}".format(p=p)}
        # A time as the column stores it (SQLite: text; PostgreSQL: the driver's own).
        column = DeliveryRow.__table__.c.not_before.type
        self._stored = column.dialect_impl(engine.dialect).bind_processor(engine.dialect) or (lambda value: value)

    def any(self, now: datetime, *, email: bool) -> bool:
        """Anything to plan, send (due at `now`) or, with `email`, confirm?"""
        at = self._stored(now)
        return bool(self.one(self._sql[email], (self._topic, PENDING, at, at))[0])
