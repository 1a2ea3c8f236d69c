"""The pages' headers on a phone (360 and 414 px), a small tablet (768 px) and a desktop
(1280 px), in Chromium against a real server: no two visible header items overlap, the header
covers none of what comes below it, and nothing makes the page wider than the screen, in
English and Russian, on the console's login screen, logged in and in the drill look. Operators
use the console on a phone during an attack. A login name with nowhere to break a line (an
e-mail address) made the console 469 px wide on a 360 px phone. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.pages.browsing import open_page, screenshot
from tests.pages.conftest import DESKTOP, Operator
from tests.pages.test_console import console
from tests.support.app import PASSWORD

pytestmark = pytest.mark.browser

# A login name as long as an e-mail address (letters, digits, '.', '_', '@', '-': no place to
# break a line), and the roles after it.
LONG_NAME = "duty_officer.kyiv_oblast@civil_protection.example.gov.ua"
WIDTHS = [{"width": 360, "height": 740}, {"width": 414, "height": 896}, {"width": 768, "height": 1024}, DESKTOP]

# Every visible item of the page's header (a nav's links one by one), the first visible thing
# after the header, and how wide the page scrolls: boxes in CSS pixels.
MEASURE = """() => {
    const header = document.querySelector("header.bar");
    const visible = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
    const box = e => { const r = e.getBoundingClientRect(); return {name: e.id || e.className || e.tagName,
        left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const items = [...header.querySelectorAll(":scope > :not(nav), :scope > nav > *")].filter(visible);
    let next = header.nextElementSibling;
    while (next && !visible(next)) next = next.nextElementSibling;
    return {header: box(header), items: items.map(box), next: box(next),
            scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth};
}"""


def header_problems(page) -> list[str]:
    """What is wrong with the header as drawn (an empty list when nothing is)."""
    m = page.evaluate(MEASURE)
    problems = []
    if m["scrollWidth"] > m["innerWidth"]:
        problems.append(f"the page scrolls sideways: {m['scrollWidth']} > {m['innerWidth']} px")
    items = m["items"]
    for i, a in enumerate(items):
        if a["left"] < 0 or a["right"] > m["innerWidth"] + 0.5:
            problems.append(f"{a['name']} leaves the screen: {a['left']:.0f}–{a['right']:.0f} px")
        if a["bottom"] > m["next"]["top"] + 0.5:
            problems.append(f"{a['name']} (bottom {a['bottom']:.0f}) covers {m['next']['name']} (top {m['next']['top']:.0f})")
        for b in items[i + 1:]:
            across = min(a["right"], b["right"]) - max(a["left"], b["left"])
            down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            if across > 0.5 and down > 0.5:
                problems.append(f"{a['name']} and {b['name']} overlap by {across:.0f}×{down:.0f} px")
    if m["header"]["bottom"] > m["next"]["top"] + 0.5:
        problems.append(f"the header (bottom {m['header']['bottom']:.0f}) covers {m['next']['name']}")
    return problems


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: f"{v['width']}px")
def test_the_consoles_header_keeps_its_items_apart(served, chromium, viewport):
    Operator(served.url, "dave").post("/api/operator/users", {"name": LONG_NAME, "password": PASSWORD,
                                                               "roles": ["issuer", "approver", "admin"]})
    login = open_page(chromium, served.url + "/console", viewport=viewport, ready="#login:not([hidden])")
    assert header_problems(login) == [], "login"
    login.context.close()
    for locale in ("en-GB", "ru-RU"):
        page = console(chromium, served.url, LONG_NAME, viewport=viewport, locale=locale)
        assert page.locator("#logout").is_visible() and page.locator("#who").inner_text()
        assert header_problems(page) == [], locale
        if viewport["width"] == 360 and locale == "en-GB":
            page.wait_for_selector("#threat option", state="attached")  # the compose form filled
            screenshot(page, "console-phone")
        page.check("input[name=status][value=Exercise]")  # the drill look pads the title and the name
        assert header_problems(page) == [], (locale, "Exercise")
        page.context.close()


@pytest.mark.parametrize("viewport", WIDTHS, ids=lambda v: f"{v['width']}px")
def test_the_public_pages_header_keeps_its_items_apart(served, chromium, viewport):
    for locale, path in (("en-GB", "/"), ("uk-UA", "/"), ("ru-RU", "/drills")):
        page = open_page(chromium, served.url + path, viewport=viewport, locale=locale)
        assert header_problems(page) == [], (locale, path)
        page.context.close()
