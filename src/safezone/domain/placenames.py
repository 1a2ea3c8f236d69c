"""Place names in the reader's language, chosen from GeoNames' alternate names.

GeoNames lists a place's other names without saying which language each is in. For the
Cyrillic languages of our default border the letters tell: і ї є ґ (and a soft sign before к,
"Курськ") are Ukrainian only, ы э ё ъ Russian only. A form with letters of neither ("Суми",
"Белгород", "Баси") could be either language's spelling, or another language's. We decide
conservatively, and say so here:

- a form marked by the language's own letters is its name, preferred to any other;
- else a form with letters both alphabets share: either reader reads it as written, though it
  may be the neighbour's spelling ("Баси" where Russian writes "Басы");
- else the other language's form ("Миколаївка" in a Russian text), still easier to read for a
  reader of Cyrillic than Latin letters;
- else the place keeps the name GeoNames writes it with (Latin letters): the data has no
  Cyrillic name for it.

A form of as many words as the GeoNames name comes first (so "Белгород", not the "Белгород
шаары" of another language), then the one whose transliteration comes closest to the GeoNames
name ("Бєлгород" over "Білгород" for Belgorod), then the fuller spelling ("Харьков" over
"Харков"). Forms with letters of other Cyrillic alphabets (ў ј љ қ ...), of other scripts or
abbreviated ("Ниж.Сыроватка") are never used.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

LANGUAGES = ("uk", "ru")
_MARKS = {"uk": frozenset("іїєґ"), "ru": frozenset("ыэёъ")}
_COMMON = frozenset("абвгдежзийклмнопрстуфхцчшщьюя")
_ALLOWED = _COMMON | _MARKS["uk"] | _MARKS["ru"] | frozenset(" -'’ʼ")
_UK_SPELLINGS = ("ськ", "цьк", "зьк")  # a soft sign before к: Ukrainian spelling ("Курськ"), never Russian
_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
                  ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                   "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi",
                   "ye", "g"]))


def language_of(form: str) -> str | None:
    """"uk", "ru", "" (Cyrillic of our two languages, but unmarked), or None (anything else)."""
    letters = form.lower()
    if not letters.strip() or any(c not in _ALLOWED for c in letters) or not any(c in _COMMON for c in letters):
        return None
    marked = [lang for lang in LANGUAGES
              if _MARKS[lang] & set(letters) or (lang == "uk" and any(u in letters for u in _UK_SPELLINGS))]
    if len(marked) > 1:
        return None
    return marked[0] if marked else ""


def choose_names(name: str, alternates: Iterable[str]) -> dict[str, str]:
    """The place's name in each of LANGUAGES where the data has a Cyrillic one (see the module doc)."""
    forms: dict[str, list[str]] = {"uk": [], "ru": [], "": []}
    for form in dict.fromkeys(a.strip() for a in alternates):
        language = language_of(form)
        if language is not None:
            forms[language].append(form)
    words = len(name.split())
    chosen = {}
    for language in LANGUAGES:
        (other,) = [lang for lang in LANGUAGES if lang != language]
        tiers = [forms[language], forms[""], forms[other]]
        candidates = next((found for found in [[f for f in tier if len(f.split()) == words] for tier in tiers] + tiers
                           if found), [])
        if candidates:
            chosen[language] = max(candidates, key=lambda form: (_likeness(form, name), len(form), form))
    return chosen


def _likeness(form: str, name: str) -> float:
    latin = "".join(_LATIN.get(c, c) for c in form.lower())
    plain = "".join(c for c in unicodedata.normalize("NFKD", name.lower()) if not unicodedata.combining(c))
    return difflib.SequenceMatcher(None, latin, plain).ratio()


@dataclass(frozen=True)
class PlaceNames:
    """Per-language names of settlements, as columns: ids ascending, "" where there is none."""

    geonameid: np.ndarray
    uk: np.ndarray
    ru: np.ndarray

    @classmethod
    def empty(cls) -> "PlaceNames":
        return cls(np.array([], dtype=np.int64), np.array([], dtype=str), np.array([], dtype=str))

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[int, dict[str, str]]]) -> "PlaceNames":
        ordered = sorted(rows)
        return cls(np.array([gid for gid, _ in ordered], dtype=np.int64),
                   np.array([names.get("uk", "") for _, names in ordered], dtype=str),
                   np.array([names.get("ru", "") for _, names in ordered], dtype=str))

    def of(self, geonameid: int) -> tuple[tuple[str, str], ...]:
        """(language, name) pairs for one settlement; none if the data has no such name."""
        return self.of_many([geonameid])[0]

    def of_many(self, geonameids: Sequence[int]) -> list[tuple[tuple[str, str], ...]]:
        """`of` for many settlements at once (a build names thousands of areas)."""
        ids = np.asarray(geonameids, dtype=np.int64).reshape(-1)
        at = np.minimum(np.searchsorted(self.geonameid, ids), max(len(self.geonameid) - 1, 0))
        found = (self.geonameid[at] == ids) if len(self.geonameid) else np.zeros(len(ids), dtype=bool)
        columns = [(lang, getattr(self, lang)) for lang in LANGUAGES]
        return [tuple((lang, str(column[i])) for lang, column in columns if column[i]) if hit else ()
                for i, hit in zip(at.tolist(), found.tolist())]
