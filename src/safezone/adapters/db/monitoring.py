"""Counts a monitor scrapes (`/metrics`): alerts by stored state, the outbox's depth and
deliveries by channel and state.

Read at scrape time from the database, so every worker process reports the same figures. The
deliveries cost what is unfinished, not the history: finished ones come from the totals kept
as they finish (`delivery_totals`), the rest are counted off the partial index of the rows
`queued` or `dead` (`ix_deliveries_unfinished`), without reading the table.
"""

from __future__ import annotations

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import AlertRow, OutboxRow
from safezone.adapters.db.delivery_models import DeliveryRow
from safezone.adapters.db.delivery_totals import UNFINISHED, totals

# Built once: a scrape every few seconds need not compile it again. The states are written
# into the statement as the partial index's own term, not bound: SQLite uses a partial index
# only for that very term, and PostgreSQL's generic plans only for constants.
_UNFINISHED = (select(DeliveryRow.channel, DeliveryRow.state, func.count())
               .where(DeliveryRow.state.in_([literal(state, literal_execute=True) for state in UNFINISHED]))
               .group_by(DeliveryRow.state, DeliveryRow.channel))
# One statement: one round trip, and on PostgreSQL one snapshot for the totals and the rows
# (a row finishing meanwhile is counted once, as waiting or as finished).
_DELIVERIES = union_all(totals(), _UNFINISHED)


class MonitoringCounts:
    def __init__(self, session: Session) -> None:
        self._session = session

    def alerts_by_state(self) -> dict[str, int]:
        """How many alerts are stored in each workflow state (an expiry counts once swept)."""
        rows = self._session.execute(select(AlertRow.state, func.count()).group_by(AlertRow.state))
        return {str(state): int(count) for state, count in rows}

    def outbox_depth(self) -> int:
        """Outbox entries not yet processed by a delivery worker."""
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.processed_at.is_(None))
        return int(self._session.scalar(query) or 0)

    def deliveries_by_channel_and_state(self) -> list[tuple[str, str, int]]:
        """(channel, state, count) of every delivery: the kept totals of the finished states
        (sent, delivered, failed, expired: they only grow), and the rows queued or dead counted."""
        return [(str(channel), str(state), int(count)) for channel, state, count in self._session.execute(_DELIVERIES)]
