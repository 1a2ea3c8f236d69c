"""`safezone shelters import FILE` and `safezone shelters nearest LAT LON`."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from safezone.adapters.shelter_sources import FORMATS
from safezone.domain.errors import InputError
from safezone.domain.shelters import DEFAULT_DETOUR_FACTOR, DEFAULT_WALKING_SPEED_M_S, ImportRefused, WalkingModel
from safezone.entrypoints.cli.db import open_database, with_database
from rich.text import Text

from safezone.entrypoints.cli.output import EXIT_BAD_INPUT, fail, reports_bad_input, say, show_table
from safezone.services.shelters import NearestAnswer, import_shelters, nearest_shelters

# Problems printed before "... and N more": the whole list is in the import run record.
SHOWN_PROBLEMS = 50


@click.group()
def shelters() -> None:
    """The shelter registry: import shelters, find the nearest one."""


def _print_problems(problems: list[InputError], heading: str) -> None:
    say(heading, err=True)
    for problem in problems[:SHOWN_PROBLEMS]:
        say(f"  {problem}", err=True)
    if len(problems) > SHOWN_PROBLEMS:
        say(f"  ... and {len(problems) - SHOWN_PROBLEMS} more", err=True)


@shelters.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "format_", type=click.Choice(FORMATS), help="Default: from the file name.")
@click.option("--source", help="Name of the source; re-importing the same source updates it. Default: the file name.")
@click.option("--skip-bad", is_flag=True, help="Import the good rows of a file that has bad ones.")
@click.option("--replace", is_flag=True,
              help="The file is the whole source: withdraw the source's shelters it no longer lists "
                   "(never one named by a bad row).")
@click.option("--encoding", default="utf-8", show_default=True, help="Text encoding of a CSV or GeoJSON file.")
@with_database
@reports_bad_input
def import_(file: str, format_: str | None, source: str | None, skip_bad: bool, replace: bool, encoding: str,
            db_url: str | None) -> None:
    """Import shelters from a CSV, GeoJSON or OpenStreetMap .osm.pbf FILE, in one transaction."""
    with open_database(db_url) as database:
        try:
            outcome = import_shelters(database, file, format=format_, source=source, skip_bad=skip_bad,
                                      replace=replace, encoding=encoding)
        except ImportRefused as refused:
            if refused.problems:
                _print_problems(refused.problems, f"{file}: bad rows")
            fail(str(refused))
            sys.exit(EXIT_BAD_INPUT)
    run = outcome.run
    if outcome.skipped:
        _print_problems(outcome.skipped, f"{file}: bad rows skipped (--skip-bad)")
    if outcome.ignored_columns:
        say(f"note: columns ignored: {', '.join(outcome.ignored_columns)}", err=True)
    say(
        f"{run.file}: {run.inserted} new, {run.updated} updated, {run.unchanged} unchanged"
        + (f", {run.removed} removed (withdrawn)" if replace else "")
        + f" shelter(s) from source {run.source!r}"
        + (f", {run.bad_rows} bad row(s) skipped" if run.bad_rows else "")
        + f" (import run {run.id})",
    )


def walking_options(command):
    """Add --walking-speed and --detour-factor (shared with `safezone report`)."""
    command = click.option("--detour-factor", type=float, default=DEFAULT_DETOUR_FACTOR, show_default=True,
                           help="Street distance ÷ straight-line distance.")(command)
    return click.option("--walking-speed", type=float, default=DEFAULT_WALKING_SPEED_M_S, show_default=True,
                        help="Walking speed in m/s (planning value for the slowest residents).")(command)


@shelters.command(context_settings={"ignore_unknown_options": True})
@click.argument("lat", type=float)
@click.argument("lon", type=float)
@click.option("--limit", type=click.IntRange(1, 100), default=5, show_default=True)
@walking_options
@click.option("--json", "as_json", is_flag=True, help="Answer as JSON.")
@with_database
@reports_bad_input
def nearest(lat: float, lon: float, limit: int, walking_speed: float, detour_factor: float, as_json: bool, db_url: str | None) -> None:
    """The nearest shelters to LAT LON, the walk to each, and whether it beats the warning."""
    walking = WalkingModel(walking_speed, detour_factor)
    with open_database(db_url, existing=True) as database:
        answer = nearest_shelters(database, lat, lon, limit=limit, walking=walking)
    if as_json:
        say(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        _print_answer(answer)


def answer_json(answer: NearestAnswer) -> dict:
    """The answer as plain JSON values (the web service can return the same)."""
    area = answer.area
    return {
        "lat": answer.lat,
        "lon": answer.lon,
        "zone_set_version": answer.zone_set_version,
        "area": None if area is None else {"id": area.id, "name": area.name, "side": area.side, "band": area.band,
                                            "time_to_shelter_s": area.time_to_shelter_s},
        "walking": asdict(answer.walking),
        "shelters": [
            {
                **{k: v for k, v in asdict(o.nearby.shelter).items() if k != "last_verified"},
                "last_verified": o.nearby.shelter.last_verified.isoformat() if o.nearby.shelter.last_verified else None,
                "geodesic_m": round(o.nearby.geodesic_m, 1),
                "walking_m": round(o.walking_m, 1),
                "walking_s": round(o.walking_s, 1),
                "in_time": o.in_time,
            }
            for o in answer.options
        ],
    }


def _print_answer(answer: NearestAnswer) -> None:
    if answer.zone_set_version is None:
        say("No active zone set in the database, so no time to shelter to compare with "
            "(build zones into it with --db, then `safezone db activate`).")
    elif answer.area is None:
        say(f"{answer.lat}, {answer.lon} is in no alert area of zone set {answer.zone_set_version}.")
    else:
        area = answer.area
        say(f"{answer.lat}, {answer.lon} is in alert area {area.name} ({area.id}, side {area.side}, "
            f"band {area.band}): time to shelter {area.time_to_shelter_s} s.")
    if not answer.options:
        say("No shelter in the registry within 50 km.")
        return
    verdicts = {True: Text("yes", style="green"), False: Text("no", style="red"), None: Text("?")}
    rows = [(o.nearby.shelter.name, o.nearby.shelter.kind,
             "?" if o.nearby.shelter.capacity is None else f"{o.nearby.shelter.capacity:,}",
             {True: "yes", False: "no", None: "?"}[o.nearby.shelter.accessible],
             _distance(o.walking_m), _duration(o.walking_s), verdicts[o.in_time]) for o in answer.options]
    show_table(("shelter", "kind", "capacity", "step-free", "walk", "time", "in time?"), rows,
               caption=f"walking {answer.walking.speed_m_s:g} m/s, detour factor {answer.walking.detour_factor:g} "
                       "× straight-line distance", right=("capacity", "walk", "time"))


def _distance(metres: float) -> str:
    return f"{metres:,.0f} m" if metres < 1000 else f"{metres / 1000:,.1f} km"


def _duration(seconds: float) -> str:
    """Seconds while they matter against a warning; minutes beyond."""
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"
