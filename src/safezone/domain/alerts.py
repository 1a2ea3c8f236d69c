"""The alert an operator prepares and issues, and the rules of its life, as pure code.

    draft ──submit──▶ submitted ──approve──▶ approved ──issue──▶ issued ──▶ updated
                          │  └──reject──▶ rejected                  ├──▶ cancelled
                          └──issue (Exercise/Test: no second person) ├──▶ all-clear
                                                                    └──▶ expired

- An Actual alert or update needs a second person's approval, and nobody approves their own
  (the two-person rule; see `safezone.domain.accounts`). Exercise, Test, System and Draft
  messages need no approval, but they are marked on every answer a person sees.
- Cancel and all-clear end a warning, so in the templates' words they are issued in one step
  by any issuer: a false alarm must be corrected in seconds (Hawaii, 2018, took 38 minutes).
  In the operator's own words (their texts or note instead of the templates') an Actual cancel
  or all-clear is a new message to the public, and needs a second person like an alert.
- Each message carries the stage of its chain (`safezone.domain.stages`): an early warning is
  escalated (an Update to the alert stage, with the two-person rule of any Actual update) or
  stood down (a Cancel); only an alert or a stay-in-shelter reminder can be reminded or cleared.
  A reminder or a stand-down in the templates' words ends nothing new, so like a cancel it is
  issued in one step.
- An alert stops being in force when it expires, when an update supersedes it, or when it is
  cancelled, stood down or cleared. Expiry needs no one: `in_force` answers from the clock, and `expire`
  records it afterwards.

Every transition returns a new record; nothing here touches storage or the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from safezone.domain.accounts import PermissionDenied, User, require_approver, require_issuer
from safezone.domain.cap.compose import InfoText
from safezone.domain.cap.enums import Status
from safezone.domain.errors import InputError
from safezone.domain.stages import AlertStage, StageRefused, check_stand_down, check_step
from safezone.domain.text import check_free_text

MIN_LIFETIME = timedelta(minutes=1)
MAX_LIFETIME = timedelta(days=7)
# One alert names at most this many areas: past it the CAP message grows to megabytes and
# receivers choke; the operator is asked to split the warning.
MAX_AREAS = 1000
MAX_REASON_CHARS = 1000

BANNERS = {
    Status.EXERCISE: "EXERCISE — NOT A REAL ALERT",
    Status.TEST: "TEST — NOT A REAL ALERT",
    Status.SYSTEM: "SYSTEM MESSAGE — NOT A REAL ALERT",
    Status.DRAFT: "DRAFT — NOT A REAL ALERT",
}
# What the public sees at all; System and Draft messages stay among operators.
PUBLIC_STATUSES = frozenset({Status.ACTUAL, Status.EXERCISE, Status.TEST})
PRACTICE_STATUSES = frozenset({Status.EXERCISE, Status.TEST})


class AlertState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    ISSUED = "issued"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    ALL_CLEAR = "all-clear"
    STOOD_DOWN = "stood-down"
    EXPIRED = "expired"


class AlertKind(StrEnum):
    """What the message does: a new warning, or one about a warning in force."""

    ALERT = "alert"
    UPDATE = "update"
    CANCEL = "cancel"
    ALL_CLEAR = "all-clear"
    STAND_DOWN = "stand-down"


# What a follow-up does to the alert it is about, once issued.
ENDS_WITH = {AlertKind.UPDATE: AlertState.UPDATED, AlertKind.CANCEL: AlertState.CANCELLED,
             AlertKind.ALL_CLEAR: AlertState.ALL_CLEAR, AlertKind.STAND_DOWN: AlertState.STOOD_DOWN}
# The follow-ups that end a warning without a new one in force.
ENDINGS = frozenset({AlertKind.CANCEL, AlertKind.ALL_CLEAR, AlertKind.STAND_DOWN})
EXPIRABLE = frozenset({AlertState.DRAFT, AlertState.SUBMITTED, AlertState.APPROVED, AlertState.ISSUED})


class WorkflowError(Exception):
    """A step the alert's state does not allow (approving an issued alert, issuing a draft...)."""


