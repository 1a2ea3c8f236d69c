"""Account administration for admins: list, add, enable or disable, reset a password, change
roles. The same use cases as `safezone users`, with the admin as the actor: every change and
every refusal (not an admin, bad input, the last admin) goes into the audit log."""

from __future__ import annotations

from typing import Annotated, Callable

from fastapi import APIRouter, Depends, Path

from safezone.bootstrap import Container
from safezone.domain.accounts import User
from safezone.entrypoints.web.deps import Operator, operator, services
from safezone.entrypoints.web.schemas import PasswordIn, RolesIn, UserIn, UserOut, UsersOut
from safezone.services import accounts

router = APIRouter(prefix="/api/operator/users")
Services = Annotated[Container, Depends(services)]
Admin = Annotated[Operator, Depends(operator)]
Name = Annotated[str, Path(min_length=1, max_length=200, description="A user name, in any case")]


@router.get("", response_model=UsersOut, summary="Every operator account (admins only)")
def list_users(who: Admin, services: Services) -> dict:
    with services.database.unit_of_work() as uow:  # a refusal is written to the audit log
        people = accounts.list_users(uow, by=who.user)
    return {"users": [user_out(user) for user in people]}


@router.post("", response_model=UserOut, status_code=201, summary="Add an operator account")
def add_user(body: UserIn, who: Admin, services: Services) -> dict:
    return _change(services, who, accounts.add_user, body.name, body.password, body.roles)


@router.post("/{name}/disable", response_model=UserOut,
             summary="Disable an account and end its sessions (never the last enabled admin)")
def disable_user(name: Name, who: Admin, services: Services) -> dict:
    return _change(services, who, accounts.disable_user, name)


@router.post("/{name}/enable", response_model=UserOut, summary="Let a disabled account log in again")
def enable_user(name: Name, who: Admin, services: Services) -> dict:
    return _change(services, who, accounts.enable_user, name)


@router.post("/{name}/password", response_model=UserOut,
             summary="Set a new password and end the account's sessions")
def reset_password(name: Name, body: PasswordIn, who: Admin, services: Services) -> dict:
    return _change(services, who, accounts.reset_password, name, body.password)


@router.put("/{name}/roles", response_model=UserOut,
            summary="Replace an account's roles (the last enabled admin keeps the admin role)")
def set_roles(name: Name, body: RolesIn, who: Admin, services: Services) -> dict:
    return _change(services, who, accounts.set_roles, name, body.roles)


def user_out(user: User) -> dict:
    return {"name": user.name, "roles": sorted(r.value for r in user.roles), "active": user.active,
            "created_at": user.created_at.isoformat(),
            "disabled_at": user.disabled_at.isoformat() if user.disabled_at else None}


def _change(services: Container, who: Operator, change: Callable[..., User], *args: object) -> dict:
    """One account change by the logged-in admin, in one unit of work, at the service's clock."""
    with services.database.unit_of_work() as uow:
        user = change(uow, *args, by=who.user, now=services.clock())
        uow.commit()
    return user_out(user)
