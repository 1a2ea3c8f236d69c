"""Faults while serving and delivering (issue 12), all on 127.0.0.1, bounded in time.

Part 1, PostgreSQL: a real `safezone serve --workers 2` with Redis and two `safezone worker`
delivery processes, webhook receivers (`--receivers` integrators on a loopback sink that counts
copies by idempotency id), a bounded public load, and an alert issued in each phase (each
fanned out to every receiver); then a web worker is killed with SIGKILL, a delivery worker is
killed with SIGKILL in the middle of a fan-out, Redis is restarted, PostgreSQL is restarted
(stopped at once, like a crash).

Part 2, SQLite (the embedded default, one `safezone serve` process): its database on a small
filesystem of its own (a tmpfs in a user and mount namespace, `unshare -rm`: no root needed
where user namespaces are allowed), which is then filled up, and freed again.

    python benchmarks/faults.py [--load-threads 6] [--down-s 3] [--receivers 2000] [--lease-s 30]

Printed per phase: answers served, answers by status (a 503 with its reason: `busy`, admission
control; `database_unavailable`; transport errors: connections cut by the kill), 5xx other
than 503, copies delivered, and the recovery time. A read is counted in the phase its answer
came back in. Afterwards: every alert
whose issue was answered 200 is in `/api/alerts` with its CAP message (none lost or half-issued),
every receiver has exactly one copy of each message by idempotency id, and the audit chain
verifies (`safezone audit verify`). Exit 1 if any of that fails or a 500 was seen.
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

from serve import ENV, Operators, border_zones, prepare, process_on_port  # benchmarks/serve.py, same folder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.support, from the repository
from tests.support.workers import from_each_worker, worker_of  # noqa: E402

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
        self.straddled: collections.Counter = collections.Counter()  # 503s asked in one phase, answered in the next
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
                asked_in = self.phase
                began = time.monotonic()
                try:
                    status = answered(client.get(path))
                except httpx.TransportError as cut:
                    status = type(cut).__name__
                # Counted in the phase it came back in: a read asked just before a fault and
                # answered during it is the fault's (the 5 "Redis restart" 503s of an earlier
                # run were reads in flight when PostgreSQL was stopped, the next phase).
                self.counts[self.phase][status] += 1
                if self.phase != asked_in and status.startswith("503"):
                    self.straddled[f"{asked_in} -> {self.phase}"] += 1
                self.timeline.append((began, time.monotonic() - began, status))


def answered(answer: httpx.Response) -> str:
    """The status, and for a 503 its reason (`busy`: admission control; `database_unavailable`)."""
    if answer.status_code != 503:
        return str(answer.status_code)
    try:
        return f"503 {answer.json().get('error', '?')}"
    except ValueError:
        return "503 ?"


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
    done = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(parent)], capture_output=True, text=True)
    return [int(line.split()[0]) for line in done.stdout.splitlines() if marker in line]


def worker_pids(serve_pid: int) -> list[int]:
    return children(serve_pid, "spawn_main")  # ps -ww: the whole command line


DELIVERY_LIMIT_S = 120


class Replacement(threading.Thread):
    """Watches for uvicorn's replacement of a killed web worker: the seconds after `killed`
    until a new worker process exists, and until a worker not among `serving` (request-id
    prefixes) answers /healthz on a fresh connection."""

    def __init__(self, base: str, serve_pid: int, victim: int, serving: set[str], killed: float) -> None:
        super().__init__(daemon=True)
        self.base, self.serve_pid, self.victim, self.serving, self.killed = base, serve_pid, victim, serving, killed
        self.spawned: float | None = None
        self.answering: float | None = None
        self.start()

    def run(self) -> None:
        while time.monotonic() - self.killed < READY_LIMIT_S:
            if self.spawned is None and len(set(worker_pids(self.serve_pid)) - {self.victim}) >= 2:
                self.spawned = time.monotonic() - self.killed
            try:
                if worker_of(httpx.get(f"{self.base}/healthz", timeout=10)) not in self.serving:
                    self.answering = time.monotonic() - self.killed
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def result(self) -> tuple[float, float]:
        """Both times; the benchmark stops if the replacement did not answer within the limit."""
        self.join(READY_LIMIT_S)
        if self.spawned is None or self.answering is None:
            raise SystemExit(f"no new web worker answered within {READY_LIMIT_S} s of the kill")
        return self.spawned, self.answering


def wait_for(condition, limit_s: float, step_s: float = 0.05) -> float | None:  # type: ignore[no-untyped-def]
    """Seconds until `condition()` holds, or None if it did not within `limit_s`."""
    began = time.monotonic()
    while time.monotonic() - began < limit_s:
        if condition():
            return time.monotonic() - began
        time.sleep(step_s)
    return None


async def slow_receiver(_body: dict) -> int:  # takes a moment, so a fan-out lasts a few seconds
    import asyncio

    await asyncio.sleep(0.002)
    return 200


def delivery_part(args: argparse.Namespace, zones, load_counts: dict, recovery: dict,  # type: ignore[no-untyped-def]
                  delivered: dict, failures: list[str]) -> None:
    """PostgreSQL, `serve --workers 2`, Redis, two delivery workers, webhook receivers."""
    from types import SimpleNamespace
    from datetime import datetime, timezone

    from safezone.adapters.db import Database
    from safezone.adapters.db.local_postgres import local_postgres
    from tests.subscribers.sink import Sink
    from tests.subscribers.workers import Worker, add_webhooks, copies_per_receiver
    from tests.support.redis_server import RedisServer

    issued: list[int | None] = []
    receivers = args.receivers
    sink = Sink(slow_receiver)
    with tempfile.TemporaryDirectory(prefix="safezone-faults-") as tmp, local_postgres() as postgres:
        workdir = Path(tmp)
        db_url = postgres.new_database("faults")
        areas, (lat, lon) = prepare(db_url, zones)
        database = Database.open(db_url)
        add_webhooks(SimpleNamespace(database=database), receivers, sink, datetime.now(timezone.utc))
        database.close()
        redis = RedisServer(workdir).start()
        env = {**ENV, "SAFEZONE_REDIS_URL": redis.url, "SAFEZONE_READY_TIMEOUT_S": "1",
               "SAFEZONE_DELIVERY_ALLOW_HTTP": "1"}
        command = [*SAFEZONE, "serve", *([] if args.keep_log else ["--quiet"]), "--no-default-zones", "--db", db_url,
                   "--workers", "2"]
        workers = [Worker(db_url, redis.url, name, workdir, lease_s=args.lease_s) for name in ("a", "b")]
        try:
            with process_on_port(command, workdir, env) as base:
                serve_pid = children(os.getpid(), " serve ")[0]
                operators = Operators(base)
                paths = ["/api/alerts", f"/api/where?lat={lat:.5f}&lon={lon:.5f}", "/feeds/alerts.atom"]
                with Load(base, paths, args.load_threads) as load:
                    marks: list[tuple[str, int]] = []

                    def enter(phase: str) -> None:
                        load.phase = phase
                        marks.append((phase, len(sink.paths)))

                    enter("steady")
                    time.sleep(2)
                    issued.append(issue(operators, areas[0]))

                    enter("kill -9 web worker")
                    serving = set(from_each_worker(base, "/healthz", lambda answer: answer.status_code == 200,
                                                   limit_s=READY_LIMIT_S))
                    victim = worker_pids(serve_pid)[0]
                    killed = time.monotonic()
                    subprocess.run(["kill", "-9", str(victim)], check=True)
                    # Watched beside the issue: an earlier run timed the new worker only after the
                    # issue came back, and took the issue's 36 s for the replacement's.
                    replacement = Replacement(base, serve_pid, victim, serving, killed)
                    issued.append(issue(operators, areas[1]))
                    issue_s = time.monotonic() - killed
                    spawned, answering = replacement.result()
                    recovery[load.phase] = answering
                    print(f"killed web worker {victim}: an alert issued meanwhile in {issue_s:.2f} s (the other "
                          f"worker serves); a new worker process {spawned:.1f} s after the kill (uvicorn checks "
                          f"every 0.5 s), answering {answering:.1f} s after it (its start: imports and assembly); "
                          f"timed as before (after the issue came back): {max(issue_s, spawned):.1f} s")
                    time.sleep(1)

                    enter("kill -9 delivery worker")
                    expected = receivers * len(issued)
                    if wait_for(lambda: len(sink.ids) >= expected, DELIVERY_LIMIT_S) is None:
                        failures.append("the earlier fan-outs did not finish before the delivery worker was killed")
                    issued.append(issue(operators, areas[2]))
                    wait_for(lambda: len(sink.ids) >= expected + receivers // 4, DELIVERY_LIMIT_S, 0.01)
                    in_flight = len(sink.ids) - expected
                    killed = time.monotonic()
                    workers[0].kill()
                    took = wait_for(lambda: len(sink.ids) >= expected + receivers, DELIVERY_LIMIT_S)
                    if took is None:
                        failures.append("the fan-out did not finish after a delivery worker was killed")
                    else:
                        took = recovery[load.phase] = time.monotonic() - killed
                    print(f"killed delivery worker a with {in_flight} of {receivers} copies delivered; the rest "
                          f"within {took if took is None else round(took, 2)} s (the survivor and the web workers)")

                    enter("Redis restart")
                    redis.stop()
                    time.sleep(0.5)
                    if saw_not_ready(base) != 503:
                        failures.append("/readyz did not answer 503 while Redis was down")
                    issued.append(issue(operators, areas[3]))
                    time.sleep(args.down_s)
                    redis.start()
                    recovery[load.phase] = wait_ready(base, time.monotonic())
                    time.sleep(1)

                    enter("PostgreSQL restart")
                    postgres.stop()
                    time.sleep(0.5)
                    if saw_not_ready(base) != 503:
                        failures.append("/readyz did not answer 503 while PostgreSQL was down")
                    time.sleep(args.down_s)
                    postgres.start()
                    recovery[load.phase] = wait_ready(base, time.monotonic())
                    issued.append(issue(operators, areas[4]))
                    enter("after")
                    done = [a for a in issued if a]
                    if wait_for(lambda: len(sink.ids) >= receivers * len(done), DELIVERY_LIMIT_S) is None:
                        failures.append(f"only {len(sink.ids)} of {receivers * len(done)} copies arrived")
                    time.sleep(1)
                marks.append(("end", len(sink.paths)))
                for (phase, began), (_, ended) in zip(marks, marks[1:]):
                    delivered[phase] = ended - began
                load_counts.update(load.counts)
                print(f"public 503s asked in one phase and answered in the next: {dict(load.straddled) or 'none'}")
                check_issued(base, issued, failures)
                per_receiver = copies_per_receiver(sink)
                one_each = len(per_receiver) == receivers and all(len(ids) == len(done)
                                                                  for ids in per_receiver.values())
                if not one_each:
                    failures.append("a receiver lacks a message or has two copies of one")
                resent = sum(sink.ids.values()) - len(sink.ids)
                print(f"receivers: {receivers}; messages: {len(done)}; copies with distinct ids: {len(sink.ids)} "
                      f"(expected {receivers * len(done)}); exactly one of each message at every receiver: "
                      f"{'yes' if one_each else 'no'}; copies sent again with the same id (the receiver drops "
                      f"them): {resent} (delivery workers' leases {args.lease_s:g} s)")
            audit_verifies(db_url, failures)
        finally:
            for worker in workers:
                worker.stop()
            redis.stop()
            sink.close()
            if args.keep_log:
                for log in workdir.glob("server-*.log"):
                    args.keep_log.write_text(log.read_text())


def check_issued(base: str, issued: list[int | None], failures: list[str]) -> None:
    """Every alert whose issue was answered is listed with its CAP message."""
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


def audit_verifies(db_url: str, failures: list[str]) -> None:
    verified = subprocess.run([*SAFEZONE, "audit", "verify", "--db", db_url], capture_output=True, text=True,
                              env={**os.environ, **ENV})
    if verified.returncode != 0:
        failures.append(f"the audit chain does not verify: {verified.stdout}{verified.stderr}")


def fill(folder: Path) -> Path:
    """Write a file in `folder` until its filesystem has no byte left."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 12, 1 << 9):
            try:
                while out.write(bytes(chunk)):
                    pass
            except OSError:
                pass
    return filler


