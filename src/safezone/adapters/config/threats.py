"""Threat classes from a TOML file (see `safezone/data/threats.toml`, the documented default)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from safezone.adapters.config.stages import read_stages
from safezone.domain.errors import InputError
from safezone.domain.stages import StagePlan
from safezone.domain.threats import InvalidThreatClass, ProjectileSpeed, ThreatClass, WarningTimeTable


@dataclass(frozen=True)
class ThreatConfig:
    threats: tuple[ThreatClass, ...]
    area_km: float | None
    band_edges_km: tuple[float, ...] | None
    source: str
    stages: dict[str, StagePlan] = field(default_factory=dict)  # per threat class name

    def plan(self, threat: str) -> StagePlan:
        """The stages a threat class uses; all of them, with default lifetimes, if not configured."""
        return self.stages.get(threat) or StagePlan()


def default_path() -> Path:
    return Path(str(files("safezone").joinpath("data/threats.toml")))


def _number(value: Any, file: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"expected a number, got {value!r}", file=file, field=field)
    return float(value)


def _warning(raw: Any, file: str, field: str) -> WarningTimeTable | ProjectileSpeed:
    if not isinstance(raw, dict):
        raise InputError("expected a table with either 'table' or 'speed_m_s'", file=file, field=field)
    if "table" in raw:
        rows = raw["table"]
        if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 2 for r in rows):
            raise InputError("expected a list of [distance_km, seconds] pairs", file=file, field=f"{field}.table")
        return WarningTimeTable(
            tuple((_number(d, file, f"{field}.table"), _number(s, file, f"{field}.table")) for d, s in rows)
        )
    if "speed_m_s" in raw:
        return ProjectileSpeed(
            _number(raw["speed_m_s"], file, f"{field}.speed_m_s"),
            _number(raw.get("detection_delay_s", 0), file, f"{field}.detection_delay_s"),
        )
    raise InputError("a warning-time model needs 'table' or 'speed_m_s'", file=file, field=field)


def load_threats(path: Path | str | None = None) -> ThreatConfig:
    """Read and check a threat-class file; any problem is an InputError naming file and field."""
    path = Path(path) if path else default_path()
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason} at byte {error.start})", file=file) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML: {error}", file=file) from None
    raw_threats = data.get("threat")
    if not isinstance(raw_threats, list) or not raw_threats:
        raise InputError("no [[threat]] tables", file=file, field="threat")
    threats = []
    for i, raw in enumerate(raw_threats, start=1):
        where = f"threat[{i}]"
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InputError(f"expected true or false, got {enabled!r}", file=file, field=f"{where}.enabled")
        if not enabled:
            continue  # shipped for operators to switch on, e.g. long-range fire
        for key in ("name", "max_range_km", "warning"):
            if key not in raw:
                raise InputError(f"missing {key!r}", file=file, field=f"{where}.{key}")
        try:
            threats.append(
                ThreatClass(
                    name=str(raw["name"]),
                    max_range_km=_number(raw["max_range_km"], file, f"{where}.max_range_km"),
                    warning=_warning(raw["warning"], file, f"{where}.warning"),
                    description=str(raw.get("description", "")),
                )
            )
        except InvalidThreatClass as error:
            raise InputError(str(error), file=file, field=where) from None
    if not threats:
        raise InputError("every [[threat]] has enabled = false", file=file, field="threat")
    zones = data.get("zones", {})
    area_km = zones.get("area_km")
    edges = zones.get("band_edges_km")
    return ThreatConfig(
        threats=tuple(threats),
        area_km=_number(area_km, file, "zones.area_km") if area_km is not None else None,
        band_edges_km=tuple(_number(e, file, "zones.band_edges_km") for e in edges) if edges else None,
        source=file,
        stages=read_stages(data.get("stages"), [t.name for t in threats], file, text),
    )
