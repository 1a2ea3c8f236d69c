"""Operators, their roles, and who may do what — as pure checks the server runs on every action.

Roles (a person may hold several):

- **issuer** composes an alert, previews it, submits it, and issues Update, Cancel and
  all-clear for alerts in force. Exercise and Test alerts need no second person.
- **approver** approves or rejects an Actual alert submitted by *someone else*: nobody approves
  their own alert, whatever roles they hold (the two-person rule that makes a lone mistake,
  like Hawaii's in 2018, impossible).
- **admin** manages operator accounts: adds users, changes roles, disables and enables users,
  resets passwords. There is always at least one enabled admin.
- **analyst** records incidents (impacts, debris, damage reported) and assesses how well the
  warnings covered them; an analyst issues nothing.

Residents' shelter reports are handled (dismissed, or the shelter closed) by issuers and admins
(`domain.shelter_reports.require_handler`).

The checks raise `PermissionDenied`; the web layer turns it into 403 and the refusal goes to
the audit log like any other action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Iterable

from safezone.domain.errors import InputError

# The password rule, and why: 12 characters resist guessing (a long phrase is easier to remember
# than a short jumble); hashing is deliberately slow, so an unbounded password would let one
# request burn the CPU; and a password of spaces alone is one anybody would guess.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
PASSWORD_RULE = (f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters, not only spaces "
                 "(long enough to resist guessing, short enough to hash quickly)")
MAX_NAME_LENGTH = 64
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class Role(StrEnum):
    ISSUER = "issuer"
    APPROVER = "approver"
    ADMIN = "admin"
    ANALYST = "analyst"


@dataclass(frozen=True)
class User:
    """An operator account. The password hash never leaves the storage layer."""

    id: int
    name: str
    roles: frozenset[Role]
    created_at: datetime
    disabled_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def has(self, role: Role) -> bool:
        return role in self.roles


class PermissionDenied(Exception):
    """An operator tried something their account does not allow; says who, what and why."""

    def __init__(self, user: str, action: str, reason: str) -> None:
        super().__init__(f"{user} may not {action}: {reason}")
        self.user = user
        self.action = action
        self.reason = reason


class UnknownUser(InputError):
    """No account has this name (in any case)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no user named {name!r}", field="name")


class LastAdmin(InputError):
    """A change that would leave no enabled admin, so nobody could manage accounts any more."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="name")


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """Role names as typed by a person (any case), checked; at least one is needed."""
    roles: set[Role] = set()
    for value in values:
        try:
            roles.add(Role(value.strip().lower()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise InputError(f"unknown role {value!r} (roles: {known})", field="role") from None
    if not roles:
        raise InputError("a user needs at least one role", field="role")
    return frozenset(roles)


def check_user_name(name: str) -> str:
    """A login name: 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit."""
    if not NAME_PATTERN.fullmatch(name):
        raise InputError(
            f"invalid user name {name!r}: use 1–64 letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit",
            field="name",
        )
    return name


def check_password(password: str) -> str:
    """A new password that follows `PASSWORD_RULE`; the refusal says the rule and its reason."""
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = f"password too short: {len(password)} characters, at least {MIN_PASSWORD_LENGTH} needed"
    elif len(password) > MAX_PASSWORD_LENGTH:
        problem = f"password too long: {len(password)} characters, at most {MAX_PASSWORD_LENGTH}"
    elif not password.strip():
        problem = "password is only spaces"
    else:
        return password
    raise InputError(f"{problem}; a password is {PASSWORD_RULE}", field="password")


def require_role(user: User, role: Role | tuple[Role, ...], action: str) -> None:
    """Refuse `action` unless `user` is active and holds `role` (or one of several roles)."""
    wanted = role if isinstance(role, tuple) else (role,)
    if not user.active:
        raise PermissionDenied(user.name, action, "the account is disabled")
    if not any(user.has(one) for one in wanted):
        raise PermissionDenied(user.name, action, f"it needs the {' or '.join(r.value for r in wanted)} role")


def require_issuer(user: User, action: str = "compose or change alerts") -> None:
    require_role(user, Role.ISSUER, action)


def require_admin(user: User, action: str = "manage users") -> None:
    require_role(user, Role.ADMIN, action)


def require_analyst(user: User, action: str = "record or assess incidents") -> None:
    require_role(user, Role.ANALYST, action)


def require_approver(user: User, submitted_by: str, action: str = "approve or reject this alert") -> None:
    """An approver, and not the person who submitted the alert: two people, always."""
    require_role(user, Role.APPROVER, action)
    if user.name == submitted_by:
        raise PermissionDenied(user.name, action, "nobody approves or rejects their own alert")
