"""Benchmark: targeting, webhook fan-out and issue → delivery, each against a baseline measured
in the same run.

1. Targeting: 1,000,000 subscriber points against an alert of ~900 real RUS–UKR alert areas;
   ours (`domain.targeting.covered`: exact, edges inside) against shapely's prepared union with
   `contains_xy` (the obvious way; it also leaves edge points out).
2. Fan-out: N signed webhook deliveries (queue → render → sign → send → receipt, on SQLite)
   to a minimal aiohttp sink on loopback, against raw aiohttp POSTs of the same bodies to the
   same sink with the same concurrency.
3. Issue → first delivery and → last delivery of that fan-out.

    python benchmarks/delivery.py [--receivers 5000] [--points 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def targeting(points: int, areas_wanted: int = 900) -> None:
    from safezone.adapters.config.threats import load_threats
    from safezone.adapters.geodata import geonames
    from safezone.adapters.geodata.border_sources import from_country_pair
    from safezone.domain.targeting import covered
    from safezone.services.zones import build_zones

    config = load_threats()
    zones = build_zones(from_country_pair("RUS-UKR"), config.threats, geonames.load_settlements(), area_km=config.area_km)
    ukr = [a for a in zones.areas if a.side == "UKR"]
    centre = shapely.centroid(ukr[len(ukr) // 2].geometry)
    ukr.sort(key=lambda a: shapely.distance(a.geometry.centroid, centre))
    shapes = [a.geometry for a in ukr[:areas_wanted]]
    west, south, east, north = shapely.total_bounds(shapes)
    rng = np.random.default_rng(7)
    lon = rng.uniform(west - 0.2, east + 0.2, points)
    lat = rng.uniform(south - 0.2, north + 0.2, points)

    def ours() -> np.ndarray:
        return covered(shapes, lon, lat)

    def baseline() -> np.ndarray:
        union = shapely.union_all(shapes)
        shapely.prepare(union)
        return shapely.contains_xy(union, lon, lat)

    timings = {}
    for name, job in (("ours", ours), ("baseline", baseline)):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            found = job()
            runs.append(time.perf_counter() - started)
        timings[name] = (statistics.median(runs), int(found.sum()))
    (ours_s, ours_n), (base_s, base_n) = timings["ours"], timings["baseline"]
    print(f"targeting: {points:,} points, {len(shapes)} areas ({os.cpu_count()} cores, median of 3)")
    print(f"  ours (exact, edges inside):             {ours_s * 1000:8.1f} ms   {ours_n:,} inside")
    print(f"  baseline (prepared union, contains_xy): {base_s * 1000:8.1f} ms   {base_n:,} inside")
    print(f"  ratio: {ours_s / base_s:.2f}× the baseline's time")


async def _raw_rate(url: str, bodies: list[bytes], concurrency: int) -> float:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        queue = list(bodies)
        started = time.perf_counter()

        async def one() -> None:
            while queue:
                body = queue.pop()
                async with session.post(url, data=body, headers={"content-type": "application/json"}) as answer:
                    await answer.read()

        await asyncio.gather(*(one() for _ in range(concurrency)))
        return len(bodies) / (time.perf_counter() - started)


def fan_out(receivers: int) -> None:
    from aiohttp import web
    from shapely.geometry import LineString, box

    from safezone.adapters.channels.settings import DeliverySettings
    from safezone.adapters.channels.webhook import WebhookChannel, new_secret
    from safezone.bootstrap import Settings, assemble
    from safezone.domain.cap import Status
    from safezone.domain.subscribers import Integrator
    from safezone.domain.threats import Band
    from safezone.domain.zones import AlertArea, Side, ZoneSet
    from safezone.entrypoints import worker
    from safezone.services import accounts
    from safezone.services.alerts import Composition

    arrivals: list[float] = []

    async def sink(request: web.Request) -> web.Response:
        await request.read()
        arrivals.append(time.perf_counter())
        return web.Response(status=204)

    async def run() -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", sink)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        folder = tempfile.mkdtemp()
        container = assemble(Settings(db=f"{folder}/bench.db"), clock=lambda: datetime.now(timezone.utc),
                             delivery=DeliverySettings(allow_http=True, batch=500))
        band = Band(index=0, min_km=0, max_km=5, time_to_shelter_s=15, seconds_by_threat=(("short range", 15),))
        zones = ZoneSet("A–B", LineString([(30, 50), (30, 51)]), (Side("AAA", "A", box(29, 50, 30, 51)),), (band,),
                        [AlertArea("AAA-0-1", "Westgate", "AAA", 0, 0, 5, 15, box(29.9, 50, 30, 51), ())], {})
        now = datetime.now(timezone.utc)
        with container.database.unit_of_work() as uow:
            uow.zones.add(zones, activate=True)
            user = accounts.add_user(uow, "bench", "benchmark password", ["issuer", "approver"], now=now)
            secret = new_secret()
            for n in range(receivers):
                uow.integrators.add(Integrator(f"int_{n:06d}", f"g{n}", "webhook", (), now,
                                               f"http://127.0.0.1:{port}/r{n}", secret))
            uow.commit()
        channel = WebhookChannel(max_connections=100, per_host=100)
        engine = worker.engine(container, {"webhook": channel})
        preview = container.alerts.compose(user, Composition(Status.EXERCISE, "short range", ("en",), ("AAA-0-1",)))
        container.alerts.submit(user, preview.alert.id)
        issued_at = time.perf_counter()
        container.alerts.issue(user, preview.alert.id)
        while len(arrivals) < receivers:
            await engine.run_once()
        done = time.perf_counter()
        await engine.settle()  # the receipts of copies still being recorded
        ours_rate = receivers / (done - issued_at)
        first = arrivals[0] - issued_at
        with container.database.unit_of_work(read_only=True) as uow:
            latencies = uow.deliveries.latencies(preview.alert.id)
        await channel.close()
        body = b'{"type":"alert.alert","summary":{},"cap":"' + b"x" * 2500 + b'"}'
        raw_rate = await _raw_rate(f"http://127.0.0.1:{port}/raw", [body] * receivers, 100)
        await runner.cleanup()
        container.close()
        print(f"fan-out: {receivers:,} signed webhook deliveries to a loopback aiohttp sink (SQLite state)")
        print(f"  ours (queue → render → sign → send → receipt): {ours_rate:8.0f} deliveries/s")
        print(f"  baseline (raw aiohttp POSTs, 100 at once):      {raw_rate:8.0f} POSTs/s")
        print(f"  ratio: {ours_rate / raw_rate:.0%} of the raw rate")
        print(f"  issue → first delivery: {first * 1000:.1f} ms; → last: {(done - issued_at):.2f} s; "
              f"latency p50 {np.percentile(latencies, 50):.0f} ms, p99 {np.percentile(latencies, 99):.0f} ms")

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivers", type=int, default=5000)
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    targeting(args.points)
    fan_out(args.receivers)


if __name__ == "__main__":
    main()
