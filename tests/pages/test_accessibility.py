"""axe-core finds no serious or critical violation on the pages, in their states that matter:
the map with a place chosen, an alert filling the screen, the drills view, the console."""

from __future__ import annotations

import pytest

from tests.pages.accessibility import serious_violations
from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE, issue

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_public_page_with_a_place_and_an_alert_has_no_serious_violation(served, chromium):
    page = open_page(chromium, served.url + "/", viewport=PHONE)
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    assert serious_violations(page) == []
    page.wait_for_selector("body[data-live='1']")
    issue(served.url)
    page.locator("#takeover").wait_for(state="visible")
    assert serious_violations(page) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_drills_view_has_no_serious_violation(served, chromium):
    page = open_page(chromium, served.url + "/drills", locale="uk-UA")
    page.wait_for_selector("body[data-live='1']")
    issue(served.url, status="Exercise")
    page.wait_for_selector("#alerts [data-alert]")
    assert serious_violations(page) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_alerts_own_page_has_no_serious_violation(served, chromium):
    for status in ("Actual", "Exercise"):
        page = open_page(chromium, f"{served.url}/alerts/{issue(served.url, status=status)}", viewport=PHONE,
                         ready="h1", locale="uk-UA")
        assert page.locator("html").get_attribute("lang").startswith("uk")
        assert serious_violations(page) == []
        screenshot(page, f"alert-page-{status.lower()}-phone")
