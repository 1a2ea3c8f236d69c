"""The stages of an alert chain on a real database (SQLite and PostgreSQL): an early warning,
escalated to the alert with the two-person rule, reminded, cleared; or stood down. Every message
passes the OASIS schema and our validator without a warning, and says its stage in CAP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safezone.adapters.cap_xml import check
from safezone.domain.alerts import AlertKind, AlertState, WorkflowError
from safezone.domain.cap import Certainty, InfoText, MsgType, ResponseType, Severity, Status, Urgency
from safezone.domain.errors import InputError
from safezone.domain.stages import STAGE_PARAMETER, AlertStage
from safezone.services.alerts import Composition

AREAS = ("AAA-0-1", "AAA-1-1", "BBB-0-1")


def _users(container):
    with container.database.unit_of_work() as uow:
        return uow.users.by_name("alice"), uow.users.by_name("bob")


def _issued(container, alert, approve: bool):
    alice, bob = _users(container)
    if approve:
        assert alert.state is AlertState.SUBMITTED and alert.needs_approval
        container.alerts.approve(bob, alert.id)
        return container.alerts.issue(alice, alert.id)
    assert alert.state is AlertState.ISSUED, alert
    return alert


def _early_warning(container, status: Status = Status.ACTUAL, threat: str = "medium range"):
    alice, _ = _users(container)
    draft = container.alerts.compose(alice, Composition(status=status, threat=threat, languages=("en", "uk", "ru"),
                                                        area_ids=AREAS, stage=AlertStage.EARLY_WARNING)).alert
    submitted = container.alerts.submit(alice, draft.id)
    if status is Status.ACTUAL:
        return _issued(container, submitted, approve=True)
    return container.alerts.issue(alice, draft.id)


def _cap(container, alert_id: int):
    with container.database.unit_of_work() as uow:
        result = check(uow.alerts.cap_xml(alert_id))
    assert result.errors == [] and result.warnings == [], result.issues
    return result.alert


def _stage_of(info) -> str:
    return next(p.value for p in info.parameters if p.value_name == STAGE_PARAMETER)


@pytest.mark.parametrize("status", [Status.ACTUAL, Status.EXERCISE])
def test_a_whole_chain_early_warning_alert_reminder_all_clear(container, clock, status):
    alice, _ = _users(container)
    early = _early_warning(container, status)
    assert early.stage is AlertStage.EARLY_WARNING
    assert early.expires == clock() + timedelta(minutes=15)  # the stage's default lifetime in threats.toml
    alarm = _issued(container, container.alerts.escalate(alice, early.id), approve=status is Status.ACTUAL)
    reminder = _issued(container, container.alerts.remind(alice, alarm.id), approve=False)  # template words: one step
    clear = _issued(container, container.alerts.follow_up(alice, reminder.id, AlertKind.ALL_CLEAR), approve=False)
    assert [m.stage for m in (alarm, reminder, clear)] == [AlertStage.ALERT, AlertStage.STAY_IN_SHELTER,
                                                           AlertStage.ALL_CLEAR]
    assert alarm.expires == clock() + timedelta(minutes=60) and reminder.expires == clock() + timedelta(minutes=30)
    expected = {
        early.id: (MsgType.ALERT, ResponseType.PREPARE, Urgency.EXPECTED, Severity.SEVERE, Certainty.LIKELY,
                   "early-warning"),
        alarm.id: (MsgType.UPDATE, ResponseType.SHELTER, Urgency.IMMEDIATE, Severity.EXTREME, Certainty.LIKELY,
                   "alert"),
        reminder.id: (MsgType.UPDATE, ResponseType.SHELTER, Urgency.IMMEDIATE, Severity.EXTREME, Certainty.LIKELY,
                      "stay-in-shelter"),
        clear.id: (MsgType.UPDATE, ResponseType.ALL_CLEAR, Urgency.PAST, Severity.MINOR, Certainty.OBSERVED,
                   "all-clear"),
    }
    for alert_id, (msg_type, response, urgency, severity, certainty, stage) in expected.items():
        cap = _cap(container, alert_id)
        assert cap.msg_type is msg_type and cap.status is status
        for info in cap.infos:
            assert (info.response_types, info.urgency, info.severity, info.certainty) == (
                (response,), urgency, severity, certainty), alert_id
            assert _stage_of(info) == stage
    assert "get ready" in _cap(container, early.id).infos[0].headline.lower()
    assert _cap(container, alarm.id).infos[0].headline.startswith(("Take shelter", "EXERCISE"))
    states = {a.id: container.alerts.get(a.id).state for a in (early, alarm, reminder, clear)}
    assert states == {early.id: AlertState.UPDATED, alarm.id: AlertState.UPDATED,
                      reminder.id: AlertState.ALL_CLEAR, clear.id: AlertState.ISSUED}


def test_a_stood_down_early_warning_is_a_cancel_that_names_itself(container):
    alice, _ = _users(container)
    early = _early_warning(container)
    down = container.alerts.stand_down(alice, early.id)
    assert down.state is AlertState.ISSUED and down.kind is AlertKind.STAND_DOWN  # one step, the templates' words
    cap = _cap(container, down.id)
    assert cap.msg_type is MsgType.CANCEL and cap.note.startswith("stood down")
    assert {_stage_of(i) for i in cap.infos} == {"stand-down"}
    assert {i.response_types for i in cap.infos} == {(ResponseType.NONE,)}
    assert container.alerts.get(early.id).state is AlertState.STOOD_DOWN


def test_no_all_clear_and_no_reminder_for_areas_not_under_alert(container):
    alice, _ = _users(container)
    early = _early_warning(container)
    for step in (lambda: container.alerts.follow_up(alice, early.id, AlertKind.ALL_CLEAR),
                 lambda: container.alerts.remind(alice, early.id)):
        with pytest.raises(WorkflowError, match="not under alert|needs an alert in force"):
            step()
    assert container.alerts.get(early.id).state is AlertState.ISSUED  # nothing changed
    with container.database.unit_of_work() as uow:
        refused = [e for e in uow.audit.entries() if e.action == "alert.step_refused"]
    assert len(refused) == 2


def test_an_alert_is_not_stood_down_nor_escalated(container):
    alice, _ = _users(container)
    draft = container.alerts.compose(alice, Composition(status=Status.EXERCISE, threat="medium range",
                                                        languages=("en",), area_ids=AREAS)).alert
    container.alerts.submit(alice, draft.id)
    alarm = container.alerts.issue(alice, draft.id)
    with pytest.raises(WorkflowError, match="only an early warning is stood down"):
        container.alerts.stand_down(alice, alarm.id)
    with pytest.raises(WorkflowError, match="cannot become"):
        container.alerts.follow_up(alice, alarm.id, AlertKind.UPDATE, stage=AlertStage.EARLY_WARNING)


def test_an_escalation_waits_for_a_second_person_and_a_stand_down_beats_it(container):
    alice, bob = _users(container)
    early = _early_warning(container)
    pending = container.alerts.escalate(alice, early.id)
    assert pending.state is AlertState.SUBMITTED and pending.needs_approval
    with pytest.raises(Exception, match="approv"):
        container.alerts.issue(alice, pending.id)
    container.alerts.stand_down(alice, early.id)
    container.alerts.approve(bob, pending.id)
    with pytest.raises(WorkflowError, match="not in force"):
        container.alerts.issue(alice, pending.id)


def test_a_class_without_early_warnings_refuses_one(container):
    alice, _ = _users(container)
    with pytest.raises(InputError, match="does not use the early-warning stage") as refused:
        container.alerts.compose(alice, Composition(status=Status.ACTUAL, threat="short range", languages=("en",),
                                                    area_ids=AREAS, stage=AlertStage.EARLY_WARNING))
    assert refused.value.field == "stage"


def test_a_reminder_in_the_operators_words_needs_a_second_person(container):
    alice, _ = _users(container)
    alarm = _issued(container, container.alerts.escalate(alice, _early_warning(container).id), approve=True)
    own = container.alerts.remind(alice, alarm.id, texts={"en": InfoText(headline="Stay inside, all of you")})
    assert own.state is AlertState.SUBMITTED and own.needs_approval
