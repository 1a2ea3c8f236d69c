"""The delivery engine from the outbox to real webhook receivers on 127.0.0.1, on SQLite and
PostgreSQL: exactly one copy per receiver, signed; a Cancel overtakes the alert it cancels;
retries with backoff, dead letters an operator retries, nothing past `expires`; receipts with
latency; two engines at once never send one delivery twice."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event

from safezone.adapters.channels.webhook import WebhookChannel, verify
from safezone.entrypoints import worker
from safezone.services.delivery import DeliveryEngine
from tests.subscribers.sink import Sink
from tests.support.app import issue_alert, login


@pytest.fixture
def sink():
    found = Sink()
    yield found
    found.close()


def hook(dave, sink, name: str, areas=("AAA-0-1",)) -> dict:
    answer = dave.post("/api/operator/integrators", {"name": name, "kind": "webhook", "url": sink.url(f"/{name}"),
                                                      "area_filter": list(areas)})
    assert answer.status_code == 201, answer.text
    return answer.json()


def make_engine(container, owner: str | None = None) -> DeliveryEngine:
    return worker.engine(container, {"webhook": WebhookChannel(clock=container.clock, timeout_s=2)}, owner)


def drain(engine: DeliveryEngine, passes: int = 20) -> None:
    async def run() -> None:
        try:
            for _ in range(passes):
                result = await engine.run_once()
                if not (result.planned or result.sent or result.finished or result.retried):
                    return
        finally:
            await engine.settle()
            for channel in engine.channels.values():
                await channel.close()
    asyncio.run(run())


def test_an_issued_alert_reaches_each_integrator_in_its_areas_once(api, container, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    siren = hook(dave, sink, "siren")
    hook(dave, sink, "elsewhere", areas=("BBB-1-1",))
    everything = hook(dave, sink, "agency", areas=())
    alert_id = issue_alert(alice, bob, areas=("AAA-0-1",))
    preview = alice.get(f"/api/operator/alerts/{alert_id}").json()
    assert preview["receivers"]["webhook"] == 2  # the approver and the issuer see the same figure

    drain(make_engine(container))
    assert sorted(sink.paths) == ["/agency", "/siren"] and set(sink.ids.values()) == {1}
    first = sink.headers[sink.paths.index("/siren")]
    assert verify(siren["secret"], first, first["_raw"], now=container.clock()) == first["webhook-id"]
    assert sink.bodies[0]["summary"]["kind"] == "alert" and sink.bodies[0]["cap"].startswith("<?xml")

    drain(make_engine(container))  # a second pass (or a restarted worker) sends nothing again
    assert sum(sink.ids.values()) == 2
    receipts = alice.get(f"/api/operator/alerts/{alert_id}/deliveries").json()
    assert receipts["states"]["sent"] == 2 and receipts["channels"]["webhook"]["sent"] == 2
    assert receipts["latency"]["count"] == 2 and receipts["latency"]["p99_ms"] >= receipts["latency"]["p50_ms"] >= 0
    assert everything["id"] != siren["id"]


def test_a_cancel_overtakes_the_pending_copies_of_its_alert(api, container, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    hook(dave, sink, "siren")
    alert_id = issue_alert(alice, bob)
    engine = make_engine(container)
    engine.plan_pending()  # the alert's copies are queued, not yet sent
    cancelled = alice.post(f"/api/operator/alerts/{alert_id}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    drain(engine)
    assert [b["summary"]["kind"] for b in sink.bodies] == ["cancel"]
    with container.database.unit_of_work(read_only=True) as uow:
        [skipped] = uow.deliveries.listed(alert_id=alert_id)
    assert skipped.state == "expired" and "superseded by the cancel" in skipped.reason


def test_retries_back_off_then_dead_letters_an_operator_retries(api, container, clock):
    answers = iter([503, 503, 200] + [500] * 50)
    sink = Sink(lambda body: next(answers))
    try:
        dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
        hook(dave, sink, "flaky")
        alert_id = issue_alert(alice, bob)
        engine = make_engine(container)
        drain(engine)
        assert not sink.ids  # two 503s so far: waiting for the backoff
        for _ in range(3):
            clock.advance(seconds=10)
            drain(engine)
        assert list(sink.ids.values()) == [1]
        with container.database.unit_of_work(read_only=True) as uow:
            [done] = uow.deliveries.listed(alert_id=alert_id)
        assert done.state == "sent" and done.attempts == 3

        second = issue_alert(alice, bob, areas=("AAA-0-1",))
        for _ in range(12):  # every answer a 500 from now on: dead after max_attempts
            clock.advance(seconds=150)
            drain(engine)
        dead = alice.get("/api/operator/deliveries", params={"state": "dead"}).json()["deliveries"]
        assert [d["alert_id"] for d in dead] == [second]
        assert alice.post(f"/api/operator/deliveries/{dead[0]['id']}/retry").status_code == 200
        assert alice.post(f"/api/operator/deliveries/{dead[0]['id']}/retry").status_code == 409
        assert alice.get(f"/api/operator/alerts/{second}/deliveries").json()["states"]["queued"] == 1
    finally:
        sink.close()


def test_nothing_is_sent_past_expires(api, container, clock, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    hook(dave, sink, "late")
    alert_id = issue_alert(alice, bob)
    clock.advance(hours=2)  # the alert lived 60 minutes
    drain(make_engine(container))
    assert not sink.ids
    assert alice.get(f"/api/operator/alerts/{alert_id}/deliveries").json()["states"]["expired"] == 1


def test_two_engines_at_once_send_each_delivery_once(api, container, sink):
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    for n in range(40):
        hook(dave, sink, f"gateway-{n}")
    alert_id = issue_alert(alice, bob)
    engines = [make_engine(container, "one"), make_engine(container, "two")]
    for engine in engines:
        engine.settings = engine.settings.__class__(**{**engine.settings.__dict__, "batch": 7})
    start = threading.Barrier(2)

    def run(engine: DeliveryEngine) -> None:
        start.wait()
        drain(engine, passes=50)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(sink.ids) == 40 and set(sink.ids.values()) == {1}
    assert alice.get(f"/api/operator/alerts/{alert_id}/deliveries").json()["states"]["sent"] == 40


def test_an_issued_alert_wakes_the_embedded_worker_at_once(api, container, sink):
    """The in-process worker polls rarely here (a minute): only the wake on issue can make the
    copy arrive within seconds."""
    dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
    hook(dave, sink, "siren")
    container.delivery_settings = replace(container.delivery_settings, poll_s=60.0)
    stop = asyncio.Event()

    async def run() -> float:
        running = asyncio.create_task(worker.embedded(container, stop, {"webhook": WebhookChannel(
            clock=container.clock, timeout_s=2)}))
        await asyncio.sleep(0.5)  # the worker has looked once and is idle now
        started = time.perf_counter()
        await asyncio.to_thread(issue_alert, alice, bob)
        while not sink.ids and time.perf_counter() - started < 10:
            await asyncio.sleep(0.01)
        waited = time.perf_counter() - started
        stop.set()
        await asyncio.wait_for(running, 10)
        return waited

    assert asyncio.run(run()) < 5 and sum(sink.ids.values()) == 1


def test_the_running_engine_leases_the_next_batch_while_the_last_is_sent(api, container):
    """Batches of 10 to receivers taking 1.5 s each, the engine running as `serve` runs it: the
    second batch is on its way before the first has answered (20 copies at the receivers at
    once, not 10), and every copy is recorded sent once."""
    at_once, most = 0, 0

    async def slow(body):
        nonlocal at_once, most
        at_once += 1
        most = max(most, at_once)
        await asyncio.sleep(1.5)
        at_once -= 1
        return 200

    sink = Sink(slow)
    try:
        dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
        for n in range(30):
            hook(dave, sink, f"gateway-{n}")
        alert_id = issue_alert(alice, bob)
        engine = make_engine(container)
        engine.settings = replace(engine.settings, batch=10)
        engine.straggler_wait_s = 10.0  # a pass may not just give up waiting: only the pipeline overlaps batches
        stop = asyncio.Event()

        async def run() -> None:
            running = asyncio.create_task(engine.run(stop))
            started = time.monotonic()
            while time.monotonic() - started < 60:
                with container.database.unit_of_work(read_only=True) as uow:
                    if dict((s, n) for _, s, n in uow.deliveries.totals(alert_id)).get("sent") == 30:
                        break
                await asyncio.sleep(0.1)
            stop.set()
            await running
            await engine.channels["webhook"].close()

        asyncio.run(run())
    finally:
        sink.close()
    assert most >= 20, most
    assert len(sink.ids) == 30 and set(sink.ids.values()) == {1}
    states = alice.get(f"/api/operator/alerts/{alert_id}/deliveries").json()["states"]
    assert {s: n for s, n in states.items() if n} == {"sent": 30}


def test_a_lease_reads_the_first_due_rows_off_the_index_without_sorting_every_pending_row(container):
    """A fan-out of 100,000 leases 500 rows at a time: sorting all the pending rows at each
    lease made the fan-out quadratic. On SQLite the order is the due index's own."""
    statements: list[tuple[str, tuple]] = []
    engine = container.database.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the query plan checked is SQLite's; PostgreSQL leases with SKIP LOCKED")

    def seen(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", seen)
    try:
        with container.database.unit_of_work() as uow:
            now = container.clock()
            uow.deliveries.claim("w", now, now + timedelta(seconds=30), 500)
            query, parameters = next((q, p) for q, p in statements if q.lstrip().startswith("SELECT"))
            plan = [row[-1] for row in uow.deliveries._session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + query, tuple(parameters))]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert any("ix_deliveries_due" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_leases_come_in_priority_then_due_then_id_order_read_off_the_due_index(api, container):
    """Cancels first, then Actual, then drills; within those the longest due; then the oldest row.
    On PostgreSQL the plan has no sort step: the due index ends with the id (migration 0140)."""
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    now = container.clock()
    spec = [(2, 0), (0, 5), (2, 0), (1, 3), (0, 5), (1, 1), (2, 9), (0, 5), (1, 1)]  # (priority, seconds ago)
    rows = [{"key": f"order:{n}", "alert_id": alert_id, "chain": "order", "receiver": f"int_{n:03d}",
             "channel": "webhook", "priority": rank, "state": "queued", "attempts": 0,
             "not_before": now - timedelta(seconds=ago), "issued_at": now, "expires_at": now + timedelta(hours=1)}
            for n, (rank, ago) in enumerate(spec)]
    with container.database.unit_of_work() as uow:
        uow.deliveries.add_many(rows)
        uow.commit()
    leased: list[str] = []
    for _ in range(4):  # three at a time, as batches
        with container.database.unit_of_work() as uow:
            leased += [t.key for t in uow.deliveries.claim("w", now, now + timedelta(seconds=30), 3)]
            uow.commit()
    expected = sorted(range(len(spec)), key=lambda n: (spec[n][0], -spec[n][1], n))
    assert leased == [f"order:{n}" for n in expected]

    if container.database.engine.dialect.name == "postgresql":
        statements: list[tuple[str, dict]] = []

        def seen(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
            statements.append((statement, parameters))
        engine = container.database.engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            with container.database.unit_of_work() as uow:
                connection = uow.deliveries._session.connection()
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # a small table, read as a big one
                uow.deliveries.claim("w", now, now + timedelta(seconds=30), 3)
                query, parameters = next((q, p) for q, p in statements if q.lstrip().startswith("SELECT"))
                plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + query, parameters)]
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert any("ix_deliveries_due" in step for step in plan), plan
        assert not any("Sort" in step for step in plan), plan
