"""The chosen place's last 24 hours on the public page, in Chromium: each warning of its area
with its start, end and how it ended; the Actual view never lists a drill and the drills view
lists only drills; with the default archive delay, the page says why ended warnings are not
listed yet. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest

from safezone.domain.cap.times import utc_now
from safezone.entrypoints.web import create_app
from tests.pages.accessibility import serious_violations
from tests.pages.browsing import open_page, screenshot, tap_at
from tests.pages.conftest import PHONE, WESTGATE, LiveServer, Operator, end, issue
from tests.support.app import Clock, compose_body, make_container

pytestmark = pytest.mark.browser


@pytest.fixture
def archived(db_url: str, sample_zones, tmp_path: Path) -> Iterator[LiveServer]:
    """The pages' server with no publication delay: an ended warning is in the archive at once."""
    container = make_container(db_url, sample_zones, utc_now, archive_delay=timedelta(0))
    server = LiveServer(create_app(container, sweep=False)).start()
    yield server
    server.stop()
    container.close()


@pytest.fixture
def back_then(db_url: str, sample_zones) -> Iterator[tuple[LiveServer, Clock]]:
    """The pages' server with no publication delay on a clock the test sets: three days ago at
    first, so alerts can be issued and ended on days of the past week."""
    today = datetime.combine(utc_now().date(), time(0), timezone.utc)
    clock = Clock(today - timedelta(days=3))
    container = make_container(db_url, sample_zones, clock, archive_delay=timedelta(0),
                               session_lifetime=timedelta(hours=168))
    server = LiveServer(create_app(container, sweep=False)).start()
    yield server, clock
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


def chart_of(page) -> dict[str, tuple[int, float]]:  # type: ignore[no-untyped-def]
    """The chart's bars: per day, (alerts, minutes under alert), as the SVG carries them."""
    return page.evaluate("() => Object.fromEntries([...document.querySelectorAll('#chart svg rect[data-day]')]"
                         ".map(r => [r.dataset.day, [Number(r.dataset.alerts), Number(r.dataset.minutes)]]))")


def issue_for(desk: Desk, clock: Clock, at: datetime, minutes: float, how: str, status: str = "Actual") -> int:
    """An alert issued at `at` and ended `minutes` later."""
    clock.now = at
    alert_id = desk.issue(status)
    clock.advance(minutes=minutes)
    desk.end(alert_id, how)
    return alert_id


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


def test_a_chart_per_area_gives_alerts_and_minutes_under_alert_per_day_drills_apart(back_then, chromium):
    server, clock = back_then
    today = datetime.combine(utc_now().date(), time(0), timezone.utc)
    days = {n: (today - timedelta(days=n)).date().isoformat() for n in range(31)}
    desk = Desk(server.url)
    issue_for(desk, clock, today - timedelta(days=3) + timedelta(hours=10), 30, "cancel")
    issue_for(desk, clock, today - timedelta(days=3) + timedelta(hours=11), 20, "cancel", status="Exercise")
    issue_for(desk, clock, today - timedelta(days=1) + timedelta(hours=8), 20, "all-clear")
    issue_for(desk, clock, today - timedelta(days=1) + timedelta(hours=9), 10, "cancel")
    issue_for(desk, clock, today - timedelta(days=12) + timedelta(hours=9), 45, "cancel")
    clock.now = utc_now()

    page = open_page(chromium, server.url + "/", viewport=PHONE, locale="en-GB")
    assert page.locator("#chart").is_hidden()  # no place chosen yet
    tap_at(page, *WESTGATE)
    page.locator("#chart svg rect[data-day]").first.wait_for(state="attached")
    bars = chart_of(page)
    assert list(bars) == [days[n] for n in range(6, -1, -1)]  # the last 7 days, today last
    assert {day: v for day, v in bars.items() if v != [0, 0]} == {days[3]: [1, 30], days[1]: [2, 30]}  # no drill
    assert page.locator("#chart-title").inner_text() == "Alerts per day: Westgate"
    assert page.locator("#chart svg").get_attribute("role") == "img"
    summary = page.locator("#chart-svg-desc").text_content()
    assert summary == "Last 7 days here — alerts: 3; minutes under alert: 60."
    rows = page.locator("#chart-table tbody tr")
    assert rows.count() == 7 and rows.first.get_attribute("data-day") == days[0]
    assert [rows.nth(3).locator("td").nth(i).text_content() for i in (0, 1)] == ["1", "30"]  # three days ago
    page.click("#chart-range button[data-days='30']")
    page.wait_for_function("document.querySelectorAll('#chart svg rect[data-day]').length === 30")
    assert {day: v for day, v in chart_of(page).items() if v != [0, 0]} == \
        {days[12]: [1, 45], days[3]: [1, 30], days[1]: [2, 30]}
    assert page.locator("#chart-range button[data-days='30']").get_attribute("aria-pressed") == "true"
    page.click("#chart-range button[data-days='7']")
    page.wait_for_function("document.querySelectorAll('#chart svg rect[data-day]').length === 7")
    page.locator("#chart details summary").click()
    assert serious_violations(page) == []
    page.locator("#chart").scroll_into_view_if_needed()
    screenshot(page, "public-history-chart-phone")
    page.select_option("#lang", "uk")
    page.wait_for_function("document.documentElement.lang === 'uk'")
    assert page.locator("#chart-title").inner_text() == "Тривоги за днями: Westgate"

    page.evaluate("window.scrollTo(0, 0)")
    tap_at(page, 50.85, 30.05)  # another area, tapped on the map: its own chart, with nothing in it
    page.wait_for_function("!document.querySelector('#chart-title').textContent.includes('Westgate')")
    assert set(map(tuple, chart_of(page).values())) == {(0, 0)}

    drills = open_page(chromium, server.url + "/drills", locale="en-GB")
    tap_at(drills, *WESTGATE)
    drills.locator("#chart svg rect[data-day]").first.wait_for(state="attached")
    assert {day: v for day, v in chart_of(drills).items() if v != [0, 0]} == {days[3]: [1, 20]}
    assert drills.locator("#chart-title").inner_text() == "Drills per day: Westgate"
