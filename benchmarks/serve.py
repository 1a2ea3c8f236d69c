"""The read side under load: a real `safezone serve` (uvicorn) against a plain hello endpoint.

    python benchmarks/serve.py [--seconds 3] [--connections 64] [--db sqlite,postgres]

For each database: the RUS–UKR zones are built once and stored with a registry of `--shelters`
generated shelters along the border (a few of them near the probed point), `safezone serve` runs as its
own process, and a load generator (aiohttp, in a process of its own, `--connections` keep-alive
connections on 127.0.0.1) reads each public answer for `--seconds`, with 0 and then 50 Actual
alerts in force; `/api/where` both at one point and at 200 places over the zones asked in turn
(people asking from many places at once). The baseline is a plain FastAPI app answering `/hello` under the same uvicorn
settings, measured in the same run; the ratio is answers served (200/304) a second against it,
and the CPU ratio hello's server CPU time per answer against ours (steadier on a shared machine).
Throughput runs with admission control off (`SAFEZONE_PUBLIC_IN_FLIGHT=10000`); `/healthz`
answers 429 past its fixed health bucket, so its figure is mostly refusals. Then, while the load
generator saturates `/api/where`, an operator approves and issues alerts: the time from the
approve request to the alert showing in the public listener's `/api/alerts` (polled every 5 ms)
is printed (p50, max over `--rounds`), with one listener for both sides (without and with
admission control, the default) and with the operators in a process of their own
(`--operator-port`). `--operators-only` skips the throughput tables, `--no-operators` the rest.
The load generator runs at nice +10 (`LOAD_NICE`): remote clients take none of a server's CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Iterator

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "benchmark password 1"
# Rate limits out of the way: every request of the load comes from one address.
ENV = {"SAFEZONE_RATE_PER_MINUTE": "1000000", "SAFEZONE_RATE_BURST": "1000000",
       "SAFEZONE_OPERATOR_RATE_PER_MINUTE": "1000000", "SAFEZONE_OPERATOR_BURST": "1000000",
       "PYTHONPATH": str(ROOT / "src")}
# Throughput is measured with admission control out of the way (every request served); the
# operator measurement runs both ways.
NO_SHEDDING = {"SAFEZONE_PUBLIC_IN_FLIGHT": "10000"}
SERVER_PIDS: dict[str, int] = {}  # base URL → the server's process id (for its CPU time)
HELLO_APP = textwrap.dedent('''
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/hello")
    @app.get("/healthz")
    async def hello():
        return {"hello": "world"}
''')


# -- load generator (runs in its own process) ---------------------------------------------------

async def _load(url: str | tuple[str, ...], seconds: float, connections: int, stop=None) -> tuple[int, list[float], dict[int, int]]:  # type: ignore[no-untyped-def]
    """Keep `connections` requests going for `seconds`: to `url`, or in turn to each of several."""
    import aiohttp

    urls = itertools.cycle((url,) if isinstance(url, str) else url)

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=connections, force_close=False)
    # Browsers ask for gzip; the body is read whole but not inflated (the client's CPU is not the server's).
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False,
                                     headers={"Accept-Encoding": "gzip"}) as session:
        async def worker() -> None:
            while time.perf_counter() < deadline and not (stop is not None and stop.is_set()):
                start = time.perf_counter()
                try:
                    async with session.get(next(urls)) as answer:
                        await answer.read()
                        status = answer.status
                except aiohttp.ClientError:
                    status = 0
                latencies.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    served = sum(n for status, n in statuses.items() if status in (200, 304))
    return int(served / elapsed), latencies, statuses


# The load generator's niceness: below the served processes (the public one runs at +5), as
# remote clients would be. On a real server the load comes over the network and takes none of its
# CPU; here it shares the two cores, and at the same priority it took the public process's share
# whenever the operator process had the other core.
LOAD_NICE = 10


def _load_process(url: str | tuple[str, ...], seconds: float, connections: int, out: multiprocessing.Queue, stop=None) -> None:  # type: ignore[no-untyped-def]
    os.nice(LOAD_NICE)
    rate, latencies, statuses = asyncio.run(_load(url, seconds, connections, stop))
    ordered = sorted(latencies)
    out.put((rate, _pct(ordered, 50), _pct(ordered, 99), statuses))


def _pct(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000 if ordered else float("nan")


def cpu_seconds(base: str) -> float:
    """CPU time (user + system) the server at `base` has used so far (Linux; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{SERVER_PIDS[base]}/stat").read_text().rsplit(")", 1)[1].split()
    except (KeyError, OSError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure_cpu(base: str, path: str | tuple[str, ...], seconds: float, connections: int
                ) -> tuple[int, float, float, dict[int, int], float]:
    """As `measure`, and the server's CPU milliseconds per answer served: on a machine shared
    with other jobs, steadier than answers a second. `path`: one, or several asked in turn."""
    before = cpu_seconds(base)
    url = base + path if isinstance(path, str) else tuple(base + p for p in path)
    rate, p50, p99, statuses = measure(url, seconds, connections)
    served = sum(n for status, n in statuses.items() if status in (200, 304))
    return rate, p50, p99, statuses, (cpu_seconds(base) - before) * 1000 / max(1, served)


def measure(url: str | tuple[str, ...], seconds: float, connections: int) -> tuple[int, float, float, dict[int, int]]:
    out: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_load_process, args=(url, seconds, connections, out))
    process.start()
    result = out.get(timeout=seconds + 120)
    process.join()
    return result


