"""CSV for spreadsheets: UTF-8 with a byte-order mark, so Excel reads place names in Cyrillic
or Hebrew right (without it, it guesses a legacy code page); Python's csv module and
LibreOffice read it too (open with encoding="utf-8-sig")."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Sequence

BOM = "\ufeff"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return out.getvalue().encode("utf-8")
