"""The alert's state machine and rules as pure code: who may do what, in which state, until when."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from safezone.domain import alerts as rules
from safezone.domain.accounts import PermissionDenied, Role, User
from safezone.domain.alerts import AlertKind, AlertState, WorkflowError
from safezone.domain.cap import InfoText, Status
from safezone.domain.errors import InputError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def person(name: str, *roles: Role, disabled: bool = False) -> User:
    return User(id=hash(name) % 1000, name=name, roles=frozenset(roles), created_at=NOW,
                disabled_at=NOW if disabled else None)


ALICE = person("alice", Role.ISSUER)
BOB = person("bob", Role.APPROVER)
CAROL = person("carol", Role.ISSUER, Role.APPROVER)


def draft(status: Status = Status.ACTUAL, author: User = ALICE, kind: AlertKind = AlertKind.ALERT, minutes: int = 60,
          own_words: bool = False):
    alert = rules.new_alert(kind=kind, status=status, threat="short range", zone_version=1, area_ids=("A",),
                            texts=(("en", InfoText("Take shelter")),), expires=NOW + timedelta(minutes=minutes),
                            author=author, now=NOW, own_words=own_words)
    return rules.AlertRecord(**{**alert.__dict__, "id": 7})


def test_an_actual_alert_goes_draft_submitted_approved_issued():
    alert = rules.submit(draft(), ALICE, NOW)
    alert = rules.approve(alert, BOB, NOW)
    alert = rules.issue(alert, ALICE, NOW, "id-1")
    assert alert.state is AlertState.ISSUED and alert.approved_by == "bob" and alert.cap_identifier == "id-1"
    assert rules.in_force(alert, NOW) and not rules.in_force(alert, alert.expires)


def test_an_actual_alert_cannot_skip_approval():
    with pytest.raises(WorkflowError, match="second person"):
        rules.issue(rules.submit(draft(), ALICE, NOW), ALICE, NOW, "x")


@pytest.mark.parametrize("status", [Status.EXERCISE, Status.TEST, Status.SYSTEM, Status.DRAFT])
def test_drills_need_no_second_person_but_carry_a_banner(status):
    alert = rules.issue(rules.submit(draft(status), ALICE, NOW), ALICE, NOW, "x")
    assert alert.state is AlertState.ISSUED and alert.banner and "NOT A REAL ALERT" in alert.banner
    assert rules.banner(Status.ACTUAL) is None


def test_nobody_approves_their_own_whatever_their_roles():
    submitted = rules.submit(draft(author=CAROL), CAROL, NOW)
    with pytest.raises(PermissionDenied, match="their own"):
        rules.approve(submitted, CAROL, NOW)
    # Nor the one who submitted what someone else wrote.
    by_carol = rules.submit(draft(author=ALICE), CAROL, NOW)
    with pytest.raises(PermissionDenied, match="their own"):
        rules.approve(by_carol, person("alice", Role.ISSUER, Role.APPROVER), NOW)
    with pytest.raises(PermissionDenied, match="their own"):
        rules.approve(by_carol, CAROL, NOW)


def test_roles_are_checked_at_every_step():
    with pytest.raises(PermissionDenied):
        draft(author=BOB)
    with pytest.raises(PermissionDenied):
        rules.approve(rules.submit(draft(), ALICE, NOW), ALICE, NOW)
    with pytest.raises(PermissionDenied, match="disabled"):
        rules.submit(draft(), person("alice", Role.ISSUER, disabled=True), NOW)


def test_states_allow_only_their_steps():
    issued = rules.issue(rules.approve(rules.submit(draft(), ALICE, NOW), BOB, NOW), ALICE, NOW, "x")
    for step in (lambda a: rules.submit(a, ALICE, NOW), lambda a: rules.approve(a, BOB, NOW),
                 lambda a: rules.issue(a, ALICE, NOW, "y")):
        with pytest.raises(WorkflowError):
            step(issued)
    rejected = rules.reject(rules.submit(draft(), ALICE, NOW), BOB, "wrong areas", NOW)
    assert rejected.state is AlertState.REJECTED
    with pytest.raises(InputError):
        rules.reject(rules.submit(draft(), ALICE, NOW), BOB, "   ", NOW)


def test_follow_ups_end_the_alert_in_force_once():
    issued = rules.issue(rules.approve(rules.submit(draft(), ALICE, NOW), BOB, NOW), ALICE, NOW, "x")
    cancel = draft(kind=AlertKind.CANCEL)
    ended = rules.end(issued, cancel, NOW)
    assert ended.state is AlertState.CANCELLED and not rules.in_force(ended, NOW)
    with pytest.raises(WorkflowError, match="not in force"):
        rules.check_follow_up(ended, AlertKind.ALL_CLEAR, NOW)
    assert rules.needs_approval(AlertKind.UPDATE, Status.ACTUAL)
    assert not rules.needs_approval(AlertKind.CANCEL, Status.ACTUAL)
    assert not rules.needs_approval(AlertKind.ALL_CLEAR, Status.ACTUAL)


@pytest.mark.parametrize("kind", [AlertKind.CANCEL, AlertKind.ALL_CLEAR])
def test_an_actual_ending_in_own_words_needs_a_second_person(kind):
    assert not rules.needs_approval(kind, Status.ACTUAL, own_words=False)
    assert rules.needs_approval(kind, Status.ACTUAL, own_words=True)
    assert not rules.needs_approval(kind, Status.EXERCISE, own_words=True)
    templated = rules.submit(draft(kind=kind), ALICE, NOW)
    assert rules.issue(templated, ALICE, NOW, "t").state is AlertState.ISSUED  # one step
    own = rules.submit(draft(kind=kind, own_words=True), ALICE, NOW)
    assert own.needs_approval
    with pytest.raises(WorkflowError, match="own words"):
        rules.issue(own, ALICE, NOW, "o")
    with pytest.raises(PermissionDenied):
        rules.approve(own, ALICE, NOW)
    assert rules.issue(rules.approve(own, BOB, NOW), ALICE, NOW, "o").approved_by == "bob"


def test_expiry_needs_nobody():
    issued = rules.issue(rules.submit(draft(Status.EXERCISE, minutes=5), ALICE, NOW), ALICE, NOW, "x")
    later = NOW + timedelta(minutes=5)
    assert rules.effective_state(issued, later) is AlertState.EXPIRED and not rules.in_force(issued, later)
    assert rules.expire(issued, later).state is AlertState.EXPIRED
    with pytest.raises(WorkflowError):
        rules.expire(issued, NOW)
    with pytest.raises(WorkflowError, match="expired"):
        rules.submit(draft(minutes=5), ALICE, later)


def test_lifetime_and_area_limits():
    with pytest.raises(InputError, match="at least a minute"):
        draft(minutes=0)
    with pytest.raises(InputError, match="7 days"):
        draft(minutes=7 * 24 * 60 + 1)
    with pytest.raises(InputError, match="split"):
        rules.check_areas(tuple(str(i) for i in range(rules.MAX_AREAS + 1)))
