"""Who may do what: issuers issue, approvers approve others' alerts, admins manage users."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from safezone.domain.accounts import (
    PermissionDenied,
    Role,
    User,
    require_admin,
    require_approver,
    require_issuer,
    require_role,
)
from safezone.domain.errors import InputError
from safezone.services.accounts import add_user, authorize, disable_user
from tests.accounts.conftest import PASSWORD, add, audit_actions, disable

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def person(name: str, *roles: Role, disabled: bool = False) -> User:
    return User(1, name, frozenset(roles), NOW, NOW if disabled else None)


def test_an_issuer_may_issue_and_nothing_else():
    olena = person("olena", Role.ISSUER)
    require_issuer(olena)
    with pytest.raises(PermissionDenied, match="needs the approver role"):
        require_approver(olena, submitted_by="petro")
    with pytest.raises(PermissionDenied, match="needs the admin role"):
        require_admin(olena)


def test_an_approver_approves_others_alerts_but_never_their_own():
    both = person("olena", Role.ISSUER, Role.APPROVER)
    require_approver(both, submitted_by="petro")
    with pytest.raises(PermissionDenied) as own:
        require_approver(both, submitted_by="olena")
    assert own.value.reason == "nobody approves or rejects their own alert"
    assert str(own.value) == "olena may not approve or reject this alert: nobody approves or rejects their own alert"


def test_an_approver_alone_may_not_issue():
    with pytest.raises(PermissionDenied):
        require_issuer(person("petro", Role.APPROVER))


def test_an_admin_manages_users_but_issues_nothing():
    admin = person("admin", Role.ADMIN)
    require_admin(admin)
    with pytest.raises(PermissionDenied):
        require_issuer(admin)
    with pytest.raises(PermissionDenied):
        require_approver(admin, submitted_by="olena")


def test_a_person_may_hold_every_role():
    everyone = person("olena", *Role)
    for role in Role:
        require_role(everyone, role, "act")


def test_a_disabled_account_may_do_nothing():
    gone = person("olena", *Role, disabled=True)
    for role in Role:
        with pytest.raises(PermissionDenied, match="disabled"):
            require_role(gone, role, "act")


def test_authorize_records_a_refusal_and_keeps_it(database):
    olena = add(database, "olena", "issuer")
    with database.unit_of_work() as uow:
        authorize(uow, olena, Role.ISSUER, "submit alerts", "alert-1")  # allowed: nothing recorded
        with pytest.raises(PermissionDenied):
            authorize(uow, olena, Role.APPROVER, "approve alerts", "alert-1")
        # the caller rolls back; the refusal stays
    assert audit_actions(database)[-1] == ("olena", "permission.denied", "alert-1")
    with database.unit_of_work() as uow:
        assert uow.audit.last(1)[0].details == {"action": "approve alerts", "reason": "it needs the approver role"}


def test_only_an_admin_adds_users_from_the_web(database):
    admin = add(database, "admin", "admin")
    issuer = add(database, "olena", "issuer")
    with database.unit_of_work() as uow:
        with pytest.raises(PermissionDenied):
            add_user(uow, "mallory", PASSWORD, ["admin"], by=issuer)
    with database.unit_of_work() as uow:
        assert uow.users.by_name("mallory") is None
        add_user(uow, "petro", PASSWORD, ["approver"], by=admin)
        uow.commit()
    actions = audit_actions(database)
    assert ("olena", "permission.denied", "mallory") in actions
    assert actions[-1] == ("admin", "user.added", "petro")


def test_only_an_admin_disables_users_from_the_web(database):
    add(database, "admin", "admin")
    issuer = add(database, "olena", "issuer")
    add(database, "petro", "approver")
    with database.unit_of_work() as uow:
        with pytest.raises(PermissionDenied):
            disable_user(uow, "petro", by=issuer)
    with database.unit_of_work() as uow:
        assert uow.users.by_name("petro").active


def test_the_last_active_admin_cannot_be_disabled(database):
    admin = add(database, "admin", "admin")
    with database.unit_of_work() as uow:
        with pytest.raises(InputError, match="last active admin"):
            disable_user(uow, "admin", by=admin)
    add(database, "second", "admin")
    assert not disable(database, "admin", by=admin).active


def test_disabling_twice_or_nobody_is_refused(database):
    add(database, "admin", "admin")
    add(database, "olena")
    disable(database, "olena")
    with database.unit_of_work() as uow:
        with pytest.raises(InputError, match="already disabled"):
            disable_user(uow, "olena")
        with pytest.raises(InputError, match="no user named 'nobody'"):
            disable_user(uow, "nobody")
