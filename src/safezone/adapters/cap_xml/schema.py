"""Validation against the official OASIS schemas shipped in `schemas/`.

The schemas are compiled once per process (a few milliseconds each) and reused: lxml's
XMLSchema is safe to call repeatedly from one thread.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from importlib import resources

from lxml import etree

from safezone.adapters.cap_xml.names import XMLDSIG, local_name
from safezone.domain.cap.issues import Issue, error, warning
from safezone.domain.cap.paths import child

_SCHEMA_FILES = {"1.2": "cap12.xsd", "1.1": "cap11.xsd"}
_CLARK = re.compile(r"\{(?:urn|https?):[^}]*\}")
_STEP = re.compile(r"^(?:([^:/\[\]]+):)?([^:/\[\]]+)(?:\[(\d+)\])?$")


@lru_cache(maxsize=None)
def schema(version: str) -> etree.XMLSchema:
    source = resources.files("safezone.adapters.cap_xml").joinpath("schemas", _SCHEMA_FILES[version])
    with source.open("rb") as handle:
        document = etree.parse(handle, etree.XMLParser(resolve_entities=False, no_network=True))
    return etree.XMLSchema(document)


def schema_issues(root: etree._Element, version: str) -> list[Issue]:
    """What the official schema says is wrong, each with our element path and its line."""
    issues: list[Issue] = []
    target = root
    if version == "1.1":
        target, removed = _without_signatures(root)
        if removed:
            issues.append(warning("/alert", "the CAP 1.1 schema has no place for ds:Signature; "
                                            "the signature was set aside for schema validation"))
    checker = schema(version)
    if checker.validate(target):
        return issues
    for entry in checker.error_log:
        found = _element_at(target, entry.path or "")
        path = element_path(found) if found is not None else "/alert"
        issues.append(error(path, _CLARK.sub("", entry.message), entry.line or None))
    return issues


def element_path(el: etree._Element) -> str:
    """Our path notation for an element, counted among same-named siblings."""
    parts: list[str] = []
    while el is not None:
        parent = el.getparent()
        name = local_name(el.tag)
        if parent is None:
            parts.append(f"/{name}")
            break
        index = sum(1 for _ in el.itersiblings(el.tag, preceding=True))
        parts.append(child("", name, index))
        el = parent
    return "".join(reversed(parts))


def _element_at(root: etree._Element, location: str) -> etree._Element | None:
    """The element libxml2 names `location` (`/*/*[7]/*[3]`, `/cap:alert/cap:info/cap:urgency`).

    Walked step by step rather than given to XPath, which knows none of the document's
    prefixes and would fail on the first `cap:`. As libxml2 writes it, `*` stands for an
    element in a default namespace and counts all element siblings; `p:name` counts siblings
    with that name and prefix; a missing index is the first.
    """
    candidates = [root]
    found = None
    for step in location.strip("/").split("/"):
        match = _STEP.match(step)
        if match is None:
            return None
        prefix, name, index = match.groups()
        same = [el for el in candidates if _named(el, prefix, name)]
        position = int(index or 1) - 1
        if position >= len(same):
            return None
        found = same[position]
        candidates = list(found)
    return found


def _named(el: etree._Element, prefix: str | None, name: str) -> bool:
    if not isinstance(el.tag, str):
        return False
    return name == "*" or (local_name(el.tag) == name and el.prefix == prefix)


def _without_signatures(root: etree._Element) -> tuple[etree._Element, bool]:
    signatures = [el for el in root if el.tag == f"{{{XMLDSIG}}}Signature"]
    if not signatures:
        return root, False
    clone = copy.deepcopy(root)
    for el in list(clone):
        if el.tag == f"{{{XMLDSIG}}}Signature":
            clone.remove(el)
    return clone, True
