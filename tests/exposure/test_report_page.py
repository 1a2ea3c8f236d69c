"""The exposure report, opened in a real Chromium with no network: the answer is on the first screen."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from safezone.entrypoints.cli import main
from tests.exposure.test_report_command import stock

pytestmark = pytest.mark.browser


@pytest.fixture
def report_page(tmp_path, sample_zones):
    url = f"sqlite:///{tmp_path / 'z.db'}"
    stock(url, sample_zones)
    result = CliRunner().invoke(main, ["report", "--db", url, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    return tmp_path / "out" / "exposure.html"


def test_the_headline_and_the_map_are_on_the_first_screen(page, report_page, sample_zones):
    page.goto(report_page.as_uri())
    headline = page.locator(".headline")
    assert "4,600" in headline.inner_text() and "36,600" in headline.inner_text()
    assert headline.bounding_box()["y"] + headline.bounding_box()["height"] <= 860
    svg = page.locator("svg.map")
    assert svg.bounding_box()["y"] < 860 and svg.bounding_box()["height"] > 200
    assert page.locator("svg.map path").count() >= len(sample_zones.areas)
    assert [url for url in page.requests if not url.startswith("file://")] == []


def test_the_report_is_readable_on_a_phone(chromium, report_page):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    phone = context.new_page()
    phone.goto(report_page.as_uri())
    # Nothing wider than the screen: no sideways scrolling to read the headline.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    assert phone.locator(".headline").is_visible()
    context.close()


def test_the_shelters_are_on_the_map_with_their_places(page, report_page):
    page.goto(report_page.as_uri())
    dots = page.locator(".layer-dots circle")
    assert dots.count() == 2
    titles = sorted(dots.nth(i).locator("title").text_content() for i in range(2))
    assert titles == ["Eastgate metro: 4,000 places", "Westgate cellar: 500 places"]
    assert "2 shelters" in page.locator(".legend").inner_text()
