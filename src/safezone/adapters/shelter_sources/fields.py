"""Turning one source record (CSV row, GeoJSON properties, OSM tags) into a Shelter.

Every check names the field at fault; the caller supplies where the record is (line, feature
index, OSM element), so the same rules give the same messages for every format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from safezone.domain.errors import InputError
from safezone.domain.shelters import Shelter, check_coordinates

# A metro station can shelter tens of thousands; a million in one place is a typo.
MAX_CAPACITY = 1_000_000
MAX_TEXT = {"name": 300, "id": 200, "kind": 100, "opening": 300}
TRUE = {"yes", "true", "1", "y", "t"}
FALSE = {"no", "false", "0", "n", "f"}


@dataclass(frozen=True)
class Located:
    """Where a record is: the file and its line, or a path inside the file (feature index)."""

    file: str
    line: int | None = None
    prefix: str = ""

    def error(self, field_name: str, message: str) -> InputError:
        return InputError(message, file=self.file, line=self.line, field=f"{self.prefix}{field_name}")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _bounded(where: Located, name: str, value: object, required: bool = False) -> str:
    text = _text(value)
    if required and not text:
        raise where.error(name, f"{name} is empty")
    if len(text) > MAX_TEXT[name]:
        raise where.error(name, f"{name} is {len(text)} characters long, more than {MAX_TEXT[name]}")
    if any(ord(c) < 32 and c not in "\t" for c in text):
        raise where.error(name, f"{name} holds control characters")
    return text


def _number(where: Located, name: str, value: object) -> float:
    if isinstance(value, bool):
        raise where.error(name, f"{name} must be a number, not {value}")
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(value)
    if not text:
        raise where.error(name, f"{name} is empty")
    try:
        number = float(text)
    except ValueError:
        hint = " (use a dot as the decimal separator)" if "," in text else ""
        raise where.error(name, f"{name} {text!r} is not a number{hint}") from None
    if not math.isfinite(number):
        raise where.error(name, f"{name} {text!r} is not a finite number")
    return number


def _capacity(where: Located, value: object) -> int | None:
    text = _text(value)
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not number.is_integer():
        raise where.error("capacity", f"capacity {text!r} is not a whole number of people")
    if not 0 <= number <= MAX_CAPACITY:
        raise where.error("capacity", f"capacity {int(number)} is outside 0..{MAX_CAPACITY}")
    return int(number)


def _flag(where: Located, value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if not text:
        return None
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise where.error("accessible", f"accessible {text!r} is not yes or no")


def _date(where: Located, value: object, today: date) -> date | None:
    text = _text(value)
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        raise where.error("last_verified", f"last_verified {text!r} is not a date like 2026-11-27") from None
    if day > today:
        raise where.error("last_verified", f"last_verified {day} is in the future")
    return day


@dataclass(frozen=True)
class Record:
    """A record's values by our field names (the formats map their own names onto these)."""

    values: Mapping[str, object]
    lat: object = None
    lon: object = None


def position_id(lat: float, lon: float) -> str:
    """The id of a shelter whose record carries none: its position, to the micro-degree (≈ 0.1 m)."""
    return f"{lat:.6f},{lon:.6f}"


def claimed_id(record: Record, where: Located) -> str | None:
    """The source id a record stands for even when some field of it is bad; None if unreadable.

    A `--replace --skip-bad` import keeps the shelter a bad row stands for instead of
    withdrawing it, so it needs that id: the record's own, else its position when valid.
    """
    explicit = _text(record.values.get("id"))
    if explicit:
        return explicit
    try:
        lat, lon = _number(where, "lat", record.lat), _number(where, "lon", record.lon)
        check_coordinates(lat, lon)
    except InputError:
        return None
    return position_id(lat, lon)


def shelter_from(record: Record, where: Located, source: str, today: date | None = None) -> Shelter:
    """Validate a record; raises InputError naming the first bad field."""
    values = record.values
    name = _bounded(where, "name", values.get("name"), required=True)
    lat = _number(where, "lat", record.lat)
    lon = _number(where, "lon", record.lon)
    try:
        check_coordinates(lat, lon)
    except InputError as bad:
        raise where.error(bad.field or "lat", bad.message) from None
    source_id = _bounded(where, "id", values.get("id")) or position_id(lat, lon)
    return Shelter(
        source=source,
        source_id=source_id,
        name=name,
        lat=lat,
        lon=lon,
        capacity=_capacity(where, values.get("capacity")),
        kind=_bounded(where, "kind", values.get("kind")) or "shelter",
        accessible=_flag(where, values.get("accessible")),
        opening=_bounded(where, "opening", values.get("opening")),
        last_verified=_date(where, values.get("last_verified"), today or date.today()),
    )
