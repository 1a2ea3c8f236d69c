"""Refuse requests addressed to a host we do not serve (when trusted hosts are configured).

Anything built from the `Host` header (a redirect, an absolute link on a local run) could
otherwise point at a name an attacker chose; with `--trusted-host`, such a request gets a 400.
"""

from __future__ import annotations

from safezone.entrypoints.web.asgi import App, Receive, Scope, Send, header
from safezone.entrypoints.web.errors import problem


def host_of(value: str) -> str:
    """The host part of a Host header, without the port (IPv6 literals keep their brackets)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[: value.find("]") + 1] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed(host: str, trusted: tuple[str, ...]) -> bool:
    for name in trusted:
        if name.startswith("*.") and (host.endswith(name[1:]) or host == name[2:]):
            return True
        if host == name or host == f"[{name}]":
            return True
    return False


class TrustedHosts:
    def __init__(self, app: App, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.trusted = tuple(name.lower() for name in trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusted:
            host = host_of(header(scope, b"host") or "")
            if not allowed(host, self.trusted):
                refusal = problem(400, "unknown_host", f"this service does not answer for the host {host!r}",
                                  field="Host")
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)
