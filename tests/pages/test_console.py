"""The operator console in Chromium, end to end against a real server: an issuer composes an
Actual alert (status first, areas by a click on the map and by a place name, preview, texts with
their counts), an approver sees the submission arrive live and approves it, the issuer issues
it, a resident's page shows it live, and one step cancels it. Drills recolour the whole screen;
nobody sees an approve button on their own alert. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.pages.accessibility import serious_violations
from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE, only_local
from tests.support.app import PASSWORD

pytestmark = pytest.mark.browser


def console(chromium, base: str, name: str, password: str = PASSWORD, **context):
    page = open_page(chromium, base + "/console", ready="#login:not([hidden])", **context)
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#desk:not([hidden])")
    page.wait_for_selector("body[data-live='1']")
    page.wait_for_function("document.querySelectorAll('#cmap path.leaflet-interactive').length >= 8")
    page.wait_for_function("window.szAreaLoads > 0 && !window.szAreaLoading")  # the map has settled
    return page


def compose_at_westgate(page, status: str) -> None:
    page.check(f"input[name=status][value={status}]")
    tap_at(page, *WESTGATE)
    page.wait_for_selector("#selected [data-area='AAA-0-1']")
    page.click("#preview")
    page.wait_for_selector("#preview-box .reach")


def test_compose_approve_issue_and_cancel_reach_the_residents_page_live(served, chromium):
    resident = open_page(chromium, served.url + "/", viewport=PHONE)
    tap_at(resident, *WESTGATE)
    resident.locator("#where .area-name").wait_for()
    resident.wait_for_selector("body[data-live='1']")
    alice = console(chromium, served.url, "alice")
    bob = console(chromium, served.url, "bob")

    assert alice.locator("#threat").is_disabled()  # nothing before the status is chosen
    alice.check("input[name=status][value=Actual]")
    assert "status-Actual" in alice.locator("body").get_attribute("class")
    assert "REAL ALERT" in alice.locator("#stage-banner").inner_text()
    alice.select_option("#threat", "short range")
    tap_at(alice, *WESTGATE)
    alice.wait_for_selector("#selected [data-area='AAA-0-1']")
    alice.fill("#search", "hamlet")
    alice.click("#search-results button")
    alice.wait_for_selector("#selected [data-area='BBB-0-1']")
    alice.click("#preview")
    reach = alice.locator("#preview-box .reach")
    reach.wait_for()
    assert "in 2 areas" in reach.inner_text() and "Population:" in reach.inner_text()
    assert "/ 360 characters" in alice.locator("#preview-box fieldset[data-lang=uk] .total").inner_text()
    screenshot(alice, "console-compose")
    alice.click("#submit")
    alice.wait_for_function("document.querySelector('#status').textContent.includes('waits for a second')")

    card = bob.locator("#queue article")
    card.wait_for(timeout=3_000)  # live: bob never reloaded
    assert "Westgate" in card.inner_text() and "Eastgate" in card.inner_text()
    card.get_by_role("button", name="Approve").click()
    ready = alice.locator("#ready article")
    ready.wait_for(timeout=3_000)
    ready.get_by_role("button", name="Issue").click()

    resident.locator("#takeover").wait_for(state="visible", timeout=3_000)
    alert_id = resident.locator("#takeover").get_attribute("data-alert")
    in_force = alice.locator(f"#in-force article[data-alert='{alert_id}']")
    in_force.wait_for(timeout=3_000)
    in_force.get_by_role("button", name="Cancel").click()
    resident.wait_for_selector("#takeover.ended", timeout=3_000)
    alice.wait_for_function("!document.querySelector('#in-force article')")
    for page in (resident, alice, bob):
        assert only_local(page.requests) == []  # nothing fetched beyond this server


def test_nobody_sees_an_approve_button_on_their_own_alert(served, chromium):
    carol = console(chromium, served.url, "carol")  # issuer and approver
    compose_at_westgate(carol, "Actual")
    carol.click("#submit")
    card = carol.locator("#queue article")
    card.wait_for(timeout=3_000)
    assert "Your own alert" in card.inner_text()
    assert card.get_by_role("button", name="Approve").count() == 0
    assert card.get_by_role("button", name="Reject").count() == 0


def test_a_drill_recolours_the_whole_screen_and_is_issued_without_a_second_person(served, chromium):
    resident = open_page(chromium, served.url + "/drills")
    tap_at(resident, *WESTGATE)
    resident.locator("#where .area-name").wait_for()
    resident.wait_for_selector("body[data-live='1']")
    alice = console(chromium, served.url, "alice")
    compose_at_westgate(alice, "Exercise")
    assert "status-Exercise" in alice.locator("body").get_attribute("class")
    assert "not a real alert" in alice.locator("#console-title").inner_text()
    assert "NOT A REAL ALERT" in alice.locator("#preview-box h3").inner_text()
    screenshot(alice, "console-exercise")
    alice.click("#submit")
    resident.wait_for_selector("#takeover.drill", timeout=3_000)
    assert serious_violations(alice) == []


def test_bad_input_on_the_console_gets_a_clear_message(served, chromium):
    carol = console(chromium, served.url, "carol")
    carol.check("input[name=status][value=Actual]")
    carol.click("#preview")
    assert "Select at least one area" in carol.locator("#compose-error").inner_text()
    tap_at(carol, *WESTGATE)
    carol.wait_for_selector("#selected [data-area='AAA-0-1']")
    carol.fill("#lifetime", "soon")
    carol.click("#preview")
    assert "whole number of minutes" in carol.locator("#compose-error").inner_text()
    carol.fill("#lifetime", "99999")
    carol.click("#preview")
    carol.wait_for_function("document.querySelector('#compose-error').textContent.includes('lifetime')")
    carol.fill("#lifetime", "60")
    carol.click("#preview")
    carol.wait_for_selector("#preview-box .reach")
    carol.fill("#text-en-headline", "   ")
    carol.click("#submit")
    carol.wait_for_function("document.querySelector('#compose-error').textContent.includes('no headline')")

    # Markup is words, never code: it reaches the approval card as text.
    scripts = carol.evaluate("document.scripts.length")
    carol.fill("#text-en-headline", "<img src=x onerror=alert(1)><script>alert(2)</script>")
    carol.click("#submit")
    card = carol.locator("#queue article")
    card.wait_for(timeout=3_000)
    assert "<img src=x onerror=alert(1)>" in card.inner_text()
    assert carol.evaluate("document.scripts.length") == scripts
    assert carol.locator("#queue img").count() == 0
