"""Helpers for the page tests: a browser context per person, a tap on the map at a place,
screenshots into docs/screenshots (shown by the README)."""

from __future__ import annotations

from typing import Any

from tests.pages.conftest import DESKTOP, SCREENSHOTS


def open_page(chromium: Any, url: str, *, viewport: dict | None = None, ready: str = "body[data-ready='1']",
              **context: Any) -> Any:
    """A new context and page at `url`, once `ready` shows (by default: zones drawn, alerts
    loaded); `page.requests` lists every URL it asked for."""
    ctx = chromium.new_context(viewport=viewport or DESKTOP, **context)
    page = ctx.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.goto(url)
    page.wait_for_selector(ready, timeout=15_000)
    return page


def map_point(page: Any, lat: float, lon: float) -> tuple[float, float]:
    """Where (lat, lon) is drawn on the map, in the viewport, scrolled into view if need be
    (clicking a form's button may have scrolled the map away)."""
    return tuple(page.evaluate(
        "([lat, lon]) => { const m = window.szMap, p = m.latLngToContainerPoint([lat, lon]);"
        " let r = m.getContainer().getBoundingClientRect(), y = r.top + p.y;"
        " if (y < 0 || y > innerHeight) { scrollBy(0, y - innerHeight / 2); r = m.getContainer().getBoundingClientRect(); }"
        " return [r.left + p.x, r.top + p.y]; }", [lat, lon]))


def tap_at(page: Any, lat: float, lon: float) -> None:
    """Tap the map where (lat, lon) is drawn, as a person would."""
    page.mouse.click(*map_point(page, lat, lon))


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
