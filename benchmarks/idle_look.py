"""Benchmark: the delivery engine's idle look for work (issue 12), CPU of the asking process a
look, on SQLite and on PostgreSQL (a server the benchmark starts on 127.0.0.1), against the
old way measured in the same run: a read-only unit of work with its two or three lookups.

An idle `safezone serve` looks every `poll_s` (50 ms): 20 looks a second in the process that
answers the public. CPU is `time.process_time()` of this process (the server's is not counted);
the rounds alternate old and new so both see the same load.

    python benchmarks/idle_look.py [--looks 500] [--rounds 5] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.rounds import medians  # noqa: E402  (after the path)


def old_way(database, email: bool) -> Callable[[], bool]:  # type: ignore[no-untyped-def]
    """What `DeliveryEngine.has_work` did before: a read-only unit of work."""
    from safezone.services.alerts import OUTBOX_TOPIC

    def look() -> bool:
        with database.unit_of_work(read_only=True) as uow:
            return bool(uow.outbox.has_pending(OUTBOX_TOPIC) or uow.deliveries.has_due(datetime.now(timezone.utc))
                        or (email and uow.subscribers.confirmations_due(1)))
    return look


def new_way(check, email: bool) -> Callable[[], bool]:  # type: ignore[no-untyped-def]
    return lambda: check.any(datetime.now(timezone.utc), email=email)


def cpu_per_look(look: Callable[[], bool], looks: int) -> tuple[float, float]:
    """(CPU ms, wall ms) a look."""
    look()  # the connection opened, the statement cached
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(looks):
        assert look() is False
    return (time.process_time() - cpu) * 1000 / looks, (time.perf_counter() - wall) * 1000 / looks


def measure(name: str, url: str, looks: int, rounds: int) -> None:
    from safezone.adapters.db import Database
    from safezone.services.alerts import OUTBOX_TOPIC

    with Database(url) as database:
        check = database.work_check(OUTBOX_TOPIC)
        for email in (False, True):
            ways = {"old": old_way(database, email), "new": new_way(check, email)}
            cpu, wall = medians({way: partial(cpu_per_look, look, looks) for way, look in ways.items()}, rounds)
            label = f"{name}, e-mail {'on' if email else 'off'}"
            print(f"{label:28} old {cpu['old']:.3f} CPU ms ({wall['old']:.3f} wall) a look, "
                  f"new {cpu['new']:.3f} CPU ms ({wall['new']:.3f} wall); "
                  f"ratio {cpu['new'] / cpu['old']:.2f}× the old CPU")
        check.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--looks", type=int, default=500, help="looks a round, each way")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}; median of {args.rounds} rounds "
          f"of {args.looks} looks")
    with tempfile.TemporaryDirectory(prefix="safezone-idle-") as tmp:
        measure("SQLite", f"sqlite:///{tmp}/idle.db", args.looks, args.rounds)
    if not args.no_postgres:
        from safezone.adapters.db.local_postgres import local_postgres
        with local_postgres() as server:
            measure("PostgreSQL", server.new_database("idle"), args.looks, args.rounds)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
