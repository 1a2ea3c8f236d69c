"""Shelters from a CSV file: one row per shelter, a header naming the columns.

Columns (header names are case-insensitive; aliases in brackets):
  name, lat [latitude], lon [lng, longitude]           required
  id [source_id, ref], capacity, kind, accessible [step_free, wheelchair], opening
  [opening_hours], last_verified [verified, check_date]  optional
Other columns are ignored and listed back to the operator. Comma, semicolon or tab separated.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from safezone.adapters.shelter_sources.collect import SourceRows, decode, read_bytes
from safezone.adapters.shelter_sources.fields import Located, Record
from safezone.domain.errors import InputError

ALIASES = {
    "name": "name",
    "lat": "lat",
    "latitude": "lat",
    "lon": "lon",
    "lng": "lon",
    "long": "lon",
    "longitude": "lon",
    "id": "id",
    "source_id": "id",
    "ref": "id",
    "capacity": "capacity",
    "kind": "kind",
    "type": "kind",
    "accessible": "accessible",
    "step_free": "accessible",
    "wheelchair": "accessible",
    "opening": "opening",
    "opening_hours": "opening",
    "last_verified": "last_verified",
    "verified": "last_verified",
    "check_date": "last_verified",
}
REQUIRED = ("name", "lat", "lon")


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(path: str, source: str, *, encoding: str = "utf-8", max_bytes: int) -> SourceRows:
    rows = SourceRows(file=path, format="csv", source=source)
    table = read_table(path, ALIASES, REQUIRED, encoding=encoding, max_bytes=max_bytes,
                       columns_hint="needed: name, lat, lon; optional: id, capacity, kind, accessible, opening, last_verified")
    rows.ignored_columns = table.ignored_columns
    for where, values in table.records:
        if isinstance(values, InputError):
            rows.problem(values)
        else:
            rows.add(Record(values, lat=values.get("lat"), lon=values.get("lon")), where)
    return rows


@dataclass
class Table:
    """A CSV file's rows as our field names, each with where it is; a row with the wrong number
    of fields is an InputError in its place, so every bad row is reported with its line."""

    ignored_columns: tuple[str, ...]
    records: Iterator[tuple[Located, dict[str, str] | InputError]]


def read_table(path: str, aliases: Mapping[str, str], required: Sequence[str], *, encoding: str, max_bytes: int,
               columns_hint: str) -> Table:
    """Any CSV of ours (shelters, incidents): header names mapped through `aliases`, comma,
    semicolon or tab separated; an unreadable file or header raises InputError at once."""
    text = decode(read_bytes(path, max_bytes), path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.split("\n", 1)[0]))
    try:
        header = next(reader, None)
    except csv.Error as broken:
        raise InputError(f"the file is not valid CSV: {broken}", file=path, line=reader.line_num) from None
    if header is None or not any(h.strip() for h in header):
        raise InputError(f"the file is empty: it needs a header line ({columns_hint})", file=path, line=1)
    columns = _columns(header, path, aliases, required, columns_hint)
    ignored = tuple(h for h in header if h.strip().lower() not in aliases)
    return Table(ignored, _records(reader, header, columns, path))


def _records(reader: Any, header: list[str], columns: dict[str, int],
             path: str) -> Iterator[tuple[Located, dict[str, str] | InputError]]:
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank line
            line = reader.line_num
            where = Located(path, line)
            if len(cells) != len(header):
                yield where, InputError(f"the row has {len(cells)} fields, the header has {len(header)}",
                                        file=path, line=line)
                continue
            yield where, {ours: cells[i] for ours, i in columns.items()}
    except csv.Error as broken:
        raise InputError(f"the file is not valid CSV: {broken}", file=path, line=reader.line_num) from None


def _columns(header: list[str], path: str, aliases: Mapping[str, str], required: Sequence[str],
             columns_hint: str) -> dict[str, int]:
    """Our field name → column index; refuses a header without the required columns."""
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        ours = aliases.get(raw.strip().lower())
        if ours is None:
            continue
        if ours in columns:
            raise InputError(f"two columns mean {ours!r}: {header[columns[ours]]!r} and {raw!r}", file=path, line=1, field=raw)
        columns[ours] = index
    missing = [name for name in required if name not in columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; the header has {', '.join(repr(h) for h in header)} "
            f"({columns_hint})",
            file=path,
            line=1,
        )
    return columns
