"""The public page in Chromium against a real server: phone layout, languages, where-am-I,
alerts arriving live over SSE and their cancel, drills apart, nothing fetched from elsewhere.
On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE, Operator, end, issue, only_local
from tests.support.app import compose_body

pytestmark = pytest.mark.browser


def test_the_page_fits_a_360_px_phone_and_fetches_nothing_beyond_this_server(served, chromium):
    page = open_page(chromium, served.url + "/", viewport=PHONE, locale="en-GB")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#map .leaflet-interactive").count() >= 2  # the bands of both sides
    assert page.locator("#locate").is_visible()
    assert page.locator("#alerts").inner_text().strip() == "No alert in force."
    tap_at(page, *WESTGATE)
    page.wait_for_selector("#where .area-name")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "public-phone")
    assert only_local(page.requests) == []
    assert any("/vendor/leaflet/leaflet.js" in u for u in page.requests)


def test_the_browser_language_is_chosen_and_the_switch_changes_it(served, chromium):
    page = open_page(chromium, served.url + "/", locale="uk-UA")
    assert page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("h1").inner_text().startswith("Попередження")
    page.select_option("#lang", "ru")
    page.wait_for_function("document.documentElement.lang === 'ru'")
    assert page.locator("#locate").inner_text() == "Моё местоположение"
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator("#locate").inner_text() == "Моё местоположение"  # the choice is kept


def test_where_am_i_by_a_tap_on_the_map(served, chromium):
    page = open_page(chromium, served.url + "/")
    tap_at(page, *WESTGATE)
    where = page.locator("#where")
    where.locator(".area-name").wait_for()
    text = where.inner_text()
    assert "Westgate" in text and "Westland" in text  # the area and its side
    assert "0–5 km" in text and "15 seconds" in text
    assert "School basement" in text and "120" in text and "step-free" in text
    assert "No alert in force here." in text
    page.evaluate("window.szMap.setView([50.5, 29.985], 14, {animate: false})")
    page.wait_for_selector(".shelter-marker")
    page.wait_for_selector(".area-label")
    assert "Westgate" in page.locator(".area-label").all_inner_texts()  # settlement names on the base map
    assert page.locator("path.shelter-marker").count() == 2  # the registry's shelters in view
    page.locator("path.shelter-marker").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "open: 24/7" in popup.inner_text() or "open: 05:00-23:00" in popup.inner_text()


def test_where_am_i_by_the_browsers_position_with_consent(served, chromium):
    page = open_page(chromium, served.url + "/", geolocation={"latitude": 50.5, "longitude": 30.02},
                     permissions=["geolocation"])
    page.click("#locate")
    page.locator("#where .area-name").wait_for()
    assert page.locator("#where .area-name").inner_text() == "Eastgate"
    assert "Eastgate shelter" in page.locator("#where").inner_text()


def test_an_alert_for_my_place_fills_the_screen_live_and_its_cancel_replaces_it(served, chromium):
    page = open_page(chromium, served.url + "/", viewport=PHONE)
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    page.wait_for_selector("body[data-live='1']")
    loads = len(page.requests)

    alert_id = issue(served.url)
    takeover = page.locator("#takeover")
    takeover.wait_for(state="visible", timeout=2_000)
    assert takeover.get_attribute("data-alert") == str(alert_id)
    countdown = page.locator("#takeover-countdown").inner_text()
    assert "left to reach shelter" in countdown or countdown == "TAKE SHELTER NOW"
    assert "School basement" in page.locator("#takeover-shelters").inner_text()
    assert "Westgate" in page.locator("#alerts").inner_text()
    screenshot(page, "public-alert-phone")
    assert not any(u.rstrip("/") == served.url for u in page.requests[loads:])  # no reload

    end(served.url, alert_id, "cancel")
    page.wait_for_selector("#takeover.ended", timeout=2_000)
    assert "Cancelled" in page.locator("#takeover-headline").inner_text()
    page.wait_for_function("!document.querySelector('#alerts [data-alert]')")
    page.click("#takeover-close")
    assert page.locator("#takeover").is_hidden()


def test_an_alert_elsewhere_is_listed_but_does_not_take_over(served, chromium):
    page = open_page(chromium, served.url + "/")
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    page.wait_for_selector("body[data-live='1']")
    issue(served.url, areas=("BBB-1-1",))
    page.wait_for_selector("#alerts [data-alert]", timeout=2_000)
    assert page.locator("#takeover").is_hidden()


def test_a_drill_never_shows_on_the_actual_view_and_shows_as_a_drill_on_the_drills_view(served, chromium):
    actual = open_page(chromium, served.url + "/")
    drills = open_page(chromium, served.url + "/drills")
    for page in (actual, drills):
        tap_at(page, *WESTGATE)
        page.locator("#where .area-name").wait_for()
        page.wait_for_selector("body[data-live='1']")

    issue(served.url, status="Exercise")
    drills.wait_for_selector("#takeover.drill", timeout=2_000)
    assert "EXERCISE" in drills.locator("#takeover-marker").inner_text()
    assert drills.locator("#drill-banner").is_visible()
    screenshot(drills, "drills-desktop")
    actual.wait_for_timeout(500)
    assert actual.locator("#takeover").is_hidden()
    assert actual.locator("#alerts [data-alert]").count() == 0
    actual.reload()
    actual.wait_for_selector("body[data-ready='1']")
    assert actual.locator("#alerts [data-alert]").count() == 0
    assert actual.locator("#takeover").is_hidden()
    assert "EXERCISE" not in actual.locator("body").inner_text()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_alert_leaves_the_page_when_it_expires(served, chromium):
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    page.clock.install()  # the page's own clock, moved forward below; the server keeps real time
    page.goto(served.url + "/")
    page.wait_for_selector("body[data-live='1']")
    tap_at(page, *WESTGATE)
    page.locator("#where .area-name").wait_for()
    alice, bob = Operator(served.url, "alice"), Operator(served.url, "bob")
    alert_id = alice.post("/api/operator/alerts", compose_body("Actual", lifetime_minutes=1))["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    bob.post(f"/api/operator/alerts/{alert_id}/approve")
    alice.post(f"/api/operator/alerts/{alert_id}/issue")
    page.locator("#takeover").wait_for(state="visible")
    assert page.locator(f"#alerts [data-alert='{alert_id}']").count() == 1
    page.clock.fast_forward("01:10")
    page.wait_for_function("!document.querySelector('#alerts [data-alert]')", timeout=5_000)
    assert page.locator("#takeover").is_hidden()
    context.close()
