"""The console's accounts and audit screens in Chromium against a real server, on SQLite and
PostgreSQL: an admin adds an operator who then logs in, disables them, changes another's roles
(and is told why the last admin cannot go); the audit screen filters and says, in words, that
the chain is verified. Screens follow the role: an issuer sees neither, an approver reads the
log but cannot verify."""

from __future__ import annotations

import httpx
import pytest

from tests.pages.accessibility import serious_violations
from tests.pages.browsing import screenshot
from tests.pages.conftest import Operator
from tests.pages.test_console import console
from tests.support.app import PASSWORD

pytestmark = pytest.mark.browser
NEW_PASSWORD = "erin's long passphrase"


def screen(page, name: str) -> None:
    """Open one of the console's screens, as a person would: by its button."""
    page.locator("#screens").get_by_role("button", name=name).click()


def test_an_admin_adds_an_operator_who_logs_in_then_disables_them(served, chromium):
    dave = console(chromium, served.url, "dave")
    dave.on("dialog", lambda dialog: dialog.accept())  # every change is confirmed first
    screen(dave, "Accounts")
    dave.wait_for_selector("#accounts-table tr[data-user='alice']")
    assert dave.locator("#alerts-view").is_hidden()
    dave.fill("#new-name", "erin")
    dave.fill("#new-password", NEW_PASSWORD)
    dave.check("#new-role-approver")
    dave.click("#account-add button[type=submit]")
    row = dave.locator("#accounts-table tr[data-user='erin']")
    row.wait_for()
    assert "enabled" in row.inner_text()
    assert row.locator("#roles-erin-issuer").is_checked() and row.locator("#roles-erin-approver").is_checked()
    screenshot(dave, "console-accounts")
    assert serious_violations(dave) == []

    erin = console(chromium, served.url, "erin", password=NEW_PASSWORD)
    assert "erin" in erin.locator("#who").inner_text()
    assert erin.locator("#screens [data-screen='accounts-view']").is_hidden()  # an approver reads the log only
    assert erin.locator("#screens [data-screen='audit-view']").is_visible()

    row.get_by_role("button", name="Disable").click()
    dave.wait_for_selector("#accounts-table tr[data-user='erin'] td.disabled")
    assert "DISABLED" in dave.locator("#accounts-table tr[data-user='erin']").inner_text()
    refused = httpx.post(served.url + "/api/operator/login", json={"username": "erin", "password": NEW_PASSWORD})
    assert refused.status_code == 401

    alice = dave.locator("#accounts-table tr[data-user='alice']")
    alice.locator("#roles-alice-issuer").uncheck()
    alice.locator("#roles-alice-approver").check()
    alice.get_by_role("button", name="Save the roles").click()
    dave.wait_for_function("document.querySelector('#status').textContent === 'Account alice changed.'")
    assert Operator(served.url, "alice").client.get("/api/operator/me").json()["roles"] == ["approver"]

    dave.locator("#accounts-table tr[data-user='dave']").get_by_role("button", name="Disable").click()
    dave.wait_for_function("document.querySelector('#accounts-error').textContent.includes('last active admin')")
    dave.fill("#new-name", "frank")
    dave.fill("#new-password", "short")
    dave.click("#account-add button[type=submit]")
    dave.wait_for_function("document.querySelector('#accounts-error').textContent.includes('(password)')")


def test_the_audit_screen_filters_and_says_the_chain_is_verified(served, chromium):
    Operator(served.url, "alice")  # a login: an entry by alice
    bob = console(chromium, served.url, "bob")
    screen(bob, "Audit log")
    bob.wait_for_selector("#audit-table tr[data-seq]")
    assert bob.locator("#audit-verdict").inner_text() == "Only an admin can verify the chain."

    issuer = console(chromium, served.url, "alice")
    assert issuer.locator("#screens").is_hidden()

    dave = console(chromium, served.url, "dave")
    screen(dave, "Audit log")
    dave.wait_for_selector("#audit-verdict[data-intact='true']")
    verdict = dave.locator("#audit-verdict").inner_text()
    assert verdict.startswith("✓ Verified: the chain of ") and " entries is intact" in verdict
    dave.fill("#audit-actor", "alice")
    dave.click("#audit-filters button[type=submit]")
    dave.wait_for_function("[...document.querySelectorAll('#audit-table tbody tr')].every(r => r.children[2].textContent === 'alice')")
    actions = dave.locator("#audit-table tbody tr td:nth-child(4)").all_inner_texts()
    assert actions and set(actions) == {"login.succeeded"}
    screenshot(dave, "console-audit")
    assert serious_violations(dave) == []

    dave.fill("#audit-alert", "seven")
    dave.click("#audit-filters button[type=submit]")
    dave.wait_for_function("document.querySelector('#audit-error').textContent.startsWith('alert: ')")
    dave.select_option("#lang", "uk")
    dave.wait_for_function("document.querySelector('#audit-verdict').textContent.startsWith('✓ Перевірено')")
    assert dave.locator("#audit-title").inner_text() == "Журнал аудиту"
