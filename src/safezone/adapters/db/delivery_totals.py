"""Totals of finished deliveries per channel and outcome (`delivery_totals`, migration 0150),
kept as deliveries finish, so a `/metrics` scrape reads a few dozen rows instead of counting
every delivery ever made.

How they are kept: the delivery repository tallies, in memory, the rows each statement of a
transaction finishes (`tally`, fed by the statements' `RETURNING channel`), and the unit of
work adds the tally just before it commits (`add_tally`): one upsert per (channel, outcome),
`count = count + n`, so a batch of a thousand receipts is one row write, not a thousand.

Why shards as well: on PostgreSQL an upsert holds its counter row's lock until the commit, so
delivery workers finishing the same channel at once would take turns on one row, each waiting
for the other's commit (its WAL flush). Each transaction therefore writes to one of `SHARDS`
rows per (channel, outcome), drawn at random, and a scrape sums them (at most channels × 4 ×
16 rows); two workers meet on a row only when they draw the same shard. Deadlock-free: the
counter rows are the last rows a transaction locks, taken in one fixed order (channel,
outcome), one shard per transaction. On SQLite (one writer at a time, no row locks) the shards
change nothing and cost nothing.

The totals only grow: a tally is never negative (rows only ever leave `queued`), and a finished
row never changes state again.
"""

from __future__ import annotations

import random
from typing import Iterable

from sqlalchemy import Select, column, func, select, table, text
from sqlalchemy.orm import Session

# States a row never leaves: their counts are the totals. `dead` is not one (an operator's
# retry queues it again), nor `queued`: those two are counted from the rows (`UNFINISHED`).
FINISHED = ("sent", "delivered", "failed", "expired")
UNFINISHED = ("queued", "dead")
# The partial index `ix_deliveries_unfinished` holds the rows where this holds (migration 0150).
UNFINISHED_WHERE = "state IN ('queued', 'dead')"
SHARDS = 16
TALLY = "safezone_delivery_tally"  # the Session.info key of a transaction's tally

_ADD = text("INSERT INTO delivery_totals (channel, outcome, shard, count) VALUES (:channel, :outcome, :shard, :n) "
            "ON CONFLICT (channel, outcome, shard) DO UPDATE SET count = delivery_totals.count + excluded.count")
TOTALS = table("delivery_totals", column("channel"), column("outcome"), column("shard"), column("count"))


def tally(session: Session, outcome: str, channels: Iterable[str]) -> None:
    """Count rows just moved to `outcome` (one channel per row), to be added at the commit."""
    if outcome not in FINISHED:
        return
    counts: dict[tuple[str, str], int] = session.info.setdefault(TALLY, {})
    for channel in channels:
        counts[channel, outcome] = counts.get((channel, outcome), 0) + 1


def add_tally(session: Session) -> None:
    """Add the transaction's tally to the totals, in (channel, outcome) order, on one shard;
    called right before the commit, so the counter rows stay locked only for the commit."""
    counts: dict[tuple[str, str], int] = session.info.pop(TALLY, {})
    if not counts:
        return
    shard = random.randrange(SHARDS)
    session.execute(_ADD, [{"channel": channel, "outcome": outcome, "shard": shard, "n": n}
                           for (channel, outcome), n in sorted(counts.items())])


def forget_tally(session: Session) -> None:
    """Drop the tally of a transaction rolled back: what it counted did not happen."""
    session.info.pop(TALLY, None)


def totals() -> Select:
    """(channel, outcome, total) of every finished delivery, the shards summed."""
    return (select(TOTALS.c.channel, TOTALS.c.outcome, func.sum(TOTALS.c.count))
            .group_by(TOTALS.c.channel, TOTALS.c.outcome))
