"""Message texts from a TOML file of templates (see `safezone/data/templates.toml`).

Loading renders every template once with sample values, so a broken placeholder in an
operator's own file is refused when the server starts, not in the middle of a warning.
"""

from __future__ import annotations

import string
import tomllib
import dataclasses
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, Sequence

from safezone.domain.alerts import AlertKind
from safezone.domain.cap.compose import InfoText
from safezone.domain.cap.enums import Status
from safezone.domain.cap.rules import HEADLINE_TARGET
from safezone.domain.errors import InputError
from safezone.domain.stages import AlertStage
from safezone.domain.zones import DIRECTIONS, AlertArea

FIELDS = ("event", "headline", "description", "instruction")
PLACEHOLDERS = frozenset({"areas", "shelter_time", "range_km", "threat"})
LANGUAGE_KEYS = ("immediately", "within", "more", "update_prefix", "exercise", "test", "system", "draft",
                 "near", "toward", "numbered")
# How each key of an area's name is worded, and the placeholders it may use.
NAME_KEYS = {"near": {"place"}, "toward": {"place", "km", "direction"}, "numbered": {"name", "number"}}
NAMES_SHOWN = 5
# Stages with texts of their own, per threat class like the alert's ([<stage>.default.<language>]);
# the alert stage uses [alert…] and the all-clear [all-clear.<language>].
STAGED = (AlertStage.EARLY_WARNING, AlertStage.STAY_IN_SHELTER)


def default_path() -> Path:
    return Path(str(files("safezone").joinpath("data/templates.toml")))


@dataclass(frozen=True)
class Threat:
    """What a text says about a threat class: its name and range, nothing else."""

    name: str
    range_km: float


@dataclass(frozen=True)
class Templates:
    languages: dict[str, dict[str, Any]]  # words by key; `directions` is a list
    alert: dict[str, dict[str, dict[str, str]]]  # threat name (or "default") → language → field
    ending: dict[AlertKind, dict[str, dict[str, str]]]  # cancel / all-clear / stand-down → language → field
    source: str
    # early-warning / stay-in-shelter → threat name (or "default") → language → field; a file
    # without them cannot give those stages (said when one is asked for).
    staged: dict[AlertStage, dict[str, dict[str, dict[str, str]]]] = dataclasses.field(default_factory=dict)

    def check_stage(self, stage: AlertStage) -> None:
        """Refuse a stage these templates have no words for, naming the table to add."""
        if stage in STAGED and stage not in self.staged:
            raise InputError(f"the message templates have no [{stage.value}.default.<language>] texts",
                             file=self.source, field=stage.value)
        if stage is AlertStage.EARLY_WARNING and AlertKind.STAND_DOWN not in self.ending:
            raise InputError("the message templates have no [stand-down.<language>] texts", file=self.source,
                             field=AlertKind.STAND_DOWN.value)

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(self.languages)

    def check_languages(self, wanted: Sequence[str]) -> tuple[str, ...]:
        """The languages asked for, each known, none twice, in the order given."""
        if not wanted:
            raise InputError("name at least one language", field="languages")
        unknown = [lang for lang in wanted if lang not in self.languages]
        if unknown:
            raise InputError(f"no message texts in {', '.join(map(repr, unknown))}; "
                             f"languages: {', '.join(self.languages)}", field="languages")
        if len(set(wanted)) != len(wanted):
            raise InputError("a language is named twice", field="languages")
        return tuple(wanted)

    def render(self, kind: AlertKind, status: Status, threat: Threat, language: str,
               area_names: Sequence[str], seconds: int, stage: AlertStage = AlertStage.ALERT) -> InfoText:
        """The text of one message in one language; a drill says so before anything else.
        The headline names as many places as fit in HEADLINE_TARGET characters (at least one),
        so receivers never cut it."""
        text = InfoText(headline="")
        for shown in range(min(NAMES_SHOWN, len(area_names)), 0, -1) if area_names else (0,):
            text = self._render(kind, status, threat, language, area_names, seconds, shown, stage)
            if len(text.headline) <= HEADLINE_TARGET:
                break
        return text

    def _render(self, kind: AlertKind, status: Status, threat: Threat, language: str,
                area_names: Sequence[str], seconds: int, shown: int, stage: AlertStage) -> InfoText:
        words = self.languages[language]
        values = {
            "areas": _names(area_names, words["more"], shown),
            "shelter_time": words["immediately"] if seconds <= 0 else words["within"].format(seconds=seconds),
            "range_km": f"{threat.range_km:g}",
            "threat": (words.get("threat_names") or {}).get(threat.name, threat.name),
        }
        if kind is AlertKind.STAND_DOWN and kind not in self.ending:
            kind = AlertKind.CANCEL  # an older file: standing down must never fail for want of words
        if kind in self.ending:
            fields = self.ending[kind][language]
        elif stage in STAGED:
            self.check_stage(stage)
            fields = (self.staged[stage].get(threat.name) or self.staged[stage]["default"])[language]
        else:
            fields = (self.alert.get(threat.name) or self.alert["default"])[language]
        text = {name: fields[name].format(**values) if name in fields else None for name in FIELDS}
        if kind is AlertKind.UPDATE:
            text["headline"] = words["update_prefix"] + (text["headline"] or "")
        return InfoText(headline=self.marked(status, language, text["headline"] or ""),
                        description=text["description"], instruction=text["instruction"], event=text["event"])

    def area_name(self, area: AlertArea, language: str) -> str:
        """The area's name in `language`: its place as the data writes it in that language,
        "near", direction and number in the language's own words (no English word in a
        Ukrainian text). Areas stored without name parts keep their stored name."""
        naming = area.naming
        if naming is None:
            return area.name
        words = self.languages[language]
        place = naming.place_in(language)
        if naming.direction:
            turn = words["directions"][DIRECTIONS.index(naming.direction)]
            name = words["toward"].format(place=place, km=naming.distance_km, direction=turn)
        else:
            name = words["near"].format(place=place) if naming.near else place
        return words["numbered"].format(name=name, number=naming.number) if naming.number else name

    def marked(self, status: Status, language: str, headline: str) -> str:
        """A headline that starts with its status marker, unless the message is Actual."""
        if status is Status.ACTUAL:
            return headline
        marker = self.languages[language][status.value.lower()]
        return headline if headline.startswith(marker) else f"{marker}: {headline}"