@contextlib.contextmanager
def background_load(url: str, seconds: float, connections: int) -> Iterator[None]:
    """Saturate `url` until the block ends (at most `seconds`)."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=_load_process, args=(url, seconds, connections, out, stop))
    process.start()
    time.sleep(1.0)  # let it saturate
    try:
        yield
    finally:
        stop.set()
        out.get(timeout=seconds + 120)
        process.join()


# -- servers ------------------------------------------------------------------------------------

def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def process_on_port(command: list[str], workdir: Path, env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    log = (workdir / f"server-{port}.log").open("w")
    process = subprocess.Popen([*command, "--port", str(port)], cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    SERVER_PIDS[base] = process.pid
    try:
        wait_healthy(base, process, workdir / f"server-{port}.log")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def wait_healthy(base: str, process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + 300
    while True:
        if process is not None and log is not None and process.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(base + "/healthz", timeout=1).status_code < 500:
                return
        if time.monotonic() > deadline:
            raise SystemExit("server did not start")
        time.sleep(0.1)


def hello_server(workdir: Path) -> contextlib.AbstractContextManager[str]:
    (workdir / "hello_app.py").write_text(HELLO_APP)
    return process_on_port([sys.executable, "-m", "uvicorn", "hello_app:app", "--host", "127.0.0.1",
                            "--log-level", "warning", "--no-proxy-headers"], workdir, {"PYTHONPATH": str(workdir)})


def safezone_server(workdir: Path, db_url: str, env: dict[str, str] | None = None
                    ) -> contextlib.AbstractContextManager[str]:
    command = [sys.executable, "-c", "from safezone.entrypoints.cli import main; main()", "serve", "--quiet",
               "--no-default-zones", "--db", db_url]
    return process_on_port(command, workdir, {**ENV, **(env or {})})


@contextlib.contextmanager
def safezone_with_operator_process(workdir: Path, db_url: str, env: dict[str, str]) -> Iterator[tuple[str, str]]:
    """`safezone serve --operator-port`: the public base and the operators' base."""
    port = _free_port()
    with safezone_server(workdir, db_url, {"SAFEZONE_OPERATOR_PORT": str(port), **env}) as public:
        operators = f"http://127.0.0.1:{port}"
        wait_healthy(operators)
        yield public, operators


