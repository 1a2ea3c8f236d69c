"""Issuing writes the alert's state, its CAP XML and the outbox entry in one transaction:
when any part fails, nothing of it is written — not the state, not the XML, not the audit."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from safezone.domain.alerts import AlertState
from safezone.domain.cap import Status
from safezone.services.alerts import OUTBOX_TOPIC, Composition
from tests.support.app import login


def _approved(container) -> int:
    with container.database.unit_of_work() as uow:
        alice, bob = uow.users.by_name("alice"), uow.users.by_name("bob")
    service = container.alerts
    draft = service.compose(alice, Composition(status=Status.ACTUAL, threat="short range", languages=("en",),
                                               area_ids=("AAA-0-1",))).alert
    service.submit(alice, draft.id)
    service.approve(bob, draft.id)
    return draft.id


def test_a_failure_mid_issue_writes_nothing(container):
    alert_id = _approved(container)
    # The delivery side already holds an announcement for this alert: the outbox insert, the
    # last write of issuing, is refused by the database after the alert row was changed.
    with container.database.unit_of_work() as uow:
        uow.outbox.add(alert_id, OUTBOX_TOPIC, {"planted": True}, container.clock())
        uow.commit()
        head_before = uow.audit.head()
    with container.database.unit_of_work() as uow:
        alice = uow.users.by_name("alice")
    with pytest.raises(IntegrityError):
        container.alerts.issue(alice, alert_id)
    with container.database.unit_of_work() as uow:
        alert = uow.alerts.get(alert_id)
        assert alert.state is AlertState.APPROVED
        assert alert.cap_identifier is None and alert.issued_at is None
        assert uow.alerts.cap_xml(alert_id) is None
        assert [e.payload for e in uow.outbox.for_alert(alert_id)] == [{"planted": True}]
        assert uow.audit.head() == head_before


def test_the_api_answers_a_failed_issue_with_a_conflict(api, container):
    alert_id = _approved(container)
    with container.database.unit_of_work() as uow:
        uow.outbox.add(alert_id, OUTBOX_TOPIC, {"planted": True}, container.clock())
        uow.commit()
    answer = login(api, "alice").post(f"/api/operator/alerts/{alert_id}/issue")
    assert answer.status_code == 409 and "nothing was written" in answer.json()["reason"]
    assert api.get("/api/alerts").json()["count"] == 0


def test_a_successful_issue_writes_all_three(container):
    alert_id = _approved(container)
    with container.database.unit_of_work() as uow:
        alice = uow.users.by_name("alice")
    issued = container.alerts.issue(alice, alert_id)
    with container.database.unit_of_work() as uow:
        assert uow.alerts.get(alert_id).state is AlertState.ISSUED
        assert issued.cap_identifier.encode() in uow.alerts.cap_xml(alert_id)
        (entry,) = uow.outbox.for_alert(alert_id)
        assert entry.topic == OUTBOX_TOPIC and entry.payload["cap_identifier"] == issued.cap_identifier
        assert entry.payload["area_ids"] == ["AAA-0-1"] and entry.processed_at is None
        assert uow.audit.last(1)[0].action == "alert.issued"
