"""The client's address, from `X-Forwarded-For` only when the request came through a proxy we
were told to trust (`--trusted-proxy`); otherwise the peer's own address.

A header from anyone else is ignored: believing it would let a client pick a new address per
request (and so escape the rate limit) or write any address it likes into the audit log.
Uvicorn's own proxy-header handling (which trusts loopback) is switched off by `safezone serve`.
"""

from __future__ import annotations

import ipaddress

from safezone.entrypoints.web.asgi import App, Receive, Scope, Send, client_host, header


class ForwardedClient:
    def __init__(self, app: App, trusted: tuple[str, ...]) -> None:
        self.app = app
        self.networks = tuple(ipaddress.ip_network(value, strict=False) for value in trusted)

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded: str) -> str:
        """The nearest address in the chain that is not one of our proxies.

        Proxies append the address they saw, so the chain is read from the right; what lies
        left of the first untrusted hop was written by the client and proves nothing.
        """
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        address = peer
        for hop in reversed(hops):
            if not self.trusted(address):
                break
            try:
                address = str(ipaddress.ip_address(hop))
            except ValueError:
                break  # garbage in the chain: stop at the last address we can vouch for
        return address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.networks:
            peer = client_host(scope)
            forwarded = header(scope, b"x-forwarded-for")
            if forwarded and self.trusted(peer):
                port = scope["client"][1] if scope.get("client") else 0
                scope = {**scope, "client": (self.client(peer, forwarded), port)}
                proto = (header(scope, b"x-forwarded-proto") or "").strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)
