"""The last line: an unexpected error becomes a logged 500 with a JSON reason that reveals
nothing, and the exception stops here.

Starlette's own error middleware answers 500 and then re-raises, and the server closes the
connection on an exception it sees: a client on keep-alive loses its connection because one
request failed. Here the error is answered and swallowed, so the connection lives on.
"""

from __future__ import annotations

import logging

from safezone.entrypoints.web.asgi import App, Message, Receive, Scope, Send
from safezone.entrypoints.web.errors import problem

log = logging.getLogger("safezone.web")


class Failsafe:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half an answer is out: only closing the connection can tell the client
            await problem(500, "internal", "an unexpected error; it has been logged")(scope, receive, send)
