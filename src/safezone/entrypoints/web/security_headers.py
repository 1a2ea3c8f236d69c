"""Headers every answer carries, refusals and errors included: no MIME sniffing, no framing,
no referrer; and operator answers are never stored by a cache."""

from __future__ import annotations

from safezone.entrypoints.web.asgi import App, Message, Receive, Scope, Send

SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"))
OPERATOR_PREFIX = "/api/operator"


# (the names ours replace, the headers added): for any answer, for an operator answer. Made once.
_PUBLIC = (frozenset(name for name, _ in SECURITY_HEADERS), SECURITY_HEADERS)
_OPERATOR = (_PUBLIC[0] | {b"cache-control"}, (*SECURITY_HEADERS, (b"cache-control", b"no-store")))


class SecurityHeaders:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names, added = _OPERATOR if scope["path"].startswith(OPERATOR_PREFIX) else _PUBLIC

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*(h for h in message.get("headers", ()) if h[0].lower() not in names), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
