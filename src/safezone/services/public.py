"""What anyone may read without logging in: alerts in force, their CAP XML and feeds, the zones
and areas, and "where am I?" (what they are made from: `read_model`).

Only issued messages of public status (Actual, Exercise, Test) are ever shown, and the Actual
ones are never mixed with drills: every query takes the statuses it serves.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Sequence

import shapely

from safezone.adapters.cap_xml.atom import FeedEntry, alerts_feed
from safezone.adapters.cap_xml import parse_own
from safezone.adapters.db import Database, NearbyShelter
from safezone.adapters.db.change_mark import ChangeMark, MarkReader
from safezone.adapters.db.unit_of_work import UnitOfWork
from safezone.adapters.geodata.zone_files import area_feature, geojson_geometry, zones_to_geojson
from safezone.domain import alerts as rules
from safezone.domain.alerts import AlertKind, AlertRecord, AlertState, UnknownAlert
from safezone.domain.cap import Status
from safezone.domain.cap.model import Alert as CapAlert
from safezone.domain.errors import InputError
from safezone.domain.shelter_index import NearestIndex
from safezone.domain.shelters import Shelter
from safezone.domain.zones import AlertArea, ZoneSet
from safezone.services.read_model import FeedItem, PublishedAlert, Snapshot, ZonesInMemory, valid_until
from safezone.services.shelters import NearestAnswer, shelter_options
from safezone.services.zones import check_coordinates

MAX_WINDOW_AREAS = 2000
MAX_WINDOW_SHELTERS = 5000
NEAREST_MAX_KM = 50.0  # as far as "nearest shelters" looks
# How long the feeds keep an Update, Cancel or all-clear and the alert that ended: aggregators
# poll now and then and ask for a day or two, so that none of them misses how an alert ended.
DEFAULT_FEED_RETENTION = timedelta(hours=24)
FEED_RETENTION_HOURS = (24, 48)
# The `<updated>` of a feed that has never had a message: fixed, so it never moves by itself.
FEED_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_PARSED_MESSAGES = 5000
ISSUED_ACTION = "alert.issued"  # the audit entry every issued message writes, subject "alert <id>"


class NoZones(LookupError):
    def __init__(self) -> None:
        super().__init__("there is no active zone set yet")


@dataclass(frozen=True)
class AlertHere:
    """An alert in force at a point: the alert and its own area there (in the zone set it was
    issued on), whose time to shelter is what the alert told people at that point."""

    alert: AlertRecord
    area: AlertArea


@dataclass(frozen=True)
class AreaMatch:
    """An alert area found by a place name: the area, and the name that matched."""

    area: AlertArea
    matched: str


@dataclass(frozen=True)
class WhereAnswer:
    lat: float
    lon: float
    area: AlertArea | None  # in the active zone set
    alerts: tuple[AlertHere, ...]  # in force here, Actual
    drills: tuple[AlertHere, ...]  # in force here, Exercise or Test
    shelters: NearestAnswer


class PublicService:
    """The public read side. Answers come from a `Snapshot` of the issued messages, rebuilt only
    when the database's change mark moves or the clock alone changes an answer; and from the
    active zone set held in memory with a spatial index, read once per version; and from the
    open shelters held in memory, read again when the mark's shelters part moves.

    Whether the mark moved is learnt one of two ways. Watched (a served process: `watched` is
    called every few milliseconds by one background reader, and `invalidate` after every commit
    this process makes): a request takes the snapshot from memory, with no statement at all, as
    long as the watcher's last reading matches it and is recent. Otherwise (no watcher, a
    commit since its last reading, or a reading too old to trust): one cheap statement reads
    the mark, so several processes on one database agree at once."""

    def __init__(self, database: Database, clock: Callable[[], datetime],
                 feed_retention: timedelta = DEFAULT_FEED_RETENTION) -> None:
        self.database = database
        self.clock = clock
        self.feed_retention = feed_retention
        self._snapshot: Snapshot | None = None
        self._zones: ZonesInMemory | None = None
        self._shelters: tuple[int, NearestIndex[Shelter]] | None = None  # (shelter mark, index)
        self._parsed: dict[int, CapAlert] = {}
        self._lock = threading.Lock()
        self._rebuild = threading.Lock()
        self._load = threading.Lock()
        self._load_shelters = threading.Lock()
        # The watcher's last reading of the mark: (mark, time.monotonic() before it was read, how
        # long it is trusted), or None (no watcher, or this process committed since).
        self._watched: tuple[ChangeMark, float, float] | None = None
        self._generation = 0  # moved by every invalidation, so a reading begun before one is dropped
        self._watch = threading.Lock()
        self._woken: Callable[[], None] | None = None
        self._trust_s: float | None = None  # how long the watcher trusts a reading (None: no watcher)

    # -- the snapshot ----------------------------------------------------------------------

    def fresh(self) -> Snapshot | None:
        """The snapshot when it is known current without asking the database (the watcher read
        its mark recently and nothing was committed here since), else None. No statement."""
        seen, current = self._watched, self._snapshot
        if seen is None or current is None:
            return None
        mark, read_at, trust_s = seen
        # A snapshot the watcher built after its reading began is at least as new as the reading.
        if ((current.mark != mark and current.asked_at < read_at) or time.monotonic() - read_at > trust_s
                or not current.fresh_at(self.clock())):
            return None
        return current

    def caught_up(self) -> bool:
        """Whether public answers are known to include every change committed in this process:
        no watcher (each request then asks the database itself), or the snapshot is `fresh`."""
        return self._woken is None or self.fresh() is not None

    def watch_generation(self) -> int:
        """Taken by the watcher before it reads the mark, and handed back with the reading."""
        return self._generation

    def refresh(self, mark: ChangeMark, marks: MarkReader | None = None) -> Snapshot:
        """Bring what public requests are answered from up to `mark`, the change mark the
        watcher just read: the snapshot (rebuilt when the mark or the clock has moved past it),
        the zone set it names and the open shelters, each read only when behind; the snapshot
        they now stand on (its mark at least `mark`).

        Called by the watcher, in its own thread, with every reading: requests go on answering
        from the previous snapshot (its reading still trusted) while the next one is built, so
        under load no request waits for a rebuild or opens a transaction, and none holds a
        read lock the operators' next write would wait for. `marks`: the watcher's reader,
        whose connection the rebuild then reads on (see `Database.reads_on`)."""
        current, zones, held = self._snapshot, self._zones, self._shelters
        if (current is not None and current.mark == mark and current.fresh_at(self.clock())
                and (mark.zone_version is None or (zones is not None and zones.version == mark.zone_version))
                and held is not None and held[0] >= mark.shelter_seq):
            return current
        reads = self.database.unit_of_work(read_only=True) if marks is None else self.database.reads_on(marks)
        with reads as uow:
            snapshot = self.snapshot(uow)
        if snapshot.mark.zone_version is not None:
            with contextlib.suppress(NoZones):  # activated and gone at once: requests will say so
                self.zones_in_memory(snapshot.mark.zone_version)
        self.open_shelters(snapshot.mark.shelter_seq)
        return snapshot

    def watched(self, mark: ChangeMark, read_at: float, generation: int, trust_s: float) -> None:
        """The watcher read `mark` (reading begun at `read_at`, monotonic); it is trusted for
        `trust_s` seconds, unless this process commits something first. An older reading never
        replaces a newer one (a request's, see `snapshot`)."""
        with self._watch:
            self._trust_s = trust_s
            if generation == self._generation and (self._watched is None or read_at >= self._watched[1]):
                self._watched = (mark, read_at, trust_s)

    def invalidate(self) -> None:
        """Something was committed in this process: ask the database until the watcher reads
        the mark again (it is woken to do so at once)."""
        with self._watch:
            self._generation += 1
            self._watched = None
        woken = self._woken
        if woken is not None:
            woken()

    def on_invalidate(self, wake: Callable[[], None] | None) -> None:
        """How to wake the watcher after an invalidation (None: no watcher any more)."""
        self._woken = wake
        if wake is None:
            with self._watch:
                self._generation += 1
                self._watched = None
                self._trust_s = None

    def snapshot(self, uow: UnitOfWork | None = None) -> Snapshot:
        """The current snapshot: from memory when `fresh`, else checked against the change mark
        (one statement) and rebuilt if stale.

        With a watcher, the mark read here vouches for the snapshot as the watcher's reading
        would: the requests that find its reading too old (a busy process, its thread waiting
        for the GIL) then go back to memory after the first one has read the mark, instead of
        each taking a worker thread and a statement until the watcher reads again."""
        if uow is None:
            known = self.fresh()
            if known is not None:
                return known
            generation, asked = self._generation, time.monotonic()
            with self.database.unit_of_work() as own:
                found = self.snapshot(own)
            trust_s = self._trust_s
            if trust_s is not None:  # its mark was read after `asked`: at least that new then
                self.watched(found.mark, asked, generation, trust_s)
            return found
        asked = time.monotonic()
        mark = uow.changes.current()
        current = self._snapshot
        if current is not None and current.mark == mark and current.fresh_at(self.clock()):
            return current
        with self._rebuild:
            current = self._snapshot
            # Someone rebuilt it while we waited: of the mark we read (a mark never goes back, so
            # it holds all we saw), or begun after we asked. Rebuilding it again would make a
            # convoy: every request that read the mark during a rebuild (50 alerts: ~90 ms) would
            # rebuild it in turn, holding the public side for seconds after each change.
            if current is not None and (current.mark == mark or current.asked_at >= asked) \
                    and current.fresh_at(self.clock()):
                return current
            self._snapshot = self._read_snapshot(uow, asked)
            return self._snapshot

    def mark_reader(self) -> MarkReader:
        """What the watcher reads the mark with, again and again: a connection of its own."""
        return self.database.mark_reader()

    def _read_snapshot(self, uow: UnitOfWork, asked: float) -> Snapshot:
        now = self.clock()
        public = sorted(rules.PUBLIC_STATUSES, key=lambda s: s.value)
        mark = uow.changes.current()  # read first: what follows is at least this new
        since = now - self.feed_retention
        # What the feeds may show holds every alert in force, in the same order (newest first);
        # records of the previous snapshot whose row has not changed are reused, not decoded again.
        candidates = uow.alerts.feed_candidates(now, since, public, known=_records(self._snapshot))
        current = [a for a in candidates if rules.in_force(a, now)]
        before = {} if self._snapshot is None else {p.alert.id: p for p in self._snapshot.alerts}
        kept = {a.id: before[a.id] for a in current if a.id in before and before[a.id].alert is a}
        areas = _areas_of(uow, [a for a in current if a.id not in kept])
        alerts = tuple(kept.get(a.id) or PublishedAlert(
            a, tuple(areas[a.zone_version][i] for i in dict.fromkeys(a.area_ids) if i in areas[a.zone_version]), True)
            for a in current)
        shown = [(a, *feed_change(a, now)) for a in candidates]
        shown = [(a, at, ended) for a, at, ended in shown if at >= since or rules.in_force(a, now)]
        messages = self._messages(uow, [a.id for a, _, _ in shown])  # type: ignore[misc]
        items = tuple(FeedItem(a, messages[a.id], at, ended)  # type: ignore[index]
                      for a, at, ended in shown if a.id in messages)
        newest = uow.alerts.newest_changes(now, public)
        snapshot = Snapshot(mark, asked, valid_until(alerts, items, now, self.feed_retention.total_seconds()),
                            alerts, items, newest)
        previous = self._snapshot
        if previous is not None and snapshot.shows_as(previous):
            # A step the public does not see (compose, submit, approve) moved the mark: the
            # answers prepared from the previous snapshot are this one's too.
            snapshot.derived = previous.derived
        return snapshot

    # -- alerts ----------------------------------------------------------------------------

    def in_force(self, statuses: Iterable[Status]) -> list[PublishedAlert]:
        """Alerts in force now, of these statuses, newest first, with their areas."""
        return self.snapshot().in_force(_public(statuses))

    def published(self, alert_id: int) -> PublishedAlert:
        """An issued public message, in force or not (its page outlives it)."""
        with self.database.unit_of_work() as uow:
            alert = uow.alerts.get(alert_id)
            if alert is None or not _is_published(alert):
                raise UnknownAlert(alert_id)
            return self._published(uow, alert)

    def published_record(self, alert: AlertRecord) -> PublishedAlert:
        """`published` for a record in hand (the one just issued): not read again."""
        if not _is_published(alert):
            raise UnknownAlert(alert.id)  # type: ignore[arg-type]
        with self.database.unit_of_work() as uow:
            return self._published(uow, alert)

    def _published(self, uow: UnitOfWork, alert: AlertRecord) -> PublishedAlert:
        areas = tuple(uow.areas.by_ids(alert.zone_version, alert.area_ids))
        now = self.clock()
        return PublishedAlert(alert, areas, rules.in_force(alert, now), rules.ended_how(alert, now))

    def issued_after(self, seq: int | None) -> tuple[int, list[int]]:
        """The audit chain's newest sequence number, and the ids of the messages issued after
        `seq` (None: from now on, none), in order: how a process that issues nothing itself
        (the public listener beside an operator process) learns what the other one issued."""
        with self.database.unit_of_work() as uow:
            if seq is None:
                return uow.changes.current().audit_seq, []
            issued = []
            for entry in uow.audit.entries(after=seq):
                seq = entry.seq
                if entry.action == ISSUED_ACTION:
                    issued.append(int(entry.subject.removeprefix("alert ")))
            return seq, issued

    def cap_xml(self, alert_id: int) -> bytes:
        """The CAP XML an issued public message went out as, byte for byte."""
        with self.database.unit_of_work() as uow:
            alert = uow.alerts.get(alert_id)
            xml = uow.alerts.cap_xml(alert_id) if alert is not None and _is_published(alert) else None
        if xml is None:
            raise UnknownAlert(alert_id)
        return xml

    def feed(self, statuses: Iterable[Status], *, feed_id: str, title: str, self_url: str,
             cap_url: Callable[[int], str], snapshot: Snapshot | None = None) -> bytes:
        """An Atom feed of the messages of these statuses: the alerts in force, and for the
        retention time every Update, Cancel and all-clear and every alert that ended, marked so,
        so that a consumer polling now and then still learns how an alert ended.

        The feed's `<updated>` is the newest change ever made to these messages (sent or ended),
        so it never goes back — not when an entry leaves the feed, nor when the feed is empty.
        """
        items, newest = (snapshot or self.snapshot()).feed(_public(statuses))
        entries = [FeedEntry(i.message, cap_url(i.alert.id), i.changed_at, i.ended) for i in items]  # type: ignore[arg-type]
        return alerts_feed(entries, updated=newest or FEED_EPOCH, feed_id=feed_id, title=title, self_url=self_url)

    def _messages(self, uow: UnitOfWork, alert_ids: list[int]) -> dict[int, CapAlert]:
        """The CAP models of issued messages, read once each: a published message never changes."""
        with self._lock:
            known = {i: self._parsed[i] for i in alert_ids if i in self._parsed}
        stored = uow.alerts.issued_cap(i for i in alert_ids if i not in known)
        read = {i: parse_own(xml) for i, xml in stored.items()}
        with self._lock:
            if len(self._parsed) + len(read) > MAX_PARSED_MESSAGES:
                self._parsed.clear()
            self._parsed.update(read)
        return {**known, **read}

    # -- where am I ------------------------------------------------------------------------

    def where(self, lat: float, lon: float, shelters: int = 3) -> WhereAnswer:
        """The point's area, the alerts in force there and the nearest shelters.

        Alerts are found by their own areas, in the zone-set version each was issued on, so
        activating a new set leaves them in force where they were. One path whatever is in
        force, all of it from memory once the snapshot is current: the area, the alerts at the
        point and the nearest shelters each come from an index held in memory.
        """
        check_coordinates(lat, lon)
        snapshot = self.snapshot()
        version = snapshot.mark.zone_version
        return _where(snapshot, None if version is None else self.zones_in_memory(version),
                      self.open_shelters(snapshot.mark.shelter_seq), lat, lon, shelters)

    def where_from_memory(self, lat: float, lon: float, shelters: int = 3) -> WhereAnswer | None:
        """The same answer as `where` when everything it needs is held and known current, else
        None: no statement and no lock, so an event loop may ask it (and a thread does the rest)."""
        check_coordinates(lat, lon)
        snapshot, zones, held = self.fresh(), self._zones, self._shelters
        if snapshot is None or held is None or held[0] < snapshot.mark.shelter_seq:
            return None
        version = snapshot.mark.zone_version
        if version is not None and (zones is None or zones.version != version):
            return None
        return _where(snapshot, None if version is None else zones, held[1], lat, lon, shelters)

    def open_shelters(self, seq: int) -> NearestIndex[Shelter]:
        """The open shelters as an index in memory, at least as new as the shelter mark `seq`:
        read again (whole, in one statement) only when the registry has changed since."""
        held = self._shelters
        if held is not None and held[0] >= seq:
            return held[1]
        with self._load_shelters:
            held = self._shelters
            if held is None or held[0] < seq:
                with self.database.unit_of_work(read_only=True) as uow:
                    at = uow.changes.current().shelter_seq  # read first: what follows is at least this new
                    found = uow.shelters.open_all()
                index = NearestIndex(found, [s.id or 0 for s in found], [s.lat for s in found], [s.lon for s in found])
                held = self._shelters = (at, index)
            return held[1]

    # -- zones -----------------------------------------------------------------------------

    def zone_version(self) -> int:
        version = self.snapshot().mark.zone_version
        if version is None:
            raise NoZones()
        return version

    def zones_in_memory(self, version: int) -> ZonesInMemory:
        """A zone-set version held in memory, read once (a stored version never changes)."""
        held = self._zones
        if held is not None and held.version == version:
            return held
        with self._load:
            if self._zones is None or self._zones.version != version:
                with self.database.unit_of_work() as uow:
                    zones = uow.zones.get(version)
                if zones is None:
                    raise NoZones()
                self._zones = ZonesInMemory(version, zones)
            return self._zones

    def fresh_zones(self) -> ZonesInMemory | None:
        """The active zone set when it is held and known current without a statement, else None."""
        snapshot, held = self.fresh(), self._zones
        if snapshot is None or held is None or held.version != snapshot.mark.zone_version:
            return None
        return held

    def active_zones(self) -> ZonesInMemory:
        return self.zones_in_memory(self.zone_version())

    def zones_geojson(self) -> tuple[int, dict]:
        """The active zone set as bands per side: one feature each, for a map's first look."""
        held = self.active_zones()
        return held.version, held.derived.get("zones", lambda: band_layer(held.version, held.zones))

    def areas_geojson(self, bbox: Sequence[float] | None = None, offset: int = 0,
                      limit: int = MAX_WINDOW_AREAS) -> tuple[int, dict]:
        """Alert areas of the active zone set, all of them or those meeting a lon/lat window
        (one that crosses the antimeridian, west > east, is searched as its two halves).

        A window is counted on the index before any feature is made: more than
        MAX_WINDOW_AREAS is refused. `offset`/`limit` page through what it holds, in build order.
        """
        held = self.active_zones()
        if bbox is None:
            return held.version, held.derived.get("areas", lambda: zones_to_geojson(held.zones))
        found = held.in_windows(check_bbox(bbox))
        if len(found) > MAX_WINDOW_AREAS:
            raise InputError(f"the window holds {len(found)} areas, more than {MAX_WINDOW_AREAS}; zoom in",
                             field="bbox")
        bands = {b.index: b for b in held.zones.bands}
        page = found[offset:offset + limit]
        layer = {"type": "FeatureCollection",
                 "features": [area_feature(held.zones.areas[i], bands[held.zones.areas[i].band]) for i in page]}
        if offset + limit < len(found):
            layer["next_offset"] = offset + limit
        return held.version, layer

    def shelters_in(self, bbox: Sequence[float]) -> list[Shelter]:
        """Shelters of the registry in a lon/lat window, for a map; a window holding more than
        MAX_WINDOW_SHELTERS is refused (zoom in) rather than sent whole."""
        found: dict[int | None, Shelter] = {}
        with self.database.unit_of_work(read_only=True) as uow:
            for window in check_bbox(bbox):
                for shelter in uow.shelters.within(*window):
                    found.setdefault(shelter.id, shelter)
        if len(found) > MAX_WINDOW_SHELTERS:
            raise InputError(f"the window holds more than {MAX_WINDOW_SHELTERS} shelters; zoom in", field="bbox")
        return list(found.values())

    def search_areas(self, text: str, limit: int = 20) -> list[AreaMatch]:
        """Alert areas of the active zone set whose name, or a settlement's in them, holds
        `text` (any case): whole names first, then names that start so, then the most populous."""
        wanted = " ".join(text.split()).casefold()
        if len(wanted) < 2:
            raise InputError("give at least two letters of a place name", field="q")
        held = self.active_zones()
        index = held.derived.get("search", lambda: search_index(held.zones))

        def rank(entry: tuple[AlertArea, tuple[str, ...], tuple[str, ...]]) -> tuple[int, int]:
            folded = entry[2]
            best = min(0 if n == wanted else 1 if n.startswith(wanted) else 2 for n in folded if wanted in n)
            return best, -entry[0].population

        found = sorted((e for e in index if any(wanted in n for n in e[2])), key=rank)[:limit]
        return [AreaMatch(area, next(n for n, f in zip(names, folded) if wanted in f))
                for area, names, folded in found]


def _where(snapshot: Snapshot, zones: ZonesInMemory | None, open_shelters: NearestIndex[Shelter],
           lat: float, lon: float, shelters: int) -> WhereAnswer:
    """The answer to "where am I?" from what is held in memory: the area, the alerts at the
    point (each in its own zone-set version) and the nearest open shelters."""
    nearby = [NearbyShelter(shelter, metres) for shelter, metres in
              open_shelters.nearest(lat, lon, shelters, NEAREST_MAX_KM)]
    point = shapely.Point(lon, lat)
    area = None if zones is None else zones.area_at(lat, lon, point)
    here = [AlertHere(alert, min(areas, key=lambda a: a.time_to_shelter_s))
            for alert, areas in snapshot.alerts_at(lat, lon, point)]
    return WhereAnswer(
        lat=lat, lon=lon, area=area,
        alerts=tuple(h for h in here if h.alert.status is Status.ACTUAL),
        drills=tuple(h for h in here if h.alert.status in rules.PRACTICE_STATUSES),
        shelters=shelter_options(lat, lon, None if zones is None else zones.version, area, nearby),
    )


def search_index(zones: ZoneSet) -> list[tuple[AlertArea, tuple[str, ...], tuple[str, ...]]]:
    """Each area with its own and its settlements' names, as written and case-folded."""
    entries = []
    for area in zones.areas:
        names = tuple(dict.fromkeys((area.name, *(s.name for s in area.settlements))))
        entries.append((area, names, tuple(n.casefold() for n in names)))
    return entries

def band_layer(version: int, zones: ZoneSet) -> dict:
    """One feature per side and band: the union of its areas."""
    features = []
    for side in zones.sides:
        for band in zones.bands:
            pieces = [a.geometry for a in zones.areas_of(side.code, band.index)]
            if not pieces:
                continue
            features.append({
                "type": "Feature",
                "id": f"{side.code}-{band.index}",
                "properties": {"side": side.code, "side_name": side.name, "band": band.index,
                               "band_label": band.label, "min_km": band.min_km, "max_km": band.max_km,
                               "time_to_shelter_s": band.time_to_shelter_s, "areas": len(pieces)},
                "geometry": geojson_geometry(shapely.union_all(pieces), keep_valid=True),
            })
    return {"type": "FeatureCollection", "features": features,
            "safezone": {"version": version, "border_name": zones.border_name,
                         "border": geojson_geometry(zones.border),  # drawn on the pages' base map
                         "sides": [{"code": s.code, "name": s.name} for s in zones.sides]}}


def feed_change(alert: AlertRecord, now: datetime) -> tuple[datetime, str | None]:
    """When an issued message last changed as of `now`, and how it ended if it is an alert that
    is no longer in force ("updated", "cancelled", "all-clear" or "expired")."""
    assert alert.issued_at is not None, "only issued messages are in a feed"
    if alert.kind not in (AlertKind.ALERT, AlertKind.UPDATE) or rules.in_force(alert, now):
        return alert.issued_at, None
    state = rules.effective_state(alert, now)
    if state is AlertState.EXPIRED:
        return alert.ended_at or alert.expires, state.value
    return alert.ended_at or alert.issued_at, state.value


def check_bbox(bbox: Sequence[float]) -> list[tuple[float, float, float, float]]:
    """A west,south,east,north window as lon/lat boxes: one, or two when it crosses the
    antimeridian (west > east, RFC 7946 §5.2)."""
    if len(bbox) != 4:
        raise InputError("bbox is min_lon,min_lat,max_lon,max_lat", field="bbox")
    west, south, east, north = (float(v) for v in bbox)
    check_coordinates(south, west)
    check_coordinates(north, east)
    if south > north:
        raise InputError("bbox: the southern latitude must not exceed the northern one", field="bbox")
    if west > east:
        return [(west, south, 180.0, north), (-180.0, south, east, north)]
    return [(west, south, east, north)]


def _areas_of(uow: UnitOfWork, alerts: Sequence[AlertRecord]) -> dict[int, dict[str, AlertArea]]:
    """The areas of all these alerts, per zone-set version and id: one read per version (50
    alerts read one by one took 100 statements), none for the version held in memory."""
    wanted: dict[int, dict[str, None]] = {}
    for alert in alerts:
        wanted.setdefault(alert.zone_version, {}).update(dict.fromkeys(alert.area_ids))
    return {version: {area.id: area for area in uow.areas.by_ids(version, list(ids))}
            for version, ids in wanted.items()}


def _records(snapshot: Snapshot | None) -> dict[int, AlertRecord]:
    """The alert records a snapshot was made of, by id (in force, or shown in a feed)."""
    if snapshot is None:
        return {}
    found = {i.alert.id: i.alert for i in snapshot.feed_items}
    found.update((p.alert.id, p.alert) for p in snapshot.alerts)
    return found  # type: ignore[return-value]


def _public(statuses: Iterable[Status]) -> list[Status]:
    wanted = [s for s in statuses if s in rules.PUBLIC_STATUSES]
    if not wanted:
        raise InputError("only Actual, Exercise and Test alerts are public", field="status")
    return wanted


def _is_published(alert: AlertRecord) -> bool:
    return alert.issued_at is not None and alert.status in rules.PUBLIC_STATUSES
