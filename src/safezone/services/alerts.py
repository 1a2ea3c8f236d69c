"""The operators' alert workflow: compose, preview, submit, approve or reject, issue, and the
Update, Cancel and all-clear that follow an alert in force; and the stages of a chain (an early
warning escalated or stood down, stay-in-shelter reminders; `safezone.domain.stages`).

Each use case is one transaction that also writes its audit entries, so the log and the
alerts never disagree. Issuing writes the alert's new state, its CAP XML and an outbox entry
for the delivery workers together: either all three exist or none does. A refused permission
is rolled back, recorded and committed on its own, then raised.
"""

from __future__ import annotations

import logging
import math
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable, Iterator, Mapping, Sequence

import shapely
from shapely.geometry.base import BaseGeometry

from safezone.adapters.config.templates import Templates, Threat
from safezone.adapters.cap_xml import parse_own
from safezone.adapters.cap_xml.publish import Publishable, fit_ending, fit_warning
from safezone.adapters.db import Database, UnitOfWork
from safezone.domain import alerts as rules
from safezone.domain.accounts import PermissionDenied, User
from safezone.domain.alerts import AlertKind, AlertRecord, AlertState, UnknownAlert, WorkflowError
from safezone.domain.cap import (
    InfoText,
    NamedValue,
    Status,
    WarningSpec,
    compose_alert,
    compose_all_clear,
    compose_cancel,
    compose_update,
    with_fewer_points,
)
from safezone.domain.cap.times import utc_now
from safezone.domain.errors import InputError
from safezone.domain.stages import CAP_OF_STAGE, STAGE_PARAMETER, STAND_DOWN, AlertStage, StagePlan, StageRefused
from safezone.domain.text import check_free_text
from safezone.domain.threats import ThreatClass
from safezone.domain.zones import AlertArea, by_time_to_shelter
from safezone.services import targeting
from safezone.services.audit import record, record_refusal

log = logging.getLogger("safezone.alerts")
OUTBOX_TOPIC = "alert.issued"
DEFAULT_LIFETIME_MINUTES = 60
MAX_DRAWN_VERTICES = 10_000
MAX_TEXT_CHARS = 2000
SUBSCRIBERS_NOTE = "receivers counted now, per channel; who subscribes before issue is reached too"
SETTLEMENTS_LISTED = 10
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # where `safezone serve` listens by default
ENDING_ACTIONS = {AlertKind.UPDATE: "alert.superseded", AlertKind.CANCEL: "alert.cancelled",
                  AlertKind.ALL_CLEAR: "alert.cleared", AlertKind.STAND_DOWN: "alert.stood_down"}
STAND_DOWN_NOTE = "stood down: no alert followed the early warning"
# The stages a chain can start with; the others follow one in force.
FIRST_STAGES = (AlertStage.EARLY_WARNING, AlertStage.ALERT)


@dataclass(frozen=True)
class AlertSettings:
    """What every message carries about who sends it."""

    sender: str = "safezone.local"
    sender_name: str | None = "safezone civil protection"
    public_url: str | None = None  # where `<web>` points: <public_url>/api/alerts/<id>
    contact: str | None = None  # `<contact>`; by default the sender's name and address

    @property
    def contact_text(self) -> str:
        """Who to ask about a message: the configured contact, else who sends it and where."""
        return self.contact or ", ".join(filter(None, (self.sender_name, self.public_url or self.sender)))

    def web(self, alert_id: int | None) -> str:
        """The alert's own page (`/alerts/<id>`, for people to read), an absolute URL as CAP
        requires; without a public URL, the default address."""
        return f"{(self.public_url or DEFAULT_PUBLIC_URL).rstrip('/')}/alerts/{alert_id}"


@dataclass(frozen=True)
class Composition:
    """What an operator asks for. Status has no default: Actual or Exercise is always chosen."""

    status: Status
    threat: str
    languages: tuple[str, ...]
    area_ids: tuple[str, ...] = ()
    drawn: BaseGeometry | None = None  # a polygon: the areas whose inside it overlaps
    lifetime_minutes: int | None = None
    texts: Mapping[str, InfoText] = field(default_factory=dict)  # the operator's own wording
    note: str | None = None
    stage: AlertStage = AlertStage.ALERT  # or an early warning, minutes before


