"""The alert areas of the zone-set version last read whole, kept by id for one database.

A stored zone-set version never changes, and the public side holds the active one in memory
anyway (to find the area at a point). Composing, approving and issuing an alert, the answer to
each step and the public snapshot all need a few of its areas again: read from the database,
with their settlements, that was two statements and their decoding per step, in the very
requests an operator waits for. Taken from here, it is a dictionary lookup.

The operator process never reads a version whole (it serves no public answers), so the areas
it reads by id are kept too, a bounded number of them: an approve and an issue read the same
alert's areas five times between them (the size check, the public event, each answer). Never
those read in a transaction that added zones: a version rolled back may come again under the
same number (SQLite numbers it anew from the highest left).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy.orm import Session

from safezone.domain.zones import AlertArea

KEPT_AT_MOST = 10_000  # areas read by id kept, of any versions (then all forgotten at once)
ADDS_ZONES = "safezone.adds_zones"  # in a session's `info`: its transaction stored a zone set


class HeldAreas:
    """One version's areas by id (the last one read whole), and areas read by id; shared by the
    units of work of one `Database`, never by two databases (their versions are numbered apart)."""

    def __init__(self) -> None:
        self._held: tuple[int, dict[str, AlertArea]] | None = None
        self._read: dict[tuple[int, str], AlertArea] = {}

    def hold(self, version: int, areas: Iterable[AlertArea]) -> None:
        self._held = (version, {area.id: area for area in areas})

    def get(self, version: int, area_ids: Sequence[str]) -> list[AlertArea] | None:
        """These areas in the order asked (unknown ids left out) when `version` is held, or all
        of them were read before; else None."""
        held = self._held
        if held is not None and held[0] == version:
            by_id = held[1]
            return [by_id[i] for i in dict.fromkeys(area_ids) if i in by_id]
        read = self._read
        try:
            return [read[version, i] for i in dict.fromkeys(area_ids)]
        except KeyError:
            return None

    def keep(self, version: int, areas: Sequence[AlertArea]) -> None:
        """Areas of `version` just read by id, for the next reads of the same ones."""
        if len(self._read) + len(areas) > KEPT_AT_MOST:
            self._read = {}
        self._read.update(((version, area.id), area) for area in areas)


def may_keep(session: Session) -> bool:
    """Whether what `session` reads of a zone set may be kept: not when its own transaction
    stored one (rolled back, its version number may come again with other areas)."""
    return not session.info.get(ADDS_ZONES, False)
