"""Public answers with validators: an ETag from the body, Cache-Control by how fast it changes,
and 304 Not Modified when the client already holds it.

Answers that do not depend on the caller are `Prepared` once per change (encoded, hashed and
gzip-compressed) and served as bytes; a client that accepts gzip gets the compressed body.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response

# Alerts change within seconds; a zone set changes only when a new one is activated.
ALERTS_MAX_AGE = 5
ZONES_MAX_AGE = 300
ISSUED_MAX_AGE = 60
# Below this, compressing saves less than the header costs.
GZIP_MIN_BYTES = 1024


@dataclass(frozen=True)
class Prepared:
    body: bytes
    media_type: str
    etag: str
    gzipped: bytes | None  # None: not worth compressing


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def prepare(body: bytes, media_type: str) -> Prepared:
    """Encode once: the ETag and, for a body worth it, its gzip form (level 6, no timestamp,
    so every process makes the same bytes)."""
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    return Prepared(body, media_type, _etag(body), gzipped)


def prepare_json(value: Any, media_type: str = "application/json") -> Prepared:
    return prepare(json_bytes(value), media_type)


def weighted(header: str) -> list[tuple[str, float | None]]:
    """The entries of an `Accept-*` header in order, lower-cased, each with its quality: 1 when
    none is given, None when it is not `q=<number>` (a malformed entry, which counts for nothing)."""
    found: list[tuple[str, float | None]] = []
    for part in header.lower().split(","):
        name, _, params = part.partition(";")
        quality: float | None = 1.0
        if params.strip():
            try:
                quality = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else None
            except ValueError:
                quality = None
        if name.strip():
            found.append((name.strip(), quality))
    return found


def accepts_gzip(request: Request) -> bool:
    """Whether Accept-Encoding allows gzip (named or `*`, and not with q=0)."""
    for name, quality in weighted(request.headers.get("accept-encoding", "")):
        if name in ("gzip", "*"):
            return quality is not None and quality > 0
    return False


def respond(request: Request, prepared: Prepared, max_age: int) -> Response:
    """The prepared answer, compressed when the client takes gzip; 304 when it holds it already.
    The two forms are different representations, so the gzip one has an ETag of its own."""
    compressed = prepared.gzipped is not None and accepts_gzip(request)
    etag = prepared.etag[:-1] + '-gz"' if compressed else prepared.etag
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding"}
    presented = request.headers.get("if-none-match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in presented.split(",")]:
        return Response(status_code=304, headers=headers)
    if compressed:
        headers["Content-Encoding"] = "gzip"
        return Response(content=prepared.gzipped, media_type=prepared.media_type, headers=headers)
    return Response(content=prepared.body, media_type=prepared.media_type, headers=headers)


def cached(request: Request, body: bytes, media_type: str, max_age: int) -> Response:
    """An answer made for this request: validators, no compression (it is small)."""
    return respond(request, Prepared(body, media_type, _etag(body), None), max_age)


def cached_json(request: Request, value: Any, max_age: int, media_type: str = "application/json") -> Response:
    return cached(request, json_bytes(value), media_type, max_age)
