"""Use cases of the shelter registry: import a file, find the nearest shelters to a point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Sequence

from safezone.adapters.db import Database, NearbyShelter, UnitOfWork
from safezone.adapters.shelter_sources import DEFAULT_MAX_BYTES, SourceRows, read_shelters
from safezone.domain.errors import InputError
from safezone.domain.shelters import ImportRun, RejectedImport, ReplaceRefused, WalkingModel, check_coordinates
from safezone.domain.zones import AlertArea


@dataclass(frozen=True)
class ImportOutcome:
    run: ImportRun
    skipped: list[InputError]
    ignored_columns: tuple[str, ...]


def import_shelters(
    database: Database,
    path: str,
    *,
    format: str | None = None,
    source: str | None = None,
    skip_bad: bool = False,
    replace: bool = False,
    encoding: str = "utf-8",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportOutcome:
    """Import a file in one transaction: all of it, or (with `skip_bad`) its good rows alone.

    A file with bad rows and no `skip_bad` writes no shelter; the attempt is still recorded as
    a rejected import run, so the registry's history shows it.

    With `replace` the file is the whole source: its active shelters the file does not list
    are withdrawn by this run (kept as history, out of every answer), in the same transaction.
    A shelter named by a bad row skipped with `skip_bad` is left as it was, never withdrawn;
    see ReplaceRefused for the files refused instead.
    """
    started = datetime.now(timezone.utc)
    try:
        rows = read_shelters(path, format=format, source=source, encoding=encoding, max_bytes=max_bytes)
    except InputError as unreadable:
        _record_rejection(database, path, format or "?", source or "?", started, [unreadable], 0)
        raise
    if rows.problems and not skip_bad:
        _record_rejection(database, path, rows.format, rows.source, started, rows.problems, rows.rows_read)
        raise RejectedImport(path, rows.problems, len(rows.shelters))
    if replace:
        _check_replace(database, rows, started)
    with database.unit_of_work() as uow:
        run = apply_import(uow, rows, started, replace=replace)
        uow.commit()
    return ImportOutcome(run=run, skipped=list(rows.problems), ignored_columns=rows.ignored_columns)


def apply_import(uow: UnitOfWork, rows: SourceRows, started: datetime, *, replace: bool = False) -> ImportRun:
    """Write a checked file's shelters (and, with `replace`, withdraw the source's others)
    inside the caller's unit of work; the run, with its counts.

    One import of a source at a time: two at once would each withdraw only what it saw, and a
    `--replace` could leave both files' shelters active; the second waits for the first.
    """
    uow.shelters.lock_source(rows.source)
    run_id = uow.imports.add(_run(rows, started, "applied"))
    upserted = uow.shelters.upsert(rows.shelters, import_run=run_id)
    counts = {"inserted": upserted.inserted, "updated": upserted.updated, "unchanged": upserted.unchanged,
              "removed": 0}
    if replace:
        keep = {s.source_id for s in rows.shelters} | rows.bad_ids
        counts["removed"] = uow.shelters.withdraw_absent(rows.source, keep, run_id)
    uow.imports.set_counts(run_id, **counts)
    return _run(rows, started, "applied", **counts, id=run_id)


def _check_replace(database: Database, rows: SourceRows, started: datetime) -> None:
    """Refuse (and record) a replacing import that could withdraw a shelter by mistake."""
    if rows.unmatched:
        refusal = ReplaceRefused(
            f"{len(rows.unmatched)} bad row(s) name no shelter we can recognise (no readable id or position), "
            "so --replace cannot tell which shelters they stand for and would withdraw them; nothing was "
            "imported. Fix those rows, or import without --replace",
            rows.file,
            rows.unmatched,
        )
    elif not rows.shelters:
        refusal = ReplaceRefused(
            f"the file lists no shelter, so --replace would withdraw every shelter of source {rows.source!r}; "
            "nothing was imported",
            rows.file,
            [],
        )
    else:
        return
    _record_rejection(database, rows.file, rows.format, rows.source, started, rows.problems or [refusal], rows.rows_read)
    raise refusal


def _run(rows: SourceRows, started: datetime, status: str, **counts: int) -> ImportRun:
    return ImportRun(
        source=rows.source,
        file=rows.file,
        format=rows.format,
        started_at=started,
        finished_at=datetime.now(timezone.utc),
        status=status,
        rows_read=rows.rows_read,
        inserted=counts.get("inserted", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
        removed=counts.get("removed", 0),
        bad_rows=len(rows.problems),
        problems=tuple(str(p) for p in rows.problems),
        id=counts.get("id"),
    )


def _record_rejection(
    database: Database, path: str, format: str, source: str, started: datetime, problems: list[InputError], rows_read: int
) -> None:
    rows = SourceRows(file=path, format=format, source=source, problems=problems, rows_read=rows_read)
    with database.unit_of_work() as uow:
        uow.imports.add(_run(rows, started, "rejected"))
        uow.commit()


@dataclass(frozen=True)
class ShelterOption:
    """One nearby shelter, with the walk to it and whether it beats the warning."""

    nearby: NearbyShelter
    walking_m: float
    walking_s: float
    in_time: bool | None  # None when the point is in no alert area: no time to compare with


@dataclass(frozen=True)
class NearestAnswer:
    lat: float
    lon: float
    zone_set_version: int | None  # None: no active zone set in the database
    area: AlertArea | None
    options: list[ShelterOption]
    walking: WalkingModel


def nearest_shelters(
    database: Database,
    lat: float,
    lon: float,
    *,
    limit: int = 5,
    max_km: float = 50.0,
    walking: WalkingModel = WalkingModel(),
) -> NearestAnswer:
    """The nearest shelters to a point and whether each is reachable within its time to shelter."""
    check_coordinates(lat, lon)
    with database.unit_of_work(read_only=True) as uow:
        version = uow.zones.active_version()
        area = uow.zones.area_at(lat, lon, version) if version is not None else None
        nearby = uow.shelters.nearest(lat, lon, limit=limit, max_km=max_km)
    return shelter_options(lat, lon, version, area, nearby, walking)


def shelter_options(lat: float, lon: float, version: int | None, area: AlertArea | None,
                    nearby: Sequence[NearbyShelter], walking: WalkingModel = WalkingModel()) -> NearestAnswer:
    """Shelters found near a point, each with its walk and whether it is reached within the
    area's time to shelter (None outside every area): for callers that found area and shelters
    their own way (the public side keeps the area index in memory)."""
    options = []
    for item in nearby:
        walk_s = walking.walking_s(item.geodesic_m)
        in_time = None if area is None else walk_s <= area.time_to_shelter_s
        options.append(ShelterOption(item, walking.walking_m(item.geodesic_m), walk_s, in_time))
    return NearestAnswer(lat, lon, version, area, options, walking)


def close_shelter(uow: UnitOfWork, shelter_id: int, by: str, at: datetime) -> bool:
    """Close a shelter in the caller's unit of work (an operator's decision, e.g. on a
    resident's report): it leaves "nearest shelters" and the map, and stays in the registry as
    history; an import of its source does not reopen it. Whether it was open until now."""
    return uow.shelters.close(shelter_id, at, by)
