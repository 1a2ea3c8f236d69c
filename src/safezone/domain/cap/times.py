"""CAP date-times: `YYYY-MM-DDThh:mm:ss±hh:mm`, never `Z`, and UTC written `-00:00`.

CAP 1.2 §3.3.2 says: alphabetic time zone designators such as "Z" MUST NOT be used, and the
time zone for UTC MUST be represented as "-00:00". We write exactly that; we read `+00:00`
too (schema-valid, common in the wild) and the rules warn about it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_STRICT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
_LENIENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


def format_cap_time(moment: datetime) -> str:
    """The CAP text of an aware datetime, to the second."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("a CAP time needs a time zone; got a naive datetime")
    base = moment.replace(microsecond=0, tzinfo=None).isoformat()
    if offset == timedelta(0):
        return base + "-00:00"
    sign = "+" if offset > timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{base}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_cap_time(text: str, *, strict: bool = True) -> datetime:
    """An aware datetime from CAP text; `strict=False` also takes 1.1 habits (Z, fractions)."""
    text = text.strip()
    pattern = _STRICT if strict else _LENIENT
    if not pattern.match(text):
        raise ValueError(
            f"{text!r} is not a CAP date-time: expected YYYY-MM-DDThh:mm:ss±hh:mm "
            "with a numeric time zone (no 'Z')"
        )
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:  # pragma: no cover - the patterns require a zone
        raise ValueError(f"{text!r} has no time zone")
    return moment


def utc_now() -> datetime:
    """Now, in UTC, to the second: CAP times carry no fractions."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def is_written_as_plus_zero(text: str) -> bool:
    """True for `+00:00`, which the standard asks to write `-00:00`."""
    return text.strip().endswith("+00:00")
