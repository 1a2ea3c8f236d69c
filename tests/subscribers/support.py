"""Bodies of subscription requests, and a Web Push subscription that looks like a browser's."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def push_keys() -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(public), "auth": b64url(b"0123456789abcdef")}


def body(lat: float | None = 50.5, lon: float | None = 29.99, **extra: Any) -> dict:
    """A subscription at a point in Westgate (AAA-0-1) with a push endpoint."""
    found: dict = {"push": {"endpoint": "https://push.example.org/send/abc", "keys": push_keys()},
                   "languages": ["uk", "en"]}
    if lat is not None:
        found["place"] = {"lat": lat, "lon": lon}
    return found | extra


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
