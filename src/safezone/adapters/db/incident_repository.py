"""Incidents in storage, the shapes the assessment needs, and the assessment it writes back."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

import numpy as np
import shapely
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import AlertRow
from safezone.adapters.db.bulk import insert_many, reserve_ids
from safezone.adapters.db.geometry import decode_many, encode_many, raw_wkb
from safezone.adapters.db.import_repository import as_utc
from safezone.adapters.db.incident_models import IncidentAlertRow, IncidentRow, IncidentVerdictRow
from safezone.adapters.db.locks import hold
from safezone.adapters.db.models import AlertAreaRow
from safezone.domain.alerts import AlertKind, AlertState
from safezone.domain.cap.enums import Status
from safezone.domain.incidents import Confidence, Incident, IncidentKind
from safezone.domain.matching import AlertSpan, AreaShape, Assessment, IncidentPlace

BATCH = 5000
INCIDENT_COLUMNS = ("id", "occurred_at", "kind", "confidence", "source", "note", "place", "min_lon", "min_lat",
                    "max_lon", "max_lat", "recorded_by", "recorded_at")
VERDICT_COLUMNS = ("incident_id", "verdict", "lead_time_s", "time_to_shelter_s", "area_id", "band", "alert_id",
                   "assessed_at")
LINK_COLUMNS = ("incident_id", "alert_id", "lead_time_s")


class IncidentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._shapes: dict[int, dict[str, AreaShape]] = {}

    def lock_assessment(self) -> None:
        """Assessments take turns: each replaces verdict rows another may be writing."""
        hold(self._session, "incidents.assessment")

    def add(self, incidents: Sequence[Incident], recorded_by: str, recorded_at: datetime) -> list[int]:
        """Store new incidents; their ids, in order. The places are encoded in one call and the
        rows written in bulk (see bulk.py).

        SQLite: the unit of work holds the write lock, and a table whose largest id only grows
        gives consecutive ids to rows inserted together, so the ids are read around the insert.
        PostgreSQL: the ids are taken from the sequence first, then the rows are COPYed with them."""
        if not incidents:
            return []
        table = IncidentRow.__table__
        dialect = self._session.get_bind().dialect
        places = [i.place for i in incidents]
        encoded = encode_many(places, dialect)
        bounds = shapely.bounds(np.array(places, dtype=object)).tolist()
        if dialect.name == "postgresql":
            ids = reserve_ids(self._session, table, len(incidents))
        else:
            before = int(self._session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
            ids = list(range(before + 1, before + len(incidents) + 1))
        rows = ((i, n.occurred_at, n.kind.value, n.confidence.value, n.source, n.note, wkb, west, south, east, north,
                 recorded_by, recorded_at)
                for i, n, wkb, (west, south, east, north) in zip(ids, incidents, encoded, bounds))
        insert_many(self._session, table, INCIDENT_COLUMNS, rows)
        return ids

    def listed(self, start: datetime | None = None, end: datetime | None = None, limit: int | None = None) -> list[Incident]:
        query = select(IncidentRow).order_by(IncidentRow.occurred_at, IncidentRow.id).limit(limit)
        if start is not None:
            query = query.where(IncidentRow.occurred_at >= start)
        if end is not None:
            query = query.where(IncidentRow.occurred_at < end)
        return [_incident(row) for row in self._session.scalars(query)]

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(IncidentRow)) or 0)

    def places(self, ids: Sequence[int] | None = None) -> list[IncidentPlace]:
        """Every incident's (or these incidents') time and place, the places decoded in one batch."""
        place = raw_wkb(IncidentRow.place, self._session.get_bind().dialect)
        query = select(IncidentRow.id, IncidentRow.occurred_at, place).order_by(IncidentRow.id)
        rows = []
        for chunk in _chunks(ids):
            rows.extend(self._session.execute(query if chunk is None else query.where(IncidentRow.id.in_(chunk))))
        shapes = decode_many([p for _, _, p in rows])
        return [IncidentPlace(int(i), as_utc(t), shape) for (i, t, _), shape in zip(rows, shapes)]

    def actual_warnings(self, now: datetime, issued_by: datetime | None = None) -> list[AlertSpan]:
        """Every issued Actual warning (Alert, Update) with its areas' shapes (issued by
        `issued_by`, when given): what incidents are matched against. Drills are left out
        here, so they can never be matched."""
        conditions = [AlertRow.issued_at.is_not(None), AlertRow.status == Status.ACTUAL.value,
                      AlertRow.kind.in_([AlertKind.ALERT.value, AlertKind.UPDATE.value])]
        if issued_by is not None:
            conditions.append(AlertRow.issued_at <= issued_by)
        rows = self._session.execute(
            select(AlertRow.id, AlertRow.follows, AlertRow.state, AlertRow.issued_at, AlertRow.ended_at,
                   AlertRow.expires_at, AlertRow.zone_version, AlertRow.area_ids).where(*conditions)).all()
        shapes = {version: self.area_shapes(version) for version in {int(r.zone_version) for r in rows}}
        spans = []
        for row in rows:
            expires = as_utc(row.expires_at)
            end = as_utc(row.ended_at) if row.ended_at is not None else (expires if expires <= now else None)
            known = shapes[int(row.zone_version)]
            spans.append(AlertSpan(int(row.id), row.follows, row.state == AlertState.UPDATED.value,
                                   as_utc(row.issued_at), end, tuple(known[a] for a in row.area_ids if a in known)))
        return spans

    def area_shapes(self, version: int) -> dict[str, AreaShape]:
        """A zone set's areas as the matcher needs them (kept for this unit of work: a zone set never changes)."""
        if version not in self._shapes:
            self._shapes[version] = self._area_shapes(version)
        return self._shapes[version]

    def _area_shapes(self, version: int) -> dict[str, AreaShape]:
        geometry = raw_wkb(AlertAreaRow.geometry, self._session.get_bind().dialect)
        rows = self._session.execute(select(AlertAreaRow.area_id, geometry, AlertAreaRow.time_to_shelter_s,
                                            AlertAreaRow.band).where(AlertAreaRow.version == version)).all()
        shapes = decode_many([g for _, g, _, _ in rows])
        return {a: AreaShape(a, g, int(t), int(b)) for (a, _, t, b), g in zip(rows, shapes)}

    def replace_assessment(self, assessments: Sequence[Assessment], assessed_at: datetime, *, whole: bool) -> None:
        """The latest assessment replaces the previous one: whole, or for these incidents only."""
        if whole:
            self._session.execute(delete(IncidentAlertRow))
            self._session.execute(delete(IncidentVerdictRow))
        else:
            ids = [a.incident_id for a in assessments]
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                self._session.execute(delete(IncidentAlertRow).where(IncidentAlertRow.incident_id.in_(chunk)))
                self._session.execute(delete(IncidentVerdictRow).where(IncidentVerdictRow.incident_id.in_(chunk)))
        verdicts = ((a.incident_id, a.verdict.value, a.lead_time_s, a.time_to_shelter_s, a.area_id, a.band,
                     a.alert_id, assessed_at) for a in assessments)
        insert_many(self._session, IncidentVerdictRow.__table__, VERDICT_COLUMNS, verdicts)
        links = ((a.incident_id, alert_id, lead) for a in assessments for alert_id, lead in a.matches)
        insert_many(self._session, IncidentAlertRow.__table__, LINK_COLUMNS, links)

    def by_ids(self, ids: Sequence[int]) -> list[Incident]:
        return [_incident(row) for chunk in _chunks(ids) for row in self._session.scalars(
            select(IncidentRow).where(IncidentRow.id.in_(chunk)).order_by(IncidentRow.id))]

    def verdicts(self, ids: Sequence[int] | None = None) -> dict[int, dict]:
        """The stored assessment per incident id, with every alert in force there."""
        links: dict[int, list[dict]] = {}
        found: dict[int, dict] = {}
        for chunk in _chunks(ids):
            verdict_query, link_query = select(IncidentVerdictRow), select(IncidentAlertRow).order_by(IncidentAlertRow.alert_id)
            if chunk is not None:
                verdict_query = verdict_query.where(IncidentVerdictRow.incident_id.in_(chunk))
                link_query = link_query.where(IncidentAlertRow.incident_id.in_(chunk))
            for link in self._session.scalars(link_query):
                links.setdefault(int(link.incident_id), []).append({"alert_id": link.alert_id,
                                                                    "lead_time_s": link.lead_time_s})
            for r in self._session.scalars(verdict_query):
                found[int(r.incident_id)] = {"verdict": r.verdict, "lead_time_s": r.lead_time_s,
                                             "time_to_shelter_s": r.time_to_shelter_s, "area_id": r.area_id,
                                             "band": r.band, "alert_id": r.alert_id}
        return {i: {**v, "alerts": links.get(i, [])} for i, v in found.items()}

    def alert_incidents(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for incident_id, alert_id in self._session.execute(select(IncidentAlertRow.incident_id, IncidentAlertRow.alert_id)
                                                           .order_by(IncidentAlertRow.incident_id)):
            found.setdefault(int(alert_id), []).append(int(incident_id))
        return found


def _chunks(ids: Sequence[int] | None) -> list[list[int] | None]:
    """Ids in lists small enough for one IN (PostgreSQL takes at most 65,535 parameters); None: all."""
    if ids is None:
        return [None]
    listed = list(ids)
    return [listed[start:start + BATCH] for start in range(0, len(listed), BATCH)]


def _incident(row: IncidentRow) -> Incident:
    return Incident(occurred_at=as_utc(row.occurred_at), place=row.place, kind=IncidentKind(row.kind),
                    confidence=Confidence(row.confidence), source=row.source, note=row.note, id=row.id,
                    recorded_by=row.recorded_by, recorded_at=as_utc(row.recorded_at))
