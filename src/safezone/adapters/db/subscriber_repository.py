"""Subscribers: stored, changed, deleted for good, and found for targeting.

Targeting reads points only inside an alert's bounding box (an indexed window on lat, lon),
as numpy arrays for the exact test in the domain; area subscribers come from an indexed
lookup by area id. Nothing here maps a subscriber's point into a returned record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

import numpy as np
from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from safezone.adapters.db.delivery_models import SubscriberAreaRow, SubscriberRow
from safezone.adapters.db.import_repository import as_utc
from safezone.domain.cell_targeting import NO_CELL, point_cells
from safezone.domain.subscribers import Place, PushSubscription, Subscription, digest

CHUNK = 900


# An address given, its confirmation mail not sent yet, not confirmed.
CONFIRMATION_WAITING = and_(SubscriberRow.email_token.is_not(None), SubscriberRow.email_confirmation_sent.is_(False),
                            SubscriberRow.email_confirmed.is_(False))

class SubscriberRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, subscription: Subscription, token_hash: str, email_token: str | None,
            resolution: int | None = None) -> None:
        """Store a new subscription; its point's cell at `resolution` (the active zone set's) with it."""
        self._session.add(SubscriberRow(id=subscription.id, token_hash=token_hash,
                                        **_columns(subscription), cell=_cell(subscription, resolution),
                                        email_token=email_token,
                                        email_token_hash=None if email_token is None else digest(email_token),
                                        created_at=subscription.created_at))
        self._set_areas(subscription.id, subscription.area_ids)

    def add_many(self, rows: Sequence[dict]) -> None:
        """Bulk insert of plain column dicts (benchmarks and large tests)."""
        if rows:
            self._session.execute(SubscriberRow.__table__.insert(), list(rows))

    def get(self, subscriber_id: str, *, for_update: bool = False) -> tuple[Subscription, str] | None:
        """The subscription and its token hash."""
        query = select(SubscriberRow).where(SubscriberRow.id == subscriber_id)
        if for_update:
            query = query.with_for_update()
        row = self._session.scalar(query)
        return None if row is None else (self._subscription(row), row.token_hash)

    def save(self, subscription: Subscription, email_token: str | None, email_changed: bool,
             resolution: int | None = None) -> None:
        values = _columns(subscription) | {"updated_at": subscription.updated_at,
                                           "cell": _cell(subscription, resolution)}
        if email_changed:
            values |= {"email_token": email_token, "email_confirmation_sent": False,
                       "email_token_hash": None if email_token is None else digest(email_token)}
        self._session.execute(update(SubscriberRow).where(SubscriberRow.id == subscription.id).values(**values))
        self._set_areas(subscription.id, subscription.area_ids)

    def delete(self, subscriber_id: str) -> bool:
        self._session.execute(delete(SubscriberAreaRow).where(SubscriberAreaRow.subscriber_id == subscriber_id))
        return bool(self._session.execute(delete(SubscriberRow).where(SubscriberRow.id == subscriber_id)).rowcount)

    def email_token_hash(self, subscriber_id: str) -> str | None:
        return self._session.scalar(select(SubscriberRow.email_token_hash).where(SubscriberRow.id == subscriber_id))

    def confirm_email(self, subscriber_id: str, now: datetime) -> None:
        self._session.execute(update(SubscriberRow).where(SubscriberRow.id == subscriber_id)
                              .values(email_confirmed=True, updated_at=now))

    def drop_channel(self, subscriber_id: str, channel: str, now: datetime) -> None:
        """Forget one channel (a 410 from the push service, an unsubscribe); the rest stays."""
        values = ({"push_endpoint": None, "push_p256dh": None, "push_auth": None} if channel == "webpush"
                  else {"email": None, "email_confirmed": False, "email_token": None, "email_token_hash": None})
        self._session.execute(update(SubscriberRow).where(SubscriberRow.id == subscriber_id)
                              .values(updated_at=now, **values))

    def confirmations_due(self, limit: int = 100) -> list[tuple[str, str, str, str]]:
        """(id, address, link token, language) of confirmation mails not yet sent."""
        query = (select(SubscriberRow.id, SubscriberRow.email, SubscriberRow.email_token, SubscriberRow.languages)
                 .where(CONFIRMATION_WAITING).limit(limit))
        return [(i, e, t, (langs or ["en"])[0]) for i, e, t, langs in self._session.execute(query)]

    def confirmation_sent(self, subscriber_id: str) -> None:
        self._session.execute(update(SubscriberRow).where(SubscriberRow.id == subscriber_id)
                              .values(email_confirmation_sent=True))

    def email_tokens(self, ids: Iterable[str]) -> dict[str, str]:
        """The e-mail link token of each subscriber with an address (for unsubscribe links)."""
        ids = list(ids)
        found: dict[str, str] = {}
        for start in range(0, len(ids), CHUNK):
            query = select(SubscriberRow.id, SubscriberRow.email_token).where(
                SubscriberRow.id.in_(ids[start:start + CHUNK]), SubscriberRow.email_token.is_not(None))
            found.update({i: t for i, t in self._session.execute(query)})
        return found

    def points_in(self, west: float, south: float, east: float,
                  north: float) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """(ids, lon, lat, cells) of the subscribers with a point inside the window (cell
        NO_CELL where none is stored)."""
        query = select(SubscriberRow.id, SubscriberRow.lon, SubscriberRow.lat, SubscriberRow.cell).where(
            SubscriberRow.lat.is_not(None), SubscriberRow.lat >= south, SubscriberRow.lat <= north,
            SubscriberRow.lon >= west, SubscriberRow.lon <= east)
        rows = self._session.execute(query).all()
        ids = [r[0] for r in rows]
        return (ids, np.fromiter((r[1] for r in rows), float, len(rows)),
                np.fromiter((r[2] for r in rows), float, len(rows)),
                np.fromiter((NO_CELL if r[3] is None else r[3] for r in rows), np.int64, len(rows)))

    def refresh_cells(self, resolution: int | None) -> int:
        """Every point's cell at `resolution` (a zone set was activated); all cleared for None.
        Returns how many subscribers have a point."""
        rows = self._session.execute(select(SubscriberRow.id, SubscriberRow.lon, SubscriberRow.lat)
                                     .where(SubscriberRow.lat.is_not(None))).all()
        if resolution is None or not rows:
            self._session.execute(update(SubscriberRow).values(cell=None))
            return len(rows)
        cells = point_cells(np.array([r[1] for r in rows], float), np.array([r[2] for r in rows], float), resolution)
        self._session.execute(update(SubscriberRow), [{"id": r[0], "cell": int(c)} for r, c in zip(rows, cells.tolist())])
        return len(rows)

    def of_areas(self, area_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(area_ids), CHUNK):
            query = select(SubscriberAreaRow.subscriber_id).where(
                SubscriberAreaRow.area_id.in_(list(area_ids[start:start + CHUNK])))
            found.update(self._session.scalars(query))
        return found

    def by_ids(self, ids: Iterable[str]) -> list[Subscription]:
        ids = list(ids)
        found = []
        for start in range(0, len(ids), CHUNK):
            query = select(SubscriberRow).where(SubscriberRow.id.in_(ids[start:start + CHUNK]))
            found += [self._subscription(row, with_areas=False) for row in self._session.scalars(query)]
        return found

    def count(self) -> int:
        return len(self._session.scalars(select(SubscriberRow.id)).all())

    def _set_areas(self, subscriber_id: str, area_ids: Sequence[str]) -> None:
        self._session.execute(delete(SubscriberAreaRow).where(SubscriberAreaRow.subscriber_id == subscriber_id))
        if area_ids:
            self._session.execute(SubscriberAreaRow.__table__.insert(),
                                  [{"subscriber_id": subscriber_id, "area_id": a} for a in area_ids])

    def _subscription(self, row: SubscriberRow, with_areas: bool = True) -> Subscription:
        areas: tuple[str, ...] = ()
        if with_areas:
            areas = tuple(self._session.scalars(select(SubscriberAreaRow.area_id).where(
                SubscriberAreaRow.subscriber_id == row.id).order_by(SubscriberAreaRow.area_id)))
        return Subscription(
            id=row.id,
            place=None if row.lat is None else Place(row.lat, row.lon),  # type: ignore[arg-type]
            area_ids=areas,
            languages=tuple(row.languages),
            drills=row.drills,
            push=(None if row.push_endpoint is None
                  else PushSubscription(row.push_endpoint, row.push_p256dh or "", row.push_auth or "")),
            email=row.email,
            email_confirmed=row.email_confirmed,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
        )


def _cell(s: Subscription, resolution: int | None) -> int | None:
    if s.place is None or resolution is None:
        return None
    return int(point_cells(np.array([s.place.lon]), np.array([s.place.lat]), resolution)[0])


def _columns(s: Subscription) -> dict:
    return {"lat": None if s.place is None else s.place.lat, "lon": None if s.place is None else s.place.lon,
            "languages": list(s.languages), "drills": s.drills,
            "push_endpoint": None if s.push is None else s.push.endpoint,
            "push_p256dh": None if s.push is None else s.push.p256dh,
            "push_auth": None if s.push is None else s.push.auth,
            "email": s.email, "email_confirmed": s.email_confirmed, "updated_at": s.updated_at}
