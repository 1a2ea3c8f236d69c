"""Whatever an operator types either is refused where it enters, with a 400 naming the field,
or goes out: a control character (NUL, ESC, a vertical tab, U+FFFE, a lone surrogate) once
passed compose, submit and approval and then made `issue` answer 500, leaving an approved Actual
alert that could never be issued. Newline and tab, which CAP allows, pass. Through the real app,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safezone.adapters.cap_xml import check
from safezone.domain.text import check_free_text
from safezone.domain.errors import InputError
from tests.support.app import Session, compose_body, login

BAD = ["\u0000", "\u001b", "\u000b", "\u0007", "\u007f", "\u0085", "\ufffe", "\uffff", "\ud800", "\udfff"]


def send(who: Session, url: str, body: dict | None = None):
    """POST `body` as JSON escaped to ASCII, as a browser would send it: a lone surrogate then
    travels as `\\ud800`, which httpx's own encoder (UTF-8) cannot write."""
    return who.api.post(url, headers={**who.headers, "Content-Type": "application/json"},
                        content=json.dumps(body if body is not None else {}))


def texts(**fields: str) -> dict:
    return {"en": {"headline": "Take shelter", **fields}}


@pytest.mark.parametrize("bad", BAD, ids=[f"U+{ord(c):04X}" for c in BAD])
def test_the_domain_check_refuses_control_characters_naming_the_field(bad):
    with pytest.raises(InputError) as refused:
        check_free_text(f"Take{bad} shelter", "texts.en.headline")
    assert refused.value.field == "texts.en.headline"
    assert f"U+{ord(bad):04X}" in refused.value.message


def test_newline_and_tab_pass():
    assert check_free_text("Go now.\nStay inside.\tWait.\r\n", "note") == "Go now.\nStay inside.\tWait.\r\n"


@pytest.mark.parametrize("bad", ["\u0000", "\u001b", "\u000b", "\ufffe", "\ud800"])
@pytest.mark.parametrize("where, body, field", [
    ("compose", lambda c: compose_body(texts=texts(headline=f"Take{c} shelter")), "texts.en.headline"),
    ("compose", lambda c: compose_body(texts=texts(description=f"Rockets{c}")), "texts.en.description"),
    ("compose", lambda c: compose_body(texts=texts(instruction=f"Go{c}")), "texts.en.instruction"),
    ("compose", lambda c: compose_body(texts=texts(event=f"Rocket{c}")), "texts.en.event"),
    ("compose", lambda c: compose_body(note=f"drill{c}"), "note"),
])
def test_compose_refuses_control_characters_where_they_enter(api, bad, where, body, field):
    alice = login(api, "alice")
    answer = send(alice, "/api/operator/alerts", body(bad))
    assert answer.status_code in (400, 422), answer.text  # 422: a lone surrogate JSON itself cannot decode
    assert answer.json()["field"] == field
    assert alice.get("/api/operator/alerts").json()["count"] == 0


def in_force(alice: Session, bob: Session) -> int:
    alert_id = send(alice, "/api/operator/alerts", compose_body(areas=("AAA-0-1",))).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    bob.post(f"/api/operator/alerts/{alert_id}/approve")
    assert alice.post(f"/api/operator/alerts/{alert_id}/issue").status_code == 200
    return alert_id


@pytest.mark.parametrize("ending", ["cancel", "all-clear", "update"])
@pytest.mark.parametrize("bad", ["\u001b", "\ud800"])
def test_endings_and_updates_refuse_control_characters_in_notes_and_texts(api, ending, bad):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = in_force(alice, bob)
    for body, field in (({"note": f"over{bad}"}, "note"), ({"texts": texts(headline=f"Over{bad}")}, "texts.en.headline")):
        answer = send(alice, f"/api/operator/alerts/{alert_id}/{ending}", body)
        assert answer.status_code in (400, 422), answer.text
        assert answer.json()["field"] == field
    assert alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"] == "issued"


@pytest.mark.parametrize("bad", ["\u0000", "\u001b", "\ud800"])
def test_a_rejection_reason_with_a_control_character_is_refused(api, bad):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = send(alice, "/api/operator/alerts", compose_body()).json()["alert"]["id"]
    alice.post(f"/api/operator/alerts/{alert_id}/submit")
    answer = send(bob, f"/api/operator/alerts/{alert_id}/reject", {"reason": f"wrong{bad}area"})
    assert answer.status_code in (400, 422) and answer.json()["field"] == "reason", answer.text
    assert alice.get(f"/api/operator/alerts/{alert_id}").json()["alert"]["state"] == "submitted"


# Any text at all, controls and surrogates included, at the lengths the API accepts.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_whatever_compose_submit_and_approve_accept_can_be_issued_and_ended(api):
    alice, bob = login(api, "alice"), login(api, "bob")

    @settings(max_examples=25, deadline=None)
    @given(headline=ANY_TEXT.filter(lambda t: t.strip()), description=ANY_TEXT, note=ANY_TEXT, ending_note=ANY_TEXT)
    def any_words(headline: str, description: str, note: str, ending_note: str) -> None:
        composed = send(alice, "/api/operator/alerts", compose_body(
            areas=("AAA-0-1",), texts=texts(headline=headline, description=description), note=note))
        if composed.status_code != 201:
            assert composed.status_code in (400, 422), composed.text
            return
        alert_id = composed.json()["alert"]["id"]
        assert alice.post(f"/api/operator/alerts/{alert_id}/submit").status_code == 200
        assert bob.post(f"/api/operator/alerts/{alert_id}/approve").status_code == 200
        issued = alice.post(f"/api/operator/alerts/{alert_id}/issue")
        assert issued.status_code == 200, issued.text  # nothing that passed approval fails to issue
        assert check(api.get(f"/api/alerts/{alert_id}/cap.xml").content).ok

        ending = send(alice, f"/api/operator/alerts/{alert_id}/cancel", {"note": ending_note})
        if ending.status_code != 200:  # refused where it entered: the templates' words still end it
            assert ending.status_code in (400, 422), ending.text
            ending = alice.post(f"/api/operator/alerts/{alert_id}/cancel")
        assert ending.status_code == 200, ending.text
        if ending.json()["state"] == "submitted":
            assert bob.post(f"/api/operator/alerts/{ending.json()['id']}/approve").status_code == 200
            assert alice.post(f"/api/operator/alerts/{ending.json()['id']}/issue").status_code == 200
        assert api.get("/api/alerts").json()["count"] == 0

    any_words()
