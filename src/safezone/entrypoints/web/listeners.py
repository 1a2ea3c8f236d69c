"""Which listener an app serves: both sides (one process, the embedded default), the public
side only, or the operator side in a process of its own (`safezone serve --operator-port`).

With an operator listener, the public listener refuses the operator API, the console and its
script (404 `operator_elsewhere`), so the operator port can be firewalled apart and nothing an
operator does is ever queued behind public load. The operator listener serves everything (the
console uses the public layers too); it is meant for operators' addresses only.
"""

from __future__ import annotations

from typing import Literal

from safezone.entrypoints.web.asgi import App, Receive, Scope, Send
from safezone.entrypoints.web.errors import problem
from safezone.entrypoints.web.ratelimit import OPERATOR_PREFIX

Listener = Literal["both", "public", "operator"]
BOTH: Listener = "both"
PUBLIC: Listener = "public"
OPERATOR: Listener = "operator"
OPERATOR_PORT_ENV = "SAFEZONE_OPERATOR_PORT"  # set: the operator side is another process's
OPERATOR_PAGES = frozenset({"/console", "/static/console.js"})


def is_operator_path(path: str) -> bool:
    """The operator API (`/api/operator` and below), the console and its own script."""
    return path == OPERATOR_PREFIX or path.startswith(OPERATOR_PREFIX + "/") or path in OPERATOR_PAGES


class OperatorElsewhere:
    """Pure ASGI, on the public listener: operator paths get 404 at once (no thread, no database)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_operator_path(scope["path"]):
            refusal = problem(404, "operator_elsewhere",
                              "operators are served on the operator listener (safezone serve --operator-port), "
                              "not on this one")
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
