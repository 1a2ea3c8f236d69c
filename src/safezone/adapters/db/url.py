"""Where the database is: `--db`, else `SAFEZONE_DB`, else `safezone.db` in the working directory.

A bare file path is taken as a SQLite file, so operators need not learn URL syntax for the
embedded default; `postgresql://` URLs get the psycopg 3 driver we ship.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SAFEZONE_DB"
DEFAULT_FILE = "safezone.db"


def resolve_url(cli_value: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The SQLAlchemy URL to use, from the CLI option, the environment or the default."""
    environ = os.environ if environ is None else environ
    raw = cli_value or environ.get(ENV_VAR) or DEFAULT_FILE
    if "://" not in raw:
        return f"sqlite:///{Path(raw).expanduser().absolute()}"
    scheme, rest = raw.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return raw


def redacted(url: str) -> str:
    """The URL fit for a log line: any password replaced by ***."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
