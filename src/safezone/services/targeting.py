"""Who receives a message: the exact receivers per channel, for the preview and for delivery.

- An Alert reaches every subscriber whose point lies in (or on the edge of) one of its areas,
  in the alert's own zone-set version, plus every subscriber of those areas, plus every
  integrator whose area filter meets them. Drills (Exercise, Test, System) reach only the
  subscribers who opted in.
- An Update reaches everyone any earlier message of its chain planned, plus whoever is inside
  its (new) areas; a Cancel or an all-clear reaches everyone the chain planned, and no one else.

The database narrows the points to the alert's bounding box; then each point's stored H3 cell
settles most of them (`domain.cell_targeting`), and the exact geometric test
(`domain.targeting.covered`, edges inside) runs only at the alert's edges, for points whose
cell is missing or stale, and for zone sets whose areas are no H3 cells. What the cells need
that no alert changes is kept per zone-set version (`zone_cells`), from its first alert on.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

import numpy as np

from safezone.adapters.db import UnitOfWork
from safezone.domain.alerts import AlertKind, AlertRecord
from safezone.domain.cap.enums import Status
from safezone.domain.delivery import ChannelKind
from safezone.domain.cell_targeting import NO_CELL, CellIndex, ZoneCells, covered_by_cells
from safezone.domain.targeting import covered
from safezone.domain.subscribers import wants

# What targeting keeps of a zone set between alerts (`ZoneCells`), for the last few versions
# targeted. A version's areas never change, and ZoneCells compares each area's geometry with
# the one it kept anyway, so another database's version of the same number is never mixed in.
_KEPT_VERSIONS = 4
_zone_cells: OrderedDict[tuple[int, int], ZoneCells] = OrderedDict()
_zone_cells_lock = threading.Lock()

# A receiver on one channel: ("sub_…", "webpush"), ("int_…", "webhook").
Target = tuple[str, str]


@dataclass(frozen=True)
class Receivers:
    targets: frozenset[Target]

    def per_channel(self) -> dict[str, int]:
        counts = Counter(channel for _, channel in self.targets)
        return {c.value: counts.get(c.value, 0) for c in ChannelKind if c is not ChannelKind.SSE}

    @property
    def total(self) -> int:
        return len({receiver for receiver, _ in self.targets})


def chain_of(uow: UnitOfWork, alert: AlertRecord) -> str | None:
    """The CAP identifier of the chain's first alert (None for an alert not issued yet)."""
    current = alert
    while current.follows is not None:
        earlier = uow.alerts.get(current.follows)
        if earlier is None:
            break
        current = earlier
    return current.cap_identifier


def receivers(uow: UnitOfWork, alert: AlertRecord, chain: str | None = None) -> Receivers:
    """The exact receivers of `alert` on each channel."""
    chain = chain if chain is not None else chain_of(uow, alert)
    earlier = uow.deliveries.receivers_of_chain(chain) if chain and alert.follows is not None else set()
    if alert.kind in (AlertKind.CANCEL, AlertKind.ALL_CLEAR):
        return Receivers(frozenset(earlier))
    inside = _inside(uow, alert)
    targets = set(earlier)
    for subscription in uow.subscribers.by_ids(inside):
        if alert.status is not Status.ACTUAL and not subscription.drills:
            continue
        if subscription.push is not None:
            targets.add((subscription.id, ChannelKind.WEBPUSH.value))
        if subscription.email is not None and subscription.email_confirmed:
            targets.add((subscription.id, ChannelKind.EMAIL.value))
    alert_areas = frozenset(alert.area_ids)
    targets.update((integrator_id, kind) for integrator_id, kind, filter_ids in uow.integrators.filters()
                   if wants(filter_ids, alert_areas))
    return Receivers(frozenset(targets))


def _inside(uow: UnitOfWork, alert: AlertRecord) -> set[str]:
    """Subscribers with a point in the alert's areas, and subscribers of those areas."""
    areas = uow.areas.by_ids(alert.zone_version, alert.area_ids)
    shapes = [area.geometry for area in areas]
    found = uow.subscribers.of_areas(alert.area_ids)
    if shapes:
        west = min(s.bounds[0] for s in shapes)
        south = min(s.bounds[1] for s in shapes)
        east = max(s.bounds[2] for s in shapes)
        north = max(s.bounds[3] for s in shapes)
        ids, lon, lat, cells = uow.subscribers.points_in(west, south, east, north)
        resolution = uow.zones.resolution(alert.zone_version)
        plan = None if resolution is None else zone_cells(alert.zone_version, resolution).plan(
            [(a.id, a.geometry) for a in areas])
        if plan is None:
            hits = np.flatnonzero(covered(shapes, lon, lat))
        else:
            # A cell stored at another resolution (a zone set activated since) is no help.
            cells[(cells >> 52) & 0xF != resolution] = NO_CELL
            hits = covered_by_cells(plan, CellIndex(cells, lon, lat))
        found.update(ids[i] for i in hits.tolist())
    return found


def zone_cells(version: int, resolution: int) -> ZoneCells:
    """The targeting data kept for a zone-set version, made on its first alert."""
    key = (version, resolution)
    with _zone_cells_lock:
        kept = _zone_cells.get(key)
        if kept is None:
            kept = _zone_cells[key] = ZoneCells(resolution)
            while len(_zone_cells) > _KEPT_VERSIONS:
                _zone_cells.popitem(last=False)
        _zone_cells.move_to_end(key)
        return kept