class AlertChanged(WorkflowError):
    """Someone else changed the alert while this step was deciding on what it had read."""

    def __init__(self, alert_id: int, was: AlertState) -> None:
        super().__init__(f"alert {alert_id} is no longer {was.value}: someone changed it at the same moment; "
                         "reload it and decide again")
        self.alert_id = alert_id


class UnknownAlert(LookupError):
    def __init__(self, alert_id: int) -> None:
        super().__init__(f"there is no alert {alert_id}")
        self.alert_id = alert_id


@dataclass(frozen=True)
class AlertRecord:
    """One message the operators prepare, from draft to its end; `id` is None until stored."""

    kind: AlertKind
    status: Status
    state: AlertState
    threat: str
    zone_version: int
    area_ids: tuple[str, ...]
    texts: tuple[tuple[str, InfoText], ...]  # (language, text), in the order given
    expires: datetime
    created_by: str
    created_at: datetime
    follows: int | None = None  # the alert in force an update, cancel or all-clear is about
    note: str | None = None
    id: int | None = None
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None
    rejected_by: str | None = None
    rejected_at: datetime | None = None
    rejection_reason: str | None = None
    issued_by: str | None = None
    issued_at: datetime | None = None
    ended_at: datetime | None = None  # superseded, cancelled, cleared or expired
    cap_identifier: str | None = None
    own_words: bool = False  # the operator wrote its texts or note, rather than the templates
    stage: AlertStage = AlertStage.ALERT  # the chain's stage this message announces (a cancel: the one it ends)

    @property
    def needs_approval(self) -> bool:
        return needs_approval(self.kind, self.status, self.own_words, self.stage)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lang for lang, _ in self.texts))  # a language may have a text per time to shelter

    @property
    def banner(self) -> str | None:
        return banner(self.status)

    def texts_at(self, time_to_shelter_s: int) -> dict[str, InfoText]:
        """Per language, what people with this time to shelter read.

        A language has one text per time to shelter when the alert spans bands; a text without
        a time (an all-clear, an operator's own words) is for every area.
        """
        first: dict[str, InfoText] = {}
        for lang, text in self.texts:
            first.setdefault(lang, text)
        exact = {lang: text for lang, text in self.texts if text.time_to_shelter_s == time_to_shelter_s}
        return {lang: exact.get(lang, text) for lang, text in first.items()}


def banner(status: Status) -> str | None:
    """The words a person must see beside anything that is not a real alert."""
    return BANNERS.get(status)


def needs_approval(kind: AlertKind, status: Status, own_words: bool = False,
                   stage: AlertStage = AlertStage.ALERT) -> bool:
    """A real new warning, a change to one, or any real message in the operator's own words
    needs a second person; a real cancel, stand-down or all-clear in the templates' words does
    not, so a warning can always be ended in one step, and no one alone can put words before the
    public. Nor does a stay-in-shelter reminder in the templates' words: it repeats what the
    approved alert said, for the same areas."""
    if status is not Status.ACTUAL:
        return False
    if own_words:
        return True
    if kind is AlertKind.UPDATE and stage is AlertStage.STAY_IN_SHELTER:
        return False
    return kind in (AlertKind.ALERT, AlertKind.UPDATE)


def check_reminder_expiry(previous: AlertRecord, kind: AlertKind, stage: AlertStage, expires: datetime) -> None:
    """A real stay-in-shelter reminder goes out without a second person because it repeats the
    approved alert; so it may not keep the alert in force longer than approved: that takes an
    update, which a second person approves."""
    if (previous.status is Status.ACTUAL and kind is AlertKind.UPDATE and stage is AlertStage.STAY_IN_SHELTER
            and expires > previous.expires):
        raise InputError("a stay-in-shelter reminder may not keep a real alert in force beyond its approved "
                         f"expiry ({previous.expires.isoformat()}); extend it with an update, which a second "
                         "person approves", field="lifetime_minutes")


