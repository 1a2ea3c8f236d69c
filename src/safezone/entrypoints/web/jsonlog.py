"""Structured logs: one JSON object a line, with the id of the request it was written in.

`safezone serve` installs it on the root logger, so our lines and uvicorn's are all JSON that a
log shipper parses without a pattern. Under uvicorn or gunicorn started by hand, whose logging
config knows nothing of ours, the app factory gives our own loggers the same lines
(`ensure_json_logs`), so access lines with their request ids are never lost to a missing handler.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from safezone.entrypoints.web.observe import request_id

# Attributes every LogRecord has; anything else was passed in `extra` and goes into the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        rid = request_id.get()
        if rid is not None:
            line["request_id"] = rid
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_logging(level: int = logging.INFO) -> dict:
    """A logging config (for `logging.config.dictConfig` and uvicorn's `log_config`): every
    logger, uvicorn's included, writes JSON lines to standard error."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": logging.getLevelName(level)},
        "loggers": {name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }


def ensure_json_logs() -> None:
    """Unless the root logger writes JSON already (`safezone serve`), have safezone's loggers
    write JSON lines to standard error themselves, at the server's level (uvicorn's
    `--log-level`, as it set it on its error logger; else INFO)."""
    if any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers):
        return
    ours = logging.getLogger("safezone")
    if any(isinstance(h.formatter, JsonFormatter) for h in ours.handlers):
        return
    handler = logging.StreamHandler()  # standard error
    handler.setFormatter(JsonFormatter())
    ours.addHandler(handler)
    server_level = logging.getLogger("uvicorn.error").level
    ours.setLevel(server_level or logging.INFO)
    ours.propagate = False  # a handler the server's config puts on the root would write each line twice
