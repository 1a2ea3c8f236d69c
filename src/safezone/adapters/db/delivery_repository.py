"""Deliveries: one row per message × receiver × channel, and the leases workers take on them.

- The idempotency key is unique: planning the same message twice adds nothing, and a row that
  reached `sent` is never sent again (`finish` only moves a row that is still `queued` and
  leased by the caller).
- `claim` leases due rows to one worker: on PostgreSQL with `FOR UPDATE SKIP LOCKED` (two
  workers never take the same row, and never wait for each other), on SQLite under the write
  lock every writer holds. A row is due when its `not_before` has passed, no live lease holds
  it, and no earlier row for the same receiver and channel is still pending (an Update never
  overtakes its alert). Lower `priority` first (a Cancel, then Actual, then drills), then the
  longest due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from safezone.adapters.db.delivery_models import DeliveryRow
from safezone.adapters.db.import_repository import as_utc

PENDING = "queued"
FINAL = ("sent", "delivered", "failed", "expired", "dead")
CHUNK = 500


@dataclass(frozen=True)
class DeliveryTask:
    id: int
    key: str
    alert_id: int
    chain: str
    receiver: str
    channel: str
    attempts: int
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class DeliveryReceipt:
    id: int
    alert_id: int
    receiver: str
    channel: str
    state: str
    attempts: int
    latency_ms: float | None
    reason: str | None


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, rows: Sequence[dict]) -> int:
        """Insert planned deliveries (how many were new); rows whose key exists already are left
        as they are, so a plan resumed after a crash, or made by two workers, doubles nothing."""
        table = DeliveryRow.__table__
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        added = 0
        for start in range(0, len(rows), CHUNK):
            # RETURNING counts the rows inserted on both databases (psycopg's executemany rowcount is -1)
            statement = dialect.insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
            added += len(self._session.execute(statement, list(rows[start:start + CHUNK])).all())
        return added

    def planned_targets(self, alert_id: int) -> set[tuple[str, str]]:
        """(receiver, channel) of every delivery already planned for one message."""
        query = select(DeliveryRow.receiver, DeliveryRow.channel).where(DeliveryRow.alert_id == alert_id)
        return {(r, c) for r, c in self._session.execute(query)}

    def receivers_of_chain(self, chain: str) -> set[tuple[str, str]]:
        """(receiver, channel) of every delivery any message of the chain planned."""
        query = select(DeliveryRow.receiver, DeliveryRow.channel).where(DeliveryRow.chain == chain).distinct()
        return {(r, c) for r, c in self._session.execute(query)}

    def skip_pending(self, chain: str, except_alert: int, now: datetime, reason: str) -> int:
        """End, unsent, every pending copy of the chain's other messages (a Cancel overtakes them).
        A copy a worker holds right now is left to finish: the follow-up waits for it, in order."""
        statement = (update(DeliveryRow)
                     .where(DeliveryRow.chain == chain, DeliveryRow.alert_id != except_alert,
                            DeliveryRow.state == PENDING,
                            or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now))
                     .values(state="expired", reason=reason, finished_at=now, lease_owner=None, lease_until=None))
        return self._session.execute(statement).rowcount or 0

    def claim(self, owner: str, now: datetime, lease_until: datetime, limit: int,
              ids: Sequence[int] | None = None) -> list[DeliveryTask]:
        """Lease due rows (of `ids` only, when given: a stream entry's) to `owner`."""
        earlier = aliased(DeliveryRow)
        blocked = exists().where(earlier.receiver == DeliveryRow.receiver, earlier.channel == DeliveryRow.channel,
                                 earlier.id < DeliveryRow.id, earlier.state == PENDING)
        # Plain rows of the task's columns, not ORM objects: a fan-out leases hundreds a pass.
        query = (select(DeliveryRow.id, DeliveryRow.key, DeliveryRow.alert_id, DeliveryRow.chain, DeliveryRow.receiver,
                        DeliveryRow.channel, DeliveryRow.attempts, DeliveryRow.issued_at, DeliveryRow.expires_at)
                 .where(DeliveryRow.state == PENDING, DeliveryRow.not_before <= now,
                        or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now), ~blocked)
                 # The order of ix_deliveries_due (state, priority, not_before, id; migration 0140):
                 # the first `limit` due rows are read off the index, on SQLite and PostgreSQL,
                 # not sorted out of every pending row of a fan-out at each lease.
                 .order_by(DeliveryRow.priority, DeliveryRow.not_before, DeliveryRow.id).limit(limit))
        if ids is not None:
            query = query.where(DeliveryRow.id.in_(list(ids)))
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DeliveryRow)
        rows = list(self._session.execute(query))
        if not rows:
            return []
        ids = [r.id for r in rows]
        self._session.execute(update(DeliveryRow).where(DeliveryRow.id.in_(ids))
                              .values(lease_owner=owner, lease_until=lease_until)
                              .execution_options(synchronize_session=False))
        return [DeliveryTask(r.id, r.key, r.alert_id, r.chain, r.receiver, r.channel, r.attempts,
                             as_utc(r.issued_at), as_utc(r.expires_at)) for r in rows]

    def queued_ids(self, alert_ids: Sequence[int]) -> list[int]:
        query = (select(DeliveryRow.id).where(DeliveryRow.alert_id.in_(list(alert_ids)), DeliveryRow.state == PENDING)
                 .order_by(DeliveryRow.priority, DeliveryRow.id))
        return list(self._session.scalars(query))

    def has_due(self, now: datetime) -> bool:
        query = select(DeliveryRow.id).where(
            DeliveryRow.state == PENDING, DeliveryRow.not_before <= now,
            or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now)).limit(1)
        return self._session.scalar(query) is not None

    def finish(self, delivery_id: int, owner: str, state: str, now: datetime, *, attempts: int,
               latency_ms: float | None = None, reason: str | None = None) -> bool:
        """Record a final outcome; False if the row is no longer ours (its lease passed to another)."""
        statement = (update(DeliveryRow)
                     .where(DeliveryRow.id == delivery_id, DeliveryRow.lease_owner == owner,
                            DeliveryRow.state == PENDING)
                     .values(state=state, finished_at=now, latency_ms=latency_ms, reason=reason, attempts=attempts,
                             lease_owner=None, lease_until=None))
        return bool(self._session.execute(statement).rowcount)

    def finish_many(self, owner: str, rows: Sequence[dict]) -> int:
        """`finish` for many rows: dicts of id, state, finished_at, latency_ms, reason, attempts.
        Rows with the same values (a fan-out's copies of one message, recorded together, share
        all but their id) are finished by one `UPDATE … WHERE id IN (…)`. How many were still ours."""
        groups: dict[tuple, list[int]] = {}
        for r in rows:
            values = (r["state"], r["finished_at"], r.get("latency_ms"), r.get("reason"), r["attempts"])
            groups.setdefault(values, []).append(r["id"])
        done = 0
        for (state, at, latency, reason, attempts), ids in groups.items():
            for start in range(0, len(ids), CHUNK):
                statement = (update(DeliveryRow)
                             .where(DeliveryRow.id.in_(ids[start:start + CHUNK]), DeliveryRow.lease_owner == owner,
                                    DeliveryRow.state == PENDING)
                             .values(state=state, finished_at=at, latency_ms=latency, reason=reason,
                                     attempts=attempts, lease_owner=None, lease_until=None)
                             .execution_options(synchronize_session=False))
                done += self._session.execute(statement).rowcount or 0
        return done

    def retry_later(self, delivery_id: int, owner: str, not_before: datetime, *, attempts: int, reason: str) -> bool:
        statement = (update(DeliveryRow)
                     .where(DeliveryRow.id == delivery_id, DeliveryRow.lease_owner == owner,
                            DeliveryRow.state == PENDING)
                     .values(not_before=not_before, attempts=attempts, reason=reason, lease_owner=None,
                             lease_until=None))
        return bool(self._session.execute(statement).rowcount)

    def release(self, ids: Iterable[int], owner: str) -> None:
        """Give leases back unsent (a worker stopping)."""
        self._session.execute(update(DeliveryRow).where(DeliveryRow.id.in_(list(ids)), DeliveryRow.lease_owner == owner,
                                                        DeliveryRow.state == PENDING)
                              .values(lease_owner=None, lease_until=None))

    def totals(self, alert_id: int) -> list[tuple[str, str, int]]:
        """(channel, state, count) for one message."""
        query = (select(DeliveryRow.channel, DeliveryRow.state, func.count())
                 .where(DeliveryRow.alert_id == alert_id).group_by(DeliveryRow.channel, DeliveryRow.state))
        return [(c, s, int(n)) for c, s, n in self._session.execute(query)]

    def latencies(self, alert_id: int) -> list[float]:
        query = select(DeliveryRow.latency_ms).where(DeliveryRow.alert_id == alert_id,
                                                     DeliveryRow.latency_ms.is_not(None))
        return [float(v) for v in self._session.scalars(query)]

    def listed(self, *, alert_id: int | None = None, state: str | None = None, limit: int = 100,
               after_id: int = 0) -> list[DeliveryReceipt]:
        query = select(DeliveryRow).where(DeliveryRow.id > after_id)
        if alert_id is not None:
            query = query.where(DeliveryRow.alert_id == alert_id)
        if state is not None:
            query = query.where(DeliveryRow.state == state)
        rows = self._session.scalars(query.order_by(DeliveryRow.id).limit(limit))
        return [DeliveryReceipt(r.id, r.alert_id, r.receiver, r.channel, r.state, r.attempts, r.latency_ms, r.reason)
                for r in rows]

    def requeue_dead(self, delivery_id: int, now: datetime) -> bool:
        """A dead delivery back in the queue (an operator's retry), unless its message has expired."""
        statement = (update(DeliveryRow)
                     .where(DeliveryRow.id == delivery_id, DeliveryRow.state == "dead", DeliveryRow.expires_at > now)
                     .values(state=PENDING, attempts=0, not_before=now, finished_at=None, reason="retried by an operator"))
        return bool(self._session.execute(statement).rowcount)

    def pending_count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(DeliveryRow)
                                        .where(DeliveryRow.state == PENDING)) or 0)

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name


