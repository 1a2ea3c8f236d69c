"""The Atom feeds as a polling consumer sees them: an alert's Update, Cancel and all-clear stay
in the feed for the retention time (24 h by default) with the alert they ended, marked so; the
feed's `<updated>` never goes back; links come from the configured public URL, never from the
`Host` a client sends. Run on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from lxml import etree

from safezone.adapters.cap_xml import check
from safezone.adapters.cap_xml.atom import ATOM
from safezone.bootstrap import Settings
from safezone.domain.errors import InputError
from safezone.entrypoints.web import create_app
from tests.support.app import Api, compose_body, issue_alert, login, make_container

NS = {"a": ATOM, "cap": "urn:oasis:names:tc:emergency:cap:1.2"}


class Reader:
    """What a feed reader keeps between polls: the last `<updated>` it saw."""

    def __init__(self, api) -> None:
        self.api = api
        self.updated: datetime | None = None

    def poll(self, path: str = "/feeds/alerts.atom") -> etree._Element:
        answer = self.api.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
        feed = etree.fromstring(answer.content)
        updated = datetime.fromisoformat(feed.findtext("a:updated", namespaces=NS))
        assert self.updated is None or updated >= self.updated, "the feed's <updated> went back"
        self.updated = updated
        return feed


def _entries(feed) -> list[tuple[str, str, str]]:
    """(msgType, category, title) of each entry, in feed order."""
    return [(e.findtext("cap:msgType", namespaces=NS), e.find("a:category", NS).get("term"),
             e.findtext("a:title", namespaces=NS)) for e in feed.findall("a:entry", NS)]


_issued = issue_alert


def test_issue_update_cancel_each_reaches_a_polling_reader(api, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    reader = Reader(api)
    empty = reader.poll()
    clock.advance(minutes=5)
    assert reader.poll().findtext("a:updated", namespaces=NS) == empty.findtext("a:updated", namespaces=NS)

    alert_id = _issued(alice, bob)
    assert [m for m, _, _ in _entries(reader.poll())] == ["Alert"]
    assert reader.updated == clock.now

    clock.advance(minutes=3)
    update = alice.post(f"/api/operator/alerts/{alert_id}/update", {"areas": ["AAA-0-1", "BBB-0-1"]}).json()
    bob.post(f"/api/operator/alerts/{update['id']}/approve")
    alice.post(f"/api/operator/alerts/{update['id']}/issue")
    feed = reader.poll()
    assert reader.updated == clock.now
    assert [(m, c) for m, c, _ in _entries(feed)] == [("Update", "current"), ("Alert", "updated")]
    assert _entries(feed)[1][2].startswith("SUPERSEDED: ")

    clock.advance(minutes=4)
    cancel = alice.post(f"/api/operator/alerts/{update['id']}/cancel").json()  # templates' words: one step
    feed = reader.poll()
    assert reader.updated == clock.now
    assert [(m, c) for m, c, _ in _entries(feed)] == [("Cancel", "current"), ("Update", "cancelled"), ("Alert", "updated")]
    (cancel_entry,) = [e for e in feed.findall("a:entry", NS) if e.findtext("cap:msgType", namespaces=NS) == "Cancel"]
    link = cancel_entry.find("a:link[@rel='alternate']", NS)
    assert link.get("type") == "application/cap+xml"
    assert link.get("href") == f"http://safezone.test/api/alerts/{cancel['id']}/cap.xml"
    message = check(api.get(link.get("href").removeprefix("http://safezone.test")).content)
    assert message.ok and message.alert.msg_type == "Cancel"

    # A day later the ended messages leave the feed; its <updated> stays where it was.
    cancelled_at = reader.updated
    clock.advance(hours=24, seconds=1)
    feed = reader.poll()
    assert feed.find("a:entry", NS) is None and reader.updated == cancelled_at
    clock.advance(hours=5)
    assert reader.poll() is not None and reader.updated == cancelled_at


def test_an_alert_that_expires_is_kept_marked_expired_and_moves_the_feed_forward(api, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    reader = Reader(api)
    alert_id = _issued(alice, bob)
    expires = datetime.fromisoformat(api.get(f"/api/alerts/{alert_id}").json()["expires"])
    reader.poll()
    clock.now = expires + timedelta(minutes=1)
    feed = reader.poll()
    assert [(m, c) for m, c, _ in _entries(feed)] == [("Alert", "expired")]
    assert reader.updated == expires


def test_all_clear_is_kept_with_the_alert_it_ended(api, clock):
    alice, bob = login(api, "alice"), login(api, "bob")
    reader = Reader(api)
    alert_id = _issued(alice, bob)
    clock.advance(minutes=10)
    alice.post(f"/api/operator/alerts/{alert_id}/all-clear")
    feed = reader.poll()
    assert [(m, c) for m, c, _ in _entries(feed)] == [("Update", "current"), ("Alert", "all-clear")]
    assert _entries(feed)[1][2].startswith("ALL CLEAR: ")
    assert reader.updated == clock.now


@pytest.fixture
def public_api(db_url, sample_zones, clock):
    container = make_container(db_url, sample_zones, clock, public_url="https://warn.example.org/")
    client = Api(create_app(container, sweep=False))
    yield client
    client.close()
    container.close()


def test_links_and_ids_come_from_the_public_url_not_the_host_header(public_api):
    alice, bob = login(public_api, "alice"), login(public_api, "bob")
    alert_id = _issued(alice, bob)
    for path in ("/feeds/alerts.atom", "/feeds/exercises.atom"):
        answer = public_api.get(path, headers={"Host": "evil.example"})
        assert answer.status_code == 200
        assert b"evil.example" not in answer.content
        feed = etree.fromstring(answer.content)
        assert feed.findtext("a:id", namespaces=NS) == f"https://warn.example.org{path}"
    entry = etree.fromstring(public_api.get("/feeds/alerts.atom").content).find("a:entry", NS)
    assert entry.findtext("a:id", namespaces=NS) == f"https://warn.example.org/api/alerts/{alert_id}/cap.xml"


def test_without_a_public_url_links_follow_the_request(api):
    feed = etree.fromstring(api.get("/feeds/alerts.atom").content)
    assert feed.find("a:link[@rel='self']", NS).get("href") == "http://safezone.test/feeds/alerts.atom"


@pytest.mark.parametrize("hours", ["23", "49", "0", "-1", "1e9"])
def test_a_retention_outside_what_aggregators_ask_is_refused_in_one_line(hours):
    with pytest.raises(InputError, match="must be between 24 and 48 hours") as refused:
        Settings.from_environ({"SAFEZONE_FEED_RETENTION_HOURS": hours})
    assert refused.value.field == "SAFEZONE_FEED_RETENTION_HOURS"
    assert Settings.from_environ({"SAFEZONE_FEED_RETENTION_HOURS": "36"}).feed_retention == timedelta(hours=36)
    assert Settings.from_environ({}).feed_retention == timedelta(hours=24)
