"""Residents' subscriptions, without an account: create, read, change, delete, confirm e-mail.

The manage token is returned once by `subscribe` and kept only as its SHA-256; every later
step needs it. Deleting deletes the row and its areas (nothing is kept). A new or changed
e-mail address is unconfirmed until its link is opened; the delivery worker mails the link.
Each step that changes a subscription is one unit of work holding the row's lock.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable

from safezone.adapters.db import Database
from safezone.domain.errors import InputError
from safezone.domain.subscribers import (
    Subscription,
    SubscriptionRequest,
    KNOWN_PUSH_SERVICES,
    check_request,
    digest,
    new_id,
    new_token,
)

ID_PREFIX = "sub_"
TOKEN_PREFIX = "szm_"
EMAIL_TOKEN_PREFIX = "sze_"


class SubscriptionNotFound(LookupError):
    """No such subscription, or the wrong token (the two are not told apart)."""


@dataclass(frozen=True)
class Created:
    subscription: Subscription
    token: str  # shown once


class SubscriptionService:
    def __init__(self, database: Database, clock: Callable[[], datetime], *, require_https: bool = True,
                 push_services: tuple[str, ...] | None = KNOWN_PUSH_SERVICES) -> None:
        self.database = database
        self.clock = clock
        self.require_https = require_https
        self.push_services = push_services

    def subscribe(self, wanted: SubscriptionRequest) -> Created:
        wanted = check_request(wanted, require_https=self.require_https, push_services=self.push_services)
        now = self.clock()
        token = new_token(TOKEN_PREFIX)
        email_token = None if wanted.email is None else new_token(EMAIL_TOKEN_PREFIX)
        subscription = Subscription(id=new_id(ID_PREFIX), place=wanted.place, area_ids=wanted.area_ids,
                                    languages=wanted.languages, drills=wanted.drills, push=wanted.push,
                                    email=wanted.email, email_confirmed=False, created_at=now, updated_at=now)
        with self.database.unit_of_work() as uow:
            uow.subscribers.add(subscription, digest(token), email_token, uow.zones.active_resolution())
            uow.commit()
        return Created(subscription, token)

    def get(self, subscriber_id: str, token: str) -> Subscription:
        with self.database.unit_of_work(read_only=True) as uow:
            return _owned(uow.subscribers.get(subscriber_id), token)

    def change(self, subscriber_id: str, token: str, wanted: SubscriptionRequest) -> Subscription:
        """Replace what the subscriber asked for (a moved device sends its new place)."""
        wanted = check_request(wanted, require_https=self.require_https, push_services=self.push_services)
        with self.database.unit_of_work() as uow:
            current = _owned(uow.subscribers.get(subscriber_id, for_update=True), token)
            email_changed = wanted.email != current.email
            changed = replace(current, place=wanted.place, area_ids=wanted.area_ids, languages=wanted.languages,
                              drills=wanted.drills, push=wanted.push, email=wanted.email,
                              email_confirmed=current.email_confirmed and not email_changed,
                              updated_at=self.clock())
            email_token = new_token(EMAIL_TOKEN_PREFIX) if email_changed and wanted.email else None
            uow.subscribers.save(changed, email_token, email_changed, uow.zones.active_resolution())
            uow.commit()
            return changed

    def delete(self, subscriber_id: str, token: str) -> None:
        with self.database.unit_of_work() as uow:
            _owned(uow.subscribers.get(subscriber_id, for_update=True), token)
            uow.subscribers.delete(subscriber_id)
            uow.commit()

    def confirm_email(self, subscriber_id: str, email_token: str) -> None:
        """The double opt-in's link: from now on the address receives warnings."""
        with self.database.unit_of_work() as uow:
            self._check_email_token(uow, subscriber_id, email_token)
            uow.subscribers.confirm_email(subscriber_id, self.clock())
            uow.commit()

    def unsubscribe_email(self, subscriber_id: str, email_token: str) -> None:
        """RFC 8058 one-click unsubscribe: the address is forgotten, any other channel stays."""
        with self.database.unit_of_work() as uow:
            self._check_email_token(uow, subscriber_id, email_token)
            uow.subscribers.drop_channel(subscriber_id, "email", self.clock())
            uow.commit()

    def _check_email_token(self, uow, subscriber_id: str, email_token: str) -> None:  # type: ignore[no-untyped-def]
        found = uow.subscribers.get(subscriber_id, for_update=True)
        stored = uow.subscribers.email_token_hash(subscriber_id) if found else None
        if stored is None or not hmac.compare_digest(stored, digest(email_token)):
            raise SubscriptionNotFound(subscriber_id)


def _owned(found: tuple[Subscription, str] | None, token: str) -> Subscription:
    if found is None or not hmac.compare_digest(found[1], digest(token)):
        raise SubscriptionNotFound("no such subscription, or a wrong manage token")
    return found[0]


def email_links(public_url: str, subscriber_id: str, email_token: str) -> tuple[str, str]:
    """(confirmation link, one-click unsubscribe URL) for a subscriber's address."""
    base = public_url.rstrip("/") + f"/api/subscriptions/{subscriber_id}"
    return f"{base}/confirm?token={email_token}", f"{base}/unsubscribe?token={email_token}"


__all__ = ["Created", "InputError", "SubscriptionNotFound", "SubscriptionService", "email_links"]
