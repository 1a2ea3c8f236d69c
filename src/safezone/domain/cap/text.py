"""The text forms CAP packs inside single elements: coordinates, circles, references, and
whitespace-delimited lists with double-quoted entries. Pure string work, no XML.

Each parser raises ValueError with a reason a person can act on.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from safezone.domain.cap.model import Circle, Polygon, Reference
from safezone.domain.cap.times import format_cap_time, parse_cap_time

_QUOTED_LIST = re.compile(r'"([^"]*)"|(\S+)')


def format_number(value: float) -> str:
    """Shortest text that reads back as the same float, never in exponent form."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def parse_number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} {text!r} is not a finite number")
    return value


def _parse_pair(token: str) -> tuple[float, float]:
    parts = token.split(",")
    if len(parts) != 2:
        raise ValueError(f"{token!r} is not a 'latitude,longitude' pair")
    return parse_number(parts[0], "latitude"), parse_number(parts[1], "longitude")


def _format_pair(lat: float, lon: float) -> str:
    return f"{format_number(lat)},{format_number(lon)}"


def parse_polygon(text: str) -> Polygon:
    """`lat,lon lat,lon ...` into a Polygon; closure and size are the rules' business."""
    tokens = text.split()
    if not tokens:
        raise ValueError("polygon is empty")
    return Polygon(tuple(_parse_pair(t) for t in tokens))


def format_polygon(polygon: Polygon) -> str:
    return " ".join(_format_pair(lat, lon) for lat, lon in polygon.points)


def parse_circle(text: str) -> Circle:
    """`lat,lon radius` (radius in km) into a Circle."""
    tokens = text.split()
    if len(tokens) != 2:
        raise ValueError(f"circle {text.strip()!r} is not 'latitude,longitude radius_km'")
    lat, lon = _parse_pair(tokens[0])
    return Circle(lat, lon, parse_number(tokens[1], "radius"))


def format_circle(circle: Circle) -> str:
    return f"{_format_pair(circle.lat, circle.lon)} {format_number(circle.radius_km)}"


def parse_references(text: str) -> tuple[Reference, ...]:
    """Whitespace-separated `sender,identifier,sent` groups."""
    references = []
    for token in text.split():
        parts = token.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise ValueError(f"reference {token!r} is not in the form sender,identifier,sent")
        try:
            sent = parse_cap_time(parts[2], strict=False)
        except ValueError as exc:
            raise ValueError(f"reference {token!r}: {exc}") from None
        references.append(Reference(parts[0], parts[1], sent))
    return tuple(references)


def format_reference(reference: Reference) -> str:
    return f"{reference.sender},{reference.identifier},{format_cap_time(reference.sent)}"


def format_references(references: tuple[Reference, ...]) -> str:
    return " ".join(format_reference(r) for r in references)


def split_quoted(text: str) -> tuple[str, ...]:
    """<addresses> and <incidents>: whitespace-delimited, entries with spaces in quotes."""
    return tuple(m.group(1) if m.group(1) is not None else m.group(2) for m in _QUOTED_LIST.finditer(text))


def join_quoted(entries: tuple[str, ...]) -> str:
    return " ".join(f'"{e}"' if (not e or any(c.isspace() for c in e)) else e for e in entries)
