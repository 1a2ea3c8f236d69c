"""Composing in the console by a band around a place and by drawing a polygon, in Chromium
against a real server (SQLite and PostgreSQL): the band selects the areas the API finds (see
tests/web/test_areas_near.py for the distances), a polygon drawn by clicks is issued as a drill,
a bow-tie and a polygon the server refuses get their message next to the map, and a flood of
10,000 clicks neither hangs the page nor sends requests."""

from __future__ import annotations

import pytest

from tests.pages.accessibility import serious_violations
from tests.pages.browsing import map_point, screenshot, tap_at
from tests.pages.test_console import console

pytestmark = pytest.mark.browser

# Inside Westgate's area (AAA-0-1: 29.929–30°E), drawn on the map as the test zones show it.
SQUARE = [(50.45, 29.95), (50.45, 29.99), (50.55, 29.99), (50.55, 29.95)]
# 1,000 dispatched clicks on an area took 0.14 s on the shared 2-core machine (load about 20),
# and 1.6 s while Leaflet still opened the area's tooltip (a layout) on each click.
LOOP_MS = 15_000
BOW_TIE = [(50.45, 29.95), (50.55, 29.99), (50.45, 29.99), (50.55, 29.95)]


def selected(page) -> set[str]:
    return set(page.eval_on_selector_all("#selected [data-area]", "items => items.map(i => i.dataset.area)"))


def draw(page, points, finish: str = "button") -> None:
    page.click("#draw-start")
    for lat, lon in points:
        tap_at(page, lat, lon)
    if finish == "button":
        page.click("#draw-finish")


def test_a_band_around_a_place_selects_its_areas_and_the_preview_shows_them(served, chromium):
    alice = console(chromium, served.url, "alice")
    alice.check("input[name=status][value=Exercise]")
    alice.click("#band-select")
    assert "Choose a place first" in alice.locator("#band-error").inner_text()
    alice.fill("#search", "westgate")
    alice.click("#search-results button.around")
    assert alice.locator("#band-place").inner_text() == "Around Westgate (50.5, 29.98)"
    alice.get_by_role("button", name="0–5 km").click()  # a preset: the zone set's first band
    assert (alice.input_value("#band-min"), alice.input_value("#band-max")) == ("0", "5")
    alice.click("#band-select")
    alice.wait_for_selector("#selected [data-area='AAA-1-1']")
    assert selected(alice) == {"AAA-0-1", "BBB-0-1", "AAA-1-1"}  # Far East begins 6.43 km away
    assert "3 areas within 0–5 km of Westgate" in alice.locator("#status").inner_text()

    alice.fill("#band-max", "seven")
    alice.click("#band-select")
    assert "numbers of km" in alice.locator("#band-error").inner_text()
    alice.fill("#band-max", "101")
    alice.click("#band-select")
    alice.wait_for_function("document.querySelector('#band-error').textContent.includes('max_km')")
    alice.fill("#band-max", "7")
    alice.click("#band-select")
    alice.wait_for_selector("#selected [data-area='BBB-1-1']")

    alice.click("#preview")
    reach = alice.locator("#preview-box .reach")
    reach.wait_for()
    assert "in 4 areas" in reach.inner_text()


def test_a_polygon_drawn_by_clicks_is_issued_as_a_drill(served, chromium):
    alice = console(chromium, served.url, "alice")
    alice.check("input[name=status][value=Exercise]")
    draw(alice, SQUARE[:3], finish="none")
    alice.wait_for_function("document.querySelector('#draw-status').textContent === 'Drawing: 3 points. Click the map to add more.'")
    assert serious_violations(alice) == []  # the draw mode, with its buttons and outline
    screenshot(alice, "console-draw")
    alice.click("#draw-undo")
    tap_at(alice, *SQUARE[2])
    alice.mouse.dblclick(*map_point(alice, *SQUARE[3]))  # the double click adds its point once and closes the polygon
    alice.wait_for_function("document.querySelector('#draw-status').textContent.startsWith('Polygon of 4 points')")
    assert selected(alice) == set()  # clicks while drawing never pick areas

    alice.click("#preview")
    reach = alice.locator("#preview-box .reach")
    reach.wait_for()
    assert "in 1 areas" in reach.inner_text()
    alice.click("#submit")
    card = alice.locator("#in-force article")
    card.wait_for(timeout=5_000)
    assert "Westgate" in card.inner_text() and "Eastgate" not in card.inner_text()
    assert alice.locator("#draw-status").inner_text() == ""  # the polygon went with the alert


def test_a_bow_tie_and_a_polygon_the_server_refuses_get_a_message_next_to_the_map(served, chromium):
    carol = console(chromium, served.url, "carol")
    carol.check("input[name=status][value=Exercise]")
    draw(carol, BOW_TIE)
    assert "crosses itself" in carol.locator("#draw-error").inner_text()
    sent = len(carol.requests)
    carol.click("#preview")
    assert "crosses itself" in carol.locator("#compose-error").inner_text()
    assert not [u for u in carol.requests[sent:] if "/api/operator/alerts" in u]  # refused before sending
    carol.click("#draw-clear")
    assert carol.locator("#draw-error").inner_text() == ""

    carol.evaluate("window.szMap.setView([49.5, 30.0], 11, {animate: false})")  # south of every area
    draw(carol, [(49.49, 29.99), (49.49, 30.01), (49.51, 30.0)])
    carol.click("#preview")
    carol.wait_for_function("document.querySelector('#draw-error').textContent.includes('overlaps no alert area')")
    assert "(polygon)" in carol.locator("#compose-error").inner_text()


def test_ten_thousand_clicks_leave_the_page_responsive_and_send_nothing(served, chromium):
    carol = console(chromium, served.url, "carol")
    carol.check("input[name=status][value=Exercise]")
    sent = len(carol.requests)
    flood = """([lat, lon, clicks]) => {
        const m = window.szMap, box = m.getContainer().getBoundingClientRect(), p = m.latLngToContainerPoint([lat, lon]);
        const started = performance.now();
        for (let i = 0; i < clicks; i++) {
            const x = box.left + p.x + (i % 7) * 3, y = box.top + p.y + (i % 11) * 3;
            document.elementFromPoint(x, y).dispatchEvent(new MouseEvent("click", {bubbles: true, clientX: x, clientY: y}));
        }
        return performance.now() - started;
    }"""
    spent = carol.evaluate(flood, [50.5, 29.96, 10_001])  # on Westgate's area: an odd number of toggles
    carol.wait_for_selector("#selected [data-area='AAA-0-1']")
    assert selected(carol) == {"AAA-0-1"}
    assert spent < LOOP_MS, spent

    carol.click("#draw-start")
    spent = carol.evaluate(flood, [50.5, 29.96, 10_000])
    assert spent < LOOP_MS, spent
    carol.wait_for_function("document.querySelector('#draw-status').textContent.startsWith('Drawing: 500 points')")
    assert "At most 500 points" in carol.locator("#draw-error").inner_text()
    carol.click("#draw-clear")  # still answers at once
    assert carol.locator("#draw-status").inner_text() == ""
    assert selected(carol) == {"AAA-0-1"}
    assert [u for u in carol.requests[sent:] if "/api/" in u] == []
