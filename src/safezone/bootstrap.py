"""The one place safezone is assembled: settings, the database, the services on it.

`safezone serve`, the tests and any later worker build the same `Container` from `Settings`,
so what runs in a test is what runs in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from safezone.adapters.channels.settings import DeliverySettings
from safezone.adapters.channels.sse import Broadcaster
from safezone.adapters.geodata import geonames
from safezone.adapters.config.templates import load_templates
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.adapters.db import Database
from safezone.adapters.config.threats import ThreatConfig, load_threats
from safezone.domain.cap.times import utc_now
from safezone.services.alerts import AlertService, AlertSettings
from safezone.services.history import HistoryService
from safezone.services.public import PublicService
from safezone.services.subscriptions import SubscriptionService
from safezone.services.zones import DEFAULT_AREA_KM, build_zones
from safezone.settings import Settings

DEFAULT_BORDER = "RUS-UKR"
REDIS_TIMEOUT_S = 1.0
__all__ = ["Container", "DEFAULT_BORDER", "Settings", "assemble", "ensure_zones"]


@dataclass
class Container:
    """The assembled application: what every entrypoint uses."""

    settings: Settings
    database: Database
    threats: ThreatConfig
    alerts: AlertService
    public: PublicService
    clock: Callable[[], datetime]
    subscriptions: SubscriptionService
    delivery_settings: DeliverySettings
    history: HistoryService
    # Live streams to open pages: issued messages for everyone (/api/stream), workflow steps for
    # operators' consoles; the web app feeds them from `alerts.on_change` on its own event loop.
    stream: Broadcaster = field(default_factory=Broadcaster)
    operator_stream: Broadcaster = field(default_factory=Broadcaster)
    # With SAFEZONE_REDIS_URL (several worker processes): what they share, an asyncio Redis client
    # used on the web app's event loop (rate limits, live events, readiness); None: one process.
    redis: Any = None

    def close(self) -> None:
        self.database.close()


def assemble(settings: Settings, clock: Callable[[], datetime] = utc_now, database: Database | None = None,
             delivery: DeliverySettings | None = None) -> Container:
    """Open the database (migrating it), unless given one already open, and wire the services on it, once."""
    database = database or Database.open(settings.db)
    threats = load_threats(settings.threats_file)
    alerts = AlertService(
        database,
        load_templates(settings.templates_file),
        threats.threats,
        AlertSettings(sender=settings.sender, sender_name=settings.sender_name, public_url=settings.public_url,
                      contact=settings.contact),
        clock=clock,
        stages=threats.stages,
    )
    delivery = delivery or DeliverySettings.from_environ()
    subscriptions = SubscriptionService(database, clock, require_https=not delivery.allow_http,
                                        push_services=delivery.allowed_push_services)
    public = PublicService(database.reader(), clock, settings.feed_retention)
    database.committed.append(public.invalidate)  # what this process commits shows at once
    return Container(settings, database, threats, alerts, public,
                     clock, subscriptions, delivery, HistoryService(database.reader(), clock, settings.archive_delay),
                     redis=shared_redis(settings.redis_url))


def shared_redis(url: str | None) -> Any:
    """The Redis client the worker processes share state through, or None (the embedded default).
    Short timeouts: a Redis that hangs must make requests fall back, not wait."""
    if url is None:
        return None
    import redis.asyncio as aioredis

    return aioredis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S)


def ensure_zones(container: Container, progress: Callable[[str], None]) -> int:
    """The active zone-set version; with none, build the default border's zones and activate them."""
    with container.database.unit_of_work() as uow:
        version = uow.zones.active_version()
    if version is not None:
        return version
    progress(f"No active zone set: building the {DEFAULT_BORDER} zones")
    config = container.threats
    border = from_country_pair(DEFAULT_BORDER)
    zones = build_zones(border, config.threats, geonames.load_settlements(progress),
                        area_km=config.area_km or DEFAULT_AREA_KM, band_edges_km=config.band_edges_km,
                        progress=progress, place_names=geonames.load_place_names(progress))
    progress(f"Storing {len(zones.areas):,} alert areas")
    with container.database.unit_of_work() as uow:
        version = uow.zones.add(zones, activate=True)
        uow.commit()
    return version
