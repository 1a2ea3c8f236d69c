"""Public answers with validators: an ETag from the body, Cache-Control by how fast it changes,
and 304 Not Modified when the client already holds it.

Answers that do not depend on the caller are `Prepared` once per change (encoded, hashed and
compressed) and served as bytes; a client gets the smallest form its Accept-Encoding allows.
Every prepared answer of 1 KB or more has a gzip form. The zone-set layers (megabytes, made once
per zone-set version) also have a Brotli form, about a quarter smaller at the same speed of
making (quality 5). The alerts in force are made again within milliseconds of every change, on
the way from an issued alert to its readers, so they keep gzip alone.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import brotli
from fastapi import Request, Response

# Alerts change within seconds; a zone set changes only when a new one is activated.
ALERTS_MAX_AGE = 5
ZONES_MAX_AGE = 300
ISSUED_MAX_AGE = 60
# Below this, compressing saves less than the header costs.
GZIP_MIN_BYTES = 1024
# Brotli's quality for the layers: 5 makes the zones layer (1 MB) in about 30 ms, smaller than
# gzip's level 6 by a quarter; 11 would save a third more but take seconds on the first request.
BROTLI_QUALITY = 5
# Content codings by preference when a client accepts several equally (the smaller first), with
# the ETag suffix of each form (different bytes, a different representation).
CODINGS = ("br", "gzip")
_ETAG_SUFFIX = {"br": "-br", "gzip": "-gz"}


@dataclass(frozen=True)
class Prepared:
    body: bytes
    media_type: str
    etag: str
    gzipped: bytes | None  # None: not worth compressing
    brotli: bytes | None = None  # None: not made for this answer (see the module's docstring)

    def coded(self, coding: str) -> bytes | None:
        """The body in this content coding, when it was made."""
        return self.brotli if coding == "br" else self.gzipped if coding == "gzip" else None


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def prepare(body: bytes, media_type: str, *, with_brotli: bool = False) -> Prepared:
    """Encode once: the ETag and, for a body worth it, its gzip form (level 6, no timestamp,
    so every process makes the same bytes) and, `with_brotli`, its Brotli form."""
    worth = len(body) >= GZIP_MIN_BYTES
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if worth else None
    compressed = brotli.compress(body, quality=BROTLI_QUALITY) if worth and with_brotli else None
    return Prepared(body, media_type, _etag(body), gzipped, compressed)


def prepare_json(value: Any, media_type: str = "application/json", *, with_brotli: bool = False) -> Prepared:
    return prepare(json_bytes(value), media_type, with_brotli=with_brotli)


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


def coding_for(request: Request, prepared: Prepared) -> str | None:
    """The content coding to send `prepared` in: of the forms it has, the one Accept-Encoding
    rates highest (named, else by `*`; q=0 or unnamed without `*`: not acceptable), the smaller
    on a tie; None for the body as it is."""
    rated = weighted(request.headers.get("accept-encoding", ""))
    named = {name: quality for name, quality in reversed(rated)}  # the first entry of a name counts
    best, best_q = None, 0.0
    for coding in CODINGS:
        quality = named.get(coding, named.get("*", 0.0))
        if prepared.coded(coding) is not None and quality is not None and quality > best_q:
            best, best_q = coding, quality
    return best


def respond(request: Request, prepared: Prepared, max_age: int) -> Response:
    """The prepared answer in the form the client takes best; 304 when it holds it already.
    Each form is a representation of its own, with an ETag of its own."""
    coding = coding_for(request, prepared)
    etag = prepared.etag if coding is None else prepared.etag[:-1] + _ETAG_SUFFIX[coding] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding"}
    presented = request.headers.get("if-none-match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in presented.split(",")]:
        return Response(status_code=304, headers=headers)
    if coding is not None:
        headers["Content-Encoding"] = coding
        return Response(content=prepared.coded(coding), media_type=prepared.media_type, headers=headers)
    return Response(content=prepared.body, media_type=prepared.media_type, headers=headers)


def cached(request: Request, body: bytes, media_type: str, max_age: int) -> Response:
    """An answer made for this request: validators, no compression (it is small)."""
    return respond(request, Prepared(body, media_type, _etag(body), None), max_age)


def cached_json(request: Request, value: Any, max_age: int, media_type: str = "application/json") -> Response:
    return cached(request, json_bytes(value), media_type, max_age)
