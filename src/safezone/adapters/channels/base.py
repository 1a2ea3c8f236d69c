"""The one interface every delivery channel offers the delivery engine."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Protocol, runtime_checkable

from safezone.domain.delivery import Delivery, Outcome


@runtime_checkable
class Channel(Protocol):
    """Send one delivery to one receiver; never raise for a receiver's fault.

    Every fault of the far side (refusal, timeout, unreachable host, a receiver gone) comes
    back as an `Outcome`, so one bad receiver never stops the others. `close()` releases the
    channel's pooled connections.
    """

    async def send(self, delivery: Delivery, receiver: Any) -> Outcome: ...

    async def close(self) -> None: ...


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def expired(delivery: Delivery, now: datetime) -> Outcome | None:
    """An `expired` outcome for a message past its `expires` (it is not sent), else None."""
    if delivery.remaining(now).total_seconds() <= 0:
        return Outcome.expired(f"expired at {delivery.expires.isoformat()}, not sent")
    return None
