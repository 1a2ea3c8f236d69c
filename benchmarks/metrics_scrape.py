"""Benchmark: what the delivery figures cost a `/metrics` scrape, on SQLite and on PostgreSQL
(a server the benchmark starts on 127.0.0.1), with a deliveries table of N rows (100,000 and
1,000,000 by default), measured in the same run three ways, in turn each round:

- `none`: the scrape without delivery figures (alerts by state, outbox depth);
- `group by`: with them the former way, one `GROUP BY channel, state` over the whole table
  (every row read: the plan is printed);
- `totals`: the scrape as it is (`StoredCounts`): the kept totals of finished deliveries
  (`delivery_totals`, filled as migration 0150 back-fills them) and the rows queued or dead
  counted off `ix_deliveries_due` (plan printed).

Of the generated rows one in 50 is queued and one in 1000 dead (2.1 % unfinished, which the
new scrape still reads). `--index` adds one on (channel, state) to the benchmark's own
database (not a migration), the alternative that was measured before the totals. CPU is
`time.process_time()` of this process (PostgreSQL's own is in the wall time only).

    python benchmarks/metrics_scrape.py [--rows 100000 1000000] [--rounds 5] [--index] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.rounds import medians  # noqa: E402  (after the path)
from sqlalchemy import func, select  # noqa: E402

from safezone.adapters.db.delivery_models import DeliveryRow  # noqa: E402

# Of ten deliveries: six Web Push, two e-mail, one webhook, one MQTT.
CHANNELS = ("webpush",) * 6 + ("email",) * 2 + ("webhook", "mqtt")
# One in 50 still queued, one in 200 failed, one in 1000 dead, the rest sent.
STATE = ("CASE WHEN n % 1000 = 0 THEN 'dead' WHEN n % 200 = 0 THEN 'failed' WHEN n % 50 = 0 THEN 'queued' "
         "ELSE 'sent' END")
# The former statement of the delivery figures, kept here to compare with.
GROUP_BY = (select(DeliveryRow.channel, DeliveryRow.state, func.count())
            .group_by(DeliveryRow.channel, DeliveryRow.state))
COLUMNS = ("key, alert_id, chain, receiver, channel, priority, state, attempts, not_before, issued_at, expires_at, "
           "finished_at, latency_ms")


def fill(database, rows: int) -> None:  # type: ignore[no-untyped-def]
    """`rows` deliveries of one message id, made by the database itself (no alert row: the
    foreign key is switched off for the load only)."""
    channel = "CASE n % 10 " + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CHANNELS)) + " END"
    values = (f"'k' || n, 1, 'chain', 'r' || (n % 100000), {channel}, 1, {STATE}, 1, {{t}}, {{t}}, {{t}}, {{t}}, 12.5")
    if database.dialect == "sqlite":  # a plain sqlite3 connection: foreign keys are off in it
        connection = sqlite3.connect(database.engine.url.database)
        with connection:
            connection.execute(
                f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {rows}) "
                f"INSERT INTO deliveries ({COLUMNS}) SELECT {values.format(t=repr('2026-12-01 10:00:00.000000'))} "
                f"FROM s")
        connection.close()
    else:
        with database.engine.begin() as connection:
            connection.exec_driver_sql("SET session_replication_role = replica")  # no foreign-key triggers
            insert = (f"INSERT INTO deliveries ({COLUMNS}) SELECT {values.format(t='now()')} "
                      f"FROM generate_series(1, {rows}) n")
            connection.exec_driver_sql(insert.replace("%", "%%"))  # psycopg's placeholders
            connection.exec_driver_sql("SET session_replication_role = DEFAULT")
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "ANALYZE" if database.dialect == "sqlite" else "VACUUM ANALYZE deliveries")


def plan(database, statement) -> str:  # type: ignore[no-untyped-def]
    compiled = statement.compile(database.engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN " if database.dialect == "sqlite" else "EXPLAIN "
    with database.engine.connect() as connection:
        found = connection.exec_driver_sql(explain + str(compiled)).all()
    return "; ".join(str(row[-1]).strip() for row in found)


def back_fill(database) -> None:  # type: ignore[no-untyped-def]
    """The totals of the generated rows, as migration 0150 makes them."""
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO delivery_totals (channel, outcome, shard, count) SELECT channel, state, 0, count(*) "
            "FROM deliveries WHERE state IN ('sent', 'delivered', 'failed', 'expired') GROUP BY channel, state")


def timed(scrape: Callable[[], object], scrapes: int) -> tuple[float, float]:
    """(CPU ms, wall ms) a scrape."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(scrapes):
        scrape()
    return (time.process_time() - cpu) * 1000 / scrapes, (time.perf_counter() - wall) * 1000 / scrapes


def measure(name: str, url: str, rows: int, rounds: int, index: bool) -> None:
    from safezone.adapters.db import Database
    from safezone.adapters.db.monitoring import _DELIVERIES
    from safezone.entrypoints.web.metrics import StoredCounts

    with Database(url) as database:
        fill(database, rows)
        back_fill(database)
        if index:
            with database.engine.begin() as connection:
                connection.exec_driver_sql("CREATE INDEX ix_bench_channel_state ON deliveries (channel, state)")
            with database.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE" if database.dialect == "sqlite" else "VACUUM ANALYZE deliveries")

        def none() -> None:  # the scrape without delivery figures: alerts by state and the outbox's depth
            with database.unit_of_work(read_only=True) as uow:
                uow.monitoring.alerts_by_state()
                uow.monitoring.outbox_depth()

        def group_by() -> list:
            with database.unit_of_work(read_only=True) as uow:
                uow.monitoring.alerts_by_state()
                uow.monitoring.outbox_depth()
                return sorted(uow.deliveries._session.execute(GROUP_BY).all())

        def totals() -> list:
            list(StoredCounts(database).collect())
            with database.unit_of_work(read_only=True) as uow:
                return sorted(uow.monitoring.deliveries_by_channel_and_state())

        assert [tuple(r) for r in group_by()] == totals(), "the two ways count differently"
        ways = {"none": none, "group by": group_by, "totals": totals}
        for scrape in ways.values():
            scrape()  # connections opened, statements cached
        cpu, wall = medians({way: partial(timed, scrape, 3) for way, scrape in ways.items()}, rounds)
        label = f"{name}, {rows:,} rows{' + index' if index else ''}"
        figures = ", ".join(f"{way} {cpu[way]:.2f} CPU ms ({wall[way]:.2f} wall)" for way in ways)
        print(f"{label:34} {figures} a scrape; group by / totals: {cpu['group by'] / cpu['totals']:.1f}x CPU, "
              f"{wall['group by'] / wall['totals']:.1f}x wall")
        print(f"{'':34} group by plan: {plan(database, GROUP_BY)}")
        print(f"{'':34} totals plan: {plan(database, _DELIVERIES)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="delivery rows in the table (a database each)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--index", action="store_true", help="add an index on (channel, state) first")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; median of {args.rounds} rounds "
          f"of 3 scrapes")
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="safezone-scrape-") as tmp:
            measure("SQLite", f"sqlite:///{tmp}/scrape.db", rows, args.rounds, args.index)
    if not args.no_postgres:
        from safezone.adapters.db.local_postgres import local_postgres
        with local_postgres() as server:
            for rows in args.rows:
                measure("PostgreSQL", server.new_database(f"scrape_{rows}"), rows, args.rounds, args.index)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
