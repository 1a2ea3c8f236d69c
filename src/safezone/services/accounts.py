"""Operator accounts and sessions: add, disable and enable users, reset passwords, change roles,
log in and out, check a session. Names are one account whatever their case.

Passwords are hashed with argon2id (RFC 9106 parameters of argon2-cffi). A login gives a
random session token; only its SHA-256 is stored, so a copy of the database lets nobody in.
Each session has a CSRF token derived from the session token with HMAC, so a page served with
a session cookie can prove a form or request came from that page, and nothing extra is stored.

Every account action is audited in the same transaction as the action. Refusals (a failed
login, a permission denied) undo the caller's unit of work so far, then are recorded and
*committed* before the exception is raised (see `audit.record_refusal`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterable, Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from safezone.adapters.db import UnitOfWork
from safezone.domain.accounts import (
    MAX_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    LastAdmin,
    PermissionDenied,
    Role,
    User,
    check_password,
    check_user_name,
    parse_roles,
    UnknownUser,
    require_role,
)
from safezone.domain.errors import InputError
from safezone.services.audit import record, record_refusal

DEFAULT_SESSION_LIFETIME = timedelta(hours=8)
COMMAND_LINE = "command-line"  # the actor for what a person with the database does locally
ANONYMOUS = "anonymous"  # the actor of a failed login: nobody proved who they are
MAX_TOKEN_LENGTH = 200
CSRF_CONTEXT = b"safezone csrf v1"

_hasher = PasswordHasher()


@dataclass(frozen=True)
class SessionGrant:
    """What a successful login hands to the client. The token is shown once and never stored."""

    token: str
    csrf_token: str
    user: User
    expires_at: datetime


class LoginRefused(Exception):
    """A login that did not succeed. The message is the same whatever the reason, so it does
    not tell a stranger which user names exist; `reason` is for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__("wrong user name or password, or the account is disabled")
        self.reason = reason


class SessionRefused(Exception):
    """A session token that does not let anyone in: unknown, expired, or of a disabled user."""

    MESSAGES = {
        "unknown": "not logged in (unknown or ended session)",
        "expired": "the session has expired: log in again",
        "disabled": "the account is disabled",
    }

    def __init__(self, reason: str) -> None:
        super().__init__(self.MESSAGES[reason])
        self.reason = reason


def hash_password(password: str) -> str:
    """An argon2id hash of a password that passes the policy."""
    return _hasher.hash(check_password(password))


def add_user(
    uow: UnitOfWork, name: str, password: str, roles: Iterable[str | Role], *, by: User | None = None, now: datetime | None = None
) -> User:
    """Create an account. `by` is the admin doing it; None means the local command line."""
    actor = _acting(uow, by, "add users", name)
    with _refusal_recorded(uow, actor, "add", name):
        name = check_user_name(name)
        chosen = parse_roles(str(role) for role in roles)
        uow.users.lock_all()  # two adds of one name at once: the second sees the first
        existing = uow.users.by_name(name)
        if existing is not None:
            also = "" if existing.name == name else f" as {existing.name!r} (names are the same in any case)"
            raise InputError(f"user {name!r} already exists{also}", field="name")
        user = uow.users.add(name, hash_password(password), chosen, _now(now))
        record(uow, actor, "user.added", name, {"roles": _names(chosen)}, at=user.created_at)
    return user


def disable_user(uow: UnitOfWork, name: str, *, by: User | None = None, now: datetime | None = None) -> User:
    """Disable an account and end its sessions. The account stays, so the log's names stay meaningful."""
    actor = _acting(uow, by, "disable users", name)
    with _refusal_recorded(uow, actor, "disable", name):
        user = _existing(uow, name)
        if not user.active:
            raise InputError(f"user {user.name!r} is already disabled", field="name")
        _keep_an_admin(uow, user, "be disabled")
        at = _now(now)
        uow.users.disable(user.id, at)
        ended = uow.sessions.delete_for_user(user.id)
        record(uow, actor, "user.disabled", user.name, {"sessions_ended": ended}, at=at)
    return uow.users.get(user.id)  # type: ignore[return-value]


