"""The rules of CAP 1.2 that the XML schema cannot express, checked on the model.

Errors are breaches of a MUST in the standard (or make the message useless to act on);
warnings are breaches of recommended practice. Paths follow `paths.child`, lines are added
by whoever read the XML.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from urllib.parse import urlparse

from shapely.geometry import Polygon as ShapelyPolygon

from safezone.domain.cap.enums import MsgType, ResponseType, Scope, Status, Urgency
from safezone.domain.cap.issues import Issue, error, warning
from safezone.domain.cap.model import Alert, Area, Info, Polygon, Resource
from safezone.domain.cap.paths import ROOT, child

FORBIDDEN_ID_CHARS = frozenset(" ,<&")
HEADLINE_TARGET = 160
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_NEEDS_REFERENCES = {MsgType.UPDATE, MsgType.CANCEL, MsgType.ACK, MsgType.ERROR}


def check_alert(alert: Alert, version: str = "1.2") -> list[Issue]:
    """Every rule on a whole message, errors and warnings together. `version` is the CAP
    version it was read as: 1.1 made some elements optional that 1.2 requires."""
    issues = _check_header(alert)
    for i, info in enumerate(alert.infos):
        issues += _check_info(info, child(ROOT, "info", i), alert.sent, version)
    return issues


def identifier_problem(text: str, what: str) -> str | None:
    """Why `text` cannot be a CAP identifier or sender, or None if it can."""
    if not text:
        return f"{what} is empty"
    bad = sorted({c for c in text if c in FORBIDDEN_ID_CHARS or c.isspace()})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"{what} {text!r} contains characters CAP forbids there ({shown})"
    return None


def _check_header(alert: Alert) -> list[Issue]:
    issues: list[Issue] = []
    for name, value in (("identifier", alert.identifier), ("sender", alert.sender)):
        problem = identifier_problem(value, name)
        if problem:
            issues.append(error(child(ROOT, name), problem))
    if alert.msg_type in _NEEDS_REFERENCES and not alert.references:
        issues.append(error(child(ROOT, "references"),
                            f"msgType {alert.msg_type} must name what it refers to in <references>"))
    for ref in alert.references:
        if (ref.sender, ref.identifier) == (alert.sender, alert.identifier):
            issues.append(error(child(ROOT, "references"), "the message references itself"))
        elif ref.sent > alert.sent:
            issues.append(warning(child(ROOT, "references"),
                                  f"references {ref.identifier}, sent after this message"))
    if alert.scope is Scope.PRIVATE and not alert.addresses:
        issues.append(error(child(ROOT, "addresses"), "scope Private requires <addresses>"))
    if alert.scope is Scope.RESTRICTED and not alert.restriction:
        issues.append(error(child(ROOT, "restriction"), "scope Restricted requires <restriction>"))
    if alert.scope is not Scope.RESTRICTED and alert.restriction:
        issues.append(warning(child(ROOT, "restriction"),
                              "<restriction> is meant for scope Restricted only"))
    if alert.msg_type is MsgType.ERROR and not alert.note:
        issues.append(warning(child(ROOT, "note"), "an Error message should explain itself in <note>"))
    if alert.status is Status.EXERCISE and not alert.note:
        issues.append(warning(child(ROOT, "note"), "an Exercise should say what it exercises in <note>"))
    if alert.msg_type in (MsgType.ALERT, MsgType.UPDATE) and not alert.infos:
        issues.append(warning(ROOT, f"an {alert.msg_type} without <info> gives receivers nothing to show"))
    return issues


def _check_info(info: Info, path: str, sent: datetime, version: str) -> list[Issue]:
    issues: list[Issue] = []
    if not _LANGUAGE.match(info.language):
        issues.append(error(child(path, "language"), f"{info.language!r} is not an RFC 3066 language tag"))
    if not info.categories:
        issues.append(error(path, "an info block needs at least one <category>"))
    if not info.event.strip():
        issues.append(error(child(path, "event"), "event is empty"))
    issues += _check_times(info, path, sent)
    if not info.headline:
        issues.append(warning(child(path, "headline"), "no headline: receivers will show the bare event"))
    elif len(info.headline) > HEADLINE_TARGET:
        issues.append(warning(child(path, "headline"),
                              f"headline has {len(info.headline)} characters; keep it under {HEADLINE_TARGET}"))
    if ResponseType.ALL_CLEAR in info.response_types and info.urgency is not Urgency.PAST:
        issues.append(warning(child(path, "urgency"), "an all-clear should have urgency Past"))
    if info.web and not _is_absolute_uri(info.web):  # "www.meteo.dz" still leads a person there
        issues.append(warning(child(path, "web"), f"web {info.web!r} is not a full absolute URI"))
    for r, resource in enumerate(info.resources):
        issues += _check_resource(resource, child(path, "resource", r), version)
    for a, area in enumerate(info.areas):
        issues += _check_area(area, child(path, "area", a))
    return issues


def _check_times(info: Info, path: str, sent: datetime) -> list[Issue]:
    issues: list[Issue] = []
    if info.expires is None:
        issues.append(warning(child(path, "expires"),
                              "no expires: each receiver will guess how long the alert lasts"))
        return issues
    issues += _not_before(info.expires, sent, "sent", "the message was sent", child(path, "expires"))
    if info.effective is not None and info.effective != sent:  # said once when they coincide
        issues += _not_before(info.expires, info.effective, "effective", "effective",
                              child(path, "expires"))
    if info.onset is not None and info.onset > info.expires:
        issues.append(warning(child(path, "onset"), "onset is after expires"))
    return issues


def _not_before(expires: datetime, start: datetime, name: str, what: str, path: str) -> list[Issue]:
    """Expiring before `start` makes a message useless; expiring at it is how final updates
    (NTWC tsunami messages) say the event is over, so that only warns."""
    if expires < start:
        return [error(path, f"expires is before {what}")]
    if expires == start:
        return [warning(path, f"expires equals {name}: the message is over as soon as it is {name}")]
    return []


def _check_resource(resource: Resource, path: str, version: str) -> list[Issue]:
    issues: list[Issue] = []
    if not resource.mime_type:
        report = error if version == "1.2" else warning
        issues.append(report(child(path, "mimeType"), "a resource needs its MIME type"))
    if resource.size is not None and resource.size < 0:
        issues.append(error(child(path, "size"), "size is negative"))
    if resource.uri and not _is_absolute_uri(resource.uri) and not resource.deref_uri:
        issues.append(error(child(path, "uri"), "a relative uri is only allowed with <derefUri>"))
    if resource.deref_uri is not None:
        try:
            base64.b64decode("".join(resource.deref_uri.split()), validate=True)
        except (binascii.Error, ValueError):
            issues.append(error(child(path, "derefUri"), "derefUri is not Base64 data"))
    if resource.digest is not None and not _SHA1.match(resource.digest.strip()):
        issues.append(warning(child(path, "digest"), "digest should be a SHA-1 hash in hex (40 characters)"))
    return issues


def _check_area(area: Area, path: str) -> list[Issue]:
    issues: list[Issue] = []
    if not area.area_desc.strip():
        issues.append(error(child(path, "areaDesc"), "areaDesc is empty"))
    for p, polygon in enumerate(area.polygons):
        issues += _check_polygon(polygon, child(path, "polygon", p))
    for c, circle in enumerate(area.circles):
        where = child(path, "circle", c)
        issues += _check_point(circle.lat, circle.lon, where)
        if circle.radius_km < 0:  # 0 is a point: USGS epicentres, the OASIS A.3 example
            issues.append(error(where, f"circle radius {circle.radius_km} km is negative"))
    for g, geocode in enumerate(area.geocodes):
        if not geocode.value_name.strip() or not geocode.value.strip():
            issues.append(error(child(path, "geocode", g), "geocode needs both valueName and value"))
    if area.ceiling is not None:
        if area.altitude is None:
            issues.append(error(child(path, "ceiling"), "ceiling is only allowed together with altitude"))
        elif area.ceiling < area.altitude:
            issues.append(error(child(path, "ceiling"), "ceiling is below altitude"))
    if not (area.polygons or area.circles or area.geocodes):
        issues.append(warning(path, "area has no polygon, circle or geocode: receivers cannot place it"))
    return issues


def _check_polygon(polygon: Polygon, path: str) -> list[Issue]:
    points = polygon.points
    issues: list[Issue] = []
    if len(points) < 4:
        issues.append(error(path, f"polygon has {len(points)} points; at least 4 are required"))
    if points and points[0] != points[-1]:
        issues.append(error(path, "polygon is not closed: the first and last points differ"))
    for lat, lon in points:
        found = _check_point(lat, lon, path)
        if found:
            return issues + found
    if not issues and not ShapelyPolygon([(lon, lat) for lat, lon in points]).is_valid:
        issues.append(warning(path, "polygon crosses itself; receivers may draw it differently"))
    return issues


def _check_point(lat: float, lon: float, path: str) -> list[Issue]:
    if not -90 <= lat <= 90:
        return [error(path, f"latitude {lat} is outside -90..90 (pairs are 'latitude,longitude')")]
    if not -180 <= lon <= 180:
        return [error(path, f"longitude {lon} is outside -180..180")]
    return []


def _is_absolute_uri(text: str) -> bool:
    parsed = urlparse(text.strip())
    return bool(parsed.scheme) and bool(parsed.netloc or parsed.path)
