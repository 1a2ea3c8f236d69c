"""`safezone serve`: the web service on the embedded default (or any database).

With no arguments it listens on 127.0.0.1:8000 with ./safezone.db; if that database has no
active zone set yet, it first builds the default border's zones (a few seconds) and activates
them, so a fresh install answers "where am I?" at once.
"""

from __future__ import annotations

import logging

import click

from safezone.adapters.db.url import redacted
from safezone.bootstrap import Settings, assemble, ensure_zones
from safezone.entrypoints.cli.db import open_database
from safezone.entrypoints.cli.output import StepProgress, reports_bad_input, say


def banner(base: str, database: str) -> list[str]:
    """What a person starting the service needs, one item a line (so nothing wraps mid-item
    in an 80-column terminal); only a very long database address can pass 80 columns."""
    return [
        f"safezone is serving on {base}",
        f"  database      {database}",
        "  API docs      /docs  (schema /openapi.json)",
        "  alert feeds   /feeds/alerts.atom  (drills /feeds/exercises.atom)",
        "  health        /healthz  (ready /readyz)",
        "  operators     POST /api/operator/login  (accounts: safezone users --help)",
    ]

# Open live streams never end by themselves: on stop, wait this long, then close them (pages
# reconnect with Last-Event-ID to the next server).
GRACE_S = 3


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="SAFEZONE_HOST",
              help="Address to listen on ($SAFEZONE_HOST).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), envvar="SAFEZONE_PORT",
              help="Port to listen on ($SAFEZONE_PORT).")
@click.option("--db", "db_url", envvar="SAFEZONE_DB",
              help="Database: a file path (SQLite) or a postgresql:// URL. Default: $SAFEZONE_DB, else ./safezone.db.")
@click.option("--public-url", envvar="SAFEZONE_PUBLIC_URL", help="The service's public address, for links in CAP messages.")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADDRESS",
              help="A proxy (IP or network) whose X-Forwarded-For is believed; repeatable "
                   "($SAFEZONE_TRUSTED_PROXIES, comma-separated). Default: none.")
@click.option("--trusted-host", "trusted_hosts", multiple=True, metavar="HOST",
              help="A Host name this service answers for (*.example.org allowed); others get 400. "
                   "Repeatable ($SAFEZONE_TRUSTED_HOSTS, comma-separated). Default: any.")
@click.option("--no-default-zones", is_flag=True, help="Do not build the default border's zones when none are active.")
@click.option("--quiet", is_flag=True, help="No progress messages.")
@reports_bad_input
def serve(host: str, port: int, db_url: str | None, public_url: str | None, trusted_proxies: tuple[str, ...],
          trusted_hosts: tuple[str, ...], no_default_zones: bool, quiet: bool) -> None:
    """Run the web service: public API, operator API, OpenAPI at /openapi.json."""
    import uvicorn

    from safezone.entrypoints.web import create_app
    from safezone.entrypoints.web.jsonlog import json_logging

    settings = Settings.from_environ(db=db_url, public_url=public_url, trusted_proxies=trusted_proxies,
                                     trusted_hosts=trusted_hosts)
    progress = StepProgress(quiet)
    progress("Opening the database")
    container = assemble(settings, database=open_database(settings.db))
    if not no_default_zones:
        version = ensure_zones(container, progress)
        progress(f"Zone set {version} is active")
    app = create_app(container)
    for line in banner(f"http://{host}:{port}", redacted(container.database.url)):
        say(line)
    try:
        # proxy_headers off: uvicorn would believe X-Forwarded-For from loopback; ours (trusted
        # proxies only, see web.forwarded) decides instead.
        # Logs are JSON lines with the request id (web.jsonlog); our Observe middleware writes
        # the access line, so uvicorn's own is off.
        level = logging.WARNING if quiet else logging.INFO
        uvicorn.run(app, host=host, port=port, log_level=level, proxy_headers=False, access_log=False,
                    log_config=json_logging(level), timeout_graceful_shutdown=GRACE_S)
    finally:
        container.close()
