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
- Every statement that finishes rows returns their channels and tallies them: the unit of
  work adds the tally to the totals `/metrics` reads, in the same transaction
  (`adapters.db.delivery_totals`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from safezone.adapters.db.delivery_models import DeliveryRow
from safezone.adapters.db.delivery_totals import tally
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


def _due_query() -> Select:
    """Due rows, first first: built once (a fan-out leases hundreds of times), bound per lease."""
    earlier = aliased(DeliveryRow)
    now = bindparam("now")
    blocked = exists().where(earlier.receiver == DeliveryRow.receiver, earlier.channel == DeliveryRow.channel,
                             earlier.id < DeliveryRow.id, earlier.state == PENDING)
    # Plain rows of the task's columns, not ORM objects: a fan-out leases hundreds a pass.
    return (select(DeliveryRow.id, DeliveryRow.key, DeliveryRow.alert_id, DeliveryRow.chain, DeliveryRow.receiver,
                   DeliveryRow.channel, DeliveryRow.attempts, DeliveryRow.issued_at, DeliveryRow.expires_at)
            .where(DeliveryRow.state == PENDING, DeliveryRow.not_before <= now,
                   or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now), ~blocked)
            # The order of ix_deliveries_due (state, priority, not_before, id; migration 0145):
            # the first `limit` due rows are read off the index, on SQLite and PostgreSQL,
            # not sorted out of every pending row of a fan-out at each lease.
            .order_by(DeliveryRow.priority, DeliveryRow.not_before, DeliveryRow.id).limit(bindparam("limit")))


_DUE = _due_query()
_FINISH = (update(DeliveryRow)
           .where(DeliveryRow.id.in_(bindparam("ids", expanding=True)), DeliveryRow.lease_owner == bindparam("owner"),
                  DeliveryRow.state == PENDING)
           .values(state=bindparam("to_state"), finished_at=bindparam("at"), latency_ms=bindparam("latency"),
                   reason=bindparam("why"), attempts=bindparam("tries"), lease_owner=None, lease_until=None)
           .returning(DeliveryRow.channel)
           .execution_options(synchronize_session=False))
_INSERT_SQLITE = ("INSERT OR IGNORE INTO deliveries (key, alert_id, chain, receiver, channel, priority, state, attempts, "
                  "not_before, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_LEASE = (update(DeliveryRow).where(DeliveryRow.id.in_(bindparam("ids", expanding=True)))
          .values(lease_owner=bindparam("owner"), lease_until=bindparam("until"))
          .execution_options(synchronize_session=False))


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, rows: Sequence[dict]) -> int:
        """Insert planned deliveries (how many were new); rows whose key exists already are left
        as they are, so a plan resumed after a crash, or made by two workers, doubles nothing."""
        if self._dialect == "sqlite":
            return self._add_many_sqlite(rows)
        table = DeliveryRow.__table__
        added = 0
        for start in range(0, len(rows), CHUNK):
            # RETURNING counts the rows inserted (psycopg's executemany rowcount is -1)
            statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)
            added += len(self._session.execute(statement, list(rows[start:start + CHUNK])).all())
        return added

    def _add_many_sqlite(self, rows: Sequence[dict]) -> int:
        """`add_many` as one driver-level executemany: the ORM's insert spent more per row than
        SQLite did (a fan-out plans a row per receiver). A plan's rows share their times, so
        each is put in the column's stored form once; sqlite3 sums the rows an executemany
        inserted (an ignored key counts none)."""
        if not rows:
            return 0
        dialect = self._session.get_bind().dialect
        stored: dict[tuple[str, datetime], Any] = {}

        def value(column: str, moment: datetime) -> Any:
            found = stored.get((column, moment))
            if found is None:
                process = DeliveryRow.__table__.c[column].type.dialect_impl(dialect).bind_processor(dialect)
                found = stored[(column, moment)] = process(moment) if process else moment
            return found

        values = [(r["key"], r["alert_id"], r["chain"], r["receiver"], r["channel"], r["priority"], r["state"],
                   r["attempts"], value("not_before", r["not_before"]), value("issued_at", r["issued_at"]),
                   value("expires_at", r["expires_at"])) for r in rows]
        cursor = self._session.connection().exec_driver_sql(_INSERT_SQLITE, values)
        return max(cursor.rowcount, 0)

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
                     .values(state="expired", reason=reason, finished_at=now, lease_owner=None, lease_until=None)
                     .returning(DeliveryRow.channel))
        channels = self._session.scalars(statement).all()
        tally(self._session, "expired", channels)
        return len(channels)

    def claim(self, owner: str, now: datetime, lease_until: datetime, limit: int,
              ids: Sequence[int] | None = None) -> list[DeliveryTask]:
        """Lease due rows (of `ids` only, when given: a stream entry's) to `owner`."""
        query = _DUE if ids is None else _DUE.where(DeliveryRow.id.in_(list(ids)))
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=DeliveryRow)
        rows = self._session.execute(query, {"now": now, "limit": limit}).all()
        if not rows:
            return []
        self._session.execute(_LEASE, {"ids": [r[0] for r in rows], "owner": owner, "until": lease_until})
        # A fan-out's rows share their message's times: each converted once, not once a row.
        times: dict[datetime, datetime] = {}
        return [DeliveryTask(row_id, key, alert_id, chain, receiver, channel, attempts,
                             times.get(issued) or times.setdefault(issued, as_utc(issued)),
                             times.get(expires) or times.setdefault(expires, as_utc(expires)))
                for row_id, key, alert_id, chain, receiver, channel, attempts, issued, expires in rows]

    def queued_ids(self, alert_ids: Sequence[int]) -> list[int]:
        query = (select(DeliveryRow.id).where(DeliveryRow.alert_id.in_(list(alert_ids)), DeliveryRow.state == PENDING)
                 .order_by(DeliveryRow.priority, DeliveryRow.id))
        return list(self._session.scalars(query))

    def has_due(self, now: datetime) -> bool:
        query = select(DeliveryRow.id).where(due(now)).limit(1)
        return self._session.scalar(query) is not None

    def finish(self, delivery_id: int, owner: str, state: str, now: datetime, *, attempts: int,
               latency_ms: float | None = None, reason: str | None = None) -> bool:
        """Record a final outcome; False if the row is no longer ours (its lease passed to another)."""
        statement = (update(DeliveryRow)
                     .where(DeliveryRow.id == delivery_id, DeliveryRow.lease_owner == owner,
                            DeliveryRow.state == PENDING)
                     .values(state=state, finished_at=now, latency_ms=latency_ms, reason=reason, attempts=attempts,
                             lease_owner=None, lease_until=None)
                     .returning(DeliveryRow.channel))
        channels = self._session.scalars(statement).all()
        tally(self._session, state, channels)
        return bool(channels)

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
                channels = self._session.scalars(_FINISH, {
                    "ids": ids[start:start + CHUNK], "owner": owner, "to_state": state, "at": at, "latency": latency,
                    "why": reason, "tries": attempts}).all()
                tally(self._session, state, channels)
                done += len(channels)
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


def due(now: object) -> ColumnElement[bool]:
    """A pending copy due at `now` (a time or a bound parameter) and leased by no one alive."""
    return and_(DeliveryRow.state == PENDING, DeliveryRow.not_before <= now,
                or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now))