def check_lifetime(expires: datetime, now: datetime) -> None:
    if expires.utcoffset() is None:
        raise InputError("expires needs a time zone", field="expires")
    if expires < now + MIN_LIFETIME:
        raise InputError("an alert must stay in force for at least a minute", field="expires")
    if expires > now + MAX_LIFETIME:
        raise InputError("an alert may stay in force for at most 7 days; issue an update to extend it",
                         field="expires")


def check_areas(area_ids: tuple[str, ...]) -> None:
    if not area_ids:
        raise InputError("an alert needs at least one alert area", field="areas")
    if len(area_ids) > MAX_AREAS:
        raise InputError(f"{len(area_ids)} alert areas are more than one alert may hold ({MAX_AREAS}); "
                         "split the warning", field="areas")


def new_alert(*, kind: AlertKind, status: Status, threat: str, zone_version: int,
              area_ids: tuple[str, ...], texts: tuple[tuple[str, InfoText], ...], expires: datetime,
              author: User, now: datetime, follows: int | None = None, note: str | None = None,
              own_words: bool = False, stage: AlertStage = AlertStage.ALERT) -> AlertRecord:
    """A draft, by an issuer, with everything checked that needs no database."""
    require_issuer(author, "compose alerts")
    check_areas(area_ids)
    if not texts:
        raise InputError("an alert needs its text in at least one language", field="languages")
    check_lifetime(expires, now)
    return AlertRecord(kind=kind, status=status, state=AlertState.DRAFT, threat=threat,
                       zone_version=zone_version, area_ids=area_ids, texts=texts, expires=expires,
                       created_by=author.name, created_at=now, follows=follows, note=note, own_words=own_words,
                       stage=stage)


def _expect(alert: AlertRecord, action: str, *states: AlertState) -> None:
    if alert.state not in states:
        wanted = " or ".join(s.value for s in states)
        raise WorkflowError(f"alert {alert.id} is {alert.state.value}; only a {wanted} alert can be {action}")


def _not_past(alert: AlertRecord, action: str, now: datetime) -> None:
    if alert.expires <= now:
        raise WorkflowError(f"alert {alert.id} expired at {alert.expires.isoformat()}; it cannot be {action}")


def submit(alert: AlertRecord, user: User, now: datetime) -> AlertRecord:
    require_issuer(user, "submit alerts")
    _expect(alert, "submitted", AlertState.DRAFT)
    _not_past(alert, "submitted", now)
    return replace(alert, state=AlertState.SUBMITTED, submitted_by=user.name, submitted_at=now)


def _require_reviewer(alert: AlertRecord, user: User, action: str) -> None:
    """An approver who neither wrote nor submitted the alert."""
    require_approver(user, alert.submitted_by or alert.created_by, action)
    if user.name == alert.created_by:
        raise PermissionDenied(user.name, action, "nobody approves or rejects their own alert")


def approve(alert: AlertRecord, user: User, now: datetime) -> AlertRecord:
    _require_reviewer(alert, user, "approve this alert")
    _expect(alert, "approved", AlertState.SUBMITTED)
    _not_past(alert, "approved", now)
    return replace(alert, state=AlertState.APPROVED, approved_by=user.name, approved_at=now)


def reject(alert: AlertRecord, user: User, reason: str, now: datetime) -> AlertRecord:
    _require_reviewer(alert, user, "reject this alert")
    _expect(alert, "rejected", AlertState.SUBMITTED)
    reason = check_free_text(reason, "reason").strip()
    if not reason:
        raise InputError("say why the alert is rejected", field="reason")
    if len(reason) > MAX_REASON_CHARS:
        raise InputError(f"the reason is longer than {MAX_REASON_CHARS} characters", field="reason")
    return replace(alert, state=AlertState.REJECTED, rejected_by=user.name, rejected_at=now,
                   rejection_reason=reason)


def issue(alert: AlertRecord, user: User, now: datetime, cap_identifier: str) -> AlertRecord:
    """Issued: approved if it needed approval, submitted otherwise."""
    require_issuer(user, "issue alerts")
    if alert.needs_approval:
        _expect(alert, "issued (an Actual alert, an update, or a message in the operator's own words needs a "
                       "second person's approval first)", AlertState.APPROVED)
    else:
        _expect(alert, "issued", AlertState.SUBMITTED, AlertState.APPROVED)
    _not_past(alert, "issued", now)
    return replace(alert, state=AlertState.ISSUED, issued_by=user.name, issued_at=now,
                   cap_identifier=cap_identifier)