@dataclass(frozen=True)
class AreaSummary:
    id: str
    name: str
    side: str
    band: int
    time_to_shelter_s: int
    population: int
    settlement_count: int
    settlements: tuple[str, ...]  # the largest few, by name


@dataclass(frozen=True)
class Preview:
    """Who an alert reaches, before anyone sends it."""

    alert: AlertRecord
    areas: tuple[AreaSummary, ...]
    population: int
    settlements: int
    time_to_shelter_s: int
    subscribers: int | None = None  # distinct receivers (subscribers and integrators)
    subscribers_note: str = SUBSCRIBERS_NOTE
    receivers: Mapping[str, int] = field(default_factory=dict)  # per channel


AlertListener = Callable[[str, AlertRecord], None]


class AlertService:
    def __init__(self, database: Database, templates: Templates, threats: Sequence[ThreatClass],
                 settings: AlertSettings = AlertSettings(), clock: Callable[[], datetime] = utc_now,
                 stages: Mapping[str, StagePlan] | None = None) -> None:
        self.database = database
        self.templates = templates
        self.threats = {t.name: t for t in threats}
        self.stages = dict(stages or {})  # per threat class; a class not named uses every stage
        self.settings = settings
        self.clock = clock
        self._listeners: list[AlertListener] = []

    def on_change(self, listener: AlertListener) -> Callable[[], None]:
        """Call `listener(action, alert)` after each committed change ("alert.submitted",
        "alert.issued"…), so open pages hear of it at once; a listener's failure is logged,
        never undoes or fails the change. Returns the function that stops the calls."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, action: str, alert: AlertRecord) -> None:
        for listener in self._listeners:
            try:
                listener(action, alert)
            except Exception:  # the change is committed: a page that misses it resyncs
                log.exception("alert listener failed on %s of alert %s", action, alert.id)

    # -- composing -------------------------------------------------------------------------

    def compose(self, user: User, wanted: Composition) -> Preview:
        """A draft from a threat class, areas and languages, with its preview."""
        now = self.clock()
        with self._audited(user, "alert.composed", f"alert (new {wanted.status.value})") as uow:
            version = uow.zones.active_version()
            if version is None:
                raise InputError("there is no active zone set: build and activate zones first", field="areas")
            threat = self._threat(wanted.threat)
            plan = self._plan(threat.name, wanted.stage)
            if wanted.stage not in FIRST_STAGES:
                raise InputError(f"a chain starts with an early warning or an alert, not {wanted.stage.value}; "
                                 "remind or clear an alert in force instead", field="stage")
            areas = self._areas(uow, version, wanted.area_ids, wanted.drawn)
            languages = self.templates.check_languages(wanted.languages)
            texts = self._texts(AlertKind.ALERT, wanted.status, threat, languages, areas, wanted.texts, wanted.stage)
            lifetime = _lifetime(wanted.lifetime_minutes, _minutes(plan.lifetime(wanted.stage)))
            draft = rules.new_alert(kind=AlertKind.ALERT, status=wanted.status, threat=threat.name,
                                    zone_version=version, area_ids=tuple(a.id for a in areas), texts=texts,
                                    expires=now + lifetime, author=user, now=now, note=_note(wanted.note),
                                    own_words=_own_words(wanted.texts, wanted.note), stage=wanted.stage)
            draft = uow.alerts.add(draft)
            self._publishable(uow, draft, None, now)  # refused now if it could never be published
            record(uow, user, "alert.composed", _subject(draft), _details(draft), at=now)
            reach = targeting.receivers(uow, draft)
            uow.commit()
            return _preview(draft, areas, reach)

    def preview(self, user: User, alert_id: int) -> Preview:
        with self.database.unit_of_work(read_only=True) as uow:
            alert = self._get(uow, alert_id)
            return _preview(alert, uow.areas.by_ids(alert.zone_version, alert.area_ids), targeting.receivers(uow, alert))

    def get(self, alert_id: int) -> AlertRecord:
        with self.database.unit_of_work(read_only=True) as uow:
            return self._get(uow, alert_id)

    def listed(self, states: Sequence[AlertState] = (), limit: int = 100, offset: int = 0) -> list[AlertRecord]:
        with self.database.unit_of_work(read_only=True) as uow:
            return uow.alerts.listed(states, limit=limit, offset=offset)

    # -- the two-person workflow -----------------------------------------------------------

    def submit(self, user: User, alert_id: int) -> AlertRecord:
        return self._step(user, alert_id, "alert.submitted", lambda a, now: rules.submit(a, user, now),
                          publishable=True)

    def approve(self, user: User, alert_id: int) -> AlertRecord:
        return self._step(user, alert_id, "alert.approved", lambda a, now: rules.approve(a, user, now),
                          publishable=True)

    def reject(self, user: User, alert_id: int, reason: str) -> AlertRecord:
        return self._step(user, alert_id, "alert.rejected", lambda a, now: rules.reject(a, user, reason, now),
                          extra={"reason": reason[:rules.MAX_REASON_CHARS]})

    def issue(self, user: User, alert_id: int) -> AlertRecord:
        """Issue an approved (or, for a drill, submitted) alert: state, CAP XML and outbox at once."""
        now = self.clock()
        with self._audited(user, "alert.issued", f"alert {alert_id}") as uow:
            issued = self._issue(uow, user, self._get(uow, alert_id, lock=True), now)
            uow.commit()
        self._notify("alert.issued", issued)
        return issued

    # -- follow-ups: one step from an alert in force ---------------------------------------

    def follow_up(self, user: User, alert_id: int, kind: AlertKind, *, area_ids: Sequence[str] = (),
                  drawn: BaseGeometry | None = None, lifetime_minutes: int | None = None,
                  texts: Mapping[str, InfoText] | None = None, note: str | None = None,
                  stage: AlertStage | None = None) -> AlertRecord:
        """An Update, Cancel, stand-down or all-clear prefilled from the alert in force,
        submitted at once and issued at once unless it needs a second person (an Actual update
        or escalation, or an Actual message in the operator's own words). `stage` moves an
        update's chain on: an early warning to the alert, an alert to stay-in-shelter."""
        now = self.clock()
        with self._audited(user, f"alert.{kind.value}", f"alert {alert_id}") as uow:
            previous = self._get(uow, alert_id, lock=True)
            rules.check_follow_up(previous, kind, now, stage)
            threat = self._threat(previous.threat)
            new_stage = rules.follow_up_stage(previous, kind, stage)
            # Only a step to a new stage needs the class to use it: a cancel always works, even
            # after the operator's files changed under an alert in force.
            plan = (self._plan(threat.name, new_stage, refuse=WorkflowError) if new_stage is not previous.stage
                    else self.stages.get(threat.name) or StagePlan())
            areas = (self._areas(uow, previous.zone_version, tuple(area_ids), drawn)
                     if kind is AlertKind.UPDATE and (area_ids or drawn is not None)
                     else uow.areas.by_ids(previous.zone_version, previous.area_ids))
            # A new stage reads as that stage's own message, not as "Update: …" of the last one.
            wording = AlertKind.ALERT if kind is AlertKind.UPDATE and new_stage is not previous.stage else kind
            rendered = self._texts(wording, previous.status, threat, previous.languages, areas, texts or {}, new_stage)
            expires = _follow_up_expiry(kind, previous, lifetime_minutes, now,
                                        None if new_stage is previous.stage else plan.lifetime(new_stage))
            if lifetime_minutes is not None:  # the operator's own choice, not the stage plan's default
                rules.check_reminder_expiry(previous, kind, new_stage, expires)
            draft = rules.new_alert(kind=kind, status=previous.status, threat=previous.threat,
                                    zone_version=previous.zone_version, area_ids=tuple(a.id for a in areas),
                                    texts=rendered, expires=expires, author=user, now=now,
                                    follows=previous.id, note=_note(note), own_words=_own_words(texts, note),
                                    stage=new_stage)
            draft = uow.alerts.add(draft)
            record(uow, user, "alert.composed", _subject(draft), _details(draft), at=now)
            result = rules.submit(draft, user, now)
            uow.alerts.save(result, was=draft.state)
            record(uow, user, "alert.submitted", _subject(result), {}, at=now)
            if result.needs_approval:  # refused now if it could never be published after approval
                self._publishable(uow, result, previous, now)
            else:
                result = self._issue(uow, user, result, now)
            uow.commit()
        self._notify("alert.issued" if result.issued_at is not None else "alert.submitted", result)
        return result

    def escalate(self, user: User, alert_id: int, *, lifetime_minutes: int | None = None,
                 texts: Mapping[str, InfoText] | None = None, note: str | None = None) -> AlertRecord:
        """An early warning becomes the alert, for its areas, in one step: an Update to the alert
        stage, which an Actual chain issues only with a second person's approval."""
        return self.follow_up(user, alert_id, AlertKind.UPDATE, stage=AlertStage.ALERT,
                              lifetime_minutes=lifetime_minutes, texts=texts, note=note)

    def remind(self, user: User, alert_id: int, *, lifetime_minutes: int | None = None,
               texts: Mapping[str, InfoText] | None = None, note: str | None = None) -> AlertRecord:
        """Stay in shelter: a reminder while an alert is in force, for its own areas."""
        return self.follow_up(user, alert_id, AlertKind.UPDATE, stage=AlertStage.STAY_IN_SHELTER,
                              lifetime_minutes=lifetime_minutes, texts=texts, note=note)

    def stand_down(self, user: User, alert_id: int, *, texts: Mapping[str, InfoText] | None = None,
                   note: str | None = None) -> AlertRecord:
        """An early warning no alert followed ends: a Cancel that says so (never an all-clear)."""
        return self.follow_up(user, alert_id, AlertKind.STAND_DOWN, texts=texts, note=note)

    # -- expiry ----------------------------------------------------------------------------

    def expire_due(self) -> list[AlertRecord]:
        """Record every alert past its expiry as expired (they already count as such)."""
        now = self.clock()
        with self.database.unit_of_work() as uow:
            expired = []
            for found in uow.alerts.past_expiry(now, rules.EXPIRABLE):
                alert = rules.expire(found, now)
                uow.alerts.save(alert, was=found.state)
                expired.append(alert)
                record(uow, "system", "alert.expired", _subject(alert), {"expires": alert.expires.isoformat()}, at=now)
            uow.commit()
            return expired

    # -- inside ----------------------------------------------------------------------------

    def _step(self, user: User, alert_id: int, action: str, change: Callable[[AlertRecord, datetime], AlertRecord],
              extra: Mapping[str, object] | None = None, publishable: bool = False) -> AlertRecord:
        """One step of the workflow; with `publishable`, only for an alert whose message can be
        published (a draft stored before the publish limit may not be), so that nothing
        submitted or approved can fail to issue."""
        now = self.clock()
        with self._audited(user, action, f"alert {alert_id}") as uow:
            current = self._get(uow, alert_id, lock=True)
            changed = change(current, now)
            if publishable:
                previous = None if current.follows is None else self._get(uow, current.follows)
                self._publishable(uow, current, previous, now)
            uow.alerts.save(changed, was=current.state)
            record(uow, user, action, _subject(changed), dict(extra or {}), at=now)
            uow.commit()
        self._notify(action, changed)
        return changed

    def _issue(self, uow: UnitOfWork, user: User, alert: AlertRecord, now: datetime) -> AlertRecord:
        previous = None if alert.follows is None else self._get(uow, alert.follows, lock=True)
        published = self._publishable(uow, alert, previous, now, at_issue=True)
        cap = published.message
        issued = rules.issue(alert, user, now, cap.identifier)
        uow.alerts.save(issued, cap_xml=published.xml, was=alert.state)
        if previous is not None:
            ended = rules.end(previous, issued, now)
            uow.alerts.save(ended, was=previous.state)
            record(uow, user, ENDING_ACTIONS[issued.kind], _subject(ended), {"by": issued.id}, at=now)
        uow.outbox.add(issued.id, OUTBOX_TOPIC, _announcement(issued), now)  # type: ignore[arg-type]
        record(uow, user, "alert.issued", _subject(issued),
               {"cap_identifier": cap.identifier, "follows": issued.follows}, at=now)
        return issued

    def _publishable(self, uow: UnitOfWork, alert: AlertRecord, previous: AlertRecord | None,
                     now: datetime, *, at_issue: bool = False) -> Publishable:
        """The CAP message `alert` goes out as, sent `now`, and its bytes: within the publish
        limit (adapters.cap_xml.publish), or a MessageTooLarge saying why not."""
        texts = alert.texts  # one per language and time to shelter: a dict would keep one
        if alert.kind is AlertKind.ALERT or previous is None:
            areas = uow.areas.by_ids(alert.zone_version, alert.area_ids)
            return fit_warning(lambda points: compose_alert(
                areas, texts, self._spec(alert), sender=self.settings.sender, status=alert.status,
                expires=alert.expires, sent=now, note=alert.note, max_points=points), at_issue=at_issue)
        # Our own message, read back without the size limit meant for messages from strangers.
        earlier = parse_own(uow.alerts.cap_xml(previous.id) or b"")
        if alert.kind is AlertKind.UPDATE:
            areas = uow.areas.by_ids(alert.zone_version, alert.area_ids)
            return fit_warning(lambda points: compose_update(
                earlier, areas, texts, self._spec(alert), expires=alert.expires, sent=now, note=alert.note,
                max_points=points), at_issue=at_issue)
        if alert.kind is AlertKind.CANCEL:
            ending = compose_cancel(earlier, note=alert.note or "cancelled", texts=texts, sent=now)
        elif alert.kind is AlertKind.STAND_DOWN:
            ending = compose_cancel(earlier, note=alert.note or STAND_DOWN_NOTE, texts=texts, sent=now,
                                    parameters=(NamedValue(STAGE_PARAMETER, STAND_DOWN),))
        else:
            ending = compose_all_clear(earlier, texts, expires=alert.expires, sent=now,
                                       parameters=_parameters(alert))
        return fit_ending(lambda points: with_fewer_points(ending, points), alert.kind.value)

    def _spec(self, alert: AlertRecord) -> WarningSpec:
        """What the message says in every language: its stage's response, urgency, severity and
        certainty, the threat class and the stage by name."""
        first = alert.texts[0][1]
        cap = CAP_OF_STAGE[alert.stage]
        return WarningSpec(
            event=first.event or alert.threat,
            response_types=(cap.response_type,),
            urgency=cap.urgency,
            severity=cap.severity,
            certainty=cap.certainty,
            sender_name=self.settings.sender_name,
            web=self.settings.web(alert.id),
            contact=self.settings.contact_text,
            parameters=_parameters(alert),  # compose adds each info's time to shelter
        )

    def _plan(self, threat: str, stage: AlertStage, refuse: type[Exception] = InputError) -> StagePlan:
        """The threat class's stages, refusing one it does not use (or the templates cannot word)."""
        plan = self.stages.get(threat) or StagePlan()
        try:
            plan.require(stage, threat)
        except StageRefused as refused:
            raise (InputError(str(refused), field="stage") if refuse is InputError else refuse(str(refused))) from None
        self.templates.check_stage(stage)
        return plan

    def _threat(self, name: str) -> ThreatClass:
        threat = self.threats.get(name)
        if threat is None:
            raise InputError(f"unknown threat class {name!r}; threat classes: {', '.join(self.threats)}",
                             field="threat")
        return threat

    def _areas(self, uow: UnitOfWork, version: int, area_ids: tuple[str, ...],
               drawn: BaseGeometry | None) -> list[AlertArea]:
        """The areas named, plus those a drawn polygon overlaps, each once."""
        if len(area_ids) > rules.MAX_AREAS:
            rules.check_areas(area_ids)  # refuse before loading thousands
        found = uow.areas.by_ids(version, area_ids) if area_ids else []
        unknown = sorted(set(area_ids) - {a.id for a in found})
        if unknown:
            raise InputError(f"no alert area {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''} "
                             f"in zone set {version}", field="areas")
        if drawn is not None:
            check_drawn(drawn)
            seen = {a.id for a in found}
            found += [a for a in uow.areas.overlapping(version, drawn) if a.id not in seen]
            if not found:
                raise InputError("the drawn polygon overlaps no alert area", field="polygon")
        rules.check_areas(tuple(a.id for a in found))
        return found

    def _texts(self, kind: AlertKind, status: Status, threat: ThreatClass, languages: Sequence[str],
               areas: Sequence[AlertArea], own: Mapping[str, InfoText],
               stage: AlertStage = AlertStage.ALERT) -> tuple[tuple[str, InfoText], ...]:
        stray = sorted(set(own) - set(languages))
        if stray:
            raise InputError(f"text given in {', '.join(stray)}, which is not among the languages", field="texts")
        about = Threat(threat.name, threat.max_range_km)
        # Areas with different times to shelter get their own text (and their own CAP info),
        # the most urgent first; within each, the most populous places first: the names
        # people recognise.
        by_time = by_time_to_shelter(sorted(areas, key=lambda a: -a.population))
        texts = []
        for lang in languages:
            # Each area's name in this language, for the texts and each CAP <areaDesc>.
            names = {a.id: self.templates.area_name(a, lang) for a in areas}
            text = own.get(lang)
            if text is not None:  # the operator's own words, for every area: a drill still says so first
                texts.append((lang, _checked_text(replace(text, headline=self.templates.marked(
                    status, lang, text.headline), time_to_shelter_s=None, area_names=tuple(names.items())), lang)))
                continue
            for seconds, members in by_time.items():
                text = self.templates.render(kind, status, about, lang, [names[a.id] for a in members], seconds,
                                             stage)
                texts.append((lang, _checked_text(replace(text, time_to_shelter_s=seconds, area_names=tuple(
                    (a.id, names[a.id]) for a in members)), lang)))
        return tuple(texts)

    def _get(self, uow: UnitOfWork, alert_id: int, lock: bool = False) -> AlertRecord:
        alert = uow.alerts.get(alert_id, for_update=lock)
        if alert is None:
            raise UnknownAlert(alert_id)
        return alert

    @contextmanager
    def _audited(self, user: User, action: str, subject: str) -> Iterator[UnitOfWork]:
        """A unit of work in which a refusal — a permission denied, or a step the alert's state
        does not allow — is undone, then recorded on its own: attempts stay in the log too."""
        with self.database.unit_of_work() as uow:
            try:
                yield uow
            except PermissionDenied as denied:
                record_refusal(uow, denied.user, "permission.denied", subject,
                               {"action": denied.action, "reason": denied.reason})
                raise
            except WorkflowError as refused:
                record_refusal(uow, user, "alert.step_refused", subject, {"action": action, "reason": str(refused)})
                raise


def check_drawn(shape: BaseGeometry) -> None:
    """A polygon an operator drew: valid, on the globe, of a sensible size."""
    if shape.geom_type not in ("Polygon", "MultiPolygon"):
        raise InputError(f"draw a Polygon or MultiPolygon, not a {shape.geom_type}", field="polygon")
    if shape.is_empty:
        raise InputError("the drawn polygon is empty", field="polygon")
    coords = shapely.get_coordinates(shape)
    if len(coords) > MAX_DRAWN_VERTICES:
        raise InputError(f"the drawn polygon has more than {MAX_DRAWN_VERTICES} vertices", field="polygon")
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise InputError("the drawn polygon has a coordinate that is not a number", field="polygon")
    min_lon, min_lat, max_lon, max_lat = shape.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise InputError("the drawn polygon leaves the globe: longitude -180…180, latitude -90…90, "
                         "in GeoJSON order [lon, lat]", field="polygon")
    if not shape.is_valid:
        raise InputError(f"the drawn polygon is not valid: {shapely.is_valid_reason(shape)}", field="polygon")


def _checked_text(text: InfoText, language: str) -> InfoText:
    for name in ("headline", "description", "instruction", "event"):
        value = getattr(text, name)
        if value is not None:
            check_free_text(value, f"texts.{language}.{name}")
        if value is not None and len(value) > MAX_TEXT_CHARS:
            raise InputError(f"the {language} {name} is longer than {MAX_TEXT_CHARS} characters",
                             field=f"texts.{language}.{name}")
    if not text.headline.strip():
        raise InputError(f"the {language} text has no headline", field=f"texts.{language}.headline")
    return text


def _lifetime(minutes: int | None, default: int) -> timedelta:
    minutes = default if minutes is None else minutes
    limit = int(rules.MAX_LIFETIME.total_seconds() // 60)
    if not 1 <= minutes <= limit:
        raise InputError(f"lifetime must be 1 to {limit} minutes, not {minutes}", field="lifetime_minutes")
    return timedelta(minutes=minutes)


def _follow_up_expiry(kind: AlertKind, previous: AlertRecord, minutes: int | None, now: datetime,
                      stage_lifetime: timedelta | None = None) -> datetime:
    """An update keeps the alert's end unless told; a cancel or stand-down ends when it did; a
    new stage (an escalation, a reminder, an all-clear) lasts its stage's lifetime unless told."""
    if kind is AlertKind.UPDATE and minutes is None and stage_lifetime is not None:
        return now + stage_lifetime
    if kind in (AlertKind.CANCEL, AlertKind.STAND_DOWN) or (kind is AlertKind.UPDATE and minutes is None):
        return max(previous.expires, now + rules.MIN_LIFETIME + timedelta(seconds=1))
    default = DEFAULT_LIFETIME_MINUTES if stage_lifetime is None else _minutes(stage_lifetime)
    return now + _lifetime(minutes, default)


def _minutes(lifetime: timedelta) -> int:
    return int(lifetime.total_seconds() // 60)


def _parameters(alert: AlertRecord) -> tuple[NamedValue, ...]:
    """What every info of ours names besides its time to shelter: the threat class and the stage."""
    return (NamedValue("SAFEZONE-THREAT", alert.threat), NamedValue(STAGE_PARAMETER, alert.stage.value))


def _note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    check_free_text(note, "note")
    if len(note) > MAX_TEXT_CHARS:
        raise InputError(f"the note is longer than {MAX_TEXT_CHARS} characters", field="note")
    return note.strip()


def _own_words(texts: Mapping[str, InfoText] | None, note: str | None) -> bool:
    """Whether the operator wrote any of the message's words (texts or note) themselves."""
    return bool(texts) or _note(note) is not None


def _shortest(areas: Sequence[AlertArea]) -> int:
    return min((a.time_to_shelter_s for a in areas), default=0)


def _subject(alert: AlertRecord) -> str:
    return f"alert {alert.id}"


def _details(alert: AlertRecord) -> dict:
    return {"kind": alert.kind.value, "status": alert.status.value, "threat": alert.threat,
            "zone_version": alert.zone_version, "areas": len(alert.area_ids),
            "languages": list(alert.languages), "expires": alert.expires.isoformat(),
            "follows": alert.follows, "own_words": alert.own_words, "stage": alert.stage.value}


def _announcement(alert: AlertRecord) -> dict:
    """What a delivery worker needs to start: the rest it reads from the alert."""
    return {"alert_id": alert.id, "kind": alert.kind.value, "status": alert.status.value,
            "cap_identifier": alert.cap_identifier, "zone_version": alert.zone_version,
            "area_ids": list(alert.area_ids), "follows": alert.follows, "stage": alert.stage.value}


def _preview(alert: AlertRecord, areas: Sequence[AlertArea], reach: targeting.Receivers) -> Preview:
    summaries = tuple(
        AreaSummary(id=a.id, name=a.name, side=a.side, band=a.band, time_to_shelter_s=a.time_to_shelter_s,
                    population=a.population, settlement_count=len(a.settlements),
                    settlements=tuple(s.name for s in a.settlements[:SETTLEMENTS_LISTED]))
        for a in areas
    )
    return Preview(alert=alert, areas=summaries, population=sum(a.population for a in areas),
                   settlements=sum(len(a.settlements) for a in areas), time_to_shelter_s=_shortest(areas),
                   subscribers=reach.total, receivers=reach.per_channel())
