"""Benchmark: the zones build on four borders of different lengths and shapes, both sides,
default threat classes, all GeoNames cities500 settlements, against the build as it was before
it was made linear (issue 12), measured in the same run.

Each measurement runs in a fresh Python process, so peak memory (max RSS) is that of the job
alone. The old build is safezone's own source at BASELINE_REV, taken from git (`git archive`)
into a temporary folder and run the same way: nothing of it is kept in the package. A build
that grows linearly costs about the same per alert area on a short border (ISR-LBN) as on a
long one (USA-CAN); the table prints microseconds per area and their spread.

    python benchmarks/zones.py [--repeat 3] [--borders ISR-LBN,RUS-UKR] [--no-baseline]
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
# The last commit whose build clipped every cut cell against the whole band region.
BASELINE_REV = "7b17d38"
BORDERS = ["ISR-LBN", "RUS-UKR", "ARG-CHL", "USA-CAN"]

JOB = r"""
import json, resource, sys, time
started = time.perf_counter()
from safezone.adapters.geodata import geonames
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.adapters.config.threats import load_threats
from safezone.services.zones import build_zones
border = from_country_pair(sys.argv[2])
settlements = geonames.load_settlements()
config = load_threats()
read = time.perf_counter() - started
areas = population = 0
build = cpu = 0.0
if sys.argv[1] == "build":
    wall, clock = time.perf_counter(), time.process_time()
    zones = build_zones(border, config.threats, settlements, area_km=config.area_km)
    build, cpu = time.perf_counter() - wall, time.process_time() - clock
    areas, population = len(zones.areas), sum(a.population for a in zones.areas)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "job_cpu": usage.ru_utime + usage.ru_stime, "read": read, "build": build,
                  "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024, "areas": areas, "population": population}))
"""


def measure(mode: str, border: str, source: Path) -> dict:
    environment = dict(os.environ, PYTHONPATH=str(source))
    output = subprocess.run([sys.executable, "-c", JOB, mode, border], check=True, capture_output=True, text=True,
                            env=environment).stdout
    return json.loads(output)


def baseline_source(folder: Path) -> Path | None:
    """safezone's source at BASELINE_REV, unpacked under `folder` (None without git)."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_REV, "src/safezone"], check=True,
                                 capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as missing:
        print(f"  (no baseline: git archive {BASELINE_REV} failed: {missing})")
        return None
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--borders", default=",".join(BORDERS), help="comma-separated pairs")
    parser.add_argument("--no-baseline", action="store_true", help="skip the old build (USA-CAN alone takes 30 s or more)")
    args = parser.parse_args()
    borders = [b.strip().upper() for b in args.borders.split(",") if b.strip()]
    new_source = ROOT / "src"
    measure("load", borders[0], new_source)  # builds the settlements cache once, outside the timings
    with tempfile.TemporaryDirectory() as folder:
        old_source = None if args.no_baseline else baseline_source(Path(folder))
        rows = []
        for border in borders:
            loads = [measure("load", border, new_source) for _ in range(args.repeat)]
            new = [measure("build", border, new_source) for _ in range(args.repeat)]
            old = [measure("build", border, old_source)] if old_source else []
            rows.append((border, loads, new, old))
    print(f"zones build, both sides, default threats, all settlements ({os.cpu_count()} cores; new: median of "
          f"{args.repeat} runs; old: safezone {BASELINE_REV}, one run, same machine and session)")
    print("  The build runs on one core: on an idle machine its wall time is its CPU time. On a shared one\n"
          "  the wall time also holds the waits for a core, so figures and targets are read on CPU time.")
    print(f"  {'border':8} {'areas':>7} {'build cpu s':>11} {'µs/area':>8} {'whole cpu s':>11} {'read cpu s':>10} "
          f"{'(wall s)':>8} {'peak MB':>8} | {'old cpu s':>9} {'old µs/area':>11} {'speed-up':>8}")
    per_area = {}
    for border, loads, new, old in rows:
        areas = new[0]["areas"]
        cpu = median(new, "cpu")
        per_area[border] = cpu / areas * 1e6
        line = (f"  {border:8} {areas:7,} {cpu:11.2f} {per_area[border]:8.0f} {median(new, 'job_cpu'):11.2f} "
                f"{median(loads, 'job_cpu'):10.2f} {median(new, 'build'):8.2f} {max(r['peak_mb'] for r in new):8.0f} |")
        if old:
            assert old[0]["areas"] == areas, f"{border}: old build made {old[0]['areas']} areas, new {areas}"
            line += f" {old[0]['cpu']:9.2f} {old[0]['cpu'] / areas * 1e6:11.0f} {old[0]['cpu'] / cpu:7.1f}x"
        print(line)
    mean = statistics.mean(per_area.values())
    spread = max(abs(v / mean - 1) for v in per_area.values())
    print(f"  µs per area: {min(per_area.values()):.0f}–{max(per_area.values()):.0f}, at most {spread:.0%} from their "
          f"mean {mean:.0f} -> target ±30 % {'met' if spread <= 0.30 else 'NOT met'}")
    targets = {"RUS-UKR": [("cpu", "build", 1.0), ("job_cpu", "whole job", 1.5)], "USA-CAN": [("cpu", "build", 8.0)]}
    for border, loads, new, old in rows:
        for key, label, limit in targets.get(border, []):
            value = median(new, key)
            print(f"  {border} {label}: {value:.2f} s CPU -> target < {limit} s {'met' if value < limit else 'NOT met'}")


if __name__ == "__main__":
    main()
