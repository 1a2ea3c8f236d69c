from __future__ import annotations

import dataclasses
from typing import Any, Iterator

import pytest
from shapely.geometry import box

from tests.support.app import Api, Clock, api, clock, container, make_container  # noqa: F401  (fixtures)

# The part of the Russia–Ukraine zones around Sumy and Belgorod where the largest alerts are drawn.
NEAR_SUMY = box(33.0, 50.0, 37.5, 52.0)


@pytest.fixture(scope="session")
def border_zones():
    """The real Russia–Ukraine zones (default threats, GeoNames), built once per session and cut
    to the areas around Sumy, so that storing them stays quick on both databases."""
    from safezone.adapters.config.threats import load_threats
    from safezone.adapters.geodata import geonames
    from safezone.adapters.geodata.border_sources import from_country_pair
    from safezone.services.zones import build_zones

    threats = load_threats()
    zones = build_zones(from_country_pair("RUS-UKR"), threats.threats, geonames.load_settlements(),
                        area_km=threats.area_km, place_names=geonames.load_place_names())
    return dataclasses.replace(zones, areas=[a for a in zones.areas if a.geometry.intersects(NEAR_SUMY)])


@pytest.fixture
def border_api(db_url: str, border_zones: Any, clock: Clock) -> Iterator[tuple[Api, Any]]:
    """The app on a real database holding the zones around Sumy, and its container."""
    from safezone.entrypoints.web import create_app

    built = make_container(db_url, border_zones, clock)
    client = Api(create_app(built, sweep=False))
    yield client, built
    client.close()
    built.close()
