"""An Atom feed (RFC 4287) of alerts, the way CAP feeds are published.

Each entry is one issued CAP message and links to its own CAP XML (`rel="alternate"`,
`type="application/cap+xml"`), which is what CAP aggregators follow; a few `cap:` elements in
the entry let a reader sort and filter without fetching every message. Exercise and Test
entries say so in their title, and so does an alert that is no longer in force (its Update,
Cancel or all-clear is an entry of its own). Which messages belong in the feed, and when each
last changed, is the caller's choice: this module only writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from lxml import etree

from safezone.adapters.cap_xml.names import CAP12
from safezone.adapters.cap_xml.writer import CAP_MIME_TYPE
from safezone.domain.cap.enums import Status
from safezone.domain.cap.model import Alert
from safezone.domain.cap.times import format_cap_time

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MIME_TYPE = "application/atom+xml"
_MARKERS = {Status.EXERCISE: "EXERCISE: ", Status.TEST: "TEST: "}
# How an alert stopped being in force, as its entry's title says it.
ENDINGS = {"updated": "SUPERSEDED", "cancelled": "CANCELLED", "all-clear": "ALL CLEAR", "stood-down": "STOOD DOWN",
           "expired": "EXPIRED"}
CURRENT = "current"  # the category of a message that has not ended


@dataclass(frozen=True)
class FeedEntry:
    """One issued message: its CAP model, its URL (also the entry's id), when it last changed
    (sent, or the moment it ended), and how it ended if it is an alert no longer in force."""

    message: Alert
    url: str
    updated: datetime
    ended: str | None = None  # a key of ENDINGS

    def __post_init__(self) -> None:
        if self.ended is not None and self.ended not in ENDINGS:
            raise ValueError(f"unknown ending {self.ended!r}; one of {', '.join(ENDINGS)}")


def alerts_feed(
    entries: Iterable[FeedEntry],
    *,
    updated: datetime,
    feed_id: str,
    title: str,
    self_url: str,
    author: str = "safezone",
) -> bytes:
    """The feed of `entries`, newest change first, as UTF-8 XML.

    `updated` is the feed's own time: the caller keeps it from ever going back (an entry
    leaving the feed is no change to announce), so it is never earlier than an entry's.
    """
    ordered = sorted(entries, key=lambda e: (e.updated, e.message.sent), reverse=True)
    feed = etree.Element(_a("feed"), nsmap={None: ATOM, "cap": CAP12})
    _text(feed, _a("id"), feed_id)
    _text(feed, _a("title"), title)
    _text(feed, _a("updated"), _atom_time(max([updated, *(e.updated for e in ordered)])))
    etree.SubElement(feed, _a("link"), rel="self", type=ATOM_MIME_TYPE, href=self_url)
    _text(etree.SubElement(feed, _a("author")), _a("name"), author)
    for entry in ordered:
        _entry(feed, entry)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def entry_title(alert: Alert, ended: str | None = None) -> str:
    """What a person sees in a feed reader: the status marker, whether it ended, the headline."""
    info = alert.infos[0] if alert.infos else None
    headline = (info.headline or info.event) if info else alert.identifier
    ending = f"{ENDINGS[ended]}: " if ended else ""
    return _MARKERS.get(alert.status, "") + ending + headline


def _entry(feed: etree._Element, item: FeedEntry) -> None:
    alert = item.message
    entry = etree.SubElement(feed, _a("entry"))
    info = alert.infos[0] if alert.infos else None
    _text(entry, _a("id"), item.url)
    _text(entry, _a("title"), entry_title(alert, item.ended))
    _text(entry, _a("updated"), _atom_time(item.updated))
    _text(entry, _a("published"), _atom_time(alert.sent))
    _text(etree.SubElement(entry, _a("author")), _a("name"), (info and info.sender_name) or alert.sender)
    etree.SubElement(entry, _a("link"), rel="alternate", type=CAP_MIME_TYPE, href=item.url)
    etree.SubElement(entry, _a("category"), term=item.ended or CURRENT)
    if info and (info.description or info.headline):
        _text(entry, _a("summary"), info.description or info.headline or "")
    _text(entry, _c("identifier"), alert.identifier)
    _text(entry, _c("sender"), alert.sender)
    _text(entry, _c("sent"), format_cap_time(alert.sent))
    _text(entry, _c("status"), alert.status)
    _text(entry, _c("msgType"), alert.msg_type)
    if info is None:
        return
    _text(entry, _c("event"), info.event)
    for name in ("urgency", "severity", "certainty"):
        _text(entry, _c(name), getattr(info, name))
    if info.expires is not None:
        _text(entry, _c("expires"), format_cap_time(info.expires))
    _text(entry, _c("areaDesc"), "; ".join(area.area_desc for area in info.areas))


def _atom_time(moment: datetime) -> str:
    """RFC 3339, which (unlike CAP) is happy with +00:00."""
    return moment.isoformat(timespec="seconds")


def _a(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _c(name: str) -> str:
    return f"{{{CAP12}}}{name}"


def _text(parent: etree._Element, tag: str, text: str) -> None:
    etree.SubElement(parent, tag).text = str(text)
