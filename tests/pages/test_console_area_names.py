"""The console map's area names, in Chromium against a real server (SQLite and PostgreSQL):
the name and time to shelter show while the pointer is over an area or while it has the
keyboard's focus (Chromium makes each area a Tab stop, as with Leaflet's own tooltips), and a
click only selects: it opens no name. A click that opened the name (Leaflet's bound tooltip
does, after closing it on the same click) laid the page out each time: ten times the cost of
the click under a flood (see test_console_compose.py)."""

from __future__ import annotations

import pytest

from tests.pages.browsing import map_point
from tests.pages.conftest import WESTGATE
from tests.pages.test_console import console

pytestmark = pytest.mark.browser

NAME = "#cmap .leaflet-tooltip"
CLICK_WITHOUT_HOVER = """([x, y]) => document.elementFromPoint(x, y).dispatchEvent(
    new MouseEvent("click", {bubbles: true, clientX: x, clientY: y}))"""
# Counts the name boxes put on the map from now on.
COUNT_OPENINGS = """() => { window.szNamesOpened = 0;
    new MutationObserver(changes => changes.forEach(c => { window.szNamesOpened += c.addedNodes.length; }))
        .observe(document.querySelector("#cmap .leaflet-tooltip-pane"), {childList: true}); }"""


def test_an_areas_name_shows_on_hover_and_a_click_only_selects(served, chromium):
    page = console(chromium, served.url, "alice")
    page.check("input[name=status][value=Exercise]")
    x, y = map_point(page, *WESTGATE)
    page.evaluate(COUNT_OPENINGS)

    page.evaluate(CLICK_WITHOUT_HOVER, [x, y])  # a click with no pointer over the area before it
    page.wait_for_selector("#selected [data-area='AAA-0-1']")
    assert page.locator(NAME).count() == 0 and page.evaluate("window.szNamesOpened") == 0

    page.mouse.move(x, y)
    page.locator(NAME).wait_for()
    assert page.locator(NAME).inner_text() == "Westgate — 15 seconds"
    assert page.evaluate("window.szNamesOpened") == 1

    page.mouse.click(x, y)  # the pointer already over it: deselects, and opens no name again
    page.wait_for_function("!document.querySelector(\"#selected [data-area='AAA-0-1']\")")
    page.wait_for_timeout(300)  # past the closing fade
    assert page.evaluate("window.szNamesOpened") == 1
    assert page.locator(NAME).count() == 0

    page.mouse.move(5, 5)  # off the map, then over Eastgate: its own name
    x, y = map_point(page, 50.5, 30.02)
    page.mouse.move(x, y)
    page.wait_for_function(f"document.querySelector('{NAME}')?.textContent === 'Eastgate — 15 seconds'")
    page.mouse.move(5, 5)
    page.wait_for_selector(NAME, state="detached")


def test_an_area_with_the_keyboards_focus_is_named(served, chromium):
    page = console(chromium, served.url, "alice")
    page.focus("#cmap")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.nodeName") == "path"
    name = page.locator(NAME)
    name.wait_for()
    assert name.inner_text() in {"Westgate — 15 seconds", "Far West — 90 seconds", "Eastgate — 15 seconds", "Far East — 90 seconds"}
    assert page.evaluate("document.activeElement.getAttribute('aria-describedby')") == name.get_attribute("id")
    page.keyboard.press("Shift+Tab")  # back to the map itself
    page.wait_for_selector(NAME, state="detached")