def _names(names: Sequence[str], more: str, count: int = NAMES_SHOWN) -> str:
    shown = ", ".join(names[:count])
    rest = len(names) - count
    return f"{shown} {more.format(count=rest)}" if rest > 0 else shown


def load_templates(path: Path | str | None = None) -> Templates:
    """Read and check a template file; any problem is an InputError naming the file and table."""
    path = Path(path) if path else default_path()
    file = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(f"cannot read message templates: {error}", file=file) from None
    languages = _table(data, "languages", file)
    for code in languages:
        words = _table(languages, code, file, "languages")
        for key in LANGUAGE_KEYS:
            _table(words, key, file, f"languages.{code}", kind=str)
        _check_name_words(words, file, f"languages.{code}")
        _check_threat_names(words, file, f"languages.{code}")
    alert = _table(data, "alert", file)
    if "default" not in alert:
        raise InputError("missing [alert.default.<language>] texts", file=file, field="alert.default")
    ending = {kind: _table(data, kind.value, file) for kind in (AlertKind.CANCEL, AlertKind.ALL_CLEAR)}
    if AlertKind.STAND_DOWN.value in data:  # optional, like the staged texts: an older file has none
        ending[AlertKind.STAND_DOWN] = _table(data, AlertKind.STAND_DOWN.value, file)
    staged = {stage: _table(data, stage.value, file) for stage in STAGED if stage.value in data}
    for stage, texts in staged.items():
        if "default" not in texts:
            raise InputError(f"missing [{stage.value}.default.<language>] texts", file=file,
                             field=f"{stage.value}.default")
    groups = {f"alert.{name}": (texts, True) for name, texts in alert.items()}
    groups.update({f"{stage.value}.{name}": (texts, True) for stage, by_threat in staged.items()
                   for name, texts in by_threat.items()})
    groups.update({kind.value: (texts, False) for kind, texts in ending.items()})
    for where, (texts, needs_event) in groups.items():
        for code in languages:
            fields = _table(texts, code, file, where)
            _check_fields(fields, file, f"{where}.{code}", needs_event=needs_event)
    return Templates(languages=languages, alert=alert, ending=ending, source=file, staged=staged)


def _table(data: dict, key: str, file: str, where: str = "", kind: type = dict) -> Any:
    value = data.get(key)
    field = f"{where}.{key}" if where else key
    if value is None:
        raise InputError("missing", file=file, field=field)
    if not isinstance(value, kind):
        raise InputError(f"expected a {'table' if kind is dict else 'text'}", file=file, field=field)
    return value


def _check_name_words(words: dict, file: str, where: str) -> None:
    """The words for area names: eight compass points, and placeholders each key knows."""
    directions = _table(words, "directions", file, where, kind=list)
    if len(directions) != len(DIRECTIONS) or not all(isinstance(d, str) and d.strip() for d in directions):
        raise InputError(f"expected {len(DIRECTIONS)} texts: {', '.join(DIRECTIONS)}", file=file,
                         field=f"{where}.directions")
    for key, allowed in NAME_KEYS.items():
        _check_placeholders(words[key], allowed, file, f"{where}.{key}")


def _check_threat_names(words: dict, file: str, where: str) -> None:
    """Optional `threat_names`: each threat class's name in the language ({threat} in texts)."""
    names = words.get("threat_names")
    if names is None:
        return
    if not isinstance(names, dict):
        raise InputError("expected a table of threat class name = its name in this language", file=file,
                         field=f"{where}.threat_names")
    for name, local in names.items():
        if not isinstance(local, str) or not local.strip():
            raise InputError("expected a text", file=file, field=f"{where}.threat_names.{name}")


def _check_placeholders(text: str, allowed: set[str] | frozenset[str], file: str, field: str) -> None:
    try:
        used = {part[1] for part in string.Formatter().parse(text) if part[1] is not None}
    except ValueError as error:
        raise InputError(f"broken placeholder: {error}", file=file, field=field) from None
    unknown = used - allowed
    if unknown:
        raise InputError(f"unknown placeholder {{{sorted(unknown)[0]}}} (placeholders: "
                         f"{', '.join(sorted(allowed))})", file=file, field=field)


def _check_fields(fields: dict, file: str, where: str, *, needs_event: bool) -> None:
    required = ("event", "headline") if needs_event else ("headline",)
    for name in required:
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise InputError("missing text", file=file, field=f"{where}.{name}")
    for name, text in fields.items():
        if name not in FIELDS:
            raise InputError(f"unknown field (fields: {', '.join(FIELDS)})", file=file, field=f"{where}.{name}")
        _check_placeholders(text, PLACEHOLDERS, file, f"{where}.{name}")
