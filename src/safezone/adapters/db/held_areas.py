"""The alert areas of the zone-set version last read whole, kept by id for one database.

A stored zone-set version never changes, and the public side holds the active one in memory
anyway (to find the area at a point). Composing, approving and issuing an alert, the answer to
each step and the public snapshot all need a few of its areas again: read from the database,
with their settlements, that was two statements and their decoding per step, in the very
requests an operator waits for. Taken from here, it is a dictionary lookup.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from safezone.domain.zones import AlertArea


class HeldAreas:
    """One version's areas by id (the last one read whole); shared by the units of work of one
    `Database`, never by two databases (their versions are numbered apart)."""

    def __init__(self) -> None:
        self._held: tuple[int, dict[str, AlertArea]] | None = None

    def hold(self, version: int, areas: Iterable[AlertArea]) -> None:
        self._held = (version, {area.id: area for area in areas})

    def get(self, version: int, area_ids: Sequence[str]) -> list[AlertArea] | None:
        """These areas in the order asked (unknown ids left out) when `version` is held, else None."""
        held = self._held
        if held is None or held[0] != version:
            return None
        by_id = held[1]
        return [by_id[i] for i in dict.fromkeys(area_ids) if i in by_id]