def steps(operators: Operators, alert_id: int | None, area: str) -> list[tuple[str, int, str]]:
    """Approve and issue a submitted alert, or (no id) compose one; each step's (name, status,
    error), stopping at the first refusal."""
    client = operators.client
    if alert_id is None:
        body = {"status": "Actual", "threat": "short range", "languages": ["en", "uk", "ru"], "areas": [area]}
        answer = client.post("/api/operator/alerts", json=body, headers=operators.issuer)
        return [("compose", answer.status_code, answer.json().get("error", ""))]
    answers = []
    for step, who in (("approve", operators.approver), ("issue", operators.issuer)):
        answer = client.post(f"/api/operator/alerts/{alert_id}/{step}", headers=who)
        answers.append((step, answer.status_code, answer.json().get("error", "")))
        if answer.status_code != 200:
            break
    return answers


def full_disk_part(args: argparse.Namespace, zones, load_counts: dict, recovery: dict,  # type: ignore[no-untyped-def]
                   failures: list[str]) -> None:
    """SQLite, one `serve`, its database on a small filesystem that is filled and freed."""
    if subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        print("full disk: skipped (`unshare -rm` is not allowed here: no user namespaces)")
        return
    with tempfile.TemporaryDirectory(prefix="safezone-full-") as tmp:
        workdir = Path(tmp)
        seed = workdir / "seed.db"
        areas, (lat, lon) = prepare(str(seed), zones)
        small = workdir / "small"
        small.mkdir()
        size_mb = seed.stat().st_size // (1 << 20) + 8
        script = 'mount -t tmpfs -o size="$1" tmpfs "$0" && cp "$2" "$0/safezone.db" && shift 2 && exec "$@"'
        command = ["unshare", "-rm", "sh", "-c", script, str(small), f"{size_mb}m", str(seed),
                   *SAFEZONE, "serve", "--quiet", "--no-default-zones", "--db", str(small / "safezone.db")]
        with process_on_port(command, workdir, ENV) as base:
            inside = Path(f"/proc/{children(os.getpid(), ' serve ')[0]}/root") / str(small).lstrip("/")
            operators = Operators(base)
            paths = ["/api/alerts", f"/api/where?lat={lat:.5f}&lon={lon:.5f}", "/feeds/alerts.atom"]
            issued: list[int | None] = []
            with Load(base, paths, args.load_threads) as load:
                load.phase = "SQLite steady"
                time.sleep(2)
                issued.append(issue(operators, areas[0]))

                tried = [operators.submitted(area) for area in areas[1:4]]  # to approve and issue while full
                load.phase = "SQLite disk full"
                filler = fill(inside)
                print(f"disk full: a {size_mb} MB tmpfs, {filler.stat().st_size // 1024} KiB of filler")
                refusals: collections.Counter = collections.Counter()
                for alert_id in [*tried, None, None]:
                    answers = steps(operators, alert_id, areas[5])
                    refusals.update(f"{step} {status} {error}".strip() for step, status, error in answers)
                    if answers[-1][1] >= 500 and answers[-1][1] != 503:
                        failures.append(f"full disk: {answers[-1]}")
                time.sleep(args.down_s)
                print(f"while full, operator steps answered: {dict(refusals)}")
                if not any("503 database_full" in refusal for refusal in refusals):
                    failures.append("full disk: no step was answered 503 database_full")
                print(f"/readyz while full: {saw_not_ready(base)}")

                load.phase = "SQLite space freed"
                filler.unlink()
                freed = time.monotonic()
                issued.append(issue(operators, areas[6]))
                recovery[load.phase] = time.monotonic() - freed
                time.sleep(1)
            load_counts.update(load.counts)
            check_issued(base, issued, failures)
            for alert_id in tried:  # nothing half-issued: issued with its CAP message, or neither
                state = operators.client.get(f"/api/operator/alerts/{alert_id}",
                                             headers=operators.issuer).json()["alert"]["state"]
                cap = httpx.get(f"{base}/api/alerts/{alert_id}/cap.xml", timeout=30).status_code
                if (state == "issued") != (cap == 200):
                    failures.append(f"alert {alert_id} is half-issued: state {state}, CAP {cap}")
            print(f"alerts tried while full: {len(tried)}, none half-issued: "
                  f"{'yes' if not any('half' in f for f in failures) else 'no'}")
            audit_verifies(str(inside / "safezone.db"), failures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load-threads", type=int, default=6)
    parser.add_argument("--down-s", type=float, default=3.0)
    parser.add_argument("--receivers", type=int, default=2000, help="webhook integrators, each gets every alert")
    parser.add_argument("--lease-s", type=float, default=30.0,
                        help="the delivery workers' SAFEZONE_DELIVERY_LEASE_S (its default, 30). A short one (the "
                             "tests' 2 s) finishes the kill phase sooner, but on a loaded machine a batch outlives "
                             "its lease and its copies are sent again (a receiver drops them by id)")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here (with every request's line)")
    args = parser.parse_args()

    zones = border_zones("ISR-LBN")
    failures: list[str] = []
    counts: dict[str, collections.Counter] = {}
    recovery: dict[str, float] = {}
    delivered: dict[str, int] = {}
    began = time.monotonic()
    delivery_part(args, zones, counts, recovery, delivered, failures)
    full_disk_part(args, zones, counts, recovery, failures)

    print(f"{'phase':24} {'served':>7} {'503':>6} {'5xx≠503':>8} {'cut':>5} {'delivered':>9} {'recovery s':>11}"
          "  statuses")
    for phase, by_status in counts.items():
        served = sum(n for status, n in by_status.items() if status in ("200", "304"))
        unavailable = sum(n for status, n in by_status.items() if status.startswith("503"))
        errors = sum(n for status, n in by_status.items() if status.startswith("5") and not status.startswith("503"))
        cut = sum(n for status, n in by_status.items() if not status[:1].isdigit())
        if errors:
            failures.append(f"{phase}: {errors} answers 5xx other than 503")
        took = f"{recovery[phase]:.2f}" if phase in recovery else "-"
        copies = str(delivered[phase]) if phase in delivered else "-"
        print(f"{phase:24} {served:7d} {unavailable:6d} {errors:8d} {cut:5d} {copies:>9} {took:>11}  "
              f"{dict(sorted(by_status.items()))}")
    print(f"audit chains verify: {'yes' if not any('audit' in f for f in failures) else 'no'}; "
          f"whole run {time.monotonic() - began:.0f} s; load average {os.getloadavg()[0]:.1f}")
    for failure in failures:
        print("FAILED:", failure)
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
