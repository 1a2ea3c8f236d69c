"""The app as each worker process builds it: `safezone serve --workers N` (and gunicorn or
uvicorn run by hand) import `safezone.entrypoints.web.factory:from_environ` with `factory=True`,
so every process opens its own database pool, services and live streams from the same
`SAFEZONE_*` settings, and nothing is shared by forking an assembled container.

    uvicorn --factory safezone.entrypoints.web.factory:from_environ --workers 4
    gunicorn -k uvicorn_worker.UvicornWorker -w 4 'safezone.entrypoints.web.factory:from_environ()'
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from safezone.bootstrap import Settings, assemble
from safezone.entrypoints.cli.db import open_database
from safezone.entrypoints.web.listeners import BOTH, OPERATOR_PORT_ENV, PUBLIC, Listener


def from_environ(listener: Listener | None = None) -> FastAPI:
    """One worker's app, assembled from the environment; its container closes when it stops.
    With an operator listener configured (SAFEZONE_OPERATOR_PORT), the public side only."""
    from safezone.entrypoints.web import create_app
    from safezone.entrypoints.web.jsonlog import ensure_json_logs

    ensure_json_logs()
    if listener is None:
        listener = PUBLIC if os.environ.get(OPERATOR_PORT_ENV) else BOTH
    settings = Settings.from_environ()
    return create_app(assemble(settings, database=open_database(settings.db)), close=True, listener=listener)
