"""A Web Push service of our own on 127.0.0.1, strict where real ones are strict.

It checks each push's VAPID token (RFC 8292: an ES256 JWT verified with the public key from
the `Authorization: vapid t=…, k=…` header, `aud` its own origin, `exp` within 24 h), checks
the TTL, Urgency and Topic headers (RFC 8030) and decrypts the body (aes128gcm, RFC 8188 and
RFC 8291) with the subscriber's private key and auth secret — written here from the RFCs with
`cryptography` alone, independent of the library that encrypts. What it accepts is what a
browser would show.
"""

from __future__ import annotations

import base64
import json
import os
import re
import struct
import time
from dataclasses import dataclass, field

from aiohttp import web
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safezone.domain.delivery import PushReceiver

BASE64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A subscriber's browser: its own key pair and auth secret, made by the test."""

    name: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                          serialization.PublicFormat.UncompressedPoint)

    def subscription(self, base_url: str, languages: tuple[str, ...] = ()) -> PushReceiver:
        return PushReceiver(self.name, f"{base_url}/push/{self.name}", b64url(self.public_raw),
                            b64url(self.auth_secret), languages)

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8188 header (salt, record size, key id = the sender's ephemeral public key),
        RFC 8291 key derivation, one AES-128-GCM record ending in the 0x02 delimiter."""
        salt, record_size, id_length = body[:16], struct.unpack("!I", body[16:20])[0], body[20]
        sender_raw, ciphertext = body[21:21 + id_length], body[21 + id_length:]
        assert len(ciphertext) <= record_size, "one record expected"
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_raw)
        shared = self.private_key.exchange(ec.ECDH(), sender)
        key_info = b"WebPush: info\x00" + self.public_raw + sender_raw
        ikm = HKDF(hashes.SHA256(), 32, salt=self.auth_secret, info=key_info).derive(shared)
        cek = HKDF(hashes.SHA256(), 16, salt=salt, info=b"Content-Encoding: aes128gcm\x00").derive(ikm)
        nonce = HKDF(hashes.SHA256(), 12, salt=salt, info=b"Content-Encoding: nonce\x00").derive(ikm)
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None).rstrip(b"\x00")
        assert padded.endswith(b"\x02"), "the last record ends with the 0x02 delimiter"
        return padded[:-1]


@dataclass
class Push:
    """One push the service accepted, decrypted."""

    browser: str
    headers: dict
    claims: dict
    vapid_key: str
    payload: dict


class PushService:
    """The service's state: its subscribers, what it accepted, and what it answers instead."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.accepted: list[Push] = []
        self.refused: list[str] = []
        self.answers: dict[str, int] = {}  # browser name -> the status to answer instead (404, 410, 500)
        self.origin = ""

    def browser(self, name: str) -> Browser:
        self.browsers[name] = Browser(name)
        return self.browsers[name]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/push/{name}", self._push)
        return app

    async def _push(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name in self.answers:
            return web.Response(status=self.answers[name])
        body = await request.read()
        try:
            claims, key = self._check_vapid(request.headers.get("Authorization", ""))
            self._check_headers(request.headers)
            payload = json.loads(self.browsers[name].decrypt(body))
        except (AssertionError, ValueError, KeyError, InvalidSignature, InvalidTag) as refused:
            self.refused.append(f"{refused.__class__.__name__}: {refused}")
            return web.Response(status=400 if not isinstance(refused, InvalidSignature) else 401,
                                text=str(refused))
        self.accepted.append(Push(name, dict(request.headers), claims, key, payload))
        return web.Response(status=201, headers={"Location": f"/message/{len(self.accepted)}"})

    def _check_vapid(self, authorization: str) -> tuple[dict, str]:
        match = re.fullmatch(r"vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)", authorization)
        assert match, f"Authorization is not 'vapid t=…, k=…': {authorization!r}"
        token, key = match.groups()
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        assert header.get("alg") == "ES256", f"JWT alg {header.get('alg')!r}"
        raw = unb64url(signature_b64)
        assert len(raw) == 64, "an ES256 signature is r || s, 64 bytes"
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(unb64url(claims_b64))
        assert claims.get("aud") == self.origin, f"aud {claims.get('aud')!r} is not {self.origin!r}"
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "exp must lie within 24 h"
        assert str(claims.get("sub", "")).startswith(("mailto:", "https:")), "sub must be mailto: or https:"
        return claims, key

    @staticmethod
    def _check_headers(headers) -> None:
        assert headers.get("Content-Encoding") == "aes128gcm", "Content-Encoding must be aes128gcm"
        assert int(headers["TTL"]) >= 0, "TTL is a number of seconds"
        assert headers.get("Urgency", "normal") in ("very-low", "low", "normal", "high"), "Urgency"
        topic = headers.get("Topic")
        assert topic is None or (len(topic) <= 32 and BASE64URL.match(topic)), f"Topic {topic!r}"
