"""The one place safezone is assembled: settings, the database, the services on it.

`safezone serve`, the tests and any later worker build the same `Container` from `Settings`,
so what runs in a test is what runs in production.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Mapping

from safezone.adapters.geodata import geonames
from safezone.adapters.config.templates import load_templates
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.adapters.db import Database
from safezone.adapters.config.threats import ThreatConfig, load_threats
from safezone.domain.cap.times import utc_now
from safezone.domain.errors import InputError
from safezone.services.alerts import AlertService, AlertSettings
from safezone.services.public import DEFAULT_FEED_RETENTION, PublicService, feed_retention
from safezone.services.zones import DEFAULT_AREA_KM, build_zones

DEFAULT_BORDER = "RUS-UKR"


def _environ_number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number, not {raw!r}", field=name) from None


@dataclass(frozen=True)
class Settings:
    """Everything configurable, from flags or the environment (`SAFEZONE_*`)."""

    db: str | None = None  # --db, else SAFEZONE_DB, else ./safezone.db
    threats_file: Path | None = None
    templates_file: Path | None = None
    sender: str = "safezone.local"
    sender_name: str = "safezone civil protection"
    public_url: str | None = None
    contact: str | None = None  # the CAP <contact> of our messages; default: sender name and address
    session_lifetime: timedelta = timedelta(hours=8)
    secure_cookies: bool = False  # set behind HTTPS, so the session cookie never travels in clear
    public_rate_per_minute: float = 600.0  # per client address, on the public side and login
    public_burst: float = 120.0
    expiry_sweep_s: float = 30.0
    feed_retention: timedelta = DEFAULT_FEED_RETENTION  # how long feeds keep ended alerts

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> "Settings":
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "db": env.get("SAFEZONE_DB"),
            "threats_file": Path(env["SAFEZONE_THREATS"]) if env.get("SAFEZONE_THREATS") else None,
            "templates_file": Path(env["SAFEZONE_TEMPLATES"]) if env.get("SAFEZONE_TEMPLATES") else None,
            "sender": env.get("SAFEZONE_SENDER") or cls.sender,
            "sender_name": env.get("SAFEZONE_SENDER_NAME") or cls.sender_name,
            "public_url": env.get("SAFEZONE_PUBLIC_URL") or None,
            "contact": env.get("SAFEZONE_CONTACT") or None,
            "session_lifetime": timedelta(hours=_environ_number(env, "SAFEZONE_SESSION_HOURS", 8)),
            "secure_cookies": env.get("SAFEZONE_SECURE_COOKIES", "") in ("1", "true", "yes"),
            "public_rate_per_minute": _environ_number(env, "SAFEZONE_RATE_PER_MINUTE", cls.public_rate_per_minute),
            "public_burst": _environ_number(env, "SAFEZONE_RATE_BURST", cls.public_burst),
            "feed_retention": feed_retention(_environ_number(env, "SAFEZONE_FEED_RETENTION_HOURS",
                                                             DEFAULT_FEED_RETENTION.total_seconds() / 3600)),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


@dataclass
class Container:
    """The assembled application: what every entrypoint uses."""

    settings: Settings
    database: Database
    threats: ThreatConfig
    alerts: AlertService
    public: PublicService
    clock: Callable[[], datetime]

    def close(self) -> None:
        self.database.close()


def assemble(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Container:
    """Open the database (migrating it) and wire the services on it, once."""
    database = Database.open(settings.db)
    threats = load_threats(settings.threats_file)
    alerts = AlertService(
        database,
        load_templates(settings.templates_file),
        threats.threats,
        AlertSettings(sender=settings.sender, sender_name=settings.sender_name, public_url=settings.public_url,
                      contact=settings.contact),
        clock=clock,
    )
    return Container(settings, database, threats, alerts, PublicService(database.reader(), clock, settings.feed_retention), clock)


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
