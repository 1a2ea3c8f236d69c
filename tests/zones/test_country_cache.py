"""Natural Earth's countries are read from the packaged shapefile once and kept as arrays in
the cache folder: a later read gives the same countries, names and shapes, without pyogrio."""

from __future__ import annotations

import os
import subprocess
import sys

import shapely

from safezone.adapters.geodata import naturalearth


def test_the_cached_countries_are_the_shapefiles_own(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEZONE_CACHE", str(tmp_path))
    naturalearth.stored_countries.cache_clear()
    try:
        first = naturalearth.load_countries()  # reads the shapefile, writes the cache
        assert list(tmp_path.glob("naturalearth-countries-*.npz"))
        naturalearth.stored_countries.cache_clear()
        again = naturalearth.load_countries()  # from the cache
    finally:
        naturalearth.stored_countries.cache_clear()
    assert len(first) > 200 and first.keys() == again.keys()
    for code, country in first.items():
        assert again[code].name == country.name and again[code].code == code
        assert shapely.equals_exact(again[code].geometry, country.geometry, tolerance=0), code
    assert first["UKR"].name == "Ukraine" and first["RUS"].geometry.geom_type == "MultiPolygon"


def test_the_default_border_is_built_without_importing_pyogrio(tmp_path):
    script = ("import sys; from safezone.adapters.geodata.border_sources import from_country_pair; "
              "from_country_pair('RUS-UKR'); from_country_pair('ISR-LBN'); print('pyogrio' in sys.modules)")
    environment = {**os.environ, "SAFEZONE_CACHE": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True)
    assert first.stdout.strip() == "True"  # the first read makes the cache
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, check=True)
    assert second.stdout.strip() == "False"
