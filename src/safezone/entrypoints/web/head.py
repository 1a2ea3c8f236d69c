"""HEAD on every GET: the same status and headers, no body.

FastAPI routes declared with GET answer 405 to HEAD; caches, link checkers and monitors use
HEAD. The request goes to the application as a GET and the body is dropped on the way out
(its Content-Length kept, as HTTP asks).
"""

from __future__ import annotations

from safezone.entrypoints.web.asgi import App, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
