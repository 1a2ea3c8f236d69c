"""Alerts in storage: the workflow record, and the CAP XML it was issued as."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Iterable

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import AlertRow
from safezone.adapters.db.import_repository import as_utc
from safezone.domain.alerts import AlertKind, AlertRecord, AlertState
from safezone.domain.cap.compose import InfoText
from safezone.domain.cap.enums import Status

# Columns written as they are; the rest need converting (enums, times, texts).
_PLAIN = ("threat", "zone_version", "created_by", "follows", "note", "submitted_by", "approved_by",
          "rejected_by", "rejection_reason", "issued_by", "cap_identifier")
_TIMES = ("created_at", "submitted_at", "approved_at", "rejected_at", "issued_at", "ended_at")


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, alert: AlertRecord) -> AlertRecord:
        """Store a new alert; returns it with its id."""
        new_id = self._session.execute(insert(AlertRow).values(**_values(alert)).returning(AlertRow.id)).scalar_one()
        return replace(alert, id=int(new_id))

    def save(self, alert: AlertRecord, cap_xml: bytes | None = None) -> None:
        """Write back a changed alert (and, when issuing, the CAP XML it went out as)."""
        assert alert.id is not None, "save() needs a stored alert"
        values = _values(alert)
        if cap_xml is not None:
            values["cap_xml"] = cap_xml.decode("utf-8")
        self._session.execute(update(AlertRow).where(AlertRow.id == alert.id).values(**values))

    def get(self, alert_id: int, *, for_update: bool = False) -> AlertRecord | None:
        """One alert; `for_update` locks its row (PostgreSQL) so two approvals cannot race."""
        query = select(AlertRow).where(AlertRow.id == alert_id)
        if for_update:
            query = query.with_for_update()
        row = self._session.scalar(query)
        return None if row is None else _record(row)

    def cap_xml(self, alert_id: int) -> bytes | None:
        text = self._session.scalar(select(AlertRow.cap_xml).where(AlertRow.id == alert_id))
        return None if text is None else text.encode("utf-8")

    def issued_cap(self, alert_ids: Iterable[int]) -> dict[int, bytes]:
        ids = list(alert_ids)
        if not ids:
            return {}
        rows = self._session.execute(select(AlertRow.id, AlertRow.cap_xml).where(AlertRow.id.in_(ids)))
        return {int(i): text.encode("utf-8") for i, text in rows if text is not None}

    def listed(self, states: Iterable[AlertState] = (), limit: int = 100, offset: int = 0) -> list[AlertRecord]:
        """Newest first, optionally only in some states."""
        query = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit).offset(offset)
        wanted = [s.value for s in states]
        if wanted:
            query = query.where(AlertRow.state.in_(wanted))
        return [_record(row) for row in self._session.scalars(query)]

    def issued_before_expiry(self, now: datetime, statuses: Iterable[Status] = ()) -> list[AlertRecord]:
        """Issued warnings not yet past their expiry (newest first): the candidates in force."""
        query = (
            select(AlertRow)
            .where(AlertRow.state == AlertState.ISSUED.value, AlertRow.expires_at > now,
                   AlertRow.kind.in_([AlertKind.ALERT.value, AlertKind.UPDATE.value]))
            .order_by(AlertRow.issued_at.desc(), AlertRow.id.desc())
        )
        wanted = [s.value for s in statuses]
        if wanted:
            query = query.where(AlertRow.status.in_(wanted))
        return [_record(row) for row in self._session.scalars(query)]

    def past_expiry(self, now: datetime, states: Iterable[AlertState]) -> list[AlertRecord]:
        """Alerts in `states` whose expiry has passed: what the expiry sweep records."""
        query = (
            select(AlertRow)
            .where(AlertRow.state.in_([s.value for s in states]), AlertRow.expires_at <= now)
            .order_by(AlertRow.id)
            .with_for_update()
        )
        return [_record(row) for row in self._session.scalars(query)]


def _values(alert: AlertRecord) -> dict:
    values = {name: getattr(alert, name) for name in _PLAIN + _TIMES}
    values.update(
        kind=alert.kind.value,
        status=alert.status.value,
        state=alert.state.value,
        area_ids=list(alert.area_ids),
        texts=[[lang, _text_values(text)] for lang, text in alert.texts],
        expires_at=alert.expires,
    )
    return values


def _text_values(text: InfoText) -> dict:
    return {"headline": text.headline, "description": text.description,
            "instruction": text.instruction, "event": text.event,
            "time_to_shelter_s": text.time_to_shelter_s, "area_names": [list(pair) for pair in text.area_names]}


def _text(values: dict) -> InfoText:
    """A stored text; those stored before texts had a time to shelter and area names lack them."""
    names = tuple((str(area_id), str(name)) for area_id, name in values.get("area_names") or ())
    return InfoText(**{**values, "area_names": names})


def _record(row: AlertRow) -> AlertRecord:
    times = {name: None if getattr(row, name) is None else as_utc(getattr(row, name)) for name in _TIMES}
    return AlertRecord(
        id=row.id,
        kind=AlertKind(row.kind),
        status=Status(row.status),
        state=AlertState(row.state),
        area_ids=tuple(row.area_ids),
        texts=tuple((lang, _text(text)) for lang, text in row.texts),
        expires=as_utc(row.expires_at),
        **{name: getattr(row, name) for name in _PLAIN},
        **times,
    )
