"""The published OpenAPI schema: where the service is (`servers`) and how an operator
authenticates (security schemes), so generated clients can log in and send the CSRF header.

Operations that need a session are found from their dependencies (anything that depends on
`deps.operator`), so a new router is described correctly without a list to keep up to date.
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from safezone.entrypoints.web.deps import CSRF_HEADER, SAFE_METHODS, SESSION_COOKIE, operator

SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "The `token` from POST /api/operator/login, as `Authorization: Bearer …`."},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                      "description": "The HttpOnly session cookie set by the login (for pages)."},
    "csrfHeader": {"type": "apiKey", "in": "header", "name": CSRF_HEADER,
                   "description": "The `csrf_token` from the login: required with the cookie on every change."},
}
# Either a bearer token, or the cookie (with the CSRF header on anything but a read).
READ_SECURITY = [{"bearer": []}, {"sessionCookie": []}]
CHANGE_SECURITY = [{"bearer": []}, {"sessionCookie": [], "csrfHeader": []}]


def servers(public_url: str | None) -> list[dict[str, str]]:
    if public_url:
        return [{"url": public_url, "description": "This service's public address"}]
    return [{"url": "/", "description": "The address this schema was read from (no public URL configured)"}]


def needs_session(dependant: Dependant, call: Callable[..., Any] = operator) -> bool:
    return dependant.call is call or any(needs_session(inner, call) for inner in dependant.dependencies)


def install(app: FastAPI) -> None:
    """Wrap `app.openapi` so the generated schema carries the security schemes and requirements."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        for route in app.routes:
            if isinstance(route, APIRoute) and route.include_in_schema and needs_session(route.dependant):
                for method in route.methods:
                    operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                    if operation is not None:
                        operation["security"] = READ_SECURITY if method in SAFE_METHODS else CHANGE_SECURITY
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
