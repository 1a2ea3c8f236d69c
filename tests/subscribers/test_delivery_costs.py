"""What keeps a fan-out cheap per copy does not change what it does: planned rows read back as
written (SQLite's driver-level insert stores times as the ORM does), the engine's wait for room
wakes on counts, and the collector settings of a delivering process come and go with it."""

from __future__ import annotations

import asyncio
import gc
from datetime import timedelta

from safezone.adapters.db.delivery_models import DeliveryRow
from safezone.entrypoints import collector, worker
from tests.support.app import issue_alert, login


def _rows(alert_id: int, now, names: list[str]) -> list[dict]:
    return [{"key": f"cost:{name}", "alert_id": alert_id, "chain": "cost", "receiver": name, "channel": "webhook",
             "priority": 2, "state": "queued", "attempts": 0, "not_before": now, "issued_at": now,
             "expires_at": now + timedelta(hours=1)} for name in names]


def test_planned_rows_read_back_as_written_and_a_second_plan_adds_none(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    now = container.clock()
    with container.database.unit_of_work() as uow:
        assert uow.deliveries.add_many(_rows(alert_id, now, ["int_a", "int_b"])) == 2
        assert uow.deliveries.add_many(_rows(alert_id, now, ["int_b", "int_c"])) == 1  # int_b is there already
        # One row the ORM's way, due a second later: times compare across both forms.
        orm = _rows(alert_id, now + timedelta(seconds=1), ["int_orm"])[0]
        uow.deliveries._session.add(DeliveryRow(**orm))
        uow.commit()
    with container.database.unit_of_work() as uow:
        assert uow.deliveries.has_due(now)
        tasks = uow.deliveries.claim("w", now, now + timedelta(seconds=30), 10)
        uow.commit()
    assert sorted(t.receiver for t in tasks if t.key.startswith("cost:")) == ["int_a", "int_b", "int_c"]
    ours = [t for t in tasks if t.key.startswith("cost:")]
    assert {(t.issued_at, t.expires_at) for t in ours} == {(now, now + timedelta(hours=1))}
    assert all(t.issued_at.utcoffset() == timedelta(0) for t in ours)
    with container.database.unit_of_work() as uow:
        later = uow.deliveries.claim("w", now + timedelta(seconds=1), now + timedelta(seconds=30), 10)
        uow.commit()
    assert [t.receiver for t in later] == ["int_orm"]  # not due before its time, due at it


def test_a_wait_for_room_wakes_when_enough_copies_are_done_or_at_its_timeout(container):
    engine = worker.engine(container, {})

    async def run() -> None:
        loop = asyncio.get_running_loop()
        copies = [loop.create_future() for _ in range(5)]
        for copy in copies:
            engine._in_flight.add(copy)
            copy.add_done_callback(engine._sent)
        started = loop.time()
        await engine._fewer_in_flight(2, timeout=0.2)  # nothing finishes: it gives up waiting
        assert loop.time() - started >= 0.19 and not engine._waiting
        two, four = (asyncio.ensure_future(engine._fewer_in_flight(n)) for n in (2, 4))
        await asyncio.sleep(0)
        copies[0].set_result(None)
        await asyncio.sleep(0.01)
        assert four.done() and not two.done()
        for copy in copies[1:3]:
            copy.set_result(None)
        await asyncio.wait_for(two, 1)
        assert len(engine._in_flight) == 2 and not engine._waiting
        for copy in copies[3:]:
            copy.set_result(None)
        await asyncio.wait_for(engine._fewer_in_flight(0), 1)

    asyncio.run(run())


def test_the_collector_is_set_for_delivering_while_the_worker_runs_and_reset_after(container):
    before = (gc.get_threshold(), gc.get_freeze_count() > 0)
    seen: list[tuple[int, int]] = []

    async def run() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(worker.embedded(container, stop, {}))
        await asyncio.sleep(0.2)
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        with collector.delivering():  # a second user in the same process (two engines in a test)
            pass
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        stop.set()
        await running

    asyncio.run(run())
    assert all(threshold >= collector.YOUNG_THRESHOLD and frozen > 0 for threshold, frozen in seen), seen
    assert (gc.get_threshold(), gc.get_freeze_count() > 0) == before
