"""A large fan-out is planned a chunk per transaction, on SQLite and PostgreSQL: its first copies
are leased with its first chunk; the outbox entry is processed only with its last chunk; a worker
that stops between chunks loses and doubles nothing; a Cancel stops the rest of the plan and goes
first; two engines planning at once insert each row once."""

from __future__ import annotations

import threading

from safezone.services.alerts import OUTBOX_TOPIC
from safezone.services.delivery import DeliveryEngine
from tests.subscribers.test_delivery_engine import drain, hook, make_engine, sink  # noqa: F401  (fixture)
from tests.support.app import issue_alert, login


def chunked(container, size: int, owner: str | None = None) -> DeliveryEngine:
    engine = make_engine(container, owner)
    engine.plan_chunk = size
    return engine


def pending(container) -> bool:
    with container.database.unit_of_work(read_only=True) as uow:
        return uow.outbox.has_pending(OUTBOX_TOPIC)


def rows(container, alert_id: int) -> list:
    with container.database.unit_of_work(read_only=True) as uow:
        return uow.deliveries.listed(alert_id=alert_id, limit=1000)


def test_the_first_chunk_is_leased_at_once_and_the_entry_is_processed_with_the_last(api, container, clock, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    for n in range(5):
        hook(dave, sink, f"gateway-{n}")
    alert_id = issue_alert(alice, bob)
    engine = chunked(container, 2)
    added, tasks = engine.plan_and_claim()
    assert added == 2 and len(tasks) == 2 and len(rows(container, alert_id)) == 2 and pending(container)
    assert engine.plan_pending() == 2 and pending(container)
    assert engine.plan_pending() == 1 and not pending(container)
    assert engine.plan_pending() == 0 and len(rows(container, alert_id)) == 5
    clock.advance(seconds=engine.settings.lease_s + 1)  # the two leased copies were not sent: due again
    drain(engine)
    assert len(sink.ids) == 5 and set(sink.ids.values()) == {1}


def test_a_worker_stopped_between_chunks_is_resumed_without_loss_or_double(api, container, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    for n in range(7):
        hook(dave, sink, f"gateway-{n}")
    alert_id = issue_alert(alice, bob)
    assert chunked(container, 3).plan_pending() == 3  # then the worker is gone, its memory with it
    resumed = chunked(container, 3)
    added = 0
    while pending(container):
        added += resumed.plan_pending()
    planned = rows(container, alert_id)
    assert added == 4 and len(planned) == 7 and len({(d.receiver, d.channel) for d in planned}) == 7
    drain(resumed)
    assert len(sink.ids) == 7 and set(sink.ids.values()) == {1}


def test_a_cancel_during_planning_stops_the_rest_and_goes_first(api, container, clock, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    for n in range(6):
        hook(dave, sink, f"gateway-{n}")
    alert_id = issue_alert(alice, bob)
    engine = chunked(container, 2)
    assert engine.plan_pending() == 2
    cancelled = alice.post(f"/api/operator/alerts/{alert_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    _, leased = engine.plan_and_claim()  # the rest of the alert is not planned: the Cancel is leased first
    assert len(leased) == 2 and all(t.alert_id != alert_id for t in leased) and not pending(container)
    clock.advance(seconds=engine.settings.lease_s + 1)
    earlier = rows(container, alert_id)
    assert len(earlier) == 2 and {d.state for d in earlier} == {"expired"}
    assert all("superseded by the cancel" in d.reason for d in earlier)
    drain(engine)
    assert [b["summary"]["kind"] for b in sink.bodies] == ["cancel", "cancel"]  # to those the plan had reached


def test_two_engines_planning_at_once_insert_each_row_once(api, container, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    for n in range(30):
        hook(dave, sink, f"gateway-{n}")
    alert_id = issue_alert(alice, bob)
    engines = [chunked(container, 3, "one"), chunked(container, 3, "two")]
    added = [0, 0]
    start = threading.Barrier(2)

    def run(n: int) -> None:
        start.wait()
        for _ in range(200):
            if not pending(container):
                return
            added[n] += engines[n].plan_pending()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    planned = rows(container, alert_id)
    assert sum(added) == 30 and len(planned) == 30 and not pending(container)
    assert len({(d.receiver, d.channel) for d in planned}) == 30
