"""Fixtures for the zone tests: the real Russia–Ukraine zones, built once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import mapping

from safezone.adapters.geodata import geonames
from safezone.adapters.geodata.border_sources import from_country_pair
from safezone.adapters.config.threats import load_threats
from safezone.domain.geodesy import BorderGeometry
from safezone.domain.zones import ZoneSet
from safezone.services.zones import build_zones


@pytest.fixture(scope="session")
def settlements():
    return geonames.load_settlements()


@pytest.fixture(scope="session")
def default_threats():
    return load_threats()


@pytest.fixture(scope="session")
def rus_ukr_border():
    return from_country_pair("RUS-UKR")


@pytest.fixture(scope="session")
def rus_ukr(rus_ukr_border, default_threats, settlements) -> ZoneSet:
    return build_zones(rus_ukr_border, default_threats.threats, settlements, area_km=default_threats.area_km,
                       place_names=geonames.load_place_names())


@pytest.fixture(scope="session")
def rus_ukr_measure(rus_ukr_border) -> BorderGeometry:
    return BorderGeometry(rus_ukr_border.line)


def write_geojson(path: Path, geometries, properties=None) -> Path:
    """A FeatureCollection file of the given shapely geometries."""
    features = [
        {"type": "Feature", "properties": (properties or {}), "geometry": mapping(g)} for g in geometries
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


@pytest.fixture
def small_border_files(tmp_path):
    """A made-up straight border at 10°E between two square territories 1° on a side."""
    line = shapely.LineString([(10.0, 50.0), (10.0, 50.5), (10.0, 51.0)])
    west = shapely.box(9.0, 50.0, 10.0, 51.0)
    east = shapely.box(10.0, 50.0, 11.0, 51.0)
    return (
        write_geojson(tmp_path / "line.geojson", [line]),
        write_geojson(tmp_path / "west.geojson", [west], {"name": "West"}),
        write_geojson(tmp_path / "east.geojson", [east], {"name": "East"}),
    )
