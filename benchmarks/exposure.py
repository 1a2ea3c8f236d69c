"""Benchmark: 100,000 shelters and every settlement of the default border (RUS-UKR, both sides).

Shelters are generated (seeded): four in five near settlements, weighted by population, the
rest spread over the zones. The same work runs on SQLite and on PostgreSQL + PostGIS (a
throwaway server on 127.0.0.1), side by side:

- store the zone set (areas + settlements snapshot),
- import the 100,000-row CSV (parse, validate, write: one transaction),
- import a version in which every capacity changed (every row an update),
- import that version again (every row unchanged: nothing to write),
- compute the exposure report (load zones + shelters, reach and counts),
- render HTML, JSON and CSV.

    python benchmarks/exposure.py [--shelters 100000] [--out out/benchmark]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from safezone.adapters.geodata import geonames
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.adapters.db import Database
from safezone.adapters.db.local_postgres import local_postgres
from safezone.adapters.reports.exposure_page import render_exposure_page
from safezone.adapters.reports.exposure_tables import report_csv, report_json
from safezone.adapters.config.threats import load_threats
from safezone.domain.zones import ZoneSet
from safezone.services.exposure import exposure_report
from safezone.services.shelters import import_shelters
from safezone.services.zones import build_zones

STEPS = ("store zone set", "import CSV (new)", "import CSV (update)", "import CSV (unchanged)", "exposure report",
         "render HTML/JSON/CSV")


@contextmanager
def timed(results: dict, step: str):
    started = time.perf_counter()
    yield
    results[step] = time.perf_counter() - started


def generate_csv(zones: ZoneSet, count: int, path: Path, seed: int = 2026, extra_capacity: int = 0) -> None:
    rng = np.random.default_rng(seed)
    people = [s for a in zones.areas for s in a.settlements if s.counted_population > 0]
    weights = np.array([s.counted_population for s in people], dtype=float)
    near = int(count * 0.8)
    chosen = rng.choice(len(people), size=near, p=weights / weights.sum())
    lat = np.array([people[i].lat for i in chosen]) + rng.normal(0, 400 / 111_200, near)
    lon = np.array([people[i].lon for i in chosen]) + rng.normal(0, 400 / 71_000, near)
    min_lon, min_lat, max_lon, max_lat = np.array([a.geometry.bounds for a in zones.areas]).T
    spread = count - near
    lat = np.concatenate([lat, rng.uniform(min_lat.min(), max_lat.max(), spread)])
    lon = np.concatenate([lon, rng.uniform(min_lon.min(), max_lon.max(), spread)])
    capacity = rng.integers(20, 600, count) + extra_capacity
    with path.open("w", encoding="utf-8") as out:
        out.write("id,name,lat,lon,capacity,kind,accessible,opening,last_verified\n")
        for i in range(count):
            out.write(f"b{i},Shelter {i},{lat[i]:.6f},{lon[i]:.6f},{capacity[i]},basement,"
                      f"{'yes' if i % 3 else 'no'},on alert,2026-10-01\n")


def run(url: str, zones: ZoneSet, csv_path: Path, changed_path: Path, out: Path) -> dict:
    results: dict[str, float] = {}
    with Database(url) as db:
        with timed(results, "store zone set"), db.unit_of_work() as uow:
            uow.zones.add(zones, activate=True)
            uow.commit()
        with timed(results, "import CSV (new)"):
            first = import_shelters(db, str(csv_path), source="benchmark")
        with timed(results, "import CSV (update)"):
            second = import_shelters(db, str(changed_path), source="benchmark")
        with timed(results, "import CSV (unchanged)"):
            third = import_shelters(db, str(changed_path), source="benchmark")
        assert (first.run.inserted, second.run.updated, third.run.unchanged) == (first.run.rows_read,) * 3
        with timed(results, "exposure report"):
            report = exposure_report(db)
        with timed(results, "render HTML/JSON/CSV"):
            out.mkdir(parents=True, exist_ok=True)
            (out / "exposure.html").write_text(render_exposure_page(report), encoding="utf-8")
            (out / "exposure.json").write_text(json.dumps(report_json(report)), encoding="utf-8")
            (out / "exposure.csv").write_text(report_csv(report), encoding="utf-8")
    total = report.total
    results["_summary"] = (f"{len(zones.areas):,} areas, {total.settlements:,} settlements, {total.population:,} people, "
                           f"{total.shelters:,} shelters in areas, coverage {(total.coverage or 0) * 100:.1f} %")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shelters", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("out/benchmark"))
    args = parser.parse_args()

    started = time.perf_counter()
    config = load_threats()
    zones = build_zones(from_country_pair("RUS-UKR"), config.threats, geonames.load_settlements(), area_km=config.area_km)
    print(f"zones built in {time.perf_counter() - started:.1f} s (not part of the comparison)")
    with tempfile.TemporaryDirectory(prefix="safezone-bench-") as tmp:
        csv_path = Path(tmp) / "shelters.csv"
        generate_csv(zones, args.shelters, csv_path)
        changed_path = Path(tmp) / "shelters-changed.csv"
        generate_csv(zones, args.shelters, changed_path, extra_capacity=1)
        print(f"{args.shelters:,} shelters generated: {csv_path.stat().st_size / 1e6:.1f} MB of CSV")
        sqlite = run(f"sqlite:///{tmp}/bench.db", zones, csv_path, changed_path, args.out / "sqlite")
        with local_postgres() as server:
            postgres = run(server.new_database("bench"), zones, csv_path, changed_path, args.out / "postgres")
    print(sqlite.pop("_summary"))
    postgres.pop("_summary")
    print(f"\n{'step':24} {'SQLite':>10} {'PostgreSQL':>12} {'PG/SQLite':>10}")
    for step in STEPS:
        print(f"{step:24} {sqlite[step]:>9.2f}s {postgres[step]:>11.2f}s {postgres[step] / sqlite[step]:>9.2f}x")
    print(f"{'import rate (new)':24} {args.shelters / sqlite['import CSV (new)']:>8,.0f}/s "
          f"{args.shelters / postgres['import CSV (new)']:>10,.0f}/s")
    print(f"{'import rate (update)':24} {args.shelters / sqlite['import CSV (update)']:>8,.0f}/s "
          f"{args.shelters / postgres['import CSV (update)']:>10,.0f}/s")
    print(f"\nreports written to {args.out}/sqlite and {args.out}/postgres")


if __name__ == "__main__":
    main()
