"""Turn what the operator names — a country pair, or files — into a `BorderInput`."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from safezone.adapters.geodata import naturalearth
from safezone.domain.errors import InputError
from safezone.domain.zones import BorderInput, Side


def parse_pair(spec: str) -> tuple[str, str]:
    parts = [p.strip().upper() for p in spec.replace("_", "-").split("-") if p.strip()]
    if len(parts) != 2:
        raise InputError(f"expected two ISO 3166 alpha-3 codes joined by '-', e.g. RUS-UKR, not {spec!r}", field="border")
    if parts[0] == parts[1]:
        raise InputError(f"a border needs two different countries, not {spec!r}", field="border")
    return parts[0], parts[1]


def from_country_pair(spec: str, side: str = "both") -> BorderInput:
    """The land border of two Natural Earth countries; `side` is one of the codes, or "both"."""
    code_a, code_b = parse_pair(spec)
    a, b = naturalearth.country(code_a), naturalearth.country(code_b)
    wanted = side.strip().upper()
    if wanted not in ("BOTH", a.code, b.code):
        raise InputError(f"side must be {a.code}, {b.code} or both, not {side!r}", field="side")
    line = naturalearth.land_border(a, b)
    sides = tuple(Side(c.code, c.name, c.geometry) for c in (a, b) if wanted in ("BOTH", c.code))
    return BorderInput(name=f"{a.code}-{b.code}", line=line, sides=sides)


def from_files(line_path: Path | str, territory_paths: Sequence[Path | str], name: str | None = None) -> BorderInput:
    """A border line file and one territory file per protected side."""
    if not territory_paths:
        raise InputError("a border file needs at least one --territory file (the protected side)", field="territory")
    # Imported here: reading files brings in pyogrio (and with it geopandas and pandas, 0.3 s),
    # which the default border from Natural Earth never needs.
    from safezone.adapters.geodata import borderfile

    line = borderfile.read_border_line(line_path)
    sides = tuple(borderfile.read_territory(p) for p in territory_paths)
    codes = [s.code for s in sides]
    if len(set(codes)) != len(codes):
        raise InputError(f"two territory files give the same side code: {codes}", field="territory")
    return BorderInput(name=name or Path(line_path).stem, line=line, sides=sides)
