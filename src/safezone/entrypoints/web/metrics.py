"""`/metrics` for Prometheus: requests and latencies by route (see `observe`), public requests
shed by admission control, and — read from the database at scrape time, so every worker
process reports the same — alerts by state and the outbox's depth."""

from __future__ import annotations

from typing import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from safezone.adapters.db import Database
from safezone.domain.alerts import AlertState
from safezone.entrypoints.web.observe import RequestMetrics

router = APIRouter(tags=["health"])


class StoredCounts(Collector):
    def __init__(self, database: Database) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        with self.database.unit_of_work(read_only=True) as uow:
            states = uow.monitoring.alerts_by_state()
            depth = uow.monitoring.outbox_depth()
        alerts = GaugeMetricFamily("safezone_alerts", "Alerts stored, by workflow state", labels=["state"])
        for state in AlertState:
            alerts.add_metric([state.value], states.get(state.value, 0))
        yield alerts
        yield GaugeMetricFamily("safezone_outbox_depth", "Outbox entries not yet delivered", value=depth)


class AppMetrics:
    """Everything one app reports, in a registry of its own."""

    def __init__(self, database: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = RequestMetrics(self.registry)
        self.shed = Counter("safezone_public_shed", "Public requests answered 503 by admission control",
                            registry=self.registry)
        self.registry.register(StoredCounts(database))


@router.get("/metrics", summary="Prometheus metrics: requests, latencies, alerts by state, outbox depth",
            response_class=Response,
            responses={200: {"description": "Prometheus text format", "content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
