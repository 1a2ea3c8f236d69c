"""Counts a monitor scrapes (`/metrics`): alerts by stored state and the outbox's depth.

Read at scrape time from the database, so every worker process reports the same figures.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import AlertRow, OutboxRow


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
