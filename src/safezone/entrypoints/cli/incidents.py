"""`safezone incidents add|import|list|assess`: the incident log from the command line (run on
the server, so audited as the command line, like `safezone users`)."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click
import shapely
from shapely.geometry import Point

from safezone.adapters.incident_sources import incident_from
from safezone.domain.errors import InputError
from safezone.domain.incidents import Confidence, IncidentKind
from safezone.entrypoints.cli.db import open_database, with_database
from safezone.entrypoints.cli.output import EXIT_BAD_INPUT, fail, reports_bad_input, say
from safezone.entrypoints.cli.shelters import _print_problems
from safezone.entrypoints.web.history import moment
from safezone.services import incidents as service


@click.group()
def incidents() -> None:
    """The incident log: record incidents, list them, assess them against the alerts."""


def _summary(recorded: service.Recorded) -> str:
    counts: dict[str, int] = {}
    for a in recorded.assessments:
        counts[a.verdict.value] = counts.get(a.verdict.value, 0) + 1
    verdicts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "none"
    return f"{len(recorded.ids)} incident(s) recorded; {verdicts}"


@incidents.command("add")
@click.option("--time", "time_", required=True, help="ISO 8601 with a zone, e.g. 2026-11-27T12:00:00Z.")
@click.option("--lat", type=float)
@click.option("--lon", type=float)
@click.option("--wkt", help="The place as WKT (a POINT or POLYGON), instead of --lat/--lon.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in IncidentKind]))
@click.option("--confidence", required=True, type=click.Choice([c.value for c in Confidence]))
@click.option("--source", required=True, help="Where the report came from.")
@click.option("--note", default="", help="Free text.")
@with_database
@reports_bad_input
def add(time_: str, lat: float | None, lon: float | None, wkt: str | None, kind: str, confidence: str, source: str,
        note: str, db_url: str | None) -> None:
    """Record one incident; it is assessed at once."""
    if wkt:
        try:
            place = shapely.from_wkt(wkt)
        except shapely.errors.ShapelyError:
            raise InputError(f"{wkt[:40]!r} is not WKT (e.g. POINT (30.1 50.2))", field="--wkt") from None
    elif lat is not None and lon is not None:
        place = Point(lon, lat)
    else:
        raise InputError("give --lat and --lon, or --wkt", field="--lat")
    now = datetime.now(timezone.utc)
    incident = incident_from({"time": time_, "kind": kind, "confidence": confidence, "source": source, "note": note},
                             place, now)
    with open_database(db_url) as database:
        recorded = service.record_incidents(database, [incident], None, now)
    a = recorded.assessments[0]
    say(f"incident {recorded.ids[0]}: {a.verdict.value}"
        + (f", lead time {a.lead_time_s:.0f} s" if a.lead_time_s is not None else "")
        + (f", time to shelter {a.time_to_shelter_s} s" if a.time_to_shelter_s is not None else ""))


@incidents.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(["csv", "geojson"]), help="Default: from the file name.")
@click.option("--skip-bad", is_flag=True, help="Import the good rows of a file that has bad ones.")
@click.option("--encoding", default="utf-8", show_default=True)
@with_database
@reports_bad_input
def import_(file: str, format_: str | None, skip_bad: bool, encoding: str, db_url: str | None) -> None:
    """Import incidents from a CSV or GeoJSON FILE, in one transaction: all, or nothing."""
    now = datetime.now(timezone.utc)
    with open_database(db_url) as database:
        try:
            recorded = service.import_incidents(database, file, None, now, format=format_, skip_bad=skip_bad,
                                                encoding=encoding)
        except service.RejectedIncidents as refused:
            _print_problems(refused.problems, f"{file}: bad rows")
            fail(str(refused))
            sys.exit(EXIT_BAD_INPUT)
    if recorded.skipped:
        _print_problems(recorded.skipped, f"{file}: bad rows skipped (--skip-bad)")
    say(f"{file}: {_summary(recorded)}")


@incidents.command("list")
@click.option("--from", "from_", help="ISO 8601 date or time (UTC without a zone).")
@click.option("--to", help="ISO 8601 date or time.")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=1000, show_default=True)
@with_database
@reports_bad_input
def list_(from_: str | None, to: str | None, limit: int, db_url: str | None) -> None:
    """Incidents with their verdicts, oldest first, as JSON lines."""
    with open_database(db_url, existing=True) as database:
        found = service.listed(database, moment(from_, "--from"), moment(to, "--to"), limit)
    for incident, verdict in found:
        say(json.dumps({"id": incident.id, "time": incident.occurred_at.isoformat(), "kind": incident.kind.value,
                        "confidence": incident.confidence.value, "source": incident.source,
                        "place": incident.place.wkt, "assessment": verdict}, ensure_ascii=False))


@incidents.command("assess")
@with_database
@reports_bad_input
def assess(db_url: str | None) -> None:
    """Assess every incident again against the Actual alerts in force at its place and time."""
    with open_database(db_url) as database:
        assessments = service.assess_all(database, None, datetime.now(timezone.utc))
    counts: dict[str, int] = {}
    for a in assessments:
        counts[a.verdict.value] = counts.get(a.verdict.value, 0) + 1
    say(f"{len(assessments)} incident(s) assessed: "
        + (", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "none"))
