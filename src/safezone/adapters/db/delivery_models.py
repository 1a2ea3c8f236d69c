"""Tables of subscribers, integrators and deliveries (created by migration 0090).

They share `Base` with models.py. A subscriber's point (lat, lon) is personal data: only the
targeting query reads it, and nothing maps it back into an answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from safezone.adapters.db.delivery_totals import UNFINISHED_WHERE
from safezone.adapters.db.models import Base


class SubscriberRow(Base):
    __tablename__ = "subscribers"
    __table_args__ = (Index("ix_subscribers_lat_lon", "lat", "lon"), Index("ix_subscribers_cell", "cell"))

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    # The H3 cell of the point at the active zone set's resolution (migration 0120): a cache
    # for targeting, refreshed when a zone set is activated; a stale or missing one only means
    # the point gets the exact geometric test.
    cell: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    languages: Mapped[list] = mapped_column(JSON)
    drills: Mapped[bool] = mapped_column(Boolean)
    push_endpoint: Mapped[str | None] = mapped_column(Text, nullable=True)
    push_p256dh: Mapped[str | None] = mapped_column(String(200), nullable=True)
    push_auth: Mapped[str | None] = mapped_column(String(100), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_confirmed: Mapped[bool] = mapped_column(Boolean)
    email_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    email_token: Mapped[str | None] = mapped_column(String(100), nullable=True)
    email_confirmation_sent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SubscriberAreaRow(Base):
    __tablename__ = "subscriber_areas"
    __table_args__ = (Index("ix_subscriber_areas_area", "area_id"),)

    subscriber_id: Mapped[str] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class IntegratorRow(Base):
    __tablename__ = "integrators"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    secret: Mapped[str | None] = mapped_column(String(100), nullable=True)
    topic_prefix: Mapped[str | None] = mapped_column(String(200), nullable=True)
    area_ids: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeliveryRow(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "state", "priority", "not_before", "id"),  # a lease's order (migration 0145)
        Index("ix_deliveries_alert", "alert_id", "state"),
        Index("ix_deliveries_chain", "chain", "receiver"),
        Index("ix_deliveries_receiver", "receiver", "channel", "id"),
        # Only the rows queued or dead, for `/metrics` (migration 0150; `monitoring._UNFINISHED`).
        Index("ix_deliveries_unfinished", "state", "channel", sqlite_where=text(UNFINISHED_WHERE),
              postgresql_where=text(UNFINISHED_WHERE)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    chain: Mapped[str] = mapped_column(String(200))
    receiver: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
