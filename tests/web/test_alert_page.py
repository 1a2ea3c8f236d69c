"""Each issued alert has a page a person reads, where CAP's `<web>` points: the alert's own
words in the language asked for (or the browser's), what to do, the areas, whether it is still
in force or how it ended, drills marked first; plain HTML, the operators' words always as text.
On SQLite and PostgreSQL."""

from __future__ import annotations

from lxml import etree

from tests.support.app import issue_alert, login

CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def test_cap_web_leads_to_the_alerts_own_page_in_the_readers_language(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob, areas=("AAA-0-1", "BBB-0-1"))
    cap = etree.fromstring(api.get(f"/api/alerts/{alert_id}/cap.xml").content)
    webs = set(cap.xpath("//cap:info/cap:web/text()", namespaces=CAP))
    assert webs == {f"http://127.0.0.1:8000/alerts/{alert_id}"}, webs
    alert = api.get(f"/api/alerts/{alert_id}").json()
    by_language = {text["language"]: text for text in alert["texts"]}

    page = api.get(f"/alerts/{alert_id}", headers={"Accept-Language": "fr;q=1, uk-UA;q=0.9, en;q=0.5"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"].startswith("uk")
    body = page.text
    assert '<html lang="uk' in body and by_language["uk"]["headline"] in body
    assert "Що робити" in body and "Діє до" in body  # the page's own words in Ukrainian too
    for area in alert["areas"]:
        assert area["name"] in body
    assert f'href="/api/alerts/{alert_id}/cap.xml"' in body and 'href="/"' in body
    assert f'href="/alerts/{alert_id}?lang=en"' in body  # the other languages one link away

    english = api.get(f"/alerts/{alert_id}?lang=en").text
    assert '<html lang="en' in english and by_language["en"]["headline"] in english and "What to do" in english
    assert api.get(f"/alerts/{alert_id}").headers["content-language"] == alert["texts"][0]["language"]
    assert api.get(f"/alerts/{alert_id}?lang=de").headers["content-language"] == alert["texts"][0]["language"]


def test_the_page_says_how_an_alert_ended_and_marks_a_drill_before_anything(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    alert_id = issue_alert(alice, bob)
    assert alice.post(f"/api/operator/alerts/{alert_id}/cancel").status_code == 200
    cancelled = api.get(f"/alerts/{alert_id}?lang=en").text
    assert "Cancelled: this alert was withdrawn." in cancelled and "In force until" not in cancelled
    assert "Time to shelter" not in cancelled  # no countdown words for an alert that is over

    drill_id = issue_alert(alice, bob, status="Exercise")
    drill = api.get(f"/alerts/{drill_id}?lang=ru").text
    banner = drill.index('class="drill-banner"')
    assert banner < drill.index("<h1>") and 'class="alert-page drill"' in drill
    assert "<title>[" in drill and 'href="/drills"' in drill


def test_the_operators_own_words_are_shown_as_text_never_as_markup(api, container):
    alice, bob = login(api, "alice"), login(api, "bob")
    words = {"headline": "Shelter now <script>alert(1)</script>", "instruction": "Go down\n<b>now</b> & stay",
             "description": "Line one\nLine two"}
    alert_id = issue_alert(alice, bob, languages=["en"], texts={"en": words})
    body = api.get(f"/alerts/{alert_id}").text
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<p>&lt;b&gt;now&lt;/b&gt; &amp; stay</p>" in body and "<p>Line one</p><p>Line two</p>" in body


def test_an_unknown_or_unissued_alert_has_no_page(api, container):
    alice = login(api, "alice")
    draft = alice.post("/api/operator/alerts", {"status": "Actual", "threat": "short range",
                                                "areas": ["AAA-0-1"]}).json()["alert"]["id"]
    for path in (f"/alerts/{draft}", "/alerts/999999", "/alerts/0", "/alerts/x"):
        answer = api.get(path)
        assert 400 <= answer.status_code < 500 and answer.status_code != 200, (path, answer.status_code)
    assert api.get("/alerts/1?lang=" + "x" * 5000).status_code in (200, 404)  # a long lang is cut, never a 500
