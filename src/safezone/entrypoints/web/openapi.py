"""The published OpenAPI schema: where the service is (`servers`) and how an operator
authenticates, so generated clients can log in and send the CSRF header.

`deps.operator` depends on the bearer and cookie schemes, so FastAPI lists them on every
operation that needs a session (whatever router it is in). FastAPI cannot say "the cookie
*and* the CSRF header", so the requirements are completed here: a bearer token, or the cookie
(with the CSRF header on anything but a read).

A public-only listener (`serve --operator-port`) refuses the operator side, so its schema
lists only what it serves: no operator paths, no session schemes, nothing to "Authorize".
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import iter_route_contexts

from safezone.entrypoints.web.deps import BEARER, COOKIE, CSRF_HEADER, SAFE_METHODS
from safezone.entrypoints.web.listeners import BOTH, PUBLIC, Listener, is_operator_path

CSRF_SCHEME = {"type": "apiKey", "in": "header", "name": CSRF_HEADER,
               "description": "The `csrf_token` from the login: required with the session cookie on every change."}
BEARER_NAME, COOKIE_NAME, CSRF_NAME = BEARER.scheme_name, COOKIE.scheme_name, "csrfHeader"
READ_SECURITY = [{BEARER_NAME: []}, {COOKIE_NAME: []}]
ELSEWHERE = " The operator side is served on the operator listener, a port of its own, not here."
CHANGE_SECURITY = [{BEARER_NAME: []}, {COOKIE_NAME: [], CSRF_NAME: []}]


def servers(public_url: str | None) -> list[dict[str, str]]:
    if public_url:
        return [{"url": public_url, "description": "This service's public address"}]
    return [{"url": "/", "description": "The address this schema was read from (no public URL configured)"}]


def complete_security(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the CSRF scheme and give each session operation its alternatives (in place); a
    schema without session operations is left as it is."""
    schemes = schema.get("components", {}).get("securitySchemes", {})
    if COOKIE_NAME not in schemes:
        return schema
    schemes[CSRF_NAME] = CSRF_SCHEME
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if {COOKIE_NAME: []} in operation.get("security", []):
                operation["security"] = READ_SECURITY if method.upper() in SAFE_METHODS else CHANGE_SECURITY
    return schema


def served_schema(app: FastAPI, listener: Listener) -> dict[str, Any]:
    """The schema of the routes this listener serves (a public-only one: not the operator side)."""
    routes = [route for route in iter_route_contexts(app.routes)
              if listener != PUBLIC or not is_operator_path(route.path)]
    description = app.description + (ELSEWHERE if listener == PUBLIC else "")
    return get_openapi(title=app.title, version=app.version, openapi_version=app.openapi_version,
                       summary=app.summary, description=description, routes=routes, tags=app.openapi_tags,
                       servers=app.servers, separate_input_output_schemas=app.separate_input_output_schemas)


def install(app: FastAPI, listener: Listener = BOTH) -> None:
    """Replace `app.openapi` so the schema of what `listener` serves is made once, when first asked for."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_security(served_schema(app, listener))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