def enable_user(uow: UnitOfWork, name: str, *, by: User | None = None, now: datetime | None = None) -> User:
    """Let a disabled account log in again, with its old password and roles."""
    actor = _acting(uow, by, "enable users", name)
    with _refusal_recorded(uow, actor, "enable", name):
        user = _existing(uow, name)
        if user.active:
            raise InputError(f"user {user.name!r} is already enabled", field="name")
        uow.users.enable(user.id)
        record(uow, actor, "user.enabled", user.name, {}, at=_now(now))
    return uow.users.get(user.id)  # type: ignore[return-value]


def reset_password(
    uow: UnitOfWork, name: str, password: str, *, by: User | None = None, now: datetime | None = None
) -> User:
    """Give an account a new password and end its sessions, so whoever held the old one is out."""
    actor = _acting(uow, by, "reset passwords", name)
    with _refusal_recorded(uow, actor, "reset the password of", name):
        user = _existing(uow, name)
        uow.users.set_password_hash(user.id, hash_password(password))
        ended = uow.sessions.delete_for_user(user.id)
        record(uow, actor, "user.password_reset", user.name, {"sessions_ended": ended}, at=_now(now))
    return user


def set_roles(
    uow: UnitOfWork, name: str, roles: Iterable[str | Role], *, by: User | None = None, now: datetime | None = None
) -> User:
    """Replace an account's roles; they apply to its open sessions at their next request."""
    actor = _acting(uow, by, "change roles", name)
    with _refusal_recorded(uow, actor, "change the roles of", name):
        chosen = parse_roles(str(role) for role in roles)
        user = _existing(uow, name)
        if Role.ADMIN not in chosen:
            _keep_an_admin(uow, user, "lose the admin role")
        uow.users.set_roles(user.id, chosen)
        record(uow, actor, "user.roles_changed", user.name, {"from": _names(user.roles), "to": _names(chosen)},
               at=_now(now))
    return uow.users.get(user.id)  # type: ignore[return-value]


def list_users(uow: UnitOfWork, *, by: User | None = None) -> list[User]:
    """Every account; from the web only an admin may see them (`by`), and a refusal is audited."""
    _acting(uow, by, "list users", "")
    return uow.users.all()


def authenticate(
    uow: UnitOfWork,
    name: str,
    password: str,
    *,
    lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
    origin: str | None = None,
    now: datetime | None = None,
) -> SessionGrant:
    """Check a name and password and open a session; records `login.succeeded` or `login.failed`.

    On success the caller commits. On failure the `login.failed` entry is committed here and
    `LoginRefused` raised. `origin` (e.g. the client address) goes into the audit entry.
    """
    at = _now(now)
    found = uow.users.credentials(name) if len(name) <= MAX_NAME_LENGTH else None
    reason = _check_credentials(uow, found, password)
    where = {"from": origin} if origin else {}
    if reason is not None:
        record_refusal(uow, ANONYMOUS, "login.failed", name[:MAX_NAME_LENGTH], {"reason": reason, **where}, at=at)
        raise LoginRefused(reason)
    user = found[0]  # type: ignore[index]
    token = secrets.token_urlsafe(32)
    expires_at = at + lifetime
    uow.sessions.add(token_digest(token), user.id, at, expires_at)
    details = {"session": token_digest(token)[:12], "expires_at": expires_at.isoformat(), **where}
    record(uow, user, "login.succeeded", user.name, details, at=at)
    return SessionGrant(token=token, csrf_token=csrf_token(token), user=user, expires_at=expires_at)


def resolve_session(uow: UnitOfWork, token: str | None, *, now: datetime | None = None) -> User:
    """The user a session token belongs to, or `SessionRefused` saying why not."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise SessionRefused("unknown")
    stored = uow.sessions.get(token_digest(token))
    if stored is None:
        raise SessionRefused("unknown")
    if stored.expires_at <= _now(now):
        raise SessionRefused("expired")
    user = uow.users.get(stored.user_id)
    if user is None or not user.active:
        raise SessionRefused("disabled")
    return user


def logout(uow: UnitOfWork, token: str | None, *, now: datetime | None = None) -> bool:
    """End a session; records `logout`. False (and nothing recorded) if there was no such session."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    digest = token_digest(token)
    stored = uow.sessions.get(digest)
    if stored is None or not uow.sessions.delete(digest):
        return False
    user = uow.users.get(stored.user_id)
    record(uow, user.name if user else f"user-{stored.user_id}", "logout", user.name if user else "", {"session": digest[:12]}, at=_now(now))
    return True


