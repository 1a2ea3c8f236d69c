"""The Atom feed: alerts in force only, each linking to its CAP XML, readable as Atom."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lxml import etree

from safezone.adapters.cap_xml.atom import ATOM, alerts_feed
from safezone.adapters.cap_xml import parse
from safezone.domain.cap import (
    InfoText,
    Status,
    WarningSpec,
    compose_alert,
    compose_all_clear,
    compose_cancel,
    compose_update,
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


def _feed(alerts) -> etree._Element:
    xml = alerts_feed(alerts, now=NOW, feed_id="urn:safezone:feed:test", title="Alerts in force",
                      self_url="https://alerts.example/feed.atom",
                      cap_url=lambda a: f"https://alerts.example/cap/{a.identifier}.xml")
    return etree.fromstring(xml)


def test_only_alerts_in_force_are_listed_newest_first(areas) -> None:
    live = _compose(areas, "Take shelter: north", minutes=1)
    expired = _compose(areas, "Old warning", minutes=-120, lasts=30)
    replaced = _compose(areas, "Replaced warning")
    update = compose_update(replaced, areas, {"en-US": InfoText("Updated warning")},
                            WarningSpec(event="Incoming fire"), sent=SENT + timedelta(minutes=5),
                            expires=SENT + timedelta(hours=1))
    cancelled = _compose(areas, "Cancelled warning", minutes=2)
    cancel = compose_cancel(cancelled, note="wrong area", sent=SENT + timedelta(minutes=3))
    cleared = _compose(areas, "Cleared warning", minutes=3)
    clear = compose_all_clear(cleared, {"en-US": InfoText("All clear")}, sent=SENT + timedelta(minutes=4),
                              expires=SENT + timedelta(hours=2))
    draft = _compose(areas, "A draft", status=Status.DRAFT)
    future = _compose(areas, "Not sent yet", minutes=30)
    feed = _feed([live, expired, replaced, update, cancelled, cancel, cleared, clear, draft, future])
    titles = feed.xpath("a:entry/a:title/text()", namespaces=NS)
    assert titles == ["Updated warning", "Take shelter: north"]


def test_each_entry_links_to_its_cap_xml_and_carries_cap_fields(areas) -> None:
    alert = _compose(areas, "Take shelter now")
    (entry,) = _feed([alert]).xpath("a:entry", namespaces=NS)
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
    feed = _feed([_compose(areas, "Shelter drill", status=Status.EXERCISE),
                  _compose(areas, "Siren test", status=Status.TEST, minutes=1)])
    assert feed.xpath("a:entry/a:title/text()", namespaces=NS) == ["TEST: Siren test", "EXERCISE: Shelter drill"]


def test_the_feed_has_what_atom_requires(areas) -> None:
    feed = _feed([parse((SAMPLES / "valid" / "tsunami_signed.xml").read_bytes())])
    assert feed.tag == f"{{{ATOM}}}feed"
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert feed.find(required, NS) is not None
    assert feed.find("a:link[@rel='self']", NS).get("href") == "https://alerts.example/feed.atom"
    assert feed.find("a:entry", NS) is None  # the tsunami sample expired at 10:20 UTC
