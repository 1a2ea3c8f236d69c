"""The zones map, opened in a real Chromium with no network: it draws, explains and zooms."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from safezone.entrypoints.cli import main

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def small_map(tmp_path_factory):
    out = tmp_path_factory.mktemp("map")
    threats = out / "threats.toml"
    threats.write_text('[[threat]]\nname = "x"\nmax_range_km = 20\nwarning = { table = [[5, 0], [20, 30]] }\n')
    result = CliRunner().invoke(
        main, ["zones", "build", "--border", "RUS-UKR", "--threats", str(threats), "--out", str(out), "--quiet", "--db", str(out / "safezone.db")]
    )
    assert result.exit_code == 0, result.output
    return out


def test_the_map_draws_every_area_and_loads_nothing_from_the_network(page, small_map):
    features = json.loads((small_map / "zones.geojson").read_text())["features"]
    page.goto((small_map / "map.html").as_uri())
    assert page.locator(".layer-areas path").count() == len(features)
    assert page.locator(".layer-border path").count() == 1
    assert [url for url in page.requests if not url.startswith("file://")] == []
    box = page.locator("svg.map").bounding_box()
    assert box["width"] > 500 and box["height"] > 300


def test_clicking_an_area_tells_its_name_time_and_population(page, small_map):
    features = json.loads((small_map / "zones.geojson").read_text())["features"]
    biggest = max(features, key=lambda f: f["properties"]["population"])["properties"]
    page.goto((small_map / "map.html").as_uri())
    page.locator(f'.layer-areas path[data-id="{biggest["id"]}"]').dispatch_event("click")
    info = page.locator("#info").inner_text()
    assert biggest["name"] in info
    assert f'{biggest["population"]:,}' in info
    assert "time to shelter" in info


def test_zoom_buttons_change_the_view(page, small_map):
    page.goto((small_map / "map.html").as_uri())
    before = page.locator("svg.map").get_attribute("viewBox")
    page.click("[data-zoom=in]")
    zoomed = page.locator("svg.map").get_attribute("viewBox")
    assert float(zoomed.split()[2]) < float(before.split()[2])
    page.click("[data-zoom=reset]")
    assert page.locator("svg.map").get_attribute("viewBox").split()[2] == before.split()[2]


def test_the_map_page_fits_a_phone_screen(chromium, small_map):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    phone = context.new_page()
    phone.goto((small_map / "map.html").as_uri())
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    box = phone.locator("svg.map").bounding_box()
    assert box["width"] > 300
    context.close()
