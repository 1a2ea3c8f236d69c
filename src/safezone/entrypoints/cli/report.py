"""`safezone report`: the exposure report of the active zone set, as HTML, JSON and CSV."""

from __future__ import annotations

import json
from pathlib import Path

import click

from safezone.adapters.config.threats import load_threats
from safezone.adapters.reports.exposure_page import render_exposure_page
from safezone.adapters.reports.exposure_tables import report_csv, report_json
from safezone.domain.shelters import WalkingModel
from safezone.entrypoints.cli.db import ZONE_SET_VERSION, open_database, with_database
from safezone.entrypoints.cli.output import reports_bad_input, say, write_atomically
from safezone.entrypoints.cli.shelters import walking_options
from safezone.services.exposure import exposure_report


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Folder for exposure.html, exposure.json and exposure.csv.")
@click.option("--version", "version", type=ZONE_SET_VERSION, help="Zone-set version (default: the active one).")
@click.option("--threats", type=click.Path(path_type=Path), envvar="SAFEZONE_THREATS",
              help="Threat classes (TOML) with each early warning's lead time; default: the shipped file.")
@click.option("--lead-time", "lead_time", type=click.IntRange(0, 3600), default=None,
              help="Seconds an early warning comes before the alarm, for every class (overrides the "
                   "threat-class file's early_warning_lead_s).")
@walking_options
@with_database
@reports_bad_input
def report(out: Path, version: int | None, threats: Path | None, lead_time: int | None, walking_speed: float, detour_factor: float,
           db_url: str | None) -> None:
    """Who can reach a shelter in time: per alert area, band and side, with a map and charts."""
    config = load_threats(threats)
    with open_database(db_url, existing=True) as database:
        result = exposure_report(database, WalkingModel(walking_speed, detour_factor), version, lead_time, config)
    write_atomically(out / "exposure.json", json.dumps(report_json(result), ensure_ascii=False, indent=1))
    write_atomically(out / "exposure.csv", report_csv(result))
    write_atomically(out / "exposure.html", render_exposure_page(result))
    total = result.total
    say(f"{total.reachable_population:,} of {total.population:,} people can reach a shelter in time "
        f"({(total.coverage or 0) * 100:.0f} %); report in {out}/exposure.html, .json, .csv")
