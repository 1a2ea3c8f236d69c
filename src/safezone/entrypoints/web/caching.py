"""Public answers with validators: an ETag from the body, Cache-Control by how fast it changes,
and 304 Not Modified when the client already holds it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request, Response

# Alerts change within seconds; a zone set changes only when a new one is activated.
ALERTS_MAX_AGE = 5
ZONES_MAX_AGE = 300
ISSUED_MAX_AGE = 60


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def cached(request: Request, body: bytes, media_type: str, max_age: int) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", "Vary": "Accept-Encoding"}
    presented = request.headers.get("if-none-match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in presented.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)


def cached_json(request: Request, value: Any, max_age: int, media_type: str = "application/json") -> Response:
    return cached(request, json_bytes(value), media_type, max_age)
