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
from safezone.entrypoints.cli.operator_process import (PUBLIC_NICE, OperatorProcess, check_operator_port,
                                                      server_options)
from safezone.entrypoints.cli.output import StepProgress, reports_bad_input, say
from safezone.entrypoints.cli.worker_supervision import deaths_seen_at_once
from safezone.domain.errors import InputError


def banner(base: str, database: str, operators: str | None = None) -> list[str]:
    """What a person starting the service needs, one item a line (so nothing wraps mid-item
    in an 80-column terminal); only a very long database address can pass 80 columns."""
    return [
        f"safezone is serving on {base}",
        f"  database      {database}",
        "  API docs      /docs  (schema /openapi.json)",
        "  alert feeds   /feeds/alerts.atom  (drills /feeds/exercises.atom)",
        "  health        /healthz  (ready /readyz)",
        *([f"  operators     {operators}  (own process, with /console)"] if operators else []),
        "  operators     POST /api/operator/login  (accounts: safezone users --help)",
    ]


FACTORY = "safezone.entrypoints.web.factory:from_environ"
# uvicorn kills a worker that does not answer its supervisor's ping within this time, and starts
# another. With its default (5 s), under load, every new worker was killed before it served, and
# a busy one too, for minutes (benchmarks/faults.py): a new worker answered only once it had
# imported every command (spawn runs the `safezone` script again first; it now imports commands
# when they run, see entrypoints/cli/__init__.py). A hung worker is still replaced, 30 s later;
# a dead one at uvicorn's next look, within 0.5 s, also when uvicorn was waiting for its answer
# to a ping as it died (see worker_supervision: otherwise that took the whole 30 s).
WORKER_HEALTHCHECK_S = 30


def check_workers(workers: int, db_url: str | None) -> None:
    """Several processes need a database made for them: refuse them on SQLite, clearly."""
    if workers > 1 and make_url(resolve_url(db_url)).get_backend_name() == "sqlite":
        raise InputError(f"--workers {workers} needs PostgreSQL (--db postgresql://…): the embedded SQLite "
                         "default is served by one process", field="--workers")


def hand_over(settings: Settings, operator_port: int | None = None) -> None:
    """What the command line said, put where each worker process reads its settings from
    (an operator port tells the public workers to leave the operator side to its process)."""
    given = {"SAFEZONE_DB": settings.db, "SAFEZONE_PUBLIC_URL": settings.public_url,
             "SAFEZONE_TRUSTED_PROXIES": ",".join(settings.trusted_proxies),
             "SAFEZONE_TRUSTED_HOSTS": ",".join(settings.trusted_hosts),
             "SAFEZONE_OPERATOR_PORT": str(operator_port or "")}
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
@click.option("--operator-port", type=click.IntRange(1, 65535), envvar="SAFEZONE_OPERATOR_PORT",
              help="Serve operators (/api/operator/*, /console) in a process of their own on this port "
                   "($SAFEZONE_OPERATOR_PORT); the public port then refuses them. Default: one port for both.")
@click.option("--operator-host", default="127.0.0.1", show_default=True, envvar="SAFEZONE_OPERATOR_HOST",
              help="Address the operator listener listens on ($SAFEZONE_OPERATOR_HOST).")
@click.option("--public-nice", default=PUBLIC_NICE, show_default=True, type=click.IntRange(0, 19),
              envvar="SAFEZONE_PUBLIC_NICE",
              help="With --operator-port: added to the public process's niceness, so the operator process "
                   "gets the CPU first ($SAFEZONE_PUBLIC_NICE; 0: the same priority).")
@click.option("--no-default-zones", is_flag=True, help="Do not build the default border's zones when none are active.")
@click.option("--quiet", is_flag=True, help="No progress messages.")
@reports_bad_input
def serve(host: str, port: int, db_url: str | None, public_url: str | None, trusted_proxies: tuple[str, ...],
          trusted_hosts: tuple[str, ...], workers: int, operator_port: int | None, operator_host: str,
          public_nice: int, no_default_zones: bool, quiet: bool) -> None:
    """Run the web service: public API, operator API, OpenAPI at /openapi.json."""
    import uvicorn

    from safezone.entrypoints.web import create_app
    from safezone.entrypoints.web.listeners import BOTH, PUBLIC
    from safezone.entrypoints.web.metrics import shared_between_workers

    settings = Settings.from_environ(db=db_url, public_url=public_url, trusted_proxies=trusted_proxies,
                                     trusted_hosts=trusted_hosts)
    check_workers(workers, settings.db)
    if operator_port:
        check_operator_port(operator_host, operator_port, port)
    progress = StepProgress(quiet)
    progress("Opening the database")
    container = assemble(settings, database=open_database(settings.db))
    if not no_default_zones:
        version = ensure_zones(container, progress)
        progress(f"Zone set {version} is active")
    operators = f"http://{operator_host}:{operator_port}" if operator_port else None
    for line in banner(f"http://{host}:{port}", redacted(container.database.url), operators):
        say(line)
    if workers > 1:
        say(f"  workers       {workers} processes")
    level = logging.WARNING if quiet else logging.INFO
    options = server_options(host, port, level)
    listener = BOTH
    operator_process = None
    if workers > 1 or operator_port:
        hand_over(settings, operator_port)  # for the processes that assemble their own container
    if operator_port:
        # Its own process, assembled from the environment like a worker; started before this
        # one lowers its priority, so it keeps the normal one.
        operator_process = OperatorProcess(operator_host, operator_port, level)
        operator_process.start()
        os.nice(public_nice)
        listener = PUBLIC
    try:
        if workers > 1:
            # Each worker process assembles its own container from the environment (web.factory);
            # this one has migrated the database and built the zones, and only supervises them.
            # Their request counters go to one folder, so /metrics on any of them reports all.
            container.close()
            with shared_between_workers(), deaths_seen_at_once():
                uvicorn.run(FACTORY, factory=True, workers=workers, timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
                            **options)
            return
        app = create_app(container, listener=listener)
        try:
            uvicorn.run(app, **options)
        finally:
            container.close()
    finally:
        if operator_process is not None:
            operator_process.stop()
