"""Offline after a first visit: with the server gone, the page still loads from its service
worker with the zones, the last known alerts and the chosen place, and says plainly how old
they are. On SQLite (the worker does not depend on the database)."""

from __future__ import annotations

import pytest

from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE, issue

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_page_loads_offline_with_its_last_data_and_says_how_old_it_is(served, chromium):
    alert_id = issue(served.url)
    page = open_page(chromium, served.url + "/", viewport=PHONE)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)
    page.reload()  # now every answer passes the worker, which keeps a copy
    page.wait_for_selector("body[data-ready='1']")
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    page.locator("#takeover").wait_for(state="visible")
    assert page.locator("#age").is_hidden()  # online: nothing is old

    served.stop()  # the network is gone
    page.reload()
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    age = page.locator("#age")
    age.wait_for()
    assert "Offline. Data from" in age.inner_text() and "ago" in age.inner_text()
    assert page.locator("#map path.leaflet-interactive").count() >= 4  # the zones, from the worker
    assert page.locator(f"#alerts [data-alert='{alert_id}']").count() == 1  # the last known alert
    page.locator("#where .area-name").wait_for()
    assert page.locator("#where .area-name").inner_text() == "Westgate"
    page.locator("#takeover-close").click()
    screenshot(page, "public-offline-phone")
