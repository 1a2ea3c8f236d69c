"""Security of the operator side: login required, roles and the two-person rule checked on the
server, expired sessions refused, CSRF tokens required with cookies, refusals audited."""

from __future__ import annotations

from safezone.entrypoints.web import create_app
from tests.support.app import PASSWORD, Api, compose_body, login

OPERATOR_ACTIONS = [
    ("GET", "/api/operator/me"),
    ("GET", "/api/operator/options"),
    ("GET", "/api/operator/alerts"),
    ("POST", "/api/operator/alerts"),
    ("GET", "/api/operator/alerts/1"),
    ("POST", "/api/operator/alerts/1/submit"),
    ("POST", "/api/operator/alerts/1/approve"),
    ("POST", "/api/operator/alerts/1/reject"),
    ("POST", "/api/operator/alerts/1/issue"),
    ("POST", "/api/operator/alerts/1/update"),
    ("POST", "/api/operator/alerts/1/cancel"),
    ("POST", "/api/operator/alerts/1/all-clear"),
    ("POST", "/api/operator/logout"),
]


def _submitted(api, author) -> int:
    alert_id = author.post("/api/operator/alerts", compose_body()).json()["alert"]["id"]
    assert author.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
    return alert_id


def test_no_operator_action_without_login(api):
    for method, path in OPERATOR_ACTIONS:
        answer = api.request(method, path, json=compose_body() if path.endswith("alerts") else None)
        assert answer.status_code == 401, (method, path)
        assert answer.json()["error"] == "not_logged_in"
        forged = api.request(method, path, headers={"Authorization": "Bearer not-a-session"})
        assert forged.status_code == 401 and forged.json()["error"] == "session_unknown", (method, path)


def test_wrong_role_is_refused_and_recorded(api, container):
    alice, bob, dave = login(api, "alice"), login(api, "bob"), login(api, "dave")
    assert bob.post("/api/operator/alerts", compose_body()).status_code == 403  # approvers do not compose
    assert dave.post("/api/operator/alerts", compose_body()).status_code == 403  # nor do admins
    alert_id = _submitted(api, alice)
    refused = alice.post(f"/api/operator/alerts/{alert_id}/approve")
    assert refused.status_code == 403 and "approver" in refused.json()["reason"]
    with container.database.unit_of_work() as uow:
        denials = [e for e in uow.audit.last(50) if e.action == "permission.denied"]
        assert uow.alerts.get(alert_id).state == "submitted"
    assert [(e.actor, e.subject) for e in denials][-1] == ("alice", f"alert {alert_id}")


def test_nobody_approves_their_own_alert(api):
    carol, bob = login(api, "carol"), login(api, "bob")
    alert_id = _submitted(api, carol)
    own = carol.post(f"/api/operator/alerts/{alert_id}/approve")
    assert own.status_code == 403 and "their own" in own.json()["reason"]
    assert carol.post(f"/api/operator/alerts/{alert_id}/reject", {"reason": "mine"}).status_code == 403
    rejected = bob.post(f"/api/operator/alerts/{alert_id}/reject", {"reason": "wrong threat class"})
    assert rejected.json()["state"] == "rejected" and rejected.json()["workflow"]["rejection_reason"] == "wrong threat class"
    assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 409


def test_a_step_the_state_does_not_allow_is_refused_and_recorded(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = _submitted(api, alice)
    assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
    again = bob.post(f"/api/operator/alerts/{alert_id}/approve")
    assert again.status_code == 409
    with container.database.unit_of_work() as uow:
        refused = [e for e in uow.audit.last(50) if e.action == "alert.step_refused"]
        assert uow.alerts.get(alert_id).state == "approved"
    assert [(e.actor, e.subject, e.details["action"]) for e in refused] == [("bob", f"alert {alert_id}", "alert.approved")]


def test_an_expired_session_is_refused(api, clock):
    alice = login(api, "alice")
    assert alice.get("/api/operator/me").status_code == 200
    clock.advance(hours=8, seconds=1)
    answer = alice.get("/api/operator/me")
    assert answer.status_code == 401 and answer.json()["error"] == "session_expired"
    assert alice.post("/api/operator/alerts", compose_body()).status_code == 401


def test_logout_ends_the_session(api):
    alice = login(api, "alice")
    assert alice.post("/api/operator/logout").status_code == 204
    assert alice.get("/api/operator/me").status_code == 401


def test_cookie_sessions_need_the_csrf_token_for_changes(container):
    browser = Api(create_app(container, sweep=False))
    try:
        answer = browser.post("/api/operator/login", json={"username": "alice", "password": PASSWORD})
        assert answer.status_code == 200
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        csrf = answer.json()["csrf_token"]
        assert browser.get("/api/operator/me").status_code == 200  # reading needs no token
        forged = browser.post("/api/operator/alerts", json=compose_body())
        assert forged.status_code == 403 and forged.json()["error"] == "csrf"
        wrong = browser.post("/api/operator/alerts", json=compose_body(), headers={"X-CSRF-Token": "x" * 43})
        assert wrong.status_code == 403
        good = browser.post("/api/operator/alerts", json=compose_body(), headers={"X-CSRF-Token": csrf})
        assert good.status_code == 201
    finally:
        browser.close()


def test_wrong_password_is_refused_without_saying_why(api):
    for name, password in (("alice", "not the password"), ("nobody", PASSWORD)):
        answer = api.post("/api/operator/login", json={"username": name, "password": password})
        assert answer.status_code == 401
        assert answer.json()["reason"] == "wrong user name or password, or the account is disabled"
