"""The few ASGI types and helpers our middlewares share.

Every middleware here is plain ASGI (a callable on scope, receive, send), not a
`BaseHTTPMiddleware`: no task or stream per request, nothing buffered, and an exception in one
request never touches the connection's next one.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, MutableMapping

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (names are lower-case bytes in ASGI)."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def client_host(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"
