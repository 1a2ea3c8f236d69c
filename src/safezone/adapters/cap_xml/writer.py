"""The model written as CAP 1.2 XML, in the order the schema demands."""

from __future__ import annotations

from typing import Iterable

from lxml import etree

from safezone.adapters.cap_xml.names import CAP12
from safezone.adapters.cap_xml.safe import load_xml
from safezone.domain.cap.model import Alert, Area, Info, NamedValue, Resource
from safezone.domain.cap.text import (
    format_circle,
    format_number,
    format_polygon,
    format_references,
    join_quoted,
)
from safezone.domain.cap.times import format_cap_time

CAP_MIME_TYPE = "application/cap+xml"
# CAP 1.2 requires a resource's mimeType where 1.1 did not; a 1.1 resource without one is
# written with the type RFC 2046 gives to data of unknown type.
UNKNOWN_MIME_TYPE = "application/octet-stream"


def to_xml(alert: Alert, *, pretty: bool = True) -> bytes:
    """UTF-8 bytes with an XML declaration: what we publish at the alert's URL."""
    return etree.tostring(to_element(alert), xml_declaration=True, encoding="UTF-8", pretty_print=pretty)


def to_element(alert: Alert) -> etree._Element:
    root = etree.Element(_q("alert"), nsmap={None: CAP12})
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", format_cap_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "source", alert.source)
    _add(root, "scope", alert.scope)
    _add(root, "restriction", alert.restriction)
    _add(root, "addresses", join_quoted(alert.addresses) if alert.addresses else None)
    _add_all(root, "code", alert.codes)
    _add(root, "note", alert.note)
    _add(root, "references", format_references(alert.references) if alert.references else None)
    _add(root, "incidents", join_quoted(alert.incidents) if alert.incidents else None)
    for info in alert.infos:
        _write_info(etree.SubElement(root, _q("info")), info)
    for signature in alert.signatures:
        root.append(load_xml(signature.encode("utf-8")))
    return root


def _write_info(el: etree._Element, info: Info) -> None:
    _add(el, "language", info.language)
    _add_all(el, "category", info.categories)
    _add(el, "event", info.event)
    _add_all(el, "responseType", info.response_types)
    _add(el, "urgency", info.urgency)
    _add(el, "severity", info.severity)
    _add(el, "certainty", info.certainty)
    _add(el, "audience", info.audience)
    _add_pairs(el, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        moment = getattr(info, name)
        _add(el, name, format_cap_time(moment) if moment is not None else None)
    _add(el, "senderName", info.sender_name)
    _add(el, "headline", info.headline)
    _add(el, "description", info.description)
    _add(el, "instruction", info.instruction)
    _add(el, "web", info.web)
    _add(el, "contact", info.contact)
    _add_pairs(el, "parameter", info.parameters)
    for resource in info.resources:
        _write_resource(etree.SubElement(el, _q("resource")), resource)
    for area in info.areas:
        _write_area(etree.SubElement(el, _q("area")), area)


def _write_resource(el: etree._Element, resource: Resource) -> None:
    _add(el, "resourceDesc", resource.resource_desc)
    _add(el, "mimeType", resource.mime_type or UNKNOWN_MIME_TYPE)
    _add(el, "size", str(resource.size) if resource.size is not None else None)
    _add(el, "uri", resource.uri)
    _add(el, "derefUri", resource.deref_uri)
    _add(el, "digest", resource.digest)


def _write_area(el: etree._Element, area: Area) -> None:
    _add(el, "areaDesc", area.area_desc)
    _add_all(el, "polygon", (format_polygon(p) for p in area.polygons))
    _add_all(el, "circle", (format_circle(c) for c in area.circles))
    _add_pairs(el, "geocode", area.geocodes)
    _add(el, "altitude", format_number(area.altitude) if area.altitude is not None else None)
    _add(el, "ceiling", format_number(area.ceiling) if area.ceiling is not None else None)


def _q(name: str) -> str:
    return f"{{{CAP12}}}{name}"


def _add(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, _q(name)).text = str(text)


def _add_all(parent: etree._Element, name: str, texts: Iterable[str]) -> None:
    for text in texts:
        _add(parent, name, text)


def _add_pairs(parent: etree._Element, name: str, pairs: Iterable[NamedValue]) -> None:
    for pair in pairs:
        el = etree.SubElement(parent, _q(name))
        _add(el, "valueName", pair.value_name)
        _add(el, "value", pair.value)
