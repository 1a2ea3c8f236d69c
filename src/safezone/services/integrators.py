"""Integrators an admin registers: a signed webhook or a broker topic tree, with an area filter.

A webhook's signing secret is made here and returned once at registration (the integrator
needs it to verify our signatures); later answers never show it. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from safezone.adapters.channels.webhook import new_secret
from safezone.adapters.db import UnitOfWork
from safezone.domain.accounts import Role, User, require_role
from safezone.domain.errors import InputError
from safezone.domain.subscribers import Integrator, check_integrator, new_id
from safezone.services.audit import record

ID_PREFIX = "int_"


@dataclass(frozen=True)
class Registered:
    integrator: Integrator
    secret: str | None  # shown once


def register(uow: UnitOfWork, user: User, *, name: str, kind: str, url: str | None, topic_prefix: str | None,
             area_ids: tuple[str, ...], now: datetime, require_https: bool = True) -> Registered:
    require_role(user, Role.ADMIN, "integrator.add")
    name, kind, url, topic_prefix, area_ids = check_integrator(name, kind, url, topic_prefix, area_ids,
                                                               require_https=require_https)
    uow.integrators.lock_name(name)
    if uow.integrators.named(name) is not None:
        raise InputError(f"an integrator named {name!r} exists already", field="name")
    secret = new_secret() if kind == "webhook" else None
    integrator = Integrator(id=new_id(ID_PREFIX), name=name, kind=kind, area_ids=area_ids, created_at=now, url=url,
                            secret=secret, topic_prefix=topic_prefix)
    uow.integrators.add(integrator)
    record(uow, user, "integrator.added", f"integrator {integrator.id}",
           {"name": name, "kind": kind, "areas": len(area_ids)}, at=now)
    return Registered(integrator, secret)


def remove(uow: UnitOfWork, user: User, integrator_id: str, now: datetime) -> bool:
    require_role(user, Role.ADMIN, "integrator.remove")
    removed = uow.integrators.delete(integrator_id)
    if removed:
        record(uow, user, "integrator.removed", f"integrator {integrator_id}", {}, at=now)
    return removed
