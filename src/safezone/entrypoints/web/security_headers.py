"""Headers every answer carries, refusals and errors included: no MIME sniffing, no framing,
no referrer; and operator answers are never stored by a cache."""

from __future__ import annotations

from safezone.entrypoints.web.asgi import App, Message, Receive, Scope, Send

SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"))
OPERATOR_PREFIX = "/api/operator"


class SecurityHeaders:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        operator = scope["path"].startswith(OPERATOR_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {b"x-content-type-options", b"x-frame-options", b"referrer-policy"}
                if operator:
                    names.add(b"cache-control")
                kept = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in names]
                added = [*SECURITY_HEADERS, *([(b"cache-control", b"no-store")] if operator else [])]
                message["headers"] = [*kept, *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