def purge_expired_sessions(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Delete sessions past their expiry (they are refused anyway); returns how many."""
    return uow.sessions.delete_expired(_now(now))


def authorize(uow: UnitOfWork, user: User, role: Role | tuple[Role, ...], action: str, subject: str = "") -> None:
    """Refuse `action` unless `user` holds `role` (or one of them); a refusal is audited and committed.

    For the web layer: call it first in every operator endpoint, before changing anything.
    """
    try:
        require_role(user, role, action)
    except PermissionDenied as denied:
        record_refusal(uow, denied.user, "permission.denied", subject, {"action": denied.action, "reason": denied.reason})
        raise


def token_digest(token: str) -> str:
    """What is stored for a session token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 keyed by the session token (which a page on
    another site cannot read), so it needs no storage and cannot be guessed."""
    mac = hmac.new(session_token.encode("utf-8"), CSRF_CONTEXT, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def check_csrf(session_token: str | None, presented: str | None) -> bool:
    """Whether `presented` is the CSRF token of this session, compared in constant time."""
    if not session_token or not presented:
        return False
    return hmac.compare_digest(csrf_token(session_token).encode("utf-8"), presented.encode("utf-8"))


def _check_credentials(uow: UnitOfWork, found: tuple[User, str] | None, password: str) -> str | None:
    """None if the password is right for an active user, else the reason (for the log only).

    An unknown name still costs one hash check, so timing does not reveal which names exist.
    """
    if found is None:
        _verify(_dummy_hash(), password)
        return "unknown user"
    user, stored = found
    if not _verify(stored, password):
        return "wrong password"
    if not user.active:
        return "account disabled"
    if _hasher.check_needs_rehash(stored):
        uow.users.set_password_hash(user.id, _hasher.hash(password))
    return None


def _verify(stored: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _acting(uow: UnitOfWork, by: User | None, action: str, subject: str) -> str:
    """The actor's name for the log, after checking an operator is an admin *now*: account
    changes take turns, and the admin is read again inside the turn, so an admin disabled or
    demoted by a change that just committed can no longer act on a session checked before it."""
    if by is None:
        return COMMAND_LINE
    uow.users.lock_all()
    authorize(uow, uow.users.get(by.id) or by, Role.ADMIN, action, subject)
    return by.name


@contextmanager
def _refusal_recorded(uow: UnitOfWork, actor: str, change: str, subject: str) -> Iterator[None]:
    """A refused account change (bad input, the last admin) is audited like a change that
    happened: recorded and committed as `user.change_refused`, then raised to the caller."""
    try:
        yield
    except InputError as refused:
        record_refusal(uow, actor, "user.change_refused", subject, {"change": change, "reason": refused.message})
        raise


def _existing(uow: UnitOfWork, name: str) -> User:
    """The account to change, found in any case, with account changes held to one at a time
    (checks such as "the last admin" read the other accounts)."""
    uow.users.lock_all()
    user = uow.users.by_name(name) if len(name) <= MAX_NAME_LENGTH else None
    if user is None:
        raise UnknownUser(name)
    return user


def _keep_an_admin(uow: UnitOfWork, user: User, change: str) -> None:
    """Refuse a change that would leave no enabled admin: nobody could manage accounts then."""
    if user.active and user.has(Role.ADMIN) and _active_admins(uow) == 1:
        raise LastAdmin(f"{user.name!r} is the last active admin and cannot {change}: make another admin first")


def _active_admins(uow: UnitOfWork) -> int:
    return sum(1 for user in uow.users.all() if user.active and user.has(Role.ADMIN))


def _names(roles: Iterable[Role]) -> list[str]:
    return sorted(role.value for role in roles)


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        raise ValueError("times must carry a time zone")
    return moment.astimezone(timezone.utc)
