"""An Atom feed (RFC 4287) of the alerts in force, the way CAP feeds are published.

Each entry links to the alert's own CAP XML (`rel="alternate"`, `type="application/cap+xml"`),
which is what CAP aggregators follow; a few `cap:` elements in the entry let a reader sort
and filter without fetching every message. Exercise and Test entries say so in their title.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Iterable

from lxml import etree

from safezone.adapters.cap_xml.names import CAP12
from safezone.adapters.cap_xml.writer import CAP_MIME_TYPE
from safezone.domain.cap.enums import Status
from safezone.domain.cap.lifecycle import alerts_in_force
from safezone.domain.cap.model import Alert
from safezone.domain.cap.times import format_cap_time

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MIME_TYPE = "application/atom+xml"
_MARKERS = {Status.EXERCISE: "EXERCISE: ", Status.TEST: "TEST: "}


def alerts_feed(
    alerts: Iterable[Alert],
    *,
    now: datetime,
    feed_id: str,
    title: str,
    self_url: str,
    cap_url: Callable[[Alert], str],
    author: str = "safezone",
) -> bytes:
    """The feed of those of `alerts` in force at `now`, newest first, as UTF-8 XML."""
    current = alerts_in_force(alerts, now)
    feed = etree.Element(_a("feed"), nsmap={None: ATOM, "cap": CAP12})
    _text(feed, _a("id"), feed_id)
    _text(feed, _a("title"), title)
    _text(feed, _a("updated"), _atom_time(max((a.sent for a in current), default=now)))
    etree.SubElement(feed, _a("link"), rel="self", type=ATOM_MIME_TYPE, href=self_url)
    _text(etree.SubElement(feed, _a("author")), _a("name"), author)
    for alert in current:
        _entry(feed, alert, cap_url(alert))
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def entry_title(alert: Alert) -> str:
    """What a person sees in a feed reader: the status marker, then the headline."""
    info = alert.infos[0] if alert.infos else None
    headline = (info.headline or info.event) if info else alert.identifier
    return _MARKERS.get(alert.status, "") + headline


def _entry(feed: etree._Element, alert: Alert, url: str) -> None:
    entry = etree.SubElement(feed, _a("entry"))
    info = alert.infos[0] if alert.infos else None
    _text(entry, _a("id"), url)
    _text(entry, _a("title"), entry_title(alert))
    _text(entry, _a("updated"), _atom_time(alert.sent))
    _text(entry, _a("published"), _atom_time(alert.sent))
    _text(etree.SubElement(entry, _a("author")), _a("name"), (info and info.sender_name) or alert.sender)
    etree.SubElement(entry, _a("link"), rel="alternate", type=CAP_MIME_TYPE, href=url)
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
