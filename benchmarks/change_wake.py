"""Benchmark: how long a commit made by another process takes to reach a served process's change
watcher on PostgreSQL (issue 12): woken by the commit's notice (LISTEN/NOTIFY), against the same
commits sent without it, measured in the same run (rounds alternate), when the watcher finds
the change at its next reading, up to `change_watch_s` (25 ms) later.

The time is from the commit's return in the committing handle (another `Database`, its own pool)
to the watcher handing over its reading of the moved mark (`PublicService.watched`, after the
rebuild that reading brings: a few ms of both figures), in this process, with a PostgreSQL
server the benchmark starts on 127.0.0.1. Commits come at random moments of the watcher's
interval; "no notice" commits are made without the committing handle's notice (its private
`_notice` set aside here, for the benchmark only).

    python benchmarks/change_wake.py [--commits 40] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def delays(url: str, commits: int, rounds: int) -> dict[str, list[float]]:
    """Milliseconds from each commit to the watcher's reading of it, with and without notices."""
    from safezone.bootstrap import assemble
    from safezone.settings import Settings
    from safezone.entrypoints.web.watch import watch_changes

    watched, other = assemble(Settings(db=url)), assemble(Settings(db=url))
    seen: dict[int, float] = {}
    arrived = threading.Condition()
    hand_over = watched.public.watched

    def recording(mark, *args) -> None:  # type: ignore[no-untyped-def]
        hand_over(mark, *args)
        with arrived:
            seen.setdefault(mark.shelter_seq, time.perf_counter())
            arrived.notify_all()

    watched.public.watched = recording  # type: ignore[method-assign]
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    watcher = asyncio.run_coroutine_threadsafe(watch_changes(watched), loop)
    sent = other.database._notice
    taken: dict[str, list[float]] = {"notice": [], "no notice": []}
    with other.database.unit_of_work(read_only=True) as uow:
        seq = uow.changes.current().shelter_seq
    try:
        for _ in range(rounds):
            for way in taken:
                other.database._notice = sent if way == "notice" else None
                for _ in range(commits):
                    time.sleep(random.uniform(0.0, 2 * watched.settings.change_watch_s))
                    with other.database.unit_of_work() as uow:
                        uow.changes.shelters_changed()
                        uow.commit()
                    committed, seq = time.perf_counter(), seq + 1
                    with arrived:
                        assert arrived.wait_for(lambda: seq in seen, timeout=5), "the watcher never read it"
                    taken[way].append(max(0.0, seen[seq] - committed) * 1000)
    finally:
        other.database._notice = sent
        loop.call_soon_threadsafe(watcher.cancel)
        time.sleep(0.2)
        loop.call_soon_threadsafe(loop.stop)
        watched.close()
        other.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=40, help="commits a round, each way")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from safezone.adapters.db.local_postgres import local_postgres

    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    with local_postgres() as server:
        taken = delays(server.new_database("wake"), args.commits, args.rounds)
    for way, found in taken.items():
        found.sort()
        print(f"{way:9} commit -> watcher's reading: p50 {statistics.median(found):.1f} ms, "
              f"p90 {found[int(0.9 * (len(found) - 1))]:.1f} ms, max {found[-1]:.1f} ms over {len(found)} commits")
    ratio = statistics.median(taken["notice"]) / statistics.median(taken["no notice"])
    print(f"ratio (p50, notice / no notice) {ratio:.2f}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
