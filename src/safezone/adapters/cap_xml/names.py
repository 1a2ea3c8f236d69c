"""Namespaces of the CAP versions we read, and of XML signatures."""

from __future__ import annotations

CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
CAP11 = "urn:oasis:names:tc:emergency:cap:1.1"
CAP10 = "http://www.incident.com/cap/1.0"
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"

VERSIONS = {CAP12: "1.2", CAP11: "1.1"}


def local_name(tag: object) -> str:
    """`alert` from `{urn:...}alert`; '' for comments and other non-elements."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
