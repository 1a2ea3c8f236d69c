"""Incidents in storage, the shapes the assessment needs, and the assessment it writes back."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import AlertRow
from safezone.adapters.db.import_repository import as_utc
from safezone.adapters.db.incident_models import IncidentAlertRow, IncidentRow, IncidentVerdictRow
from safezone.adapters.db.locks import hold
from safezone.adapters.db.models import AlertAreaRow
from safezone.domain.alerts import AlertKind, AlertState
from safezone.domain.cap.enums import Status
from safezone.domain.incidents import Confidence, Incident, IncidentKind
from safezone.domain.matching import AlertSpan, AreaShape, Assessment, IncidentPlace

BATCH = 5000


class IncidentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._shapes: dict[int, dict[str, AreaShape]] = {}

    def lock_assessment(self) -> None:
        """Assessments take turns: each replaces verdict rows another may be writing."""
        hold(self._session, "incidents.assessment")

    def add(self, incidents: Sequence[Incident], recorded_by: str, recorded_at: datetime) -> list[int]:
        """Store new incidents, a batch per statement; their ids, in order.

        SQLite: the unit of work holds the write lock, and a table whose largest id only grows
        gives consecutive ids to rows inserted together, so the ids are read around one
        executemany (its RETURNING would run row by row). PostgreSQL: RETURNING, in order."""
        table = IncidentRow.__table__
        connection = self._session.connection()
        ids: list[int] = []
        for start in range(0, len(incidents), BATCH):
            values = [_values(i, recorded_by, recorded_at) for i in incidents[start:start + BATCH]]
            if connection.dialect.name == "sqlite":
                before = int(connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
                connection.execute(insert(table), values)
                ids.extend(range(before + 1, before + len(values) + 1))
            else:
                statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
                ids.extend(int(i) for i in connection.execute(statement, values).scalars())
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
        query = select(IncidentRow.id, IncidentRow.occurred_at, IncidentRow.place).order_by(IncidentRow.id)
        rows = []
        for chunk in _chunks(ids):
            rows.extend(self._session.execute(query if chunk is None else query.where(IncidentRow.id.in_(chunk))))
        return [IncidentPlace(int(i), as_utc(t), p) for i, t, p in rows]

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
        rows = self._session.execute(select(AlertAreaRow.area_id, AlertAreaRow.geometry, AlertAreaRow.time_to_shelter_s,
                                            AlertAreaRow.band).where(AlertAreaRow.version == version))
        return {a: AreaShape(a, g, int(t), int(b)) for a, g, t, b in rows}

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
        verdicts, links = [], []
        for a in assessments:
            verdicts.append({"incident_id": a.incident_id, "verdict": a.verdict.value, "lead_time_s": a.lead_time_s,
                             "time_to_shelter_s": a.time_to_shelter_s, "area_id": a.area_id, "band": a.band,
                             "alert_id": a.alert_id, "assessed_at": assessed_at})
            links.extend({"incident_id": a.incident_id, "alert_id": alert_id, "lead_time_s": lead}
                         for alert_id, lead in a.matches)
        connection = self._session.connection()
        for table, values in ((IncidentVerdictRow.__table__, verdicts), (IncidentAlertRow.__table__, links)):
            for start in range(0, len(values), BATCH):
                connection.execute(insert(table), values[start:start + BATCH])

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


def _values(incident: Incident, recorded_by: str, recorded_at: datetime) -> dict:
    west, south, east, north = incident.place.bounds
    return {"occurred_at": incident.occurred_at, "kind": incident.kind.value, "confidence": incident.confidence.value,
            "source": incident.source, "note": incident.note, "place": incident.place, "min_lon": west,
            "min_lat": south, "max_lon": east, "max_lat": north, "recorded_by": recorded_by, "recorded_at": recorded_at}


def _incident(row: IncidentRow) -> Incident:
    return Incident(occurred_at=as_utc(row.occurred_at), place=row.place, kind=IncidentKind(row.kind),
                    confidence=Confidence(row.confidence), source=row.source, note=row.note, id=row.id,
                    recorded_by=row.recorded_by, recorded_at=as_utc(row.recorded_at))
