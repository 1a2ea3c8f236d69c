"""Reading shelter files: CSV, GeoJSON and OpenStreetMap .osm.pbf extracts.

`read_shelters` picks the reader from the format (or the file name) and returns every good
shelter and every problem; it writes nothing, so a caller can refuse a bad file whole.
"""

from __future__ import annotations

from pathlib import Path

from safezone.adapters.shelter_sources.collect import SourceRows
from safezone.adapters.shelter_sources.csv_source import read_csv
from safezone.adapters.shelter_sources.geojson_source import read_geojson
from safezone.adapters.shelter_sources.osm_source import read_osm
from safezone.domain.errors import InputError

FORMATS = ("csv", "geojson", "osm")
# Large enough for a national registry as CSV (100,000 rows are about 10 MB), small enough
# that a wrong file cannot exhaust memory.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


def guess_format(path: str) -> str:
    name = Path(path).name.lower()
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return "osm"
    if name.endswith((".geojson", ".json")):
        return "geojson"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    raise InputError("cannot tell the format from the file name; pass --format csv|geojson|osm", file=path, field="format")


def default_source(path: str, format: str) -> str:
    """The source name when none is given: the file name without its extensions."""
    stem = Path(path).name.split(".")[0]
    return stem or format


def read_shelters(
    path: str,
    *,
    format: str | None = None,
    source: str | None = None,
    encoding: str = "utf-8",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SourceRows:
    format = format or guess_format(path)
    if format not in FORMATS:
        raise InputError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}", file=path, field="format")
    if not Path(path).is_file():
        raise InputError("no such file", file=path)
    source = source or default_source(path, format)
    if format == "csv":
        return read_csv(path, source, encoding=encoding, max_bytes=max_bytes)
    if format == "geojson":
        return read_geojson(path, source, encoding=encoding, max_bytes=max_bytes)
    return read_osm(path, source, max_bytes=max_bytes)


__all__ = ["DEFAULT_MAX_BYTES", "FORMATS", "SourceRows", "default_source", "guess_format", "read_shelters"]
