"""A resident reports a shelter problem from the public page in two taps, and an operator closes
the shelter from the console, which shows the report live; in Chromium against a real server,
on SQLite and PostgreSQL, with axe checks of the new states."""

from __future__ import annotations

import pytest

from safezone.entrypoints.web.ratelimit import REPORT_BURST
from tests.pages.accessibility import serious_violations
from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE
from tests.pages.test_console import console

pytestmark = pytest.mark.browser
BASEMENT = "#where .shelters li:has-text('School basement')"


def where_am_i(chromium, base: str, listed: str = BASEMENT):
    """A resident's phone at Westgate, once the nearest shelters are listed."""
    resident = open_page(chromium, base + "/", viewport=PHONE)
    tap_at(resident, *WESTGATE)
    resident.locator(listed).first.wait_for()
    return resident


def test_a_report_in_two_taps_reaches_the_console_live_and_closing_the_shelter_hides_it(served, chromium):
    alice = console(chromium, served.url, "alice")
    alice.locator("#reports li.none").wait_for()
    resident = where_am_i(chromium, served.url)
    basement = resident.locator(BASEMENT)

    basement.get_by_role("button", name="Report a problem").click()  # tap one
    choices = basement.get_by_role("group", name="What is wrong with School basement?")
    choices.wait_for()
    assert choices.get_by_role("button").all_inner_texts() == ["Locked", "Full", "No step-free access",
                                                               "Gone (no shelter here)"]
    screenshot(resident, "public-shelter-report-phone")
    assert serious_violations(resident) == []
    choices.get_by_role("button", name="Locked").click()  # tap two: sent
    sent = basement.locator(".report-result.sent")
    sent.wait_for()
    assert "Thank you" in sent.inner_text() and "Locked" in sent.inner_text()
    assert serious_violations(resident) == []

    line = alice.locator("#reports li[data-report]")
    line.wait_for(timeout=5_000)  # live: alice never reloaded
    assert "School basement: Locked — 1 report(s)" in line.inner_text()
    assert serious_violations(alice) == []
    line.get_by_role("button", name="Close shelter: School basement").click()
    alice.wait_for_function("document.querySelector('#status').textContent.includes('School basement closed')")
    alice.locator("#reports li.none").wait_for()

    again = where_am_i(chromium, served.url, "#where .shelters li")
    assert "School basement" not in again.locator("#where .shelters").inner_text()


def test_too_many_reports_say_how_long_to_wait(served, chromium):
    resident = where_am_i(chromium, served.url)
    shelter_id = resident.locator(BASEMENT).get_attribute("data-shelter")
    resident.evaluate("async ([id, n]) => { for (let i = 0; i < n; i++) await fetch(`/api/shelters/${id}/reports`, "
                      "{method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{\"problem\": \"full\"}'}); }",
                      [shelter_id, int(REPORT_BURST)])
    basement = resident.locator(BASEMENT)
    basement.get_by_role("button", name="Report a problem").click()
    basement.get_by_role("button", name="Full").click()
    refused = basement.locator(".report-result.error")
    refused.wait_for()
    assert "Too many reports just now. Try again in" in refused.inner_text()
    assert serious_violations(resident) == []
