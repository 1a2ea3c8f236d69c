"""Account administration over the operator API (`/api/operator/users`), on SQLite and
PostgreSQL: only admins, every change and refusal audited, disabling ends sessions, and the
last enabled admin stays one even when two admins act against each other at the same moment."""

from __future__ import annotations

import pytest

from safezone.domain.accounts import Role

from safezone.entrypoints.web import create_app
from tests.support.app import PASSWORD, Api, api, clock, compose_body, container, login, make_container  # noqa: F401  (fixtures)
from tests.web.test_races import at_once, codes

USERS = "/api/operator/users"


def audit(container, subject: str) -> list[tuple[str, str]]:
    with container.database.unit_of_work() as uow:
        return [(e.actor, e.action) for e in uow.audit.entries() if e.subject == subject]


def test_only_an_admin_lists_and_a_refusal_is_audited(api, container):
    listing = login(api, "dave").get(USERS)
    assert listing.status_code == 200
    assert [(u["name"], u["roles"], u["active"]) for u in listing.json()["users"]] == [
        ("alice", ["issuer"], True), ("bob", ["approver"], True), ("carol", ["approver", "issuer"], True),
        ("dave", ["admin"], True)]
    refused = login(api, "alice").post(USERS, {"name": "mallory", "password": PASSWORD, "roles": ["admin"]})
    assert refused.status_code == 403 and "it needs the admin role" in refused.json()["reason"]
    assert audit(container, "mallory") == [("alice", "permission.denied")]
    assert login(api, "alice").get(USERS).status_code == 403


def test_an_admin_adds_a_user_once_whatever_the_case(api, container):
    dave = login(api, "dave")
    added = dave.post(USERS, {"name": "Erin", "password": PASSWORD, "roles": ["Issuer", "approver"]})
    assert added.status_code == 201 and added.json()["roles"] == ["approver", "issuer"]
    twin = dave.post(USERS, {"name": "erin", "password": PASSWORD, "roles": ["issuer"]})
    assert twin.status_code == 400
    assert twin.json() == {"error": "bad_input", "field": "name",
                           "reason": "user 'erin' already exists as 'Erin' (names are the same in any case)"}
    spaces = dave.post(USERS, {"name": "frank", "password": " " * 12, "roles": ["issuer"]})
    assert spaces.status_code == 400 and spaces.json()["field"] == "password"
    assert spaces.json()["reason"].startswith("password is only spaces; a password is 12 to 1024 characters")
    assert login(api, "ERIN").name == "ERIN"
    assert audit(container, "Erin") == [("dave", "user.added"), ("Erin", "login.succeeded")]
    assert audit(container, "erin") == [("dave", "user.change_refused")]
    assert audit(container, "frank") == [("dave", "user.change_refused")]


