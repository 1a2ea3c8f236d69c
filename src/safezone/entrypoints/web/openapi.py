"""The published OpenAPI schema: where the service is (`servers`) and how an operator
authenticates, so generated clients can log in and send the CSRF header.

`deps.operator` depends on the bearer and cookie schemes, so FastAPI lists them on every
operation that needs a session (whatever router it is in). FastAPI cannot say "the cookie
*and* the CSRF header", so the requirements are completed here: a bearer token, or the cookie
(with the CSRF header on anything but a read).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from safezone.entrypoints.web.deps import BEARER, COOKIE, CSRF_HEADER, SAFE_METHODS

CSRF_SCHEME = {"type": "apiKey", "in": "header", "name": CSRF_HEADER,
               "description": "The `csrf_token` from the login: required with the session cookie on every change."}
BEARER_NAME, COOKIE_NAME, CSRF_NAME = BEARER.scheme_name, COOKIE.scheme_name, "csrfHeader"
READ_SECURITY = [{BEARER_NAME: []}, {COOKIE_NAME: []}]
CHANGE_SECURITY = [{BEARER_NAME: []}, {COOKIE_NAME: [], CSRF_NAME: []}]


def servers(public_url: str | None) -> list[dict[str, str]]:
    if public_url:
        return [{"url": public_url, "description": "This service's public address"}]
    return [{"url": "/", "description": "The address this schema was read from (no public URL configured)"}]


def complete_security(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the CSRF scheme and give each session operation its alternatives (in place)."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[CSRF_NAME] = CSRF_SCHEME
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if {COOKIE_NAME: []} in operation.get("security", []):
                operation["security"] = READ_SECURITY if method.upper() in SAFE_METHODS else CHANGE_SECURITY
    return schema


def install(app: FastAPI) -> None:
    """Wrap `app.openapi` so the generated schema is completed once, when first asked for."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_security(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
