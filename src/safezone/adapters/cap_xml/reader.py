"""CAP 1.2 and 1.1 XML read into the model, noting the line of every element on the way.

Run it on schema-valid documents: the schema has already vouched for enumerations and
structure, so what is left to fail here is the text packed inside elements (times,
coordinates, references), reported with path and line. CAP 1.1 differs from 1.2 in ways the
model absorbs: mimeType is optional, altitude and ceiling are free text, times may carry
`Z` or fractions (a warning, not an error, since the 1.1 schema allowed them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, TypeVar

from lxml import etree

from safezone.adapters.cap_xml.names import XMLDSIG, local_name, namespace
from safezone.domain.cap.enums import (
    Category,
    Certainty,
    MsgType,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from safezone.domain.cap.issues import Issue, error, warning
from safezone.domain.cap.model import (
    DEFAULT_LANGUAGE,
    Alert,
    Area,
    Info,
    NamedValue,
    Polygon,
    Reference,
    Resource,
)
from safezone.domain.cap.paths import ROOT, child
from safezone.domain.cap.text import (
    parse_circle,
    parse_number,
    parse_polygon,
    parse_references,
    split_quoted,
)
from safezone.domain.cap.times import is_written_as_plus_zero, parse_cap_time

T = TypeVar("T")
Node = tuple[etree._Element, str]


@dataclass
class ReadResult:
    alert: Alert | None
    issues: list[Issue] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)


def read_alert(root: etree._Element, version: str) -> ReadResult:
    """The model of a schema-valid CAP document, or None and the reasons it cannot be built."""
    reader = _Reader(version)
    reader.lines[ROOT] = root.sourceline
    alert = reader.alert(root)
    failed = any(i.level == "error" for i in reader.issues)
    return ReadResult(None if failed else alert, reader.issues, reader.lines)


class _Reader:
    def __init__(self, version: str):
        self.version = version
        self.issues: list[Issue] = []
        self.lines: dict[str, int] = {}

    # -- structure ---------------------------------------------------------------------------

    def kids(self, el: etree._Element, path: str) -> dict[str, list[Node]]:
        """Children by local name, each with its path; lines recorded as we go."""
        found: dict[str, list[Node]] = {}
        for sub in el:
            name = local_name(sub.tag)
            if not name:
                continue
            group = found.setdefault(name, [])
            sub_path = child(path, name, len(group))
            group.append((sub, sub_path))
            self.lines[sub_path] = sub.sourceline
        return found

    def one(self, kids: dict[str, list[Node]], name: str) -> str | None:
        nodes = kids.get(name)
        return (nodes[0][0].text or "") if nodes else None

    def many(self, kids: dict[str, list[Node]], name: str) -> list[str]:
        return [(el.text or "") for el, _ in kids.get(name, [])]

    def convert(self, kids: dict[str, list[Node]], name: str, how: Callable[[str], T]) -> T | None:
        """One optional element's text through `how`; a ValueError becomes an issue there."""
        nodes = kids.get(name)
        if not nodes:
            return None
        el, path = nodes[0]
        return self.attempt(lambda: how(el.text or ""), path, el)

    def attempt(self, make: Callable[[], T], path: str, el: etree._Element) -> T | None:
        try:
            return make()
        except ValueError as exc:
            self.issues.append(error(path, str(exc), el.sourceline))
            return None

    def time(self, kids: dict[str, list[Node]], name: str) -> datetime | None:
        nodes = kids.get(name)
        if not nodes:
            return None
        el, path = nodes[0]
        text = (el.text or "").strip()
        if is_written_as_plus_zero(text):
            self.issues.append(warning(path, "UTC should be written -00:00, not +00:00 (CAP §3.3.2)",
                                       el.sourceline))
        try:
            return parse_cap_time(text)
        except ValueError as exc:
            if self.version == "1.2":
                self.issues.append(error(path, str(exc), el.sourceline))
                return None
            self.issues.append(warning(path, str(exc), el.sourceline))
        return self.attempt(lambda: parse_cap_time(text, strict=False), path, el)

    def pairs(self, kids: dict[str, list[Node]], name: str) -> tuple[NamedValue, ...]:
        result = []
        for el, path in kids.get(name, []):
            sub = self.kids(el, path)
            result.append(NamedValue(self.one(sub, "valueName") or "", self.one(sub, "value") or ""))
        return tuple(result)

    # -- elements ----------------------------------------------------------------------------

    def alert(self, root: etree._Element) -> Alert | None:
        k = self.kids(root, ROOT)
        sent = self.time(k, "sent")
        references = self.convert(k, "references", parse_references) or ()
        infos = tuple(self.info(el, path) for el, path in k.get("info", []))
        signatures = tuple(
            etree.tostring(el, encoding="unicode")
            for el in root
            if local_name(el.tag) == "Signature" and namespace(el.tag) == XMLDSIG
        )
        if sent is None:
            return None
        return Alert(
            identifier=(self.one(k, "identifier") or "").strip(),
            sender=(self.one(k, "sender") or "").strip(),
            sent=sent,
            status=Status(_token(self.one(k, "status"))),
            msg_type=MsgType(_token(self.one(k, "msgType"))),
            scope=Scope(_token(self.one(k, "scope"))),
            source=self.one(k, "source"),
            restriction=self.one(k, "restriction"),
            addresses=split_quoted(self.one(k, "addresses") or ""),
            codes=tuple(self.many(k, "code")),
            note=self.one(k, "note"),
            references=tuple(r for r in references if isinstance(r, Reference)),
            incidents=split_quoted(self.one(k, "incidents") or ""),
            infos=tuple(i for i in infos if i is not None),
            signatures=signatures,
        )

    def info(self, el: etree._Element, path: str) -> Info | None:
        k = self.kids(el, path)
        language = self.one(k, "language")
        return Info(
            language=language.strip() if language is not None else DEFAULT_LANGUAGE,
            categories=tuple(Category(_token(t)) for t in self.many(k, "category")),
            event=self.one(k, "event") or "",
            response_types=tuple(ResponseType(_token(t)) for t in self.many(k, "responseType")),
            urgency=Urgency(_token(self.one(k, "urgency"))),
            severity=Severity(_token(self.one(k, "severity"))),
            certainty=Certainty(_token(self.one(k, "certainty"))),
            audience=self.one(k, "audience"),
            event_codes=self.pairs(k, "eventCode"),
            effective=self.time(k, "effective"),
            onset=self.time(k, "onset"),
            expires=self.time(k, "expires"),
            sender_name=self.one(k, "senderName"),
            headline=self.one(k, "headline"),
            description=self.one(k, "description"),
            instruction=self.one(k, "instruction"),
            web=_stripped(self.one(k, "web")),
            contact=self.one(k, "contact"),
            parameters=self.pairs(k, "parameter"),
            resources=tuple(self.resource(e, p) for e, p in k.get("resource", [])),
            areas=tuple(self.area(e, p) for e, p in k.get("area", [])),
        )

    def resource(self, el: etree._Element, path: str) -> Resource:
        k = self.kids(el, path)
        return Resource(
            resource_desc=self.one(k, "resourceDesc") or "",
            mime_type=_stripped(self.one(k, "mimeType")),
            size=self.convert(k, "size", lambda t: int(t.strip())),
            uri=_stripped(self.one(k, "uri")),
            deref_uri=self.one(k, "derefUri"),
            digest=_stripped(self.one(k, "digest")),
        )

    def area(self, el: etree._Element, path: str) -> Area:
        k = self.kids(el, path)
        polygons = [self.polygon(e, p) for e, p in k.get("polygon", [])]
        circles = [self.attempt(lambda e=e: parse_circle(e.text or ""), p, e) for e, p in k.get("circle", [])]
        return Area(
            area_desc=self.one(k, "areaDesc") or "",
            polygons=tuple(p for p in polygons if p is not None),
            circles=tuple(c for c in circles if c is not None),
            geocodes=self.pairs(k, "geocode"),
            altitude=self.convert(k, "altitude", lambda t: parse_number(t.strip(), "altitude")),
            ceiling=self.convert(k, "ceiling", lambda t: parse_number(t.strip(), "ceiling")),
        )

    def polygon(self, el: etree._Element, path: str) -> Polygon | None:
        """An empty polygon is schema-valid (NWS CAP 1.1 feeds send one with zone codes): it
        is set aside with a warning, and its area keeps everything else."""
        if not (el.text or "").strip():
            self.issues.append(warning(path, "polygon is empty; the area is placed by its other elements",
                                       el.sourceline))
            return None
        return self.attempt(lambda: parse_polygon(el.text or ""), path, el)


def _token(text: str | None) -> str:
    return (text or "").strip()


def _stripped(text: str | None) -> str | None:
    return text.strip() if text is not None else None
