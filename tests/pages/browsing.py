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


def tap_at(page: Any, lat: float, lon: float) -> None:
    """Tap the map where (lat, lon) is drawn, as a person would."""
    point = page.evaluate("([lat, lon]) => { const m = window.szMap; const p = m.latLngToContainerPoint([lat, lon]);"
                          " const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
                          [lat, lon])
    page.mouse.click(point[0], point[1])


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
