"""Gathering the records of one file: good shelters, bad rows with reasons, duplicates caught."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date

from safezone.adapters.shelter_sources.fields import Located, Record, claimed_id, shelter_from
from safezone.domain.errors import InputError
from safezone.domain.shelters import Shelter


@dataclass
class SourceRows:
    """What a file holds: the shelters that passed, every problem, and columns we ignored.

    Bad rows are also sorted by whether we can tell which shelter they stand for
    (`bad_ids`) or not (`unmatched`): a replacing import must not withdraw the former and
    cannot safely run with the latter.
    """

    file: str
    format: str
    source: str
    shelters: list[Shelter] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)
    rows_read: int = 0
    ignored_columns: tuple[str, ...] = ()
    bad_ids: set[str] = field(default_factory=set)
    unmatched: list[InputError] = field(default_factory=list)
    _first_seen: dict[str, str] = field(default_factory=dict, repr=False)

    def add(self, record: Record, where: Located, today: date | None = None) -> None:
        """Validate one record; a bad or repeated one becomes a problem, not an exception."""
        self.rows_read += 1
        try:
            shelter = shelter_from(record, where, self.source, today)
        except InputError as bad:
            self.problems.append(bad)
            claimed = claimed_id(record, where)
            if claimed is None:
                self.unmatched.append(bad)
            else:
                self.bad_ids.add(claimed)
            return
        first = self._first_seen.get(shelter.source_id)
        if first is not None:
            self.problems.append(where.error("id", f"duplicate id {shelter.source_id!r}, first seen at {first}"))
            self.bad_ids.add(shelter.source_id)
            return
        self._first_seen[shelter.source_id] = _describe(where)
        self.shelters.append(shelter)

    def problem(self, error: InputError, claimed: str | None = None) -> None:
        """A record too broken to validate field by field (e.g. a GeoJSON feature that is not an object).

        `claimed` is the source id it stands for, when the reader knows it all the same.
        """
        self.rows_read += 1
        self.problems.append(error)
        if claimed is None:
            self.unmatched.append(error)
        else:
            self.bad_ids.add(claimed)


def _describe(where: Located) -> str:
    if where.line is not None:
        return f"line {where.line}"
    return where.prefix.rstrip(".") or where.file


def check_size(path: str, max_bytes: int) -> None:
    """Refuse a file larger than `max_bytes` before reading any of it."""
    try:
        size = os.path.getsize(path)
    except OSError as missing:
        raise InputError(f"cannot read the file: {missing.strerror}", file=path) from None
    if size > max_bytes:
        raise InputError(f"the file is {size:,} bytes, more than the limit of {max_bytes:,}", file=path)


def read_bytes(path: str, max_bytes: int) -> bytes:
    check_size(path, max_bytes)
    with open(path, "rb") as handle:
        return handle.read()


def decode(data: bytes, path: str, encoding: str) -> str:
    """Text of the file; a byte that is not `encoding` is reported with its line."""
    try:
        text = data.decode("utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as bad:
        line = data[: bad.start].count(b"\n") + 1
        raise InputError(
            f"byte 0x{data[bad.start]:02x} is not {encoding} text; save the file as UTF-8 or name its "
            f"encoding with --encoding",
            file=path,
            line=line,
        ) from None
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=path, field="encoding") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError("the file holds NUL characters: it is not a text file", file=path, line=line)
    return text
