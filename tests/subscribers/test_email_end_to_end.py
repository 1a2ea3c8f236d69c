"""E-mail through the whole engine, against a real aiosmtpd server on 127.0.0.1, on SQLite and
PostgreSQL: a resident subscribes with an address, opens the link of the confirmation mail,
and an alert for their place then arrives once, in their language, with a one-click
unsubscribe. A refusal (5xx) is final at once; a "try later" (4xx) is retried and arrives."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from safezone.adapters.channels.email import EmailChannel
from safezone.entrypoints import worker
from tests.delivery.mailbox import Mailbox, smtp_server
from tests.subscribers.test_delivery_engine import drain
from tests.support.app import issue_alert, login

ADDRESS = "resident@example.org"


@pytest.fixture
def mailbox():
    found = Mailbox()
    with smtp_server(found) as port:
        found.port = port
        yield found


def engine(container, mailbox):
    channel = EmailChannel(host="127.0.0.1", port=mailbox.port, sender="warnings@example.org", timeout_s=3,
                           clock=container.clock)
    return worker.engine(container, {"email": channel})


def confirmed_subscriber(api, container, mailbox) -> str:
    """Subscribe at a point in Westgate (AAA-0-1), reading Ukrainian; open the link mailed."""
    created = api.post("/api/subscriptions", json={"place": {"lat": 50.5, "lon": 29.99}, "email": ADDRESS,
                                                   "languages": ["uk"]})
    assert created.status_code == 201, created.text
    drain(engine(container, mailbox))
    [confirmation] = mailbox.received
    link = re.search(r"https?://\S+/confirm\?token=\S+", confirmation.get_content()).group(0)
    parts = urlsplit(link)
    assert api.get(f"{parts.path}?{parts.query}").status_code == 200
    mailbox.received.clear()
    return created.json()["id"]


def state_of(container, alert_id: int):
    with container.database.unit_of_work(read_only=True) as uow:
        [delivery] = uow.deliveries.listed(alert_id=alert_id)
    return delivery


def test_an_alert_reaches_a_confirmed_address_once_in_its_language_with_unsubscribe(api, container, mailbox):
    subscriber = confirmed_subscriber(api, container, mailbox)
    alert_id = issue_alert(login(api, "alice"), login(api, "bob"))
    drain(engine(container, mailbox))
    drain(engine(container, mailbox))  # a second worker pass (or a restart) mails nothing again
    [mail] = mailbox.received
    assert mail["To"] == ADDRESS and mail["Content-Language"].startswith("uk")
    assert re.search("[а-яіїєґ]", mail["Subject"], re.IGNORECASE)  # the subject is in Ukrainian
    unsubscribe = mail["List-Unsubscribe"].strip("<> ")
    assert f"/api/subscriptions/{subscriber}/unsubscribe?token=" in unsubscribe
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert state_of(container, alert_id).state == "sent"

    parts = urlsplit(unsubscribe)  # one click: the address is forgotten, the next alert mails nobody
    assert api.post(f"{parts.path}?{parts.query}").status_code in (200, 204)
    issue_alert(login(api, "alice"), login(api, "bob"))
    drain(engine(container, mailbox))
    assert len(mailbox.received) == 1


def test_an_smtp_refusal_is_final_and_a_try_later_is_retried(api, container, clock, mailbox):
    confirmed_subscriber(api, container, mailbox)
    alice, bob = login(api, "alice"), login(api, "bob")

    mailbox.refuse = "550 5.1.1 no such user"
    refused = issue_alert(alice, bob)
    drain(engine(container, mailbox))
    clock.advance(seconds=30)
    drain(engine(container, mailbox))
    final = state_of(container, refused)
    assert final.state == "failed" and final.attempts == 1 and "550" in final.reason
    assert ADDRESS not in final.reason  # outcomes never name the address

    mailbox.refuse = "452 4.2.2 mailbox full"
    later = issue_alert(alice, bob)
    drain(engine(container, mailbox))
    waiting = state_of(container, later)
    assert waiting.state == "queued" and waiting.attempts == 1 and "452" in waiting.reason
    mailbox.refuse = None
    clock.advance(seconds=30)
    drain(engine(container, mailbox))
    assert state_of(container, later).state == "sent"
    assert len(mailbox.received) == 1
