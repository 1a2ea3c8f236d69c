"""`safezone effectiveness --from --to --out DIR`: the warning-effectiveness report as HTML,
JSON and CSV."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from safezone.adapters.reports.effectiveness_page import render_effectiveness_page
from safezone.adapters.reports.effectiveness_tables import report_csv, report_json
from safezone.entrypoints.cli.db import open_database, with_database
from safezone.entrypoints.cli.output import reports_bad_input, say, write_atomically
from safezone.entrypoints.web.history import moment
from safezone.services.effectiveness import effectiveness as build


@click.command()
@click.option("--from", "from_", help="ISO 8601 date or time (UTC without a zone); default: 7 days before --to.")
@click.option("--to", help="ISO 8601 date or time; default: now.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"), show_default=True,
              help="Folder for effectiveness.html, .json and .csv.")
@with_database
@reports_bad_input
def effectiveness(from_: str | None, to: str | None, out: Path, db_url: str | None) -> None:
    """How well warnings covered the incidents of a period: per band, area and week, with a map."""
    with open_database(db_url, existing=True) as database:
        report = build(database, moment(from_, "--from"), moment(to, "--to"), lambda: datetime.now(timezone.utc))
    write_atomically(out / "effectiveness.json", json.dumps(report_json(report), ensure_ascii=False, indent=1))
    (out / "effectiveness.csv").write_bytes(report_csv(report))
    write_atomically(out / "effectiveness.html", render_effectiveness_page(report))
    share = report.total.share("warned in time")
    say(f"{report.total.total:,} incident(s), {'–' if share is None else f'{share * 100:.0f} %'} warned in "
        f"time; report in {out}/effectiveness.html, .json, .csv")
