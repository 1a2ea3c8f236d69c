"""A size limit on request bodies, per route, enforced before authentication and parsing.

A declared `Content-Length` over the limit is refused at once, before a byte of the body is
read; a body without one (chunked) is counted as it arrives and refused as soon as it passes
the limit, so a 400 MB upload costs us at most the limit in memory, never 400 MB. Either way the
answer is 413 with a JSON reason.
"""

from __future__ import annotations

from safezone.entrypoints.web.asgi import App, Message, Receive, Scope, Send, header
from safezone.entrypoints.web.errors import problem

KIB = 1024
DEFAULT_LIMIT = 64 * KIB
# Longest prefix wins. Composing or updating an alert may carry a drawn polygon and a few
# thousand area ids; a login carries two short strings.
LIMITS: tuple[tuple[str, int], ...] = (
    ("/api/operator/login", 4 * KIB),
    ("/api/operator/alerts", 2 * KIB * KIB),
)


def limit_for(path: str, limits: tuple[tuple[str, int], ...] = LIMITS, default: int = DEFAULT_LIMIT) -> int:
    """The most bytes a request body to `path` may have."""
    matches = [(len(prefix), size) for prefix, size in limits if path == prefix or path.startswith(prefix + "/")]
    return max(matches)[1] if matches else default


class BodyTooLarge(Exception):
    """Raised into the application's `receive` when the body passes the limit."""


def _refusal(limit: int, declared: int | None = None):  # type: ignore[no-untyped-def]
    size = f"{declared:,} bytes" if declared is not None else "more than that"
    return problem(413, "body_too_large",
                   f"the request body may have at most {limit:,} bytes on this route; it has {size}",
                   field="body")


class BodyLimit:
    def __init__(self, app: App, limits: tuple[tuple[str, int], ...] = LIMITS, default: int = DEFAULT_LIMIT) -> None:
        self.app = app
        self.limits = limits
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.limits, self.default)
        declared = header(scope, b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await problem(400, "bad_request", "Content-Length is not a number", field="Content-Length")(
                    scope, receive, send)
                return
            if length > limit:
                await _refusal(limit, length)(scope, receive, send)
                return
        seen = 0
        over = False
        answered = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal answered
            if over:
                # Whatever the application made of the exception, the client learns the truth.
                if message["type"] == "http.response.start" and not answered:
                    answered = True
                    await _refusal(limit)(scope, receive, send)
                return
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            pass
        if over and not answered:
            await _refusal(limit)(scope, receive, send)
