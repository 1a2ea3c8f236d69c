"""`safezone serve`: the web service on the embedded default (or any database).

With no arguments it listens on 127.0.0.1:8000 with ./safezone.db; if that database has no
active zone set yet, it first builds the default border's zones (a few seconds) and activates
them, so a fresh install answers "where am I?" at once.
"""

from __future__ import annotations

import logging
import os

import click
from sqlalchemy.engine import make_url

from safezone.adapters.db.url import redacted, resolve_url
from safezone.bootstrap import Settings, assemble, ensure_zones
from safezone.entrypoints.cli.db import open_database
from safezone.entrypoints.cli.output import StepProgress, reports_bad_input, say
from safezone.domain.errors import InputError


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
FACTORY = "safezone.entrypoints.web.factory:from_environ"
# uvicorn kills a worker that does not answer its supervisor's ping within this time, and starts
# another. Its default (5 s) is shorter than a worker's start (imports, database, zones) on a busy
# machine: measured under load, every new worker was killed before it served, and a busy one
# too, for minutes (benchmarks/faults.py). A hung worker is still replaced, 30 s later.
WORKER_HEALTHCHECK_S = 30


def check_workers(workers: int, db_url: str | None) -> None:
    """Several processes need a database made for them: refuse them on SQLite, clearly."""
    if workers > 1 and make_url(resolve_url(db_url)).get_backend_name() == "sqlite":
        raise InputError(f"--workers {workers} needs PostgreSQL (--db postgresql://…): the embedded SQLite "
                         "default is served by one process", field="--workers")


def hand_over(settings: Settings) -> None:
    """What the command line said, put where each worker process reads its settings from."""
    given = {"SAFEZONE_DB": settings.db, "SAFEZONE_PUBLIC_URL": settings.public_url,
             "SAFEZONE_TRUSTED_PROXIES": ",".join(settings.trusted_proxies),
             "SAFEZONE_TRUSTED_HOSTS": ",".join(settings.trusted_hosts)}
    os.environ.update({name: value for name, value in given.items() if value})


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
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), envvar="SAFEZONE_WORKERS",
              help="Worker processes on the one port ($SAFEZONE_WORKERS); more than 1 needs PostgreSQL, "
                   "and SAFEZONE_REDIS_URL to share rate limits and live events among them.")
@click.option("--no-default-zones", is_flag=True, help="Do not build the default border's zones when none are active.")
@click.option("--quiet", is_flag=True, help="No progress messages.")
@reports_bad_input
def serve(host: str, port: int, db_url: str | None, public_url: str | None, trusted_proxies: tuple[str, ...],
          trusted_hosts: tuple[str, ...], workers: int, no_default_zones: bool, quiet: bool) -> None:
    """Run the web service: public API, operator API, OpenAPI at /openapi.json."""
    import uvicorn

    from safezone.entrypoints.web import create_app
    from safezone.entrypoints.web.jsonlog import json_logging
    from safezone.entrypoints.web.metrics import shared_between_workers

    settings = Settings.from_environ(db=db_url, public_url=public_url, trusted_proxies=trusted_proxies,
                                     trusted_hosts=trusted_hosts)
    check_workers(workers, settings.db)
    progress = StepProgress(quiet)
    progress("Opening the database")
    container = assemble(settings, database=open_database(settings.db))
    if not no_default_zones:
        version = ensure_zones(container, progress)
        progress(f"Zone set {version} is active")
    for line in banner(f"http://{host}:{port}", redacted(container.database.url)):
        say(line)
    if workers > 1:
        say(f"  workers       {workers} processes")
    # proxy_headers off: uvicorn would believe X-Forwarded-For from loopback; ours (trusted
    # proxies only, see web.forwarded) decides instead.
    # Logs are JSON lines with the request id (web.jsonlog); our Observe middleware writes
    # the access line, so uvicorn's own is off.
    level = logging.WARNING if quiet else logging.INFO
    options = dict(host=host, port=port, log_level=level, proxy_headers=False, access_log=False,
                   log_config=json_logging(level), timeout_graceful_shutdown=GRACE_S)
    if workers > 1:
        # Each worker process assembles its own container from the environment (web.factory);
        # this one has migrated the database and built the zones, and only supervises them.
        # Their request counters go to one folder, so /metrics on any of them reports all.
        container.close()
        hand_over(settings)
        with shared_between_workers():
            uvicorn.run(FACTORY, factory=True, workers=workers, timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
                        **options)
        return
    app = create_app(container)
    try:
        uvicorn.run(app, **options)
    finally:
        container.close()