# -- data ---------------------------------------------------------------------------------------

def border_zones(pair: str):  # type: ignore[no-untyped-def]
    """The zones of one border (a country pair) with the default threat classes, built in memory."""
    from safezone.adapters.config.threats import load_threats
    from safezone.adapters.geodata import geonames
    from safezone.adapters.geodata.border_sources import from_country_pair
    from safezone.services.zones import DEFAULT_AREA_KM, build_zones

    quiet = lambda _message: None  # noqa: E731
    config = load_threats(None)
    return build_zones(from_country_pair(pair), config.threats, geonames.load_settlements(quiet),
                       area_km=config.area_km or DEFAULT_AREA_KM, band_edges_km=config.band_edges_km,
                       place_names=geonames.load_place_names(quiet))


def prepare(db_url: str, zones, shelters: int = 20_000) -> tuple[list[str], tuple[float, float]]:  # type: ignore[no-untyped-def]
    """Store the zones, a shelter registry and two operators; the ids of the areas alerts will
    name, and a point in the first."""
    from safezone.adapters.db import Database
    from safezone.services import accounts

    near = [a for a in zones.areas if a.band == 0]
    step = max(1, len(near) // 60)
    chosen = near[::step][:60]
    point = chosen[0].geometry.representative_point()
    database = Database.open(db_url)
    try:
        with database.unit_of_work() as uow:
            uow.zones.add(zones, activate=True)
            accounts.add_user(uow, "issuer", PASSWORD, ["issuer"])
            accounts.add_user(uow, "approver", PASSWORD, ["approver"])
            uow.shelters.upsert(registry(zones, shelters, (point.y, point.x)))
            uow.commit()
    finally:
        database.close()
    return [a.id for a in chosen], (point.y, point.x)


PLACES = 200


def places(zones) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """`PLACES` points (lat, lon) scattered over the zones' areas and a little beyond, as people
    asking from many places at once: some in dense parts of the registry, some in sparse ones,
    some outside every area."""
    import numpy as np

    rng = np.random.default_rng(31)
    inner = [a.geometry.representative_point() for a in zones.areas]
    picked = rng.integers(0, len(inner), PLACES)
    return [(inner[i].y + float(rng.normal(0, 0.05)), inner[i].x + float(rng.normal(0, 0.08))) for i in picked]


def registry(zones, count: int, here: tuple[float, float]) -> list:  # type: ignore[no-untyped-def]
    """`count` shelters spread over the zones' areas (scattered about each area's inner point),
    five of them within a kilometre of `here`: a registry the size of a border region's."""
    import numpy as np

    from safezone.domain.shelters import Shelter

    rng = np.random.default_rng(12)
    inner = [a.geometry.representative_point() for a in zones.areas]
    picked = rng.integers(0, len(inner), count - 5)
    lats = np.array([inner[i].y for i in picked]) + rng.normal(0, 0.03, len(picked))
    lons = np.array([inner[i].x for i in picked]) + rng.normal(0, 0.05, len(picked))
    lats = np.concatenate([lats, here[0] + rng.uniform(-0.006, 0.006, 5)])
    lons = np.concatenate([lons, here[1] + rng.uniform(-0.008, 0.008, 5)])
    kinds = ("basement", "metro", "shelter", "school")
    return [Shelter("benchmark", f"s{i}", f"Shelter {i}", round(float(lat), 6), round(float(lon), 6),
                    int(rng.integers(20, 500)), kinds[i % len(kinds)], bool(i % 3), "24/7")
            for i, (lat, lon) in enumerate(zip(lats, lons))]


class Operators:
    def __init__(self, base: str, client: httpx.Client | None = None) -> None:
        """Operators on the server at `base`, or through `client` (a TestClient, say)."""
        self.client = client or httpx.Client(base_url=base, timeout=60)
        self.issuer = self._login("issuer")
        self.approver = self._login("approver")

    def _login(self, name: str) -> dict[str, str]:
        answer = self.client.post("/api/operator/login", json={"username": name, "password": PASSWORD})
        answer.raise_for_status()
        self.client.cookies.clear()
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def submitted(self, area: str) -> int:
        body = {"status": "Actual", "threat": "short range", "languages": ["en", "uk", "ru"], "areas": [area]}
        answer = self.client.post("/api/operator/alerts", json=body, headers=self.issuer)
        answer.raise_for_status()
        alert_id = answer.json()["alert"]["id"]
        self.client.post(f"/api/operator/alerts/{alert_id}/submit", headers=self.issuer).raise_for_status()
        return alert_id

    def approve_and_issue(self, alert_id: int) -> None:
        self.client.post(f"/api/operator/alerts/{alert_id}/approve", headers=self.approver).raise_for_status()
        self.client.post(f"/api/operator/alerts/{alert_id}/issue", headers=self.issuer).raise_for_status()


def approve_to_visible(base: str, operators: Operators, area: str, rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds from the approve request to the alert in the public listener's /api/alerts
    (`base`, polled every 5 ms; the operators may be on another listener), and of those, the
    approve and issue requests' own."""
    reader = httpx.Client(base_url=base, timeout=60)
    times, operator_times = [], []
    for _ in range(rounds):
        alert_id = operators.submitted(area)
        start = time.perf_counter()
        operators.approve_and_issue(alert_id)
        operator_times.append((time.perf_counter() - start) * 1000)
        while True:
            answer = reader.get("/api/alerts")
            if answer.status_code == 200 and any(a["id"] == alert_id for a in answer.json()["alerts"]):
                break
            time.sleep(0.005)
        times.append((time.perf_counter() - start) * 1000)
    return times, operator_times


# -- run ----------------------------------------------------------------------------------------

def run_database(name: str, db_url: str, zones, workdir: Path, args, hello: tuple[int, float]) -> None:  # type: ignore[no-untyped-def]
    areas, (lat, lon) = prepare(db_url, zones, args.shelters)
    paths: dict[str, str | tuple[str, ...]] = {
             "/api/where": f"/api/where?lat={lat:.5f}&lon={lon:.5f}",
             f"/api/where ({PLACES} places)": tuple(f"/api/where?lat={y:.5f}&lon={x:.5f}" for y, x in places(zones)),
             "/api/alerts": "/api/alerts",
             "/feeds/alerts.atom": "/feeds/alerts.atom", "/api/zones.geojson (gzip)": "/api/zones.geojson",
             "/healthz": "/healthz"}
    if not args.operators_only:
        throughput(name, db_url, workdir, args, hello, areas, paths)
    if args.no_operators:
        return
    with safezone_server(workdir, db_url) as base:  # the default: admission control on, one listener
        operator_under_load(name + ", one listener, admission control (default)", base, Operators(base),
                            paths["/api/where"], areas[-1], args)
    # The public process at a lower priority (the default) or the same; and with admission
    # control shedding sooner (4 public requests in flight, not 24), so that a reader the public
    # side accepts waits behind fewer others.
    for nice, in_flight in (("5", "24"), ("0", "24"), ("5", "4")):
        env = {"SAFEZONE_PUBLIC_NICE": nice, "SAFEZONE_PUBLIC_IN_FLIGHT": in_flight}
        with safezone_with_operator_process(workdir, db_url, env) as (public, operators):
            operator_under_load(f"{name}, operators in their own process (--operator-port), public nice +{nice}, "
                                f"{in_flight} public requests in flight", public, Operators(operators),
                                paths["/api/where"], areas[-3], args)


def throughput(name: str, db_url: str, workdir: Path, args, hello: tuple[int, float], areas: list[str],  # type: ignore[no-untyped-def]
               paths: dict[str, str]) -> None:
    with safezone_server(workdir, db_url, NO_SHEDDING) as base:
        httpx.get(base + "/api/zones.geojson", timeout=120)  # a first request builds the layer
        operators = Operators(base)
        rates: dict[tuple[str, int], int] = {}
        for in_force in (0, 50):
            issued = 0 if in_force == 0 else len(areas[:in_force])
            for area in areas[:issued]:
                operators.approve_and_issue(operators.submitted(area))
            # Each answer asked once first: what a change costs once (a rebuild, the shelters
            # read) is not counted against the first answer measured; approve -> visible is.
            for path in paths.values():
                for one in (path,) if isinstance(path, str) else path:
                    httpx.get(base + one, timeout=120)
            print(f"\n{name}, {in_force} alerts in force")
            print(f"{'answer':28} {'ok/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'CPU ms':>7} {'CPU ratio':>9}  statuses")
            for label, path in paths.items():
                rate, p50, p99, statuses, cpu_ms = measure_cpu(base, path, args.seconds, args.connections)
                rates[(label, in_force)] = rate
                print(f"{label:28} {rate:7d} {p50:8.1f} {p99:8.1f} {rate / hello[0]:6.3f} {cpu_ms:7.3f} "
                      f"{hello[1] / cpu_ms:9.3f}  {dict(sorted(statuses.items()))}")
        print(f"\n{name}: cost with 50 alerts in force against none (ok/s ratio, 1.0 = unchanged)")
        for label in paths:
            print(f"  {label:28} {rates[(label, 0)] / max(1, rates[(label, 50)]):.2f}x")
        if not args.no_operators:
            operator_under_load(name + ", one listener, no admission control", base, operators, paths["/api/where"],
                                areas[-2], args)


def operator_under_load(name: str, base: str, operators: "Operators", path: str, area: str, args) -> None:  # type: ignore[no-untyped-def]
    """While the public `path` on `base` is saturated: approve → visible in `base`'s /api/alerts."""
    with background_load(base + path, 600, args.connections):
        times, operator_times = approve_to_visible(base, operators, area, args.rounds)
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"\n{name}: approve -> visible in /api/alerts while /api/where is saturated: "
          f"p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms over {len(times)} rounds "
          f"(load average {load}); of which the approve and issue requests: "
          f"p50 {statistics.median(operator_times):.0f} ms, max {max(operator_times):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--shelters", type=int, default=20_000, help="generated shelters in the registry")
    parser.add_argument("--rounds", type=int, default=10, help="approve → visible rounds per set-up")
    parser.add_argument("--operators-only", action="store_true", help="only the approve → visible figures")
    parser.add_argument("--no-operators", action="store_true", help="only the throughput tables")
    args = parser.parse_args()

    zones = border_zones("RUS-UKR")
    with tempfile.TemporaryDirectory(prefix="safezone-bench-") as tmp:
        workdir = Path(tmp)
        print(f"RUS-UKR: {len(zones.areas):,} areas, {args.shelters:,} shelters; {args.connections} connections, {args.seconds:g} s each")
        hello_rate, hello_cpu_ms = 0, float("nan")
        if not args.operators_only:
            with hello_server(workdir) as hello:
                hello_rate, p50, p99, _, hello_cpu_ms = measure_cpu(hello, "/hello", args.seconds, args.connections)
            print(f"baseline /hello (plain FastAPI, same uvicorn settings): {hello_rate} req/s, {hello_cpu_ms:.3f} CPU ms "
                  f"per answer, p50 {p50:.1f} ms, "
                  f"p99 {p99:.1f} ms")
        for name in args.db.split(","):
            if name == "sqlite":
                run_database("SQLite", str(workdir / "bench.db"), zones, workdir, args, (hello_rate, hello_cpu_ms))
            else:
                from safezone.adapters.db.local_postgres import local_postgres

                with local_postgres() as server:
                    run_database("PostgreSQL", server.new_database("bench"), zones, workdir, args, (hello_rate, hello_cpu_ms))


if __name__ == "__main__":
    main()
