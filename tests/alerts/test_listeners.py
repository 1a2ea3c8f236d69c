"""The alert service tells its listeners of each change after it is committed (the live streams
hang on this), and a listener that fails neither fails nor undoes the change."""

from __future__ import annotations

from safezone.domain.alerts import AlertKind
from safezone.domain.cap import Status
from safezone.services.alerts import Composition


def _user(container, name):
    with container.database.unit_of_work(read_only=True) as uow:
        return uow.users.by_name(name)


def test_listeners_hear_each_step_after_its_commit_and_a_failing_one_changes_nothing(container):
    alice, bob = _user(container, "alice"), _user(container, "bob")
    heard = []

    def check_committed(action, alert):
        # A fresh unit of work already sees the change: the listener runs after the commit.
        assert container.alerts.get(alert.id).state == alert.state
        heard.append((action, alert.id, alert.state.value))

    def broken(action, alert):
        raise RuntimeError("a page went away")

    stop = container.alerts.on_change(check_committed)
    container.alerts.on_change(broken)
    draft = container.alerts.compose(alice, Composition(Status.ACTUAL, "short range", ("en",), ("AAA-0-1",))).alert
    container.alerts.submit(alice, draft.id)
    container.alerts.approve(bob, draft.id)
    issued = container.alerts.issue(alice, draft.id)
    cancel = container.alerts.follow_up(alice, draft.id, AlertKind.CANCEL)
    stop()
    assert heard == [("alert.submitted", draft.id, "submitted"), ("alert.approved", draft.id, "approved"),
                     ("alert.issued", draft.id, "issued"), ("alert.issued", cancel.id, "issued")]
    assert issued.state.value == "issued" and container.alerts.get(cancel.id).state.value == "issued"
