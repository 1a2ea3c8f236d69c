"""Alerts in storage: the workflow record, and the CAP XML it was issued as."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Iterable, Mapping, Sequence

from sqlalchemy import ColumnElement, and_, bindparam, case, cast, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from safezone.adapters.db.alert_models import AlertRow
from safezone.adapters.db.area_repository import CHUNK  # ids per `IN (...)`
from safezone.adapters.db.import_repository import as_utc
from safezone.domain.alerts import AlertChanged, AlertKind, AlertRecord, AlertState
from safezone.domain.cap.compose import InfoText
from safezone.domain.cap.enums import Status
from safezone.domain.stages import AlertStage

# Columns written as they are; the rest need converting (enums, times, texts).
_PLAIN = ("threat", "zone_version", "created_by", "follows", "note", "submitted_by", "approved_by",
          "rejected_by", "rejection_reason", "issued_by", "cap_identifier", "own_words")
_TIMES = ("created_at", "submitted_at", "approved_at", "rejected_at", "issued_at", "ended_at")

# Core statements on the table, built once: the values come as parameters when they run, so an
# operator's step builds no statement (the ORM's bulk path made ~30 bound parameters and a
# cache key per write). Their WHERE parameters are named apart from the columns they set.
_ALERTS = AlertRow.__table__
_ADD = insert(_ALERTS).returning(_ALERTS.c.id)
_SAVE = update(_ALERTS).where(_ALERTS.c.id == bindparam("saved_id"), _ALERTS.c.state == bindparam("saved_was"))
# One alert as a record (not its CAP XML), as each step reads it: no ORM object is loaded.
_GET = select(*(column for column in _ALERTS.c if column.name != "cap_xml")).where(_ALERTS.c.id == bindparam("alert_id"))
_GET_LOCKED = _GET.with_for_update()


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, alert: AlertRecord) -> AlertRecord:
        """Store a new alert; returns it with its id."""
        new_id = self._session.execute(_ADD, _values(alert)).scalar_one()
        return replace(alert, id=int(new_id))

    def save(self, alert: AlertRecord, cap_xml: bytes | None = None, *, was: AlertState) -> None:
        """Write back a changed alert (and, when issuing, the CAP XML it went out as), only if
        it is still in the state `was` it was read in: compare-and-set, so a change another
        transaction made in between is refused (`AlertChanged`), never overwritten. The unit
        of work's lock already prevents that; this makes a missing lock fail loudly."""
        assert alert.id is not None, "save() needs a stored alert"
        values = _values(alert)
        if cap_xml is not None:
            values["cap_xml"] = cap_xml.decode("utf-8")
        values.update(saved_id=alert.id, saved_was=was.value)
        if self._session.execute(_SAVE, values).rowcount != 1:
            raise AlertChanged(alert.id, was)

    def get(self, alert_id: int, *, for_update: bool = False) -> AlertRecord | None:
        """One alert; `for_update` locks its row (PostgreSQL) so two approvals cannot race."""
        row = self._session.execute(_GET_LOCKED if for_update else _GET, {"alert_id": alert_id}).first()
        return None if row is None else _record(row)

    def followed(self, alert_id: int) -> bool:
        """Whether an issued message (Update, Cancel, all-clear) follows this one."""
        query = select(AlertRow.id).where(AlertRow.follows == alert_id, AlertRow.issued_at.is_not(None)).limit(1)
        return self._session.scalar(query) is not None

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
        query = select(AlertRow).where(*_in_force(now, statuses)).order_by(*_NEWEST_FIRST)
        return [_record(row) for row in self._session.scalars(query)]

    def versions_in_force(self, now: datetime, statuses: Iterable[Status] = ()) -> list[int]:
        """The zone-set versions the alerts in force are drawn on (usually one or two)."""
        query = select(AlertRow.zone_version).where(*_in_force(now, statuses)).distinct()
        return sorted(int(v) for v in self._session.scalars(query))

    def in_force_naming(self, areas: Sequence[tuple[int, str]], now: datetime,
                        statuses: Iterable[Status] = ()) -> list[AlertRecord]:
        """Alerts in force naming any of these (zone-set version, area id) pairs, newest first.

        The membership test runs in the database (JSON functions of each), so only the alerts
        found are loaded, however many are in force elsewhere.
        """
        if not areas:
            return []
        dialect = self._session.get_bind().dialect.name
        naming = or_(*(and_(AlertRow.zone_version == version, _names(dialect, area_id)) for version, area_id in areas))
        query = select(AlertRow).where(*_in_force(now, statuses), naming).order_by(*_NEWEST_FIRST)
        return [_record(row) for row in self._session.scalars(query)]

    def feed_candidates(self, now: datetime, since: datetime, statuses: Iterable[Status],
                        known: Mapping[int, AlertRecord] | None = None) -> list[AlertRecord]:
        """Issued messages in force now, or sent or ended since `since`: what a feed that keeps
        ended alerts for a while may show (the caller has the final word on each), newest first.

        `known`: records read before. An issued message's record changes only in its state and
        end (`domain.alerts.end`, `expire`), so one of those whose state, end and expiry are
        unchanged is reused as it is, and only new or changed rows are read whole: the public
        snapshot, rebuilt after every change, decodes the texts of what changed, not of every
        alert in force again."""
        warning = AlertRow.kind.in_(_WARNINGS)
        changed = or_(
            and_(*_in_force(now, ())),
            AlertRow.issued_at >= since,
            and_(warning, AlertRow.ended_at >= since),
            and_(warning, AlertRow.state == AlertState.ISSUED.value, AlertRow.expires_at >= since,
                 AlertRow.expires_at <= now),
        )
        where = (AlertRow.issued_at.is_not(None), AlertRow.status.in_([s.value for s in statuses]), changed)
        if known is None:
            return [_record(row) for row in self._session.scalars(select(AlertRow).where(*where).order_by(*_NEWEST_FIRST))]
        stamps = self._session.execute(
            select(AlertRow.id, AlertRow.state, AlertRow.ended_at, AlertRow.expires_at).where(*where)
            .order_by(*_NEWEST_FIRST)).all()
        reused = {i: known[i] for i, state, ended, expires in stamps if _unchanged(known.get(i), state, ended, expires)}
        read = self._by_ids([i for i, *_ in stamps if i not in reused])
        return [reused.get(i) or read[i] for i, *_ in stamps if i in reused or i in read]

    def _by_ids(self, alert_ids: Sequence[int]) -> dict[int, AlertRecord]:
        found: dict[int, AlertRecord] = {}
        for start in range(0, len(alert_ids), CHUNK):
            query = select(AlertRow).where(AlertRow.id.in_(alert_ids[start:start + CHUNK]))
            found.update((row.id, _record(row)) for row in self._session.scalars(query))
        return found

    def newest_changes(self, now: datetime, statuses: Iterable[Status]) -> dict[Status, datetime | None]:
        """Per status, the latest moment any issued message of it was sent or, being a warning,
        ended (superseded, cancelled, cleared or expired) up to `now`; None if there is none.
        One statement for all the statuses."""
        warning = AlertRow.kind.in_(_WARNINGS)
        ended = case((warning, AlertRow.ended_at), else_=None)
        # Expired but not yet recorded so by the sweep (which sets ended_at).
        expired = case((and_(warning, AlertRow.state == AlertState.ISSUED.value, AlertRow.expires_at <= now),
                        AlertRow.expires_at), else_=None)
        wanted = list(statuses)
        rows = self._session.execute(
            select(AlertRow.status, func.max(AlertRow.issued_at), func.max(ended), func.max(expired))
            .where(AlertRow.issued_at.is_not(None), AlertRow.status.in_([s.value for s in wanted]))
            .group_by(AlertRow.status))
        found = {Status(status): max((as_utc(_moment(m)) for m in moments if m is not None), default=None)
                 for status, *moments in rows}
        return {status: found.get(status) for status in wanted}

    def warnings_between(self, statuses: Iterable[Status], start: datetime, end: datetime,
                         area_id: str | None = None, limit: int | None = None) -> list[AlertRecord]:
        """Issued warnings (Alert, Update) of these statuses in force at some moment of
        [start, end), oldest first; only those naming `area_id` when given. The archive's rows."""
        conditions = [AlertRow.issued_at.is_not(None), AlertRow.kind.in_(_WARNINGS),
                      AlertRow.status.in_([s.value for s in statuses]), AlertRow.issued_at < end,
                      func.coalesce(AlertRow.ended_at, AlertRow.expires_at) > start]
        if area_id is not None:
            conditions.append(_names(self._session.get_bind().dialect.name, area_id))
        query = select(AlertRow).where(*conditions).order_by(AlertRow.issued_at, AlertRow.id).limit(limit)
        return [_record(row) for row in self._session.scalars(query)]

    def by_ids(self, alert_ids: Iterable[int]) -> list[AlertRecord]:
        ids = sorted(set(alert_ids))
        return [_record(row) for row in self._session.scalars(select(AlertRow).where(AlertRow.id.in_(ids)))] if ids else []

    def past_expiry(self, now: datetime, states: Iterable[AlertState]) -> list[AlertRecord]:
        """Alerts in `states` whose expiry has passed: what the expiry sweep records."""
        query = (
            select(AlertRow)
            .where(AlertRow.state.in_([s.value for s in states]), AlertRow.expires_at <= now)
            .order_by(AlertRow.id)
            .with_for_update()
        )
        return [_record(row) for row in self._session.scalars(query)]


