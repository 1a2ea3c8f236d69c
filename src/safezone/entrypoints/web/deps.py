"""Who is asking: the assembled services, and the operator behind a session.

A session travels as an HttpOnly cookie (for pages) or as `Authorization: Bearer` (for
programs). A cookie is sent by the browser on its own, so a state-changing request that
relies on it must also carry the session's CSRF token in `X-CSRF-Token`, which a page on
another site cannot read. A bearer token is never sent on its own, so it needs none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Mapping

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import cookie_parser

from safezone.bootstrap import Container
from safezone.domain.accounts import User
from safezone.entrypoints.web.errors import Refused
from safezone.services import accounts

SESSION_COOKIE = "safezone_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Declared so the OpenAPI schema says how to authenticate (see web.openapi); `session_token`
# reads the same two places itself, with the precedence and refusals described above.
BEARER = HTTPBearer(auto_error=False, scheme_name="bearer",
                    description="The `token` from POST /api/operator/login, as `Authorization: Bearer …`.")
COOKIE = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, scheme_name="sessionCookie",
                      description="The HttpOnly session cookie set by the login (for pages); "
                                  f"every change made with it also needs the {CSRF_HEADER} header.")


@dataclass(frozen=True)
class Operator:
    user: User
    token: str
    by_cookie: bool


def container(request: Request) -> Container:
    return request.app.state.container


async def services(request: Request) -> Container:
    """`container` as a dependency: async, so FastAPI does not hop to a thread to call it."""
    return container(request)


def presented_token(headers: Mapping[str, str]) -> tuple[str | None, bool]:
    """The session token a request presents (`Authorization: Bearer …`, else the session
    cookie) and whether it came in the cookie. `headers` matches names in any case."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def session_token(request: Request) -> tuple[str | None, bool]:
    """The presented session token and whether it came in the cookie."""
    return presented_token(request.headers)


def operator(request: Request,
             _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
             _cookie: Annotated[str | None, Depends(COOKIE)] = None) -> Operator:
    """The logged-in operator, or 401; with a cookie on an unsafe method, a CSRF token or 403."""
    token, by_cookie = session_token(request)
    if token is None:
        raise Refused(401, "not_logged_in", "log in first (POST /api/operator/login)",
                      {"WWW-Authenticate": "Bearer"})
    with container(request).database.unit_of_work(read_only=True) as uow:
        user = accounts.resolve_session(uow, token, now=container(request).clock())
    request.app.state.known_sessions.remember(token)  # priority for its changes (web.operators_first)
    if by_cookie and request.method not in SAFE_METHODS:
        if not accounts.check_csrf(token, request.headers.get(CSRF_HEADER)):
            raise Refused(403, "csrf", f"missing or wrong {CSRF_HEADER} header: with a session cookie, "
                                       "every change must carry the session's CSRF token")
    return Operator(user, token, by_cookie)