def in_force(alert: AlertRecord, now: datetime) -> bool:
    """Issued, a warning (not a cancel or all-clear), not superseded and not yet expired."""
    return (alert.state is AlertState.ISSUED and alert.kind in (AlertKind.ALERT, AlertKind.UPDATE)
            and alert.expires > now)


def follow_up_stage(previous: AlertRecord, kind: AlertKind, stage: AlertStage | None = None) -> AlertStage:
    """The stage a follow-up announces: an all-clear clears, a cancel or stand-down names the
    stage it ends, an update keeps the chain's stage unless it moves it on (`stage`)."""
    if kind is AlertKind.ALL_CLEAR:
        return AlertStage.ALL_CLEAR
    if kind is AlertKind.UPDATE and stage is not None:
        return stage
    if kind is AlertKind.UPDATE and previous.stage is AlertStage.STAY_IN_SHELTER:
        return AlertStage.ALERT  # a changed warning is a new alarm, approved as one; not a reminder
    return previous.stage


def check_follow_up(previous: AlertRecord, kind: AlertKind, now: datetime, stage: AlertStage | None = None) -> None:
    """Update, Cancel, stand-down and all-clear are about an alert in force, and nothing else;
    and the chain's stage must allow the step (no all-clear where nobody was told to shelter)."""
    if kind is AlertKind.ALERT:
        raise WorkflowError("a new alert follows nothing")
    if not in_force(previous, now):
        raise WorkflowError(f"alert {previous.id} is not in force ({effective_state(previous, now).value}); "
                            f"there is nothing to {kind.value}")
    try:
        if kind is AlertKind.STAND_DOWN:
            check_stand_down(previous.stage)
        elif kind is not AlertKind.CANCEL:
            check_step(previous.stage, follow_up_stage(previous, kind, stage))
    except StageRefused as refused:
        raise WorkflowError(f"alert {previous.id}: {refused}") from None


def end(previous: AlertRecord, follow_up: AlertRecord, now: datetime) -> AlertRecord:
    """The alert in force, once `follow_up` (issued) supersedes, cancels, stands down or clears it."""
    check_follow_up(previous, follow_up.kind, now, follow_up.stage)
    if (follow_up.stage is AlertStage.STAY_IN_SHELTER and not follow_up.needs_approval
            and follow_up.area_ids != previous.area_ids):
        raise WorkflowError(f"a reminder repeats alert {previous.id} for its own areas; to change them, update it")
    return replace(previous, state=ENDS_WITH[follow_up.kind], ended_at=now)


def effective_state(alert: AlertRecord, now: datetime) -> AlertState:
    """The state as of `now`: an alert past its expiry is expired even before it is recorded."""
    if alert.state in EXPIRABLE and alert.expires <= now:
        return AlertState.EXPIRED
    return alert.state


# How a warning stopped being in force, as the public answers say it.
ENDED_HOW = {AlertState.UPDATED: "superseded", AlertState.CANCELLED: "cancelled",
             AlertState.ALL_CLEAR: "all-clear", AlertState.STOOD_DOWN: "stood-down",
             AlertState.EXPIRED: "expired"}


def ended_how(alert: AlertRecord, now: datetime) -> str | None:
    """Which way a warning ended (superseded by its next message, cancelled, cleared, stood down
    or expired), or None while it is in force and for messages that are not warnings."""
    if alert.kind not in (AlertKind.ALERT, AlertKind.UPDATE) or alert.issued_at is None:
        return None
    return ENDED_HOW.get(effective_state(alert, now))


def expire(alert: AlertRecord, now: datetime) -> AlertRecord:
    if effective_state(alert, now) is not AlertState.EXPIRED or alert.state is AlertState.EXPIRED:
        raise WorkflowError(f"alert {alert.id} has not expired")
    return replace(alert, state=AlertState.EXPIRED, ended_at=alert.expires)