_NEWEST_FIRST = (AlertRow.issued_at.desc(), AlertRow.id.desc())
_WARNINGS = [AlertKind.ALERT.value, AlertKind.UPDATE.value]  # the kinds that are in force, then end


def _in_force(now: datetime, statuses: Iterable[Status]) -> list[ColumnElement[bool]]:
    """Issued warnings (not cancels or all-clears) before their expiry, of these statuses: the
    SQL side of `domain.alerts.in_force` (a superseded or ended alert is no longer `issued`)."""
    conditions = [AlertRow.state == AlertState.ISSUED.value, AlertRow.expires_at > now,
                  AlertRow.kind.in_(_WARNINGS)]
    wanted = [s.value for s in statuses]
    if wanted:
        conditions.append(AlertRow.status.in_(wanted))
    return conditions


def _moment(value: datetime | str) -> datetime:
    """An aggregate of a time column: SQLite hands it back as text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _names(dialect: str, area_id: str) -> ColumnElement[bool]:
    """The alert's JSON list of area ids holds `area_id`."""
    if dialect == "postgresql":
        return cast(AlertRow.area_ids, JSONB).contains([area_id])
    ids = func.json_each(AlertRow.area_ids).table_valued("value")
    return exists(select(ids.c.value).where(ids.c.value == area_id))


def _values(alert: AlertRecord) -> dict:
    values = {name: getattr(alert, name) for name in _PLAIN + _TIMES}
    values.update(
        kind=alert.kind.value,
        status=alert.status.value,
        state=alert.state.value,
        stage=alert.stage.value,
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


def _unchanged(record: AlertRecord | None, state: str, ended_at: datetime | None, expires_at: datetime) -> bool:
    """Whether a record read before still stands for a row whose state, end and expiry are these."""
    return (record is not None and record.state.value == state and record.expires == as_utc(expires_at)
            and record.ended_at == (None if ended_at is None else as_utc(ended_at)))


def _record(row: AlertRow | Row) -> AlertRecord:
    times = {name: None if getattr(row, name) is None else as_utc(getattr(row, name)) for name in _TIMES}
    return AlertRecord(
        id=row.id,
        kind=AlertKind(row.kind),
        status=Status(row.status),
        state=AlertState(row.state),
        stage=AlertStage(row.stage),
        area_ids=tuple(row.area_ids),
        texts=tuple((lang, _text(text)) for lang, text in row.texts),
        expires=as_utc(row.expires_at),
        **{name: getattr(row, name) for name in _PLAIN},
        **times,
    )
