"""Benchmark: what the delivery figures add to a `/metrics` scrape (issue 12), on SQLite and on
PostgreSQL (a server the benchmark starts on 127.0.0.1), with a deliveries table of N rows,
against the scrape without them measured in the same run (alerts by state, outbox depth).

The delivery figures are one `GROUP BY channel, state` over the whole table: no index holds
both columns, so the plan (printed) reads every row. `--index` adds one on (channel, state) to
the benchmark's own database (not a migration) to show what such an index would save.
CPU is `time.process_time()` of this process (PostgreSQL's own is in the wall time only);
the rounds alternate old and new so both see the same load.

    python benchmarks/metrics_scrape.py [--rows 1000000] [--rounds 5] [--index] [--no-postgres]
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

# Of ten deliveries: six Web Push, two e-mail, one webhook, one MQTT.
CHANNELS = ("webpush",) * 6 + ("email",) * 2 + ("webhook", "mqtt")
# One in 50 still queued, one in 200 failed, one in 1000 dead, the rest sent.
STATE = ("CASE WHEN n % 1000 = 0 THEN 'dead' WHEN n % 200 = 0 THEN 'failed' WHEN n % 50 = 0 THEN 'queued' "
         "ELSE 'sent' END")
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


def plan(database) -> str:  # type: ignore[no-untyped-def]
    from safezone.adapters.db.monitoring import _DELIVERIES

    compiled = _DELIVERIES.compile(database.engine)
    explain = "EXPLAIN QUERY PLAN " if database.dialect == "sqlite" else "EXPLAIN "
    with database.engine.connect() as connection:
        found = connection.exec_driver_sql(explain + str(compiled)).all()
    return "; ".join(str(row[-1]).strip() for row in found)


def timed(scrape: Callable[[], object], scrapes: int) -> tuple[float, float]:
    """(CPU ms, wall ms) a scrape."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(scrapes):
        scrape()
    return (time.process_time() - cpu) * 1000 / scrapes, (time.perf_counter() - wall) * 1000 / scrapes


def measure(name: str, url: str, rows: int, rounds: int, index: bool) -> None:
    from safezone.adapters.db import Database
    from safezone.entrypoints.web.metrics import StoredCounts

    with Database(url) as database:
        fill(database, rows)
        if index:
            with database.engine.begin() as connection:
                connection.exec_driver_sql("CREATE INDEX ix_bench_channel_state ON deliveries (channel, state)")
            with database.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE" if database.dialect == "sqlite" else "VACUUM ANALYZE deliveries")

        def old() -> None:  # the scrape before: alerts by state and the outbox's depth
            with database.unit_of_work(read_only=True) as uow:
                uow.monitoring.alerts_by_state()
                uow.monitoring.outbox_depth()

        def new() -> None:
            list(StoredCounts(database).collect())

        ways = {"old": old, "new": new}
        for scrape in ways.values():
            scrape()  # connections opened, statements cached
        cpu, wall = medians({way: partial(timed, scrape, 3) for way, scrape in ways.items()}, rounds)
        label = f"{name}, {rows} rows{' + index' if index else ''}"
        print(f"{label:34} old {cpu['old']:.2f} CPU ms ({wall['old']:.2f} wall) a scrape, "
              f"new {cpu['new']:.2f} CPU ms ({wall['new']:.2f} wall); "
              f"ratio {wall['new'] / wall['old']:.1f}× the old wall")
        print(f"{'':34} plan: {plan(database)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="delivery rows in the table")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--index", action="store_true", help="add an index on (channel, state) first")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; median of {args.rounds} rounds "
          f"of 3 scrapes")
    with tempfile.TemporaryDirectory(prefix="safezone-scrape-") as tmp:
        measure("SQLite", f"sqlite:///{tmp}/scrape.db", args.rows, args.rounds, args.index)
    if not args.no_postgres:
        from safezone.adapters.db.local_postgres import local_postgres
        with local_postgres() as server:
            measure("PostgreSQL", server.new_database("scrape"), args.rows, args.rounds, args.index)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
