"""The Atom feed: one entry per issued message, each linking to its CAP XML, alerts no longer in
force marked as ended, readable as Atom. (Which messages the feed holds is the public
service's choice: see tests/web/test_feed.py.)"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lxml import etree

from safezone.adapters.cap_xml.atom import ATOM, FeedEntry, alerts_feed
from safezone.adapters.cap_xml import parse
from safezone.domain.cap import (
    InfoText,
    Status,
    WarningSpec,
    compose_alert,
    compose_cancel,
)
from tests.cap.conftest import SAMPLES

SENT = datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)
NOW = SENT + timedelta(minutes=10)
NS = {"a": ATOM, "cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def _compose(areas, headline, status=Status.ACTUAL, minutes=0, lasts=60):
    sent = SENT + timedelta(minutes=minutes)
    return compose_alert(areas, {"en-US": InfoText(headline)}, WarningSpec(event="Incoming fire"),
                         sender="ops@civil-protection.example", status=status, sent=sent,
                         expires=sent + timedelta(minutes=lasts), note="Drill" if status == Status.EXERCISE else None)


def _url(message) -> str:
    return f"https://alerts.example/cap/{message.identifier}.xml"


def _entry(message, updated=None, ended=None) -> FeedEntry:
    return FeedEntry(message, _url(message), updated or message.sent, ended)


def _feed(entries, updated=SENT - timedelta(days=1)) -> etree._Element:
    xml = alerts_feed(entries, updated=updated, feed_id="urn:safezone:feed:test", title="Alerts",
                      self_url="https://alerts.example/feed.atom")
    return etree.fromstring(xml)


def test_entries_come_newest_change_first_and_ended_alerts_say_how(areas) -> None:
    live = _compose(areas, "Take shelter: north", minutes=1)
    cancelled = _compose(areas, "Cancelled warning", minutes=2)
    cancel = compose_cancel(cancelled, note="wrong area", sent=SENT + timedelta(minutes=3))
    feed = _feed([_entry(live), _entry(cancelled, updated=cancel.sent, ended="cancelled"), _entry(cancel)])
    titles = feed.xpath("a:entry/a:title/text()", namespaces=NS)
    assert titles == ["Cancelled warning", "CANCELLED: Cancelled warning", "Take shelter: north"]
    assert feed.xpath("a:entry/cap:msgType/text()", namespaces=NS) == ["Cancel", "Alert", "Alert"]
    assert feed.xpath("a:entry/a:category/@term", namespaces=NS) == ["current", "cancelled", "current"]
    assert feed.findtext("a:updated", namespaces=NS) == "2026-11-27T14:03:00+00:00"


def test_the_feed_is_never_older_than_the_time_it_is_given(areas) -> None:
    later = SENT + timedelta(hours=3)
    assert _feed([_entry(_compose(areas, "Old"))], updated=later).findtext("a:updated", namespaces=NS) \
        == "2026-11-27T17:00:00+00:00"
    assert _feed([], updated=later).findtext("a:updated", namespaces=NS) == "2026-11-27T17:00:00+00:00"


def test_each_entry_links_to_its_cap_xml_and_carries_cap_fields(areas) -> None:
    alert = _compose(areas, "Take shelter now")
    (entry,) = _feed([_entry(alert)]).xpath("a:entry", namespaces=NS)
    link = entry.find("a:link", NS)
    assert link.get("rel") == "alternate"
    assert link.get("type") == "application/cap+xml"
    assert link.get("href") == f"https://alerts.example/cap/{alert.identifier}.xml"
    assert entry.findtext("a:id", namespaces=NS) == link.get("href")
    assert entry.findtext("a:updated", namespaces=NS) == "2026-11-27T14:00:00+00:00"
    assert entry.findtext("cap:event", namespaces=NS) == "Incoming fire"
    assert entry.findtext("cap:sent", namespaces=NS) == "2026-11-27T14:00:00-00:00"
    assert entry.findtext("cap:areaDesc", namespaces=NS) == "Northtown; Ridge villages; Twin hamlets"


def test_exercises_and_tests_say_so_in_their_titles(areas) -> None:
    feed = _feed([_entry(_compose(areas, "Shelter drill", status=Status.EXERCISE)),
                  _entry(_compose(areas, "Siren test", status=Status.TEST, minutes=1))])
    assert feed.xpath("a:entry/a:title/text()", namespaces=NS) == ["TEST: Siren test", "EXERCISE: Shelter drill"]


def test_the_feed_has_what_atom_requires(areas) -> None:
    feed = _feed([_entry(parse((SAMPLES / "valid" / "tsunami_signed.xml").read_bytes()))])
    assert feed.tag == f"{{{ATOM}}}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert feed.find(required, NS) is not None
    assert feed.find("a:link[@rel='self']", NS).get("href") == "https://alerts.example/feed.atom"
    for required in ("a:id", "a:title", "a:updated", "a:link[@rel='alternate']"):
        assert feed.find(f"a:entry/{required}", NS) is not None
