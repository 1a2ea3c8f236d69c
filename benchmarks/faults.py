"""Faults while serving: a real `safezone serve --workers 2` on PostgreSQL with Redis, under a
bounded public load, while alerts are issued; then a web worker is killed with SIGKILL, Redis is
restarted and PostgreSQL is restarted (stopped at once, like a crash).

    python benchmarks/faults.py [--load-threads 6] [--down-s 3]

Printed per phase: answers served, answers by status (and transport errors: connections cut by
the kill), 5xx other than 503, and the recovery time (from the dependency's return, or the kill,
until `/readyz` answers 200 again). Afterwards: every alert whose issue was answered 200 is in
`/api/alerts` (none lost), none is half-issued (each issued alert has its CAP message), and the
audit chain verifies (`safezone audit verify`). Exit 1 if any of that fails or a 500 was seen.
Everything runs on 127.0.0.1 and ends within a few minutes.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from serve import ENV, Operators, prepare, process_on_port  # benchmarks/serve.py, same folder

ROOT = Path(__file__).resolve().parent.parent
SAFEZONE = [sys.executable, "-c", "from safezone.entrypoints.cli import main; main()"]
READY_LIMIT_S = 90


class Load:
    """Public readers on their own threads; answers counted by phase and status."""

    def __init__(self, base: str, paths: list[str], threads: int) -> None:
        self.base, self.paths = base, paths
        self.phase = "start"
        self.counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.stop = threading.Event()
        self.timeline: list[tuple[float, float, str]] = []  # (start, seconds, status) of every read
        self.threads = [threading.Thread(target=self._read, args=(n,), daemon=True) for n in range(threads)]

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(15)

    def _read(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=10) as client:
            while not self.stop.is_set():
                path = self.paths[n % len(self.paths)]
                phase = self.phase
                began = time.monotonic()
                try:
                    status = str(client.get(path).status_code)
                except httpx.TransportError as cut:
                    status = type(cut).__name__
                self.counts[phase][status] += 1
                self.timeline.append((began, time.monotonic() - began, status))


def wait_ready(base: str, since: float) -> float:
    """Seconds from `since` until /readyz answers 200."""
    deadline = time.monotonic() + READY_LIMIT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return time.monotonic() - since
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit("/readyz did not come back within the limit")


def saw_not_ready(base: str) -> int:
    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code
    except httpx.TransportError:
        return 0


def issue(operators: Operators, area: str, attempts: int = 40) -> int | None:
    """An alert composed, approved and issued, retrying through the fault; its id, or None."""
    for _ in range(attempts):
        try:
            alert_id = operators.submitted(area)
            operators.approve_and_issue(alert_id)
            return alert_id
        except (httpx.HTTPError, KeyError):
            time.sleep(0.5)
    return None


def children(parent: int, marker: str) -> list[int]:
    """The ids of `parent`'s child processes whose command line holds `marker`."""
    done = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(parent)], capture_output=True, text=True)
    return [int(line.split()[0]) for line in done.stdout.splitlines() if marker in line]


