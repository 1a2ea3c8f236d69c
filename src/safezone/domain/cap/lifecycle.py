"""Which messages are in force: what a feed of current alerts shows.

A message stops being in force when it expires, when a later message references it (an
Update supersedes, a Cancel cancels), or when it is itself a Cancel or an all-clear. Drafts
and System messages are never shown to the public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from safezone.domain.cap.enums import MsgType, ResponseType, Status
from safezone.domain.cap.model import Alert

SHOWN_STATUSES = frozenset({Status.ACTUAL, Status.EXERCISE, Status.TEST})


def is_all_clear(alert: Alert) -> bool:
    return bool(alert.infos) and all(ResponseType.ALL_CLEAR in i.response_types for i in alert.infos)


def alerts_in_force(alerts: Iterable[Alert], now: datetime) -> list[Alert]:
    """The alerts in force at `now`, newest first."""
    alerts = list(alerts)
    replaced = {(r.sender, r.identifier) for a in alerts for r in a.references}
    current = [
        a for a in alerts
        if a.status in SHOWN_STATUSES
        and a.msg_type in (MsgType.ALERT, MsgType.UPDATE)
        and (a.sender, a.identifier) not in replaced
        and not is_all_clear(a)
        and a.sent <= now
        and (a.expires is None or a.expires > now)
    ]
    return sorted(current, key=lambda a: a.sent, reverse=True)
