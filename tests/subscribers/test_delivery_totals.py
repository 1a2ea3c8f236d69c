"""The totals of finished deliveries that `/metrics` reads (`adapters.db.delivery_totals`), on
SQLite and PostgreSQL: they equal a count of the rows after every way a row finishes (and after
a rollback, which counts nothing), workers finishing rows at once lose no increment and never
deadlock, and a scrape reads only the rows still unfinished, not the history."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import event, text

from safezone.adapters.db import delivery_totals
from safezone.adapters.db.delivery_totals import FINISHED
from safezone.entrypoints.web.metrics import StoredCounts
from tests.support.app import issue_alert, login

_BY_STATE = text("SELECT channel, state, count(*) FROM deliveries GROUP BY channel, state")


def _plan(container, alert_id: int, chain: str, channels: dict[str, int]) -> None:
    """Queue `count` deliveries of the alert on each channel, on `chain`."""
    now = container.clock()
    rows = [{"key": f"{chain}:{channel}:{n}", "alert_id": alert_id, "chain": chain, "receiver": f"r{n}",
             "channel": channel, "priority": 2, "state": "queued", "attempts": 0, "not_before": now,
             "issued_at": now, "expires_at": now + timedelta(hours=1)}
            for channel, count in channels.items() for n in range(count)]
    with container.database.unit_of_work() as uow:
        uow.deliveries.add_many(rows)
        uow.commit()


def _claim(container, owner: str) -> dict[str, list[int]]:
    """Lease every due row to `owner`: their ids by channel."""
    now = container.clock()
    with container.database.unit_of_work() as uow:
        tasks = uow.deliveries.claim(owner, now, now + timedelta(minutes=5), 10_000)
        uow.commit()
    found: dict[str, list[int]] = {}
    for task in tasks:
        found.setdefault(task.channel, []).append(task.id)
    return found


def _rows(uow) -> list[tuple[str, str, int]]:
    return sorted((str(c), str(s), int(n)) for c, s, n in uow.deliveries._session.execute(_BY_STATE))


def _scraped(container) -> list[tuple[str, str, int]]:
    with container.database.unit_of_work(read_only=True) as uow:
        return sorted(uow.monitoring.deliveries_by_channel_and_state())


def _finished(uow, owner: str, state: str, ids: list[int], now) -> int:
    return uow.deliveries.finish_many(owner, [{"id": i, "state": state, "finished_at": now, "attempts": 1}
                                              for i in ids])


def test_totals_equal_the_rows_after_every_way_a_delivery_finishes(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    _plan(container, alert_id, "a", {"webhook": 8, "email": 5})
    leased = _claim(container, "w")
    _plan(container, alert_id, "b", {"webhook": 3, "webpush": 2})  # not leased
    hooks, mails = leased["webhook"], leased["email"]
    now = container.clock()
    with container.database.unit_of_work() as uow:
        assert _finished(uow, "w", "sent", hooks[:3], now) == 3  # receipts in bulk
        assert _finished(uow, "w", "delivered", mails[:1], now) == 1
        assert _finished(uow, "w", "sent", mails[1:3], now) == 2
        assert uow.deliveries.finish(hooks[3], "w", "failed", now, attempts=1, reason="410")  # gone
        assert uow.deliveries.finish(hooks[4], "w", "dead", now, attempts=5, reason="500")  # past the retry limit
        assert uow.deliveries.finish(mails[3], "w", "expired", now, attempts=1)
        assert uow.deliveries.retry_later(hooks[5], "w", now + timedelta(seconds=1), attempts=1, reason="503")
        assert not uow.deliveries.finish(hooks[3], "w", "sent", now, attempts=2)  # finished already: no count
        # A Cancel overtakes chain b: its unsent copies expire.
        assert uow.deliveries.skip_pending("b", alert_id + 1, now, "superseded") == 5
        uow.commit()
    with container.database.unit_of_work() as uow:  # rolled back: nothing happened, nothing counted
        assert _finished(uow, "w", "sent", hooks[6:], now) == 2
    with container.database.unit_of_work() as uow:
        assert uow.deliveries.requeue_dead(hooks[4], now)  # an operator's retry of the dead one
        uow.commit()
    assert _claim(container, "w2") == {"webhook": [hooks[4]]}
    with container.database.unit_of_work() as uow:
        assert _finished(uow, "w2", "sent", [hooks[4]], now) == 1
        rows = _rows(uow)
        uow.commit()

    totals = {(c, s): n for c, s, n in rows if s in FINISHED}
    assert totals == {("webhook", "sent"): 4, ("webhook", "failed"): 1, ("webhook", "expired"): 3,
                      ("email", "delivered"): 1, ("email", "sent"): 2, ("email", "expired"): 1,
                      ("webpush", "expired"): 2}
    assert _scraped(container) == rows  # totals kept, unfinished ones counted: the GROUP BY exactly


def test_workers_finishing_at_once_lose_no_increment_and_never_deadlock(api, container, monkeypatch):
    monkeypatch.setattr(delivery_totals, "SHARDS", 2)  # workers meet on the same counter rows often
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    workers, batches = 4, 30
    _plan(container, alert_id, "c", {"webhook": workers * batches * 2, "email": workers * batches * 2})
    leased = _claim(container, "all")
    now = container.clock()
    start, errors = threading.Barrier(workers), []

    def finish(worker: int) -> None:
        hooks, mails = leased["webhook"][worker::workers], leased["email"][worker::workers]
        # Half the workers finish webhooks first, half e-mails: opposite orders on the same counters.
        first, second = (hooks, mails) if worker % 2 else (mails, hooks)
        try:
            start.wait()
            for batch in range(batches):
                with container.database.unit_of_work() as uow:
                    for outcome in ("sent", ("failed", "expired")[batch % 2]):
                        row = 2 * batch + (outcome != "sent")
                        _finished(uow, "all", outcome, [first[row]], now)
                        _finished(uow, "all", outcome, [second[row]], now)
                    uow.commit()
        except Exception as error:  # a deadlock, a lost lock wait: the test fails with it
            errors.append(error)

    threads = [threading.Thread(target=finish, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors and not any(thread.is_alive() for thread in threads)
    with container.database.unit_of_work(read_only=True) as uow:
        rows = _rows(uow)
    assert sum(n for _, s, n in rows if s in FINISHED) == workers * batches * 4
    assert _scraped(container) == rows


def _scrape_statements(container) -> list[tuple[str, object]]:
    """The statements (and their parameters) one `/metrics` scrape of the stored counts runs."""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement, parameters))

    engine = container.database.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        list(StoredCounts(container.database).collect())
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return [(s, p) for s, p in seen if "deliveries" in s]


def _history(container, alert_id: int, finished: int, unfinished: int) -> None:
    """`finished` sent rows and `unfinished` queued ones, made by the database itself."""
    sqlite = container.database.dialect == "sqlite"
    numbers = ("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :rows) SELECT n FROM s"
               if sqlite else "SELECT n FROM generate_series(1, :rows) n")
    at = "'2026-12-01 10:00:00.000000'" if sqlite else "now()"
    state = "CASE WHEN n <= :unfinished THEN 'queued' ELSE 'sent' END"
    with container.database.engine.begin() as connection:
        connection.execute(text(
            f"INSERT INTO deliveries (key, alert_id, chain, receiver, channel, priority, state, attempts, not_before, "
            f"issued_at, expires_at) SELECT 'h' || n, :alert, 'h', 'r' || n, 'webpush', 2, {state}, 1, {at}, {at}, "
            f"{at} FROM ({numbers}) AS numbers"), {"rows": finished + unfinished, "unfinished": unfinished,
                                                   "alert": alert_id})
    with container.database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "ANALYZE" if sqlite else "ANALYZE deliveries")


def _rows_read(plan: dict) -> int:
    """Rows a PostgreSQL plan node (and those below it) read from `deliveries`."""
    read = 0
    if plan.get("Relation Name") == "deliveries":
        kept = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        read += (kept + plan.get("Rows Removed by Index Recheck", 0)) * plan.get("Actual Loops", 1)
    return read + sum(_rows_read(child) for child in plan.get("Plans", []))


def test_a_scrape_reads_the_unfinished_rows_not_the_history(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    _history(container, issue_alert(alice, bob), finished=20_000, unfinished=30)
    statements = _scrape_statements(container)
    assert statements
    with container.database.engine.connect() as connection:
        for statement, parameters in statements:
            if container.database.dialect == "sqlite":
                plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
                # SEARCH: a range of an index; SCAN deliveries (with or without an index): every row.
                assert not [step for step in plan if "SCAN deliveries" in step], (statement, plan)
                assert [step for step in plan if "COVERING INDEX ix_deliveries_unfinished" in step], (statement, plan)
            else:
                [(found,)] = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                                        parameters).all()
                found = json.loads(found) if isinstance(found, str) else found
                assert _rows_read(found[0]["Plan"]) <= 100, (statement, found)
