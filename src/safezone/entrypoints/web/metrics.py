"""`/metrics` for Prometheus: requests and latencies by route (see `observe`), public requests
shed or held by admission control, and — read from the database at scrape time, so every worker
process reports the same — alerts by state, the outbox's depth and deliveries by channel
(see `delivery_families`).

Under `serve --workers N` the request counters are the sum over all worker processes, whichever
one answers the scrape: prometheus-client's multiprocess mode, each worker writing its counters
to files in one folder (`PROMETHEUS_MULTIPROC_DIR`) that `serve` makes before it starts the
workers and removes when it stops. A worker killed or replaced keeps its counts there, so the
totals never go back. With one process (and in the tests' in-process apps) nothing is shared.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from safezone.adapters.db import Database
from safezone.adapters.db.delivery_totals import FINISHED  # states a row never leaves: totals; not `dead`
from safezone.domain.alerts import AlertState
from safezone.domain.delivery import ChannelKind
from safezone.entrypoints.web.observe import RequestMetrics

router = APIRouter(tags=["health"])
# prometheus-client reads it when first imported: a worker must have it in its environment at start.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
_WORKER_FILE = re.compile(r"_(\d+)\.db$")


class StoredCounts(Collector):
    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        with self.database.unit_of_work(read_only=True) as uow:
            states = uow.monitoring.alerts_by_state()
            depth = uow.monitoring.outbox_depth()
            deliveries = uow.monitoring.deliveries_by_channel_and_state()
        alerts = GaugeMetricFamily("safezone_alerts", "Alerts stored, by workflow state", labels=["state"])
        for state in AlertState:
            alerts.add_metric([state.value], states.get(state.value, 0))
        yield alerts
        yield GaugeMetricFamily("safezone_outbox_depth", "Outbox entries not yet delivered", value=depth)
        yield from delivery_families(deliveries)


def delivery_families(rows: list[tuple[str, str, int]]) -> list[Metric]:
    """Deliveries by channel, from (channel, state, count): totals of those finished (their
    `rate()` is a delivery rate), and gauges of those waiting and of those given up. Every
    known channel is reported, at 0 before its first delivery, so `rate()` sees it start."""
    counts = {(channel, state): count for channel, state, count in rows}
    channels = sorted({c.value for c in ChannelKind} | {channel for channel, _ in counts})
    finished = CounterMetricFamily(
        "safezone_deliveries", "Deliveries finished, by channel and outcome: sent (handed over), delivered "
        "(confirmed by the receiver), failed (refused for good, or the receiver is gone), expired (not sent "
        "before the message expired or was superseded)", labels=["channel", "outcome"])
    waiting = GaugeMetricFamily("safezone_deliveries_waiting", "Deliveries not yet finished (due, being sent "
                                "or waiting to be retried), by channel", labels=["channel"])
    dead = GaugeMetricFamily("safezone_deliveries_dead", "Deliveries given up after the retry limit, kept for an "
                             "operator's retry, by channel", labels=["channel"])
    for channel in channels:
        for outcome in FINISHED:
            finished.add_metric([channel, outcome], counts.get((channel, outcome), 0))
        waiting.add_metric([channel], counts.get((channel, "queued"), 0))
        dead.add_metric([channel], counts.get((channel, "dead"), 0))
    return [finished, waiting, dead]


class AppMetrics:
    """Everything one app reports, in a registry of its own."""

    def __init__(self, database: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = RequestMetrics(self.registry)
        self.shed = Counter("safezone_public_shed", "Public requests answered 503 by admission control",
                            registry=self.registry)
        self.held = Counter("safezone_public_held", "Public requests that waited for an operator's change in flight",
                            registry=self.registry)
        self.registry.register(StoredCounts(database))
        self.exposed = self.registry
        if folder := os.environ.get(MULTIPROCESS_ENV):  # every worker's counters, not only this one's
            self.exposed = CollectorRegistry()
            MultiProcessCollector(self.exposed, path=folder)
            self.exposed.register(StoredCounts(database))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    return True


def _mark_dead_workers(folder: str, stop: threading.Event, every_s: float = 1.0) -> None:
    """Tell prometheus-client of each worker that has gone (killed or replaced), once."""
    marked: set[int] = set()
    while not stop.wait(every_s):
        for path in Path(folder).glob("*.db"):
            found = _WORKER_FILE.search(path.name)
            if found and (pid := int(found.group(1))) not in marked and not _alive(pid):
                mark_process_dead(pid, folder)
                marked.add(pid)


@contextlib.contextmanager
def shared_between_workers() -> Iterator[str]:
    """A fresh folder for the workers' counters, in the environment they inherit while the
    block runs; removed after. An operator's own `PROMETHEUS_MULTIPROC_DIR` is used as it is."""
    given = os.environ.get(MULTIPROCESS_ENV)
    folder = given or tempfile.mkdtemp(prefix="safezone-metrics-")
    os.environ[MULTIPROCESS_ENV] = folder
    stop = threading.Event()
    watcher = threading.Thread(target=_mark_dead_workers, args=(folder, stop), daemon=True)
    watcher.start()
    try:
        yield folder
    finally:
        stop.set()
        watcher.join(5)
        if not given:
            os.environ.pop(MULTIPROCESS_ENV, None)
            shutil.rmtree(folder, ignore_errors=True)


@router.get("/metrics", summary="Prometheus metrics: requests, latencies, alerts by state, outbox depth, "
            "deliveries by channel",
            response_class=Response,
            responses={200: {"description": "Prometheus text format", "content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.exposed
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
