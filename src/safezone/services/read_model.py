"""The public read side's prepared state: what every public answer is made from, read from the
database once per change instead of once per request.

- `Snapshot`: the issued messages the public sees (alerts in force, and the feeds' recent
  changes), read whole after each change and kept until the database's change mark moves or
  the first moment something in it changes by the clock alone (an expiry, a feed entry ageing
  out).
- `ZonesInMemory`: one zone-set version with a spatial index of its areas; a stored version
  never changes, so it is read once.

Each carries `derived`: values computed from it once (encoded JSON, compressed bodies), which
go away with it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Hashable, Sequence, TypeVar

import shapely
from shapely.strtree import STRtree

from safezone.adapters.db.change_mark import ChangeMark
from safezone.domain import alerts as rules
from safezone.domain.alerts import AlertRecord
from safezone.domain.box_grid import BoxGrid
from safezone.domain.cap import Status
from safezone.domain.cap.model import Alert as CapAlert
from safezone.domain.zones import AlertArea, ZoneSet

T = TypeVar("T")


class Derived:
    """Values computed once from an immutable read and kept beside it (thread-safe: the first
    caller builds, the others wait for it instead of building the same thing again)."""

    def __init__(self) -> None:
        self._values: dict[Hashable, object] = {}
        self._lock = threading.RLock()  # a value may be built from another of the same object

    def peek(self, key: Hashable) -> object | None:
        """The value if it is built already, else None (never waits, never builds)."""
        found = self._values.get(key, _MISSING)
        return None if found is _MISSING else found

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        found = self._values.get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        with self._lock:
            if key not in self._values:
                self._values[key] = build()
            return self._values[key]  # type: ignore[return-value]


_MISSING = object()


@dataclass(frozen=True)
class PublishedAlert:
    alert: AlertRecord
    areas: tuple[AlertArea, ...]
    in_force: bool
    ended: str | None = None  # how a warning ended: superseded, cancelled, all-clear, stood-down, expired
    # What the answers make of it (its JSON, its outline), kept with it: a snapshot rebuilt
    # after a change keeps the items of the alerts that did not change, and with them these.
    derived: Derived = field(default_factory=lambda: Derived(), compare=False, repr=False)


@dataclass(frozen=True)
class FeedItem:
    """An issued message in a feed: when it last changed, and how it ended (None: current)."""

    alert: AlertRecord
    message: CapAlert
    changed_at: datetime
    ended: str | None


@dataclass
class Snapshot:
    mark: ChangeMark
    asked_at: float  # time.monotonic() before the mark was read
    valid_until: datetime | None  # the first moment the clock alone changes an answer
    alerts: tuple[PublishedAlert, ...]  # in force, every public status, newest first
    feed_items: tuple[FeedItem, ...]  # every public status, newest first
    newest_change: dict[Status, datetime | None]
    derived: Derived = field(default_factory=Derived)

    def fresh_at(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until

    def shows_as(self, other: "Snapshot") -> bool:
        """Whether every answer made from this snapshot is the one made from `other`: the same
        items (unchanged alerts keep their objects across rebuilds), feed entries, newest
        changes and expiry. Identity, not equality: cheap, and never wrongly true."""
        return (self.valid_until == other.valid_until and self.newest_change == other.newest_change
                and len(self.alerts) == len(other.alerts) and len(self.feed_items) == len(other.feed_items)
                and all(a is b for a, b in zip(self.alerts, other.alerts))
                and all(a.alert is b.alert and a.message is b.message and a.changed_at == b.changed_at
                        and a.ended == b.ended for a, b in zip(self.feed_items, other.feed_items)))

    def in_force(self, statuses: Sequence[Status]) -> list[PublishedAlert]:
        return [item for item in self.alerts if item.alert.status in statuses]

    def feed(self, statuses: Sequence[Status]) -> tuple[list[FeedItem], datetime | None]:
        """The feed's entries for these statuses and its `<updated>` (the newest change, or None)."""
        newest = [at for status, at in self.newest_change.items() if status in statuses and at is not None]
        return [i for i in self.feed_items if i.alert.status in statuses], max(newest, default=None)

    def alerts_at(self, lat: float, lon: float, point: shapely.Point | None = None
                  ) -> list[tuple[AlertRecord, list[AlertArea]]]:
        """The alerts in force whose own areas cover a point (edges included), newest first,
        each with its areas there: an index query, whatever is in force elsewhere. `point`: the
        same point as a geometry, when the caller made it already (one costs microseconds)."""
        if not self.alerts:
            return []
        pairs, grid = self.derived.get("areas-index", self._area_index)
        point = shapely.Point(lon, lat) if point is None else point
        hits: dict[int, list[AlertArea]] = {}
        for i in grid.holding(lon, lat):
            at, area = pairs[i]
            if area.geometry.covers(point):
                hits.setdefault(at, []).append(area)
        return [(self.alerts[at].alert, hits[at]) for at in sorted(hits)]

    def _area_index(self) -> tuple[list[tuple[int, AlertArea]], BoxGrid]:
        """Each alert's areas, and a grid of their boxes (the same look-up as `ZonesInMemory.area_at`)."""
        pairs = [(at, area) for at, item in enumerate(self.alerts) for area in item.areas]
        boxes = shapely.bounds([area.geometry for _, area in pairs]).tolist() if pairs else []
        return pairs, BoxGrid([tuple(box) for box in boxes])


def valid_until(alerts: Sequence[PublishedAlert], feed_items: Sequence[FeedItem], now: datetime,
                retention_s: float) -> datetime | None:
    """When the clock alone changes what a snapshot taken at `now` shows: the first expiry of an
    alert in force, or the first feed entry of an ended message leaving the feed."""
    moments = [item.alert.expires for item in alerts]
    moments += [item.changed_at + timedelta(seconds=retention_s) for item in feed_items
                if not rules.in_force(item.alert, now)]
    return min(moments, default=None)


class ZonesInMemory:
    """One zone-set version with an index of its areas, for "which area is here?" and windows."""

    def __init__(self, version: int, zones: ZoneSet) -> None:
        self.version = version
        self.zones = zones
        geometries = [a.geometry for a in zones.areas]
        self.tree = STRtree(geometries)  # for windows
        self.grid = BoxGrid([tuple(box) for box in shapely.bounds(geometries).tolist()])  # for points
        self.derived = Derived()

    def area_at(self, lat: float, lon: float, point: shapely.Point | None = None) -> AlertArea | None:
        """The first area in build order covering the point (edges included), or None (`point`:
        as in `Snapshot.alerts_at`)."""
        point = shapely.Point(lon, lat) if point is None else point
        for i in self.grid.holding(lon, lat):
            if self.zones.areas[i].geometry.covers(point):
                return self.zones.areas[i]
        return None

    def in_windows(self, windows: Sequence[tuple[float, float, float, float]]) -> list[int]:
        """Indexes (build order) of the areas meeting any of these lon/lat boxes."""
        found: set[int] = set()
        for window in windows:
            found.update(int(i) for i in self.tree.query(shapely.box(*window), predicate="intersects"))
        return sorted(found)
