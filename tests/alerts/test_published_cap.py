"""The CAP messages we publish satisfy strict consumers and our own validator: whom to contact,
a page for the alert, what an Exercise exercises, and one media type wherever we serve CAP."""

from __future__ import annotations

import pytest
from lxml import etree

from safezone.adapters.cap_xml import CAP_MIME_TYPE, check
from safezone.bootstrap import Settings
from safezone.domain.alerts import AlertKind
from safezone.domain.cap import TIME_TO_SHELTER_NAME, Status
from safezone.services.alerts import AlertSettings, Composition
from tests.support.app import make_container

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"


def _users(container):
    with container.database.unit_of_work() as uow:
        return uow.users.by_name("alice"), uow.users.by_name("bob")


def _issued(container, status: Status, note: str | None = None) -> int:
    alice, bob = _users(container)
    service = container.alerts
    draft = service.compose(alice, Composition(status=status, threat="short range", languages=("en", "uk", "ru"),
                                               area_ids=("AAA-0-1", "AAA-1-1", "BBB-0-1"), note=note)).alert
    service.submit(alice, draft.id)
    if status is Status.ACTUAL:
        service.approve(bob, draft.id)
    return service.issue(alice, draft.id).id


def _approve_if_needed(container, alert) -> int:
    alice, bob = _users(container)
    if alert.state.value == "submitted":
        container.alerts.approve(bob, alert.id)
        return container.alerts.issue(alice, alert.id).id
    return alert.id


def _cap(container, alert_id: int) -> bytes:
    with container.database.unit_of_work() as uow:
        return uow.alerts.cap_xml(alert_id)


@pytest.mark.parametrize("status", [Status.ACTUAL, Status.EXERCISE, Status.TEST])
def test_every_message_we_issue_passes_our_own_validator_without_a_warning(container, status):
    alice, _ = _users(container)
    ids = [_issued(container, status)]
    update = container.alerts.follow_up(alice, ids[0], AlertKind.UPDATE, area_ids=("AAA-0-1", "BBB-0-1"))
    ids.append(_approve_if_needed(container, update))
    ids.append(container.alerts.follow_up(alice, ids[-1], AlertKind.ALL_CLEAR).id)
    second = _issued(container, status)
    # A note is the operator's own words: an Actual cancel with one waits for a second person.
    cancel = container.alerts.follow_up(alice, second, AlertKind.CANCEL, note="Sent in error")
    ids += [second, _approve_if_needed(container, cancel)]
    for alert_id in ids:
        result = check(_cap(container, alert_id))
        assert result.errors == [] and result.warnings == [], (alert_id, result.issues)


def test_an_exercise_without_a_note_says_what_it_exercises(container):
    alert = check(_cap(container, _issued(container, Status.EXERCISE))).alert
    assert alert.note and alert.note.startswith("Exercise of the warning 'Short-range fire warning' for 3 alert areas")
    noted = check(_cap(container, _issued(container, Status.EXERCISE, note="Drill of the northern district"))).alert
    assert noted.note == "Drill of the northern district"


def test_every_info_names_a_contact_and_the_alerts_own_page(container):
    alert_id = _issued(container, Status.ACTUAL)
    for info in check(_cap(container, alert_id)).alert.infos:
        assert info.contact == "safezone civil protection, safezone.local"
        assert info.web == f"http://127.0.0.1:8000/alerts/{alert_id}"


def test_contact_and_page_follow_the_settings(db_url, sample_zones, clock):
    settings = Settings.from_environ({"SAFEZONE_CONTACT": "Duty desk +380 00 000 0000",
                                      "SAFEZONE_PUBLIC_URL": "https://warn.example.org/"})
    assert settings.contact == "Duty desk +380 00 000 0000"
    container = make_container(db_url, sample_zones, clock, contact=settings.contact, public_url=settings.public_url)
    try:
        alert_id = _issued(container, Status.TEST)
        info = check(_cap(container, alert_id)).alert.infos[0]
        assert info.contact == "Duty desk +380 00 000 0000"
        assert info.web == f"https://warn.example.org/alerts/{alert_id}"
    finally:
        container.close()
    assert AlertSettings(sender="cp.example", sender_name=None).contact_text == "cp.example"


def test_the_feed_link_and_the_cap_answer_name_the_same_media_type(api, container):
    _issued(container, Status.ACTUAL)
    feed = etree.fromstring(api.get("/feeds/alerts.atom").content)
    links = feed.findall(f"{ATOM}entry/{ATOM}link[@rel='alternate']")
    assert [link.get("type") for link in links] == [CAP_MIME_TYPE]
    answer = api.get(links[0].get("href").replace("http://testserver", ""))
    assert answer.status_code == 200
    assert answer.headers["content-type"].split(";")[0] == CAP_MIME_TYPE == "application/cap+xml"
    assert etree.fromstring(answer.content).tag == f"{CAP}alert"


def _areas_by_info(alert):
    return [(info.language, next(p.value for p in info.parameters if p.value_name == TIME_TO_SHELTER_NAME),
             sorted(a.geocodes[0].value for a in info.areas)) for info in alert.infos]


def test_each_time_to_shelter_gets_its_own_instruction_and_follow_ups_keep_them(container):
    alice, _ = _users(container)
    alert_id = _issued(container, Status.ACTUAL)  # AAA-0-1 and BBB-0-1: 15 s; AAA-1-1: 90 s
    alert = check(_cap(container, alert_id)).alert
    expected = [(lang, s, ids) for lang in ("en", "uk", "ru")
                for s, ids in (("15", ["AAA-0-1", "BBB-0-1"]), ("90", ["AAA-1-1"]))]
    assert _areas_by_info(alert) == expected
    english = [i for i in alert.infos if i.language == "en"]
    assert "within 15 seconds" in english[0].instruction and "within 90 seconds" in english[1].instruction
    assert english[0].headline == "Take shelter within 15 seconds: Eastgate, Westgate"
    assert english[1].headline == "Take shelter within 90 seconds: Far West"
    assert "протягом 90 секунд" in alert.infos[3].instruction
    cleared = check(_cap(container, container.alerts.follow_up(alice, alert_id, AlertKind.ALL_CLEAR).id)).alert
    assert _areas_by_info(cleared) == expected
    assert [i.headline for i in cleared.infos[:2]] == ["All clear: Eastgate, Westgate", "All clear: Far West"]