def test_disabling_ends_sessions_and_enabling_lets_the_user_back(api, container):
    dave, alice = login(api, "dave"), login(api, "alice")
    disabled = dave.post(f"{USERS}/alice/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert alice.get("/api/operator/me").status_code == 401
    assert api.post("/api/operator/login", json={"username": "alice", "password": PASSWORD}).status_code == 401
    assert dave.post(f"{USERS}/Alice/enable").json()["active"] is True
    assert login(api, "alice").get("/api/operator/me").status_code == 200
    changes = [entry for entry in audit(container, "alice") if entry[1] not in ("user.added", "login.succeeded")]
    assert changes == [("dave", "user.disabled"), ("anonymous", "login.failed"), ("dave", "user.enabled")]


def test_a_reset_password_ends_the_old_sessions(api, container):
    dave, alice = login(api, "dave"), login(api, "alice")
    assert dave.post(f"{USERS}/alice/password", {"password": "a brand new passphrase"}).status_code == 200
    assert alice.get("/api/operator/me").status_code == 401
    again = api.post("/api/operator/login", json={"username": "alice", "password": "a brand new passphrase"})
    assert again.status_code == 200
    assert ("dave", "user.password_reset") in audit(container, "alice")


def test_roles_change_at_the_next_request_and_the_last_admin_keeps_admin(api, container):
    dave, alice = login(api, "dave"), login(api, "alice")
    changed = api.request("PUT", f"{USERS}/alice/roles", headers=dave.headers, json={"roles": ["approver"]})
    assert changed.status_code == 200 and changed.json()["roles"] == ["approver"]
    assert alice.get("/api/operator/me").json()["roles"] == ["approver"]
    last = api.request("PUT", f"{USERS}/dave/roles", headers=dave.headers, json={"roles": ["issuer"]})
    assert last.status_code == 409
    assert last.json()["reason"] == "'dave' is the last active admin and cannot lose the admin role: make another admin first"
    assert dave.post(f"{USERS}/dave/disable").status_code == 409
    assert audit(container, "dave")[-2:] == [("dave", "user.change_refused"), ("dave", "user.change_refused")]
    unknown = dave.post(f"{USERS}/nobody/enable")
    assert unknown.status_code == 404 and unknown.json()["reason"] == "no user named 'nobody'"


def test_a_role_taken_away_is_refused_at_the_very_next_request(api):
    dave, alice = login(api, "dave"), login(api, "alice")
    assert alice.post("/api/operator/alerts", compose_body()).status_code == 201
    assert api.request("PUT", f"{USERS}/alice/roles", headers=dave.headers, json={"roles": ["approver"]}).status_code == 200
    refused = alice.post("/api/operator/alerts", compose_body())
    assert refused.status_code == 403, refused.text
    assert api.request("PUT", f"{USERS}/alice/roles", headers=dave.headers, json={"roles": ["issuer"]}).status_code == 200
    assert alice.post("/api/operator/alerts", compose_body()).status_code == 201


@pytest.fixture
def busy_api(db_url, sample_zones, clock):
    """The app with room for the many logins a repeated race needs."""
    built = make_container(db_url, sample_zones, clock, login_rate_per_minute=6000, login_burst=1000)
    client = Api(create_app(built, sweep=False))
    yield client, built
    client.close()
    built.close()


@pytest.mark.parametrize("move", ["disable", "demote"])
def test_two_admins_acting_against_each_other_at_once_leave_one_admin(busy_api, move):
    api, container = busy_api
    dave = login(api, "dave")
    assert dave.post(USERS, {"name": "erin", "password": PASSWORD, "roles": ["admin"]}).status_code == 201
    erin = login(api, "erin")

    def against(actor, target):
        if move == "disable":
            return lambda: actor.post(f"{USERS}/{target}/disable")
        return lambda: api.request("PUT", f"{USERS}/{target}/roles", headers=actor.headers, json={"roles": ["issuer"]})

    for _ in range(5):
        answers = codes(at_once(against(dave, "erin"), against(erin, "dave")))
        # The loser is refused: 409 (the last admin), or, when the winner committed first, 403
        # (no longer an admin) or 401 (disabled: its session ended).
        assert sorted(answers) in ([200, 401], [200, 403], [200, 409]), answers
        winner = ("dave", "erin")[answers.index(200)]
        with container.database.unit_of_work() as uow:
            admins = [u.name for u in uow.users.all() if u.active and u.has(Role.ADMIN)]
        assert admins == [winner]
        loser = "erin" if winner == "dave" else "dave"
        restore = login(api, winner)
        if move == "disable":
            assert restore.post(f"{USERS}/{loser}/enable").status_code == 200
        else:
            assert api.request("PUT", f"{USERS}/{loser}/roles", headers=restore.headers,
                               json={"roles": ["admin"]}).status_code == 200
        dave, erin = login(api, "dave"), login(api, "erin")


def test_two_admins_disabling_or_enabling_one_account_at_once_change_it_once(busy_api):
    api, container = busy_api
    dave = login(api, "dave")
    assert dave.post(USERS, {"name": "erin", "password": PASSWORD, "roles": ["admin"]}).status_code == 201
    erin = login(api, "erin")
    for _ in range(3):
        for move, active in (("disable", False), ("enable", True)):
            answers = at_once(lambda: dave.post(f"{USERS}/alice/{move}"), lambda: erin.post(f"{USERS}/alice/{move}"))
            assert sorted(codes(answers)) == [200, 400], [a.text for a in answers]
            loser = answers[codes(answers).index(400)].json()
            assert loser["field"] == "name" and f"already {move}d" in loser["reason"]
            with container.database.unit_of_work() as uow:
                assert uow.users.by_name("alice").active is active
    changes = [action for _, action in audit(container, "alice") if action.startswith("user.")]
    assert changes == ["user.added"] + ["user.disabled", "user.change_refused", "user.enabled", "user.change_refused"] * 3
