"""Counts a monitor scrapes (`/metrics`): alerts by stored state, the outbox's depth and
deliveries by channel and state.

Read at scrape time from the database, so every worker process reports the same figures.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import AlertRow, OutboxRow
from safezone.adapters.db.delivery_models import DeliveryRow

# Built once: a scrape every few seconds need not compile it again. No index holds both
# columns, so it reads the whole table (figures: benchmarks/metrics_scrape.py).
_DELIVERIES = (select(DeliveryRow.channel, DeliveryRow.state, func.count())
               .group_by(DeliveryRow.channel, DeliveryRow.state))


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
        """(channel, state, count) over every delivery row: rows are never deleted, and a row
        that reaches sent, delivered, failed or expired never leaves it, so those counts only grow."""
        return [(str(channel), str(state), int(count)) for channel, state, count in self._session.execute(_DELIVERIES)]
