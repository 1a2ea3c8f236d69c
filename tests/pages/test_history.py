"""The chosen place's last 24 hours on the public page, in Chromium: each warning of its area
with its start, end and how it ended; the Actual view never lists a drill and the drills view
lists only drills; with the default archive delay, the page says why ended warnings are not
listed yet. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest

from safezone.domain.cap.times import utc_now
from safezone.entrypoints.web import create_app
from tests.pages.accessibility import serious_violations
from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE, LiveServer, Operator, end, issue
from tests.support.app import compose_body, make_container

pytestmark = pytest.mark.browser


@pytest.fixture
def archived(db_url: str, sample_zones, tmp_path: Path) -> Iterator[LiveServer]:
    """The pages' server with no publication delay: an ended warning is in the archive at once."""
    container = make_container(db_url, sample_zones, utc_now, archive_delay=timedelta(0))
    server = LiveServer(create_app(container, sweep=False)).start()
    yield server
    server.stop()
    container.close()


class Desk:
    """Two operators logged in once (the login rate limit counts every login)."""

    def __init__(self, base: str) -> None:
        self.alice, self.bob = Operator(base, "alice"), Operator(base, "bob")

    def issue(self, status: str = "Actual", areas: tuple[str, ...] = ("AAA-0-1",)) -> int:
        alert_id = self.alice.post("/api/operator/alerts", compose_body(status, areas=areas))["alert"]["id"]
        self.alice.post(f"/api/operator/alerts/{alert_id}/submit")
        if status == "Actual":
            self.bob.post(f"/api/operator/alerts/{alert_id}/approve")
        self.alice.post(f"/api/operator/alerts/{alert_id}/issue")
        return alert_id

    def end(self, alert_id: int, how: str) -> None:
        self.alice.post(f"/api/operator/alerts/{alert_id}/{how}")


def history_of(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page.locator("#history-list li").first.wait_for()
    items = page.locator("#history-list li[data-alert]")
    return {items.nth(i).get_attribute("data-alert"): items.nth(i).inner_text() for i in range(items.count())}


def test_the_last_24_hours_of_my_area_with_how_each_warning_ended_drills_apart(archived, chromium):
    desk = Desk(archived.url)
    cancelled = desk.issue()
    desk.end(cancelled, "cancel")
    cleared = desk.issue()
    desk.end(cleared, "all-clear")
    in_force = desk.issue()
    elsewhere = desk.issue(areas=("BBB-0-1",))
    drill = desk.issue("Exercise")

    page = open_page(chromium, archived.url + "/", viewport=PHONE, locale="en-GB")
    assert page.locator("#history").is_hidden()  # no place chosen yet
    tap_at(page, *WESTGATE)
    page.wait_for_function(f"document.querySelectorAll('#history-list li[data-alert]').length === 3")
    listed = history_of(page)
    assert set(listed) == {str(cancelled), str(cleared), str(in_force)}  # not the other area's, not the drill
    assert "cancelled" in listed[str(cancelled)] and "until" in listed[str(cancelled)]
    assert "all clear" in listed[str(cleared)]
    assert "still in force" in listed[str(in_force)] and "from " in listed[str(in_force)]
    assert str(elsewhere) not in listed and str(drill) not in listed
    assert page.locator("#history-note").inner_text() == ""  # no publication delay on this server
    assert serious_violations(page) == []
    page.select_option("#lang", "uk")
    page.wait_for_function("document.documentElement.lang === 'uk'")
    assert "скасоване" in history_of(page)[str(cancelled)]
    page.locator("#takeover").wait_for(state="visible")  # the alert in force here fills the screen
    page.click("#takeover-close")
    page.locator("#history").scroll_into_view_if_needed()
    screenshot(page, "public-history-phone")

    drills = open_page(chromium, archived.url + "/drills", locale="en-GB")
    tap_at(drills, *WESTGATE)
    drills.wait_for_function(f"!!document.querySelector('#history-list li[data-alert=\"{drill}\"]')")
    listed = history_of(drills)
    assert set(listed) == {str(drill)} and "EXERCISE" in listed[str(drill)]
    assert drills.locator("#history-title").inner_text() == "Drills in the last 24 hours here"


def test_with_the_default_delay_the_page_says_why_ended_warnings_are_not_listed_yet(served, chromium):
    ended = issue(served.url)
    end(served.url, ended, "cancel")
    page = open_page(chromium, served.url + "/", locale="en-GB")
    tap_at(page, *WESTGATE)
    page.locator("#history-list li.empty").wait_for()
    assert page.locator("#history-list").inner_text() == "No warning here in the last 24 hours."
    assert "listed 24 h after their end" in page.locator("#history-note").inner_text()
