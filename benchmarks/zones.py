"""Benchmark: the zones of the Russia–Ukraine land border, both sides, default threat classes,
all GeoNames cities500 settlements.

Each measurement runs in a fresh Python process, so peak memory (max RSS) is that of the job
alone. The baseline, measured in the same run, is the same process doing only the reading of
the inputs (Natural Earth countries and the settlements index): the ratio says what the zone
building itself costs on top of loading the data.

    python benchmarks/zones.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

JOB = r"""
import json, resource, sys, time
started = time.perf_counter()
from safezone.adapters.geodata import geonames
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.adapters.config.threats import load_threats
from safezone.services.zones import build_zones
border = from_country_pair("RUS-UKR")
settlements = geonames.load_settlements()
config = load_threats()
areas = population = 0
if sys.argv[1] == "build":
    zones = build_zones(border, config.threats, settlements, area_km=config.area_km)
    areas, population = len(zones.areas), sum(a.population for a in zones.areas)
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "areas": areas, "population": population}))
"""


def measure(mode: str) -> dict:
    output = subprocess.run([sys.executable, "-c", JOB, mode], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    measure("load")  # builds the settlements cache once, outside the timings
    loads = [measure("load") for _ in range(args.repeat)]
    builds = [measure("build") for _ in range(args.repeat)]
    load_s = statistics.median(r["seconds"] for r in loads)
    build_s = statistics.median(r["seconds"] for r in builds)
    load_mb = max(r["peak_mb"] for r in loads)
    build_mb = max(r["peak_mb"] for r in builds)
    result = builds[0]
    print(f"zones RUS-UKR, both sides, default threats, all settlements ({os.cpu_count()} cores, median of {args.repeat})")
    print(f"  areas: {result['areas']:,}   people in the zones: {result['population']:,}")
    print(f"  baseline (import + read inputs): {load_s:6.2f} s   peak {load_mb:6.0f} MB")
    print(f"  build zones (incl. baseline):    {build_s:6.2f} s   peak {build_mb:6.0f} MB")
    print(f"  ratio build/baseline:            {build_s / load_s:6.2f} x time, {build_mb / load_mb:.2f} x memory")
    print(f"  target: under 3 s -> {'met' if build_s < 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
