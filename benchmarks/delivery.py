"""Benchmark: targeting, webhook fan-out and issue → delivery, each against a baseline measured
in the same run.

1. Targeting: 1,000,000 subscriber points against an alert of ~900 real RUS–UKR alert areas;
   ours (`domain.targeting.covered`: exact, edges inside) against shapely's prepared union with
   `contains_xy` (the obvious way; it also leaves edge points out).
2. Fan-out: N signed webhook deliveries (queue → render → sign → send → receipt, on SQLite)
   to a minimal aiohttp sink on loopback, against raw aiohttp POSTs of the same bodies to the
   same sink with the same concurrency.
3. Issue → first delivery (the median over 20 small alerts) with the worker in process as
   `safezone serve` runs it, woken by each issued alert; and → first and last of the fan-out.
4. Web Push: our channel's encryption and headers for one push per subscriber against the
   least raw `cryptography` takes for the same RFC 8291 body.
5. The fan-out again through Redis Streams with two `safezone worker` processes (PostgreSQL and
   redis-server started by the benchmark on 127.0.0.1).

    python benchmarks/delivery.py [--receivers 5000] [--points 1000000] [--subscribers 2000]
                                  [--no-postgis] [--no-redis] [--only-targeting | --fan-out-only]

    python benchmarks/delivery.py --receivers 100000 --fan-out-only   # 1 and 4 skipped, a few minutes
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


def targeting(points: int, areas_wanted: int = 900, postgis: bool = True) -> None:
    from safezone.adapters.config.threats import load_threats
    from safezone.adapters.geodata import geonames
    from safezone.adapters.geodata.border_sources import from_country_pair
    from safezone.domain.cell_targeting import CellIndex, ZoneCells, covered_by_cells, point_cells
    from safezone.domain.targeting import covered
    from safezone.services.zones import build_zones

    config = load_threats()
    zones = build_zones(from_country_pair("RUS-UKR"), config.threats, geonames.load_settlements(), area_km=config.area_km)
    resolution = zones.parameters["h3_resolution"]
    ukr = [a for a in zones.areas if a.side == "UKR"]
    centre = shapely.centroid(ukr[len(ukr) // 2].geometry)
    ukr.sort(key=lambda a: shapely.distance(a.geometry.centroid, centre))
    chosen = ukr[:areas_wanted]
    shapes = [a.geometry for a in chosen]
    west, south, east, north = shapely.total_bounds(shapes)
    rng = np.random.default_rng(7)
    lon = rng.uniform(west - 0.2, east + 0.2, points)
    lat = rng.uniform(south - 0.2, north + 0.2, points)
    # Once per subscriber, at subscription time (not part of an alert's cost): its cell, and
    # the index on the cell column.
    started = time.perf_counter()
    cells = point_cells(lon, lat, resolution)
    cells_s = time.perf_counter() - started
    started = time.perf_counter()
    index = CellIndex(cells, lon, lat)
    index_s = time.perf_counter() - started

    # Kept per zone set from one alert to the next (each area's cell, prepared geometry, ...):
    # the first alert over these areas fills it, and its time is printed apart.
    zone_cells = ZoneCells(resolution)
    alert_areas = [(a.id, a.geometry) for a in chosen]
    started = time.perf_counter()
    zone_cells.plan(alert_areas)
    first_s = time.perf_counter() - started

    def ours() -> int:
        plan = zone_cells.plan(alert_areas)
        assert plan is not None
        return len(covered_by_cells(plan, index))

    def before() -> int:
        return int(covered(shapes, lon, lat).sum())

    def baseline() -> int:
        union = shapely.union_all(shapes)
        shapely.prepare(union)
        return int(shapely.contains_xy(union, lon, lat).sum())

    # Interleaved rounds, so that a busy spell of a shared machine weighs on all alike.
    jobs = {"ours": ours, "before": before, "baseline": baseline}
    runs: dict[str, list[float]] = {name: [] for name in jobs}
    found: dict[str, int] = {}
    for round_ in range(5):
        for name, job in jobs.items():
            if name == "before" and round_ >= 3:
                continue
            started = time.perf_counter()
            found[name] = job()
            runs[name].append(time.perf_counter() - started)
    timings = {name: (statistics.median(runs[name]), found[name]) for name in jobs}
    plan = zone_cells.plan(alert_areas)
    assert plan is not None
    print(f"targeting: {points:,} points, {len(shapes)} areas, H3 resolution {resolution} "
          f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, median)")
    print(f"  cells: {len(plan.sure)} sure inside, {int((plan.status == 1).sum())} whole, "
          f"{int((plan.status == 2).sum())} cut, {int((plan.status == 3).sum())} around")
    print(f"  once per subscriber: cells {cells_s * 1000:.0f} ms, index {index_s * 1000:.0f} ms for all {points:,}")
    print(f"  once per zone set (the first alert over these areas): {first_s * 1000:.0f} ms")
    rows = [("ours (cells + exact edges)", "ours"), ("before (exact, every point)", "before"),
            ("prepared union, contains_xy", "baseline")]
    for label, key in rows:
        seconds, found = timings[key]
        print(f"  {label:32s} {seconds * 1000:8.1f} ms   {found:,} inside")
    if postgis:
        postgis_s, postgis_n = _postgis(shapes, lon, lat)
        print(f"  {'PostGIS GiST (ST_Intersects)':32s} {postgis_s * 1000:8.1f} ms   {postgis_n:,} inside")
    print(f"  ratio: {timings['ours'][0] / timings['baseline'][0]:.2f}× the prepared-union baseline's time")


def _postgis(shapes: list, lon: np.ndarray, lat: np.ndarray) -> tuple[float, int]:
    """The same points in a PostGIS table with a GiST index, the alert's areas in another: the
    time of one query counting the points that intersect any area (median of 3)."""
    import psycopg

    from safezone.adapters.db.local_postgres import local_postgres

    with local_postgres() as server, psycopg.connect(
            server.new_database("targeting").replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute("CREATE TABLE pts (id serial, geom geometry(Point, 4326))")
        with conn.cursor().copy("COPY pts (geom) FROM STDIN") as copy:
            for x, y in zip(lon.tolist(), lat.tolist()):
                copy.write_row((f"SRID=4326;POINT({x} {y})",))
        conn.execute("CREATE INDEX ON pts USING gist (geom)")
        conn.execute("CREATE TABLE areas (geom geometry(Geometry, 4326))")
        with conn.cursor().copy("COPY areas (geom) FROM STDIN") as copy:
            for shape in shapes:
                copy.write_row((shapely.to_wkb(shape, hex=True, include_srid=False),))
        conn.execute("UPDATE areas SET geom = ST_SetSRID(geom, 4326)")
        conn.execute("ANALYZE pts; ANALYZE areas")
        query = ("SELECT count(DISTINCT p.id) FROM areas a JOIN pts p ON ST_Intersects(a.geom, p.geom)")
        runs, found = [], 0
        for _ in range(3):
            started = time.perf_counter()
            found = conn.execute(query).fetchone()[0]
            runs.append(time.perf_counter() - started)
        return statistics.median(runs), int(found)


def webpush(subscribers: int) -> None:
    """Our channel's whole CPU work for one push per subscriber (payload in the receiver's
    language, RFC 8291 encryption, VAPID header, push headers: `WebPushChannel.request`) against
    the least a correct RFC 8291 encryption takes with raw `cryptography` (load the browser's key;
    a fresh ephemeral key, its public point for the header, a fresh salt; ECDH, HKDF ×3,
    AES-128-GCM) over the same payload."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from safezone.adapters.channels import render
    from safezone.adapters.channels.webpush import WebPushChannel, load_or_create_vapid_key
    from safezone.domain.delivery import ChannelKind
    from tests.delivery.channel_support import NOW, a_delivery
    from tests.delivery.push_service import Browser

    browsers = [Browser(f"b{n}") for n in range(subscribers)]
    receivers = [b.subscription("https://fcm.googleapis.com", ("uk",)) for b in browsers]  # a push service
    delivery = a_delivery(ChannelKind.WEBPUSH)
    channel = WebPushChannel(load_or_create_vapid_key(Path(tempfile.mkdtemp())), subject="mailto:ops@example.org",
                             clock=lambda: NOW)
    payload = render.push_payload(delivery, ("uk",))
    curve = ec.SECP256R1()
    raw_point = (serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    keys = [(b.public_raw, b.auth_secret) for b in browsers]  # raw bytes, as a subscription holds them

    def ours(chunk: slice) -> None:
        for receiver in receivers[chunk]:
            channel.request(delivery, receiver, NOW)

    def raw(chunk: slice) -> None:
        for public, auth in keys[chunk]:
            receiver = ec.EllipticCurvePublicKey.from_encoded_point(curve, public)
            sender = ec.generate_private_key(curve)
            sender_key = sender.public_key().public_bytes(*raw_point)  # sent in the header
            shared = sender.exchange(ec.ECDH(), receiver)
            salt = os.urandom(16)
            ikm = HKDF(hashes.SHA256(), 32, salt=auth, info=b"WebPush: info\x00" + public + sender_key).derive(shared)
            key = HKDF(hashes.SHA256(), 16, salt=salt, info=b"Content-Encoding: aes128gcm\x00").derive(ikm)
            nonce = HKDF(hashes.SHA256(), 12, salt=salt, info=b"Content-Encoding: nonce\x00").derive(ikm)
            AESGCM(key).encrypt(nonce, payload + b"\x02", None)

    # CPU time of this process (the work is all CPU, in this thread), chunks of 50 subscribers,
    # each timed 5 times for both in turns and the least kept: other jobs on the shared machine
    # then cost neither side.
    best = {"ours": 0.0, "raw": 0.0}
    for first in range(0, subscribers, 50):
        chunk = slice(first, first + 50)
        taken: dict[str, list[float]] = {"ours": [], "raw": []}
        for _ in range(5):
            for name, job in (("ours", ours), ("raw", raw)):
                started = time.process_time()
                job(chunk)
                taken[name].append(time.process_time() - started)
        for name in best:
            best[name] += min(taken[name])
    rates = {name: subscribers / seconds for name, seconds in best.items()}
    print(f"web push encryption: {subscribers:,} subscribers, {len(payload)}-byte payload "
          f"(load {os.getloadavg()[0]:.1f}, CPU time, least of 5 per 50 in turns)")
    print(f"  ours (WebPushChannel.request: payload, aes128gcm, VAPID, headers): {rates['ours']:8.0f}/s")
    print(f"  raw cryptography (key, ECDH, HKDF ×3, AES-GCM):                   {rates['raw']:8.0f}/s")
    print(f"  ratio: {rates['ours'] / rates['raw']:.0%} of the raw rate")


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


class Bench:
    """What both fan-outs share: a loopback aiohttp sink timing each arrival, a container on
    `db_url` with one area and an issuing operator, and webhook integrators pointing at the sink."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.arrivals: list[float] = []

    async def start(self) -> None:
        from aiohttp import web
        from shapely.geometry import LineString, box

        from safezone.adapters.channels.settings import DeliverySettings
        from safezone.adapters.channels.webhook import new_secret
        from safezone.bootstrap import Settings, assemble
        from safezone.domain.threats import Band
        from safezone.domain.zones import AlertArea, Side, ZoneSet
        from safezone.services import accounts

        async def sink(request: web.Request) -> web.Response:
            await request.read()
            self.arrivals.append(time.perf_counter())
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/{tail:.*}", sink)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.port = self.runner.addresses[0][1]
        self.container = assemble(Settings(db=self.db_url), clock=lambda: datetime.now(timezone.utc),
                                  delivery=DeliverySettings(allow_http=True, batch=500))
        band = Band(index=0, min_km=0, max_km=5, time_to_shelter_s=15, seconds_by_threat=(("short range", 15),))
        zones = ZoneSet("A–B", LineString([(30, 50), (30, 51)]), (Side("AAA", "A", box(29, 50, 30, 51)),), (band,),
                        [AlertArea("AAA-0-1", "Westgate", "AAA", 0, 0, 5, 15, box(29.9, 50, 30, 51), ())], {})
        self.now, self.secret, self.count = datetime.now(timezone.utc), new_secret(), 0
        with self.container.database.unit_of_work() as uow:
            uow.zones.add(zones, activate=True)
            self.user = accounts.add_user(uow, "bench", "benchmark password", ["issuer", "approver"], now=self.now)
            uow.commit()

    def integrators(self, total: int) -> None:
        """Webhook integrators (each its own path on the sink) up to `total`."""
        from safezone.domain.subscribers import Integrator

        with self.container.database.unit_of_work() as uow:
            for n in range(self.count, total):
                uow.integrators.add(Integrator(f"int_{n:06d}", f"g{n}", "webhook", (), self.now,
                                               f"http://127.0.0.1:{self.port}/r{n}", self.secret))
            uow.commit()
        self.count = max(self.count, total)

    def issue(self) -> tuple[float, int]:
        """Issue an Exercise alert to every integrator: when the issue began, and the alert."""
        from safezone.domain.cap import Status
        from safezone.services.alerts import Composition

        alerts = self.container.alerts
        preview = alerts.compose(self.user, Composition(Status.EXERCISE, "short range", ("en",), ("AAA-0-1",)))
        alerts.submit(self.user, preview.alert.id)
        started = time.perf_counter()
        alerts.issue(self.user, preview.alert.id)
        return started, preview.alert.id

    async def arrived(self, count: int) -> None:
        while len(self.arrivals) < count:
            await asyncio.sleep(0.0005)

    async def firsts(self, alerts: int) -> list[float]:
        """Issue → first delivery of `alerts` one-receiver alerts, idle between them."""
        self.integrators(1)
        found = []
        for _ in range(alerts):
            await asyncio.sleep(0.2)  # idle again, as between real alerts
            expected = len(self.arrivals) + 1
            started, _ = await asyncio.to_thread(self.issue)
            await self.arrived(expected)
            found.append(self.arrivals[-1] - started)
        return found

    async def fan(self, receivers: int) -> tuple[float, float, int, float]:
        """Issue one alert to `receivers` integrators: seconds to the first and the last copy,
        and this process's CPU seconds (every thread, the sink's too) from issue to last copy."""
        self.integrators(receivers)
        await asyncio.sleep(0.2)
        before = len(self.arrivals)
        cpu = time.process_time()
        issued_at, alert_id = await asyncio.to_thread(self.issue)
        await self.arrived(before + receivers)
        return self.arrivals[before] - issued_at, self.arrivals[-1] - issued_at, alert_id, time.process_time() - cpu

    async def raw_rate(self, receivers: int) -> tuple[float, float]:
        """Raw POSTs per second, and the CPU seconds they took (the sink's too)."""
        body = b'{"type":"alert.alert","summary":{},"cap":"' + b"x" * 2500 + b'"}'
        cpu = time.process_time()
        rate = await _raw_rate(f"http://127.0.0.1:{self.port}/raw", [body] * receivers, 100)
        return rate, time.process_time() - cpu

    async def close(self) -> None:
        await self.runner.cleanup()
        self.container.close()


def fan_out(receivers: int) -> None:
    from safezone.adapters.channels.webhook import WebhookChannel
    from safezone.entrypoints import worker

    async def run() -> None:
        bench = Bench(f"{tempfile.mkdtemp()}/bench.db")
        await bench.start()
        container = bench.container
        # The worker as `safezone serve` runs it: in process, woken by each issued alert.
        channel = WebhookChannel(max_connections=100, per_host=100)
        stop = asyncio.Event()
        engine = worker.engine(container, {"webhook": channel})
        running = asyncio.create_task(worker.embedded(container, stop, {"webhook": channel}, engine))
        firsts = await bench.firsts(20)
        first, last, alert_id, ours_cpu = await bench.fan(receivers)
        await engine.settle()  # the receipts of copies still being recorded
        stop.set()
        await running
        with container.database.unit_of_work(read_only=True) as uow:
            latencies = uow.deliveries.latencies(alert_id)
        raw_rate, raw_cpu = await bench.raw_rate(receivers)
        await bench.close()
        ours_rate = receivers / last
        print(f"fan-out: {receivers:,} signed webhook deliveries to a loopback aiohttp sink (SQLite state, "
              f"load {os.getloadavg()[0]:.1f})")
        print(f"  ours (queue → render → sign → send → receipt): {ours_rate:8.0f} deliveries/s")
        print(f"  baseline (raw aiohttp POSTs, 100 at once):      {raw_rate:8.0f} POSTs/s")
        print(f"  ratio: {ours_rate / raw_rate:.0%} of the raw rate")
        print(f"  CPU per copy (this process, the sink's share included): ours {ours_cpu / receivers * 1e6:.0f} µs, "
              f"raw {raw_cpu / receivers * 1e6:.0f} µs: {raw_cpu / ours_cpu:.0%} of the raw CPU rate")
        print(f"  issue → first delivery, one receiver, 20 alerts (embedded worker, woken on issue; poll "
              f"{container.delivery_settings.poll_s * 1000:.0f} ms): p50 {np.percentile(firsts, 50) * 1000:.1f} ms, "
              f"max {max(firsts) * 1000:.1f} ms")
        print(f"  issue → first of {receivers:,}: {first * 1000:.1f} ms; → last: {last:.2f} s")
        if len(latencies):
            print(f"  receipts' latency p50 {np.percentile(latencies, 50):.0f} ms, p99 {np.percentile(latencies, 99):.0f} ms")

    asyncio.run(run())


def fan_out_workers(receivers: int, workers: int = 2) -> None:
    """The same fan-out through Redis Streams: `workers` `safezone worker` processes sharing it,
    the state in a PostgreSQL and the stream in a redis-server the benchmark starts on loopback."""
    from safezone.adapters.db.local_postgres import local_postgres
    from tests.subscribers.workers import Worker
    from tests.support.redis_server import RedisServer

    folder = Path(tempfile.mkdtemp())
    with local_postgres() as server:
        db_url = server.new_database("fan_out")
        redis = RedisServer(folder).start()
        running = [Worker(db_url, redis.url, f"w{n}", folder, lease_s=30) for n in range(workers)]

        async def run() -> tuple[list[float], float, float, float]:
            bench = Bench(db_url)
            await bench.start()
            try:
                firsts = await bench.firsts(10)  # the workers are up once the first copies arrive
                first, last, _, _ = await bench.fan(receivers)
                return firsts, first, last, (await bench.raw_rate(receivers))[0]
            finally:
                await bench.close()

        try:
            firsts, first, last, raw_rate = asyncio.run(run())
        finally:
            logs = [w.stop() for w in running]
            redis.stop()
    if any("Traceback" in log for log in logs):
        print("\n".join(logs))
    print(f"fan-out through Redis Streams: {receivers:,} webhooks, {workers} `safezone worker` processes, "
          f"PostgreSQL state (load {os.getloadavg()[0]:.1f})")
    print(f"  ours: {receivers / last:8.0f} deliveries/s; raw aiohttp POSTs (one process, 100 at once) "
          f"{raw_rate:8.0f}/s: {receivers / last / raw_rate:.0%}")
    print(f"  issue → first delivery, one receiver, 10 alerts: p50 {np.percentile(firsts[1:], 50) * 1000:.1f} ms "
          f"(after the first, {firsts[0] * 1000:.0f} ms, while the workers start)")
    print(f"  issue → first of {receivers:,}: {first * 1000:.1f} ms; → last: {last:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receivers", type=int, default=5000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--subscribers", type=int, default=2000, help="Web Push subscribers to encrypt for")
    parser.add_argument("--no-postgis", action="store_true", help="skip the PostGIS baseline")
    parser.add_argument("--no-redis", action="store_true", help="skip the fan-out through Redis and two workers")
    parser.add_argument("--only-targeting", action="store_true", help="run the targeting benchmark alone")
    parser.add_argument("--fan-out-only", action="store_true", help="skip targeting and Web Push (a large --receivers)")
    args = parser.parse_args()
    if not args.fan_out_only:
        targeting(args.points, postgis=not args.no_postgis)
        if args.only_targeting:
            return
        webpush(args.subscribers)
    fan_out(args.receivers)
    if not args.no_redis:
        fan_out_workers(args.receivers)


if __name__ == "__main__":
    main()