def worker_pids(serve_pid: int) -> list[int]:
    return children(serve_pid, "spawn_main")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load-threads", type=int, default=6)
    parser.add_argument("--down-s", type=float, default=3.0)
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here (with every request's line)")
    args = parser.parse_args()

    from safezone.adapters.config.threats import load_threats
    from safezone.adapters.db.local_postgres import local_postgres
    from safezone.adapters.geodata import geonames
    from safezone.adapters.geodata.border_sources import from_country_pair
    from safezone.services.zones import DEFAULT_AREA_KM, build_zones
    from tests.support.redis_server import RedisServer

    quiet = lambda _message: None  # noqa: E731
    config = load_threats(None)
    zones = build_zones(from_country_pair("ISR-LBN"), config.threats, geonames.load_settlements(quiet),
                        area_km=config.area_km or DEFAULT_AREA_KM, band_edges_km=config.band_edges_km,
                        place_names=geonames.load_place_names(quiet))
    failures: list[str] = []
    issued: list[int] = []
    recovery: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="safezone-faults-") as tmp, local_postgres() as postgres:
        workdir = Path(tmp)
        db_url = postgres.new_database("faults")
        areas, (lat, lon) = prepare(db_url, zones)
        redis = RedisServer(workdir).start()
        env = {**ENV, "SAFEZONE_REDIS_URL": redis.url, "SAFEZONE_READY_TIMEOUT_S": "1"}
        command = [*SAFEZONE, "serve", *([] if args.keep_log else ["--quiet"]), "--no-default-zones", "--db", db_url,
                   "--workers", "2"]
        try:
            with process_on_port(command, workdir, env) as base:
                serve_pid = children(os.getpid(), " serve ")[0]
                operators = Operators(base)
                paths = ["/api/alerts", f"/api/where?lat={lat:.5f}&lon={lon:.5f}", "/feeds/alerts.atom"]
                with Load(base, paths, args.load_threads) as load:
                    load.phase = "steady"
                    time.sleep(2)
                    issued.append(issue(operators, areas[0]))

                    load.phase = "kill -9 web worker"
                    victim = worker_pids(serve_pid)[0]
                    killed = time.monotonic()
                    subprocess.run(["kill", "-9", str(victim)], check=True)
                    issued.append(issue(operators, areas[1]))
                    issue_s = time.monotonic() - killed
                    while len([p for p in worker_pids(serve_pid) if p != victim]) < 2:
                        time.sleep(0.05)
                    respawned = time.monotonic() - killed
                    recovery[load.phase] = respawned
                    print(f"killed worker {victim}: an alert issued meanwhile in {issue_s:.2f} s (the other worker "
                          f"serves); a new worker in {respawned:.1f} s (uvicorn notices at its health check)")
                    time.sleep(1)

                    load.phase = "Redis restart"
                    redis.stop()
                    time.sleep(0.5)
                    if saw_not_ready(base) != 503:
                        failures.append("/readyz did not answer 503 while Redis was down")
                    issued.append(issue(operators, areas[2]))
                    time.sleep(args.down_s)
                    redis.start()
                    recovery[load.phase] = wait_ready(base, time.monotonic())
                    time.sleep(1)

                    load.phase = "PostgreSQL restart"
                    postgres.stop()
                    time.sleep(0.5)
                    if saw_not_ready(base) != 503:
                        failures.append("/readyz did not answer 503 while PostgreSQL was down")
                    time.sleep(args.down_s)
                    postgres.start()
                    recovery[load.phase] = wait_ready(base, time.monotonic())
                    issued.append(issue(operators, areas[3]))
                    load.phase = "after"
                    time.sleep(2)
                listed = {a["id"] for a in httpx.get(f"{base}/api/alerts", timeout=30).json()["alerts"]}
                for alert_id in issued:
                    if alert_id is None:
                        failures.append("an alert could not be issued through the faults")
                    elif alert_id not in listed:
                        failures.append(f"alert {alert_id} was issued but is not in /api/alerts")
                    else:
                        cap = httpx.get(f"{base}/api/alerts/{alert_id}/cap.xml", timeout=30)
                        if cap.status_code != 200 or b"<alert" not in cap.content:
                            failures.append(f"alert {alert_id} has no CAP message ({cap.status_code})")
            verified = subprocess.run([*SAFEZONE, "audit", "verify", "--db", db_url], capture_output=True, text=True,
                                      env={**os.environ, **ENV})
            if verified.returncode != 0:
                failures.append(f"the audit chain does not verify: {verified.stdout}{verified.stderr}")
        finally:
            redis.stop()
            if args.keep_log:
                for log in workdir.glob("server-*.log"):
                    args.keep_log.write_text(log.read_text())

    print(f"{'phase':22} {'served':>7} {'503':>6} {'5xx≠503':>8} {'cut':>5} {'recovery s':>11}  statuses")
    for phase, counts in load.counts.items():
        served = sum(n for status, n in counts.items() if status in ("200", "304"))
        unavailable = counts.get("503", 0)
        errors = sum(n for status, n in counts.items() if status.startswith("5") and status != "503")
        cut = sum(n for status, n in counts.items() if not status.isdigit())
        if errors:
            failures.append(f"{phase}: {errors} answers 5xx other than 503")
        took = f"{recovery[phase]:.2f}" if phase in recovery else "-"
        print(f"{phase:22} {served:7d} {unavailable:6d} {errors:8d} {cut:5d} {took:>11}  {dict(sorted(counts.items()))}")
    print(f"alerts issued through the faults: {len([a for a in issued if a])} of {len(issued)}, "
          f"all in /api/alerts with their CAP: {'yes' if not any('alert' in f for f in failures) else 'no'}")
    print(f"audit chain verifies: {'yes' if not any('audit' in f for f in failures) else 'no'}")
    if args.keep_log:
        origin = load.timeline[0][0]
        for second in range(int(load.timeline[-1][0] - origin) + 1):
            row = [(took, status) for began, took, status in load.timeline if int(began - origin) == second]
            print(f"  t={second:3d}s  {len(row):4d} reads, slowest {max((t for t, _ in row), default=0):5.2f} s, "
                  f"{dict(collections.Counter(status for _, status in row))}")
    for failure in failures:
        print("FAILED:", failure)
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
