"""The CPU an operator's approve + issue pair costs the operator process, against the code as
it was at BASELINE_REV, measured in the same run (issue 12: "operators never wait").

    python benchmarks/operators.py [--pairs 20] [--runs 3] [--db sqlite,postgres] [--listener both] [--profile]

The RUS–UKR zones (both sides, default threat classes) and two operators are stored once per
database; then each run is a fresh Python process, alternately the baseline's source (taken
from git with `git archive` into a temporary folder) and this tree's, on the same database. A
run assembles the operator side in process (`create_app(..., listener=OPERATOR)`, as the
operator process of `serve --operator-port` does; `--listener both`: one app serving both sides,
whose figure also holds the public snapshot rebuilt in the background after each commit; no
sweep, no delivery), submits `--pairs` Actual alerts in three languages through a TestClient
and then approves and issues each. The figure is the server's CPU per pair: the process's CPU time less
the calling thread's (the client), so other engineers' jobs on a shared machine do not count;
min and median over the pairs, best run of `--runs`. `--profile`: a yappi profile (CPU clock)
of this tree's pairs instead, the functions that cost most.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REV = "27cc6a8"  # main before this round cut the operators' CPU (issue 12)
ENV = {"SAFEZONE_OPERATOR_RATE_PER_MINUTE": "1000000", "SAFEZONE_OPERATOR_BURST": "1000000"}

JOB = r"""
import json, sys, time
sys.path.insert(0, sys.argv[4])
from fastapi.testclient import TestClient
from safezone.bootstrap import Settings, assemble
from safezone.entrypoints.web.app import create_app
from serve import Operators

url, pairs, profile = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "profile"
container = assemble(Settings.from_environ(db=url))
with TestClient(create_app(container, sweep=False, deliver=False, listener=sys.argv[5])) as client:
    operators = Operators("", client)
    alert_ids = [operators.submitted(area) for area in json.loads(sys.stdin.read())[:pairs]]
    operators.approve_and_issue(alert_ids.pop())  # warm-up: first statements, first caches
    if profile:
        import yappi
        yappi.set_clock_type("cpu")
        yappi.start()
    cpu, wall = [], []
    for alert_id in alert_ids:
        started, process, own = time.perf_counter(), time.process_time(), time.thread_time()
        operators.approve_and_issue(alert_id)
        cpu.append((time.process_time() - process - (time.thread_time() - own)) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    if profile:
        yappi.stop()
        stats = yappi.get_func_stats()
        stats.sort("ttot")
        for f in list(stats)[:60]:
            print(f"{f.ttot / len(alert_ids) * 1000:8.2f} {f.tsub / len(alert_ids) * 1000:8.2f} {f.ncall / len(alert_ids):7.1f}  "
                  f"{f.module.split('site-packages/')[-1].split('/src/')[-1]}:{f.lineno} {f.name}", file=sys.stderr)
container.close()
print(json.dumps({"cpu": cpu, "wall": wall}))
"""


def run(source: Path, url: str, areas: list[str], args: argparse.Namespace, profile: bool = False) -> dict:
    """One fresh process on `source`: the server's CPU and the wall time of each pair, in ms."""
    environment = dict(os.environ, PYTHONPATH=str(source), **ENV)
    done = subprocess.run([sys.executable, "-c", JOB, url, str(args.pairs + 1), "profile" if profile else "time",
                           str(ROOT / "benchmarks"), args.listener], input=json.dumps(areas), check=True, text=True,
                          stdout=subprocess.PIPE, env=environment)
    return json.loads(done.stdout.splitlines()[-1])


def baseline_source(folder: Path) -> Path:
    """safezone's source at BASELINE_REV, unpacked under `folder`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_REV, "src/safezone"], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def compare(name: str, url: str, areas: list[str], old: Path, args: argparse.Namespace) -> None:
    if args.profile:
        run(ROOT / "src", url, areas, args, profile=True)
        return
    results: dict[str, list[dict]] = {"old": [], "new": []}
    for _ in range(args.runs):  # alternately, so a busier moment of the machine hits both
        results["old"].append(run(old, url, areas, args))
        results["new"].append(run(ROOT / "src", url, areas, args))
    best = {side: min(runs, key=lambda r: statistics.median(r["cpu"])) for side, runs in results.items()}
    print(f"{name}: server CPU ms per approve + issue pair (best of {args.runs} runs of {args.pairs} pairs; "
          f"load average {os.getloadavg()[0]:.2f})")
    for side, label in (("old", f"baseline {BASELINE_REV}"), ("new", "this tree")):
        r = best[side]
        print(f"  {label:18} CPU min {min(r['cpu']):6.1f}  median {statistics.median(r['cpu']):6.1f}   "
              f"wall median {statistics.median(r['wall']):6.1f}")
    ratio = statistics.median(best["new"]["cpu"]) / statistics.median(best["old"]["cpu"])
    print(f"  new / old CPU (median): {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--listener", default="operator", choices=["operator", "both"],
                        help="the operator process's app (default), or one serving both sides")
    parser.add_argument("--profile", action="store_true", help="a yappi profile of this tree's pairs (on stderr)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from serve import border_zones, prepare

    zones = border_zones("RUS-UKR")
    with tempfile.TemporaryDirectory() as folder:
        old = baseline_source(Path(folder))
        for name in args.db.split(","):
            if name == "sqlite":
                url = f"sqlite:///{Path(folder) / 'bench.db'}"
                areas, _ = prepare(url, zones, shelters=100)
                compare("SQLite", url, areas, old, args)
            else:
                from safezone.adapters.db.local_postgres import local_postgres

                with local_postgres() as server:
                    url = server.new_database("bench")
                    areas, _ = prepare(url, zones, shelters=100)
                    compare("PostgreSQL", url, areas, old, args)


if __name__ == "__main__":
    main()
