"""Benchmark: 100,000 incidents against 10,000 Actual alerts over a year, on the RUS–UKR zones
(default threat classes), on SQLite and on PostgreSQL + PostGIS.

Measured: the import of a 100,000-row CSV (read, check every row, store, assess the new
incidents, in one transaction) and a full reassessment (`safezone incidents assess`). The
baseline, in the same run, is a brute-force matcher (every incident against every alert: time,
then geometry, in plain Python) on a 1,000-incident sample, scaled to 100,000; its verdicts on
the sample must equal the fast matcher's. Target: assessment under 5 s.

    python benchmarks/incidents.py [--incidents 100000] [--alerts 10000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import insert

from safezone.adapters.config.threats import load_threats
from safezone.adapters.db import Database
from safezone.adapters.db.alert_models import AlertRow
from safezone.adapters.geodata import geonames
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.domain.matching import Verdict, assess
from safezone.services import incidents as service
from safezone.services.zones import build_zones

YEAR_START = datetime(2026, 1, 1, tzinfo=timezone.utc)
KINDS = ("impact", "debris", "interception overhead", "damage reported", "other")


def make_zones():
    config = load_threats()
    return build_zones(from_country_pair("RUS-UKR"), config.threats, geonames.load_settlements(),
                       area_km=config.area_km)


def alert_rows(zones, count: int, rng: random.Random, version: int) -> list[dict]:
    """Actual alerts spread over the year: 1–6 neighbouring areas each, 10–60 minutes; one in
    five followed by an Update (a chain), recorded as superseded."""
    areas = [a.id for a in zones.areas]
    rows, next_id = [], 1
    while len(rows) < count:
        start = YEAR_START + timedelta(seconds=rng.uniform(0, 365 * 86400))
        first = rng.randrange(len(areas))
        chosen = areas[first:first + rng.randint(1, 6)]
        minutes = rng.randint(10, 60)
        base = {"kind": "alert", "status": "Actual", "threat": "short range", "zone_version": version,
                "texts": [], "created_by": "bench", "created_at": start, "issued_by": "bench", "own_words": False}
        if rng.random() < 0.2 and len(rows) + 2 <= count:
            switch = start + timedelta(minutes=minutes / 2)
            rows.append({**base, "id": next_id, "state": "updated", "area_ids": chosen, "issued_at": start,
                         "expires_at": start + timedelta(minutes=minutes), "ended_at": switch})
            rows.append({**base, "id": next_id + 1, "kind": "update", "follows": next_id, "state": "expired",
                         "area_ids": areas[first + 1:first + 3] or chosen, "issued_at": switch,
                         "expires_at": switch + timedelta(minutes=minutes), "ended_at": switch + timedelta(minutes=minutes)})
            next_id += 2
        else:
            rows.append({**base, "id": next_id, "state": "expired", "area_ids": chosen, "issued_at": start,
                         "expires_at": start + timedelta(minutes=minutes),
                         "ended_at": start + timedelta(minutes=minutes)})
            next_id += 1
    return rows


def incidents_csv(zones, alerts: list[dict], count: int, rng: random.Random, path: Path) -> None:
    """Half the incidents during a random alert, in one of its areas; half anywhere in the zones
    at any time of the year."""
    by_id = {a.id: a for a in zones.areas}
    all_areas = list(zones.areas)
    with path.open("w", encoding="utf-8") as out:
        out.write("time,lat,lon,kind,confidence,source\n")
        for i in range(count):
            if i % 2 == 0:
                alert = rng.choice(alerts)
                area = by_id[rng.choice(alert["area_ids"])]
                span = (alert["ended_at"] - alert["issued_at"]).total_seconds()
                moment = alert["issued_at"] + timedelta(seconds=rng.uniform(0, span))
            else:
                area = rng.choice(all_areas)
                moment = YEAR_START + timedelta(seconds=rng.uniform(0, 365 * 86400))
            point = area.geometry.representative_point()
            out.write(f"{moment.isoformat()},{point.y + rng.uniform(-0.005, 0.005):.6f},"
                      f"{point.x + rng.uniform(-0.005, 0.005):.6f},{rng.choice(KINDS)},probable,bench\n")


def brute_force(places, spans) -> list[str]:
    """Every incident against every alert: time first, then each area's geometry."""
    verdicts = []
    for place in places:
        best = None
        for span in spans:
            if not (span.start <= place.occurred_at and (span.end is None or place.occurred_at < span.end)):
                continue
            for area in span.areas:
                if area.geometry.intersects(place.place):
                    lead = (place.occurred_at - span.start).total_seconds()
                    best = (lead, area.time_to_shelter_s) if best is None or lead > best[0] else best
        verdicts.append(Verdict.NOT_WARNED.value if best is None else None)
    return verdicts


def run(name: str, url: str, zones, args, csv_path: Path, alerts: list[dict]) -> None:
    database = Database.open(url)
    with database.unit_of_work() as uow:
        version = uow.zones.add(zones, activate=True)
        uow._session.execute(insert(AlertRow), alerts)
        uow.commit()
    now = datetime(2027, 1, 1, tzinfo=timezone.utc)
    started = time.perf_counter()
    recorded = service.import_incidents(database, str(csv_path), None, now)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    assessments = service.assess_all(database, None, now)
    assess_s = time.perf_counter() - started
    with database.unit_of_work(read_only=True) as uow:
        spans = uow.incidents.actual_warnings(now)
        places = uow.incidents.places()
        shapes = list(uow.incidents.area_shapes(version).values())
    started = time.perf_counter()
    fast = assess(places, spans, shapes)
    match_s = time.perf_counter() - started
    sample = random.Random(1).sample(range(len(places)), min(args.sample, len(places)))
    started = time.perf_counter()
    slow = brute_force([places[i] for i in sample], spans)
    brute_s = (time.perf_counter() - started) * len(places) / len(sample)
    for i, verdict in zip(sample, slow):
        assert (fast[i].verdict.value == Verdict.NOT_WARNED.value) == (verdict == Verdict.NOT_WARNED.value), i
    counts = {v.value: sum(a.verdict is v for a in assessments) for v in Verdict}
    print(f"{name}: {len(recorded.ids):,} incidents, {len(spans):,} alerts; verdicts {counts}")
    print(f"  import (read, check, store, assess): {import_s:7.2f} s")
    print(f"  full assessment (load + match + store): {assess_s:7.2f} s   target < 5 s: "
          f"{'met' if assess_s < 5 else 'NOT met'}")
    print(f"  matching alone (STRtree + numpy):   {match_s:7.2f} s")
    print(f"  brute force, {len(sample):,}-sample scaled:   {brute_s:7.2f} s   ratio {brute_s / match_s:,.0f}x the matcher")
    database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    started = time.perf_counter()
    zones = make_zones()
    print(f"RUS-UKR zones: {len(zones.areas):,} areas ({time.perf_counter() - started:.1f} s); "
          f"{os.cpu_count()} cores")
    alerts = alert_rows(zones, args.alerts, rng, 1)
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "incidents.csv"
        incidents_csv(zones, alerts, args.incidents, rng, csv_path)
        print(f"incident file: {csv_path.stat().st_size / 1e6:.1f} MB")
        run("SQLite", f"sqlite:///{folder}/bench.db", zones, args, csv_path, alerts)
        if not args.no_postgres:
            from safezone.adapters.db.local_postgres import local_postgres
            with local_postgres() as server:
                run("PostgreSQL", server.new_database("bench"), zones, args, csv_path, alerts)


if __name__ == "__main__":
    main()
