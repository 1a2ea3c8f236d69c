"""Receipts of a message's deliveries, and an operator's retry of a dead one."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from safezone.adapters.db import UnitOfWork
from safezone.domain.accounts import Role, User, require_role
from safezone.services.audit import record

STATES = ("queued", "sent", "delivered", "failed", "expired", "dead")


def summary(uow: UnitOfWork, alert_id: int) -> dict:
    """Totals per state and per channel × state, and the latency from issue to hand-over."""
    totals = {s: 0 for s in STATES}
    channels: dict[str, dict[str, int]] = {}
    for channel, state, count in uow.deliveries.totals(alert_id):
        totals[state] = totals.get(state, 0) + count
        channels.setdefault(channel, {s: 0 for s in STATES})[state] = count
    latencies = np.asarray(uow.deliveries.latencies(alert_id), dtype=float)
    latency = (None if not latencies.size else
               {"p50_ms": round(float(np.percentile(latencies, 50)), 1),
                "p99_ms": round(float(np.percentile(latencies, 99)), 1),
                "max_ms": round(float(latencies.max()), 1), "count": int(latencies.size)})
    return {"alert_id": alert_id, "total": sum(totals.values()), "states": totals, "channels": channels,
            "latency": latency}


def retry(uow: UnitOfWork, user: User, delivery_id: int, now: datetime) -> bool:
    require_role(user, Role.ISSUER, "delivery.retry")
    done = uow.deliveries.requeue_dead(delivery_id, now)
    if done:
        record(uow, user, "delivery.retried", f"delivery {delivery_id}", {}, at=now)
    return done
