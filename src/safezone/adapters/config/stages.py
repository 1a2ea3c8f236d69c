"""The `[stages]` tables of a threat-class file: which stages each class uses, and their
default lifetimes (see `safezone/data/threats.toml`).

A mistake names the file, the line of the table and the field, so an operator editing their
own file finds it at once; nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Iterable

from safezone.domain.alerts import MAX_LIFETIME, MIN_LIFETIME
from safezone.domain.errors import InputError
from safezone.domain.stages import DEFAULT_LIFETIMES, MAX_EARLY_WARNING_LEAD_S, AlertStage, StagePlan

STAGE_NAMES = ", ".join(s.value for s in AlertStage)
KEYS = ("use", "lifetime_minutes", "early_warning_lead_s")


def read_stages(data: Any, threat_names: Iterable[str], file: str, text: str) -> dict[str, StagePlan]:
    """A plan per threat class named in `threat_names` (the default's where a class has none)."""
    if data is None:
        return {name: StagePlan() for name in threat_names}
    if not isinstance(data, dict):
        raise InputError("expected tables [stages.default] and [stages.\"<threat class>\"]", file=file,
                         line=_line(text, "stages"), field="stages")
    names = list(threat_names)
    unknown = sorted(set(data) - set(names) - {"default"})
    if unknown:
        raise InputError(f"no threat class {unknown[0]!r} (threat classes: {', '.join(names)})", file=file,
                         line=_line(text, f"stages.{unknown[0]}"), field=f"stages.{unknown[0]}")
    default = _plan(data.get("default", {}), StagePlan(), file, text, "default")
    return {name: _plan(data[name], default, file, text, name) if name in data else default for name in names}


def _plan(raw: Any, base: StagePlan, file: str, text: str, name: str) -> StagePlan:
    where = f"stages.{name}"
    line = _line(text, where)
    if not isinstance(raw, dict):
        raise InputError("expected a table with 'use', 'lifetime_minutes' and 'early_warning_lead_s'", file=file,
                         line=line, field=where)
    stray = sorted(set(raw) - set(KEYS))
    if stray:
        raise InputError(f"unknown key {stray[0]!r} (keys: {', '.join(KEYS)})", file=file, line=line,
                         field=f"{where}.{stray[0]}")
    used = base.used if "use" not in raw else _used(raw["use"], file, line, f"{where}.use")
    lifetimes = {**DEFAULT_LIFETIMES, **base.lifetimes,
                 **_lifetimes(raw.get("lifetime_minutes", {}), file, line, f"{where}.lifetime_minutes")}
    lead = base.early_warning_lead_s if "early_warning_lead_s" not in raw \
        else _lead(raw["early_warning_lead_s"], file, line, f"{where}.early_warning_lead_s")
    return StagePlan(used=used, lifetimes=lifetimes, early_warning_lead_s=lead)


def _lead(raw: Any, file: str, line: int | None, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_EARLY_WARNING_LEAD_S:
        raise InputError(f"expected a whole number of seconds from 0 to {MAX_EARLY_WARNING_LEAD_S}, not {raw!r}",
                         file=file, line=line, field=field)
    return raw


def _used(raw: Any, file: str, line: int | None, field: str) -> frozenset[AlertStage]:
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise InputError(f"expected a list of stage names ({STAGE_NAMES})", file=file, line=line, field=field)
    stages = []
    for value in raw:
        try:
            stages.append(AlertStage(value))
        except ValueError:
            raise InputError(f"unknown stage {value!r} (stages: {STAGE_NAMES})", file=file, line=line,
                             field=field) from None
    if AlertStage.ALERT not in stages:
        raise InputError("every threat class uses the 'alert' stage", file=file, line=line, field=field)
    return frozenset(stages)


def _lifetimes(raw: Any, file: str, line: int | None, field: str) -> dict[AlertStage, timedelta]:
    if not isinstance(raw, dict):
        raise InputError("expected a table of stage = minutes", file=file, line=line, field=field)
    low, high = int(MIN_LIFETIME.total_seconds() // 60), int(MAX_LIFETIME.total_seconds() // 60)
    found = {}
    for key, minutes in raw.items():
        try:
            stage = AlertStage(key)
        except ValueError:
            raise InputError(f"unknown stage {key!r} (stages: {STAGE_NAMES})", file=file, line=line,
                             field=f"{field}.{key}") from None
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high:
            raise InputError(f"expected a whole number of minutes from {low} to {high}, not {minutes!r}",
                             file=file, line=line, field=f"{field}.{key}")
        found[stage] = timedelta(minutes=minutes)
    return found


def _line(text: str, dotted: str) -> int | None:
    """The line of the table header `[a.b]` or `[a."b c"]` in the file, if written as one."""
    first, _, rest = dotted.partition(".")
    pattern = re.escape(first) + (r'\s*\.\s*(?:"' + re.escape(rest) + r'"|' + re.escape(rest) + ")" if rest else "")
    found = re.search(r"^[ \t]*\[\s*" + pattern + r"\s*\]", text, re.MULTILINE)
    return None if found is None else text.count("\n", 0, found.start()) + 1
