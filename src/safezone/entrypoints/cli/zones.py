"""`safezone zones build` and `safezone zones where`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from safezone.adapters.geodata import geonames, naturalearth
from safezone.adapters.geodata.border_sources import from_country_pair, from_files
from safezone.adapters.reports.zones_page import render_zones_page, seconds_label
from safezone.adapters.config.threats import load_threats
from safezone.adapters.geodata.zone_files import read_zones, summary_to_csv, summary_to_json, zones_to_geojson
from safezone.domain.areas import cell_size
from safezone.domain.errors import InputError
from safezone.domain.zones import BorderInput, SummaryRow, ZoneSet, summarise
from safezone.entrypoints.cli.db import open_database, with_database
from safezone.entrypoints.cli.output import StepProgress, reports_bad_input, say, show_table, write_atomically
from safezone.services.zones import DEFAULT_AREA_KM, build_zones, locate

DEFAULT_BORDER = "RUS-UKR"
DEFAULT_OUT = Path("out")
ZONES_FILE = "zones.geojson"


@click.group()
def zones() -> None:
    """Safety zones along a border: distance bands and alert areas."""


def _border_input(border: str | None, side: str, border_file: Path | None, territories: tuple[Path, ...]) -> BorderInput:
    if border_file is not None:
        if border:
            raise InputError("give either --border or --border-file, not both", field="border")
        return from_files(border_file, territories)
    if territories:
        raise InputError("--territory goes with --border-file", field="territory")
    return from_country_pair(border or DEFAULT_BORDER, side)


def load_or_build(border: BorderInput, threats_path: Path | None, area_km: float | None, progress: StepProgress) -> ZoneSet:
    config = load_threats(threats_path)
    settlements = geonames.load_settlements(progress)
    return build_zones(
        border,
        config.threats,
        settlements,
        area_km=area_km or config.area_km or DEFAULT_AREA_KM,
        band_edges_km=config.band_edges_km,
        progress=progress,
        place_names=geonames.load_place_names(progress),
    )


def print_summary(rows: list[SummaryRow], zones_: ZoneSet) -> None:
    names = {s.code: s.name for s in zones_.sides}
    lines = [(names.get(row.side, row.side), row.band_label, seconds_label(row.time_to_shelter_s), f"{row.areas:,}",
              f"{row.settlements:,}", f"{row.population:,}") for row in rows]
    lines.append(("all", "", "", f"{sum(r.areas for r in rows):,}", f"{sum(r.settlements for r in rows):,}",
                  f"{sum(r.population for r in rows):,}"))
    show_table(("side", "band", "time to shelter", "areas", "settlements", "population"), lines,
               title=f"Safety zones, {zones_.border_name} border",
               right=("time to shelter", "areas", "settlements", "population"))


def _active_zones(db_url: str | None) -> ZoneSet:
    with open_database(db_url, existing=True) as database, database.unit_of_work() as uow:
        active = uow.zones.active()
    if active is None:
        raise InputError("the database holds no active zone set; run `safezone zones build` first", field="db")
    return active


border_options = [
    click.option("--border", help=f"Two ISO 3166 alpha-3 codes, either order (default {DEFAULT_BORDER})."),
    click.option("--side", default="both", show_default=True, help="Protected side: one of the two codes, or both."),
    click.option("--border-file", type=click.Path(path_type=Path), help="A GeoJSON/GeoPackage line to use as the border."),
    click.option(
        "--territory",
        "territories",
        multiple=True,
        type=click.Path(path_type=Path),
        help="With --border-file: a polygon file of a protected side (repeat for each side).",
    ),
    click.option("--threats", type=click.Path(path_type=Path), help="Threat classes (TOML); default: the shipped file."),
    click.option("--area-km", type=float, help="Alert areas are about this many km across."),
]


def with_border_options(command):
    for option in reversed(border_options):
        command = option(command)
    return command


@zones.command()
@with_border_options
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True, help="Folder for the outputs.")
@click.option("--activate/--no-activate", default=True, show_default=True, help="Make this build the active zone set.")
@click.option("--quiet", is_flag=True, help="No progress messages.")
@with_database
@reports_bad_input
def build(border, side, border_file, territories, threats, area_km, out: Path, activate: bool, quiet: bool, db_url) -> None:
    """Build the zones, store them as a new zone-set version in the database and write
    zones.geojson, summary.json, summary.csv and map.html."""
    if area_km is not None and not 0.5 <= area_km <= 100:
        raise InputError(f"--area-km must be between 0.5 and 100 km, not {area_km:g}", field="area-km")
    progress = StepProgress(quiet)
    progress("Reading the border")
    border_input = _border_input(border, side, border_file, territories)
    zones_ = load_or_build(border_input, threats, area_km, progress)
    rows = summarise(zones_)
    progress("Writing outputs")
    sources = [naturalearth.SOURCE if border_file is None else f"border file {border_file}", geonames.SOURCE]
    files = {
        ZONES_FILE: json.dumps(zones_to_geojson(zones_), ensure_ascii=False),
        "summary.json": json.dumps(summary_to_json(rows, zones_), ensure_ascii=False, indent=2),
        "summary.csv": summary_to_csv(rows),
        "map.html": render_zones_page(zones_, rows, sources),
    }
    progress("Storing the zone set")
    with open_database(db_url) as database, database.unit_of_work() as uow:
        version = uow.zones.add(zones_, activate=activate)
        for name, text in files.items():
            write_atomically(out / name, text)
        uow.commit()
    print_summary(rows, zones_)
    size = cell_size(zones_.parameters["area_km"]).text
    say(size[0].upper() + size[1:] + ".")
    say(f"Stored as zone set version {version}{' (active)' if activate else ''}.")
    say(f"Wrote {', '.join(str(out / n) for n in files)}")


@zones.command()
@click.argument("lat", type=float)
@click.argument("lon", type=float)
@click.option(
    "--zones",
    "zones_file",
    type=click.Path(path_type=Path),
    help="A zones.geojson written by `zones build` (default: the database's active zone set).",
)
@click.option("--json", "as_json", is_flag=True, help="Answer as JSON.")
@with_database
@reports_bad_input
def where(lat: float, lon: float, zones_file: Path | None, as_json: bool, db_url) -> None:
    """Which side, area and band a point is in, its distance to the border and time to shelter."""
    zones_ = read_zones(zones_file) if zones_file else _active_zones(db_url)
    place = locate(zones_, lat, lon)
    answer = {
        "lat": lat,
        "lon": lon,
        "distance_km": round(place.distance_km, 2),
        "inside": place.inside,
    }
    if place.area:
        answer.update(
            side=place.area.side,
            area_id=place.area.id,
            area_name=place.area.name,
            band=zones_.bands[place.area.band].label,
            time_to_shelter_s=place.area.time_to_shelter_s,
        )
    if as_json:
        say(json.dumps(answer, ensure_ascii=False))
        return
    if not place.area:
        say(f"Outside every zone ({place.distance_km:.1f} km from the {zones_.border_name} border).")
        return
    names = {s.code: s.name for s in zones_.sides}
    say(
        f"Side: {names.get(place.area.side, place.area.side)}\n"
        f"Area: {place.area.name} ({place.area.id})\n"
        f"Band: {zones_.bands[place.area.band].label}\n"
        f"Distance to the border: {place.distance_km:.1f} km\n"
        f"Time to shelter: {seconds_label(place.area.time_to_shelter_s)}"
    )
