"""Tables of operators' alerts and the delivery outbox (created by migration 0020).

They share `Base` with models.py, so one metadata describes the whole schema. An issued
alert's CAP XML is kept as published, byte for byte: what receivers got is what the public
URL serves and what an inquiry reads later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from safezone.adapters.db.models import Base


class AlertRow(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    threat: Mapped[str] = mapped_column(String(200))
    zone_version: Mapped[int] = mapped_column(ForeignKey("zone_sets.version"))
    area_ids: Mapped[list] = mapped_column(JSON)
    texts: Mapped[list] = mapped_column(JSON)  # [[language, {headline, description, instruction, event}], ...]
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    follows: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rejected_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rejected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    issued_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cap_identifier: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    # Read only when asked for (`cap_xml`, `issued_cap`): lists of alerts never need the message.
    cap_xml: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    # The operator wrote the texts or the note (not the templates): 0070.
    own_words: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The stage of the chain the message announces (early-warning, alert, stay-in-shelter, all-clear): 0110.
    stage: Mapped[str] = mapped_column(String(16), default="alert", server_default="alert")


class OutboxRow(Base):
    """Work for the delivery workers, written with the alert it announces."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("alert_id", "topic", name="uq_outbox_alert_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    topic: Mapped[str] = mapped_column(String(50))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
