"""E-mail warnings over SMTP, against a real aiosmtpd server on 127.0.0.1: text and HTML in
the receiver's language, drills marked in the subject, one-click unsubscribe (RFC 8058), a
Message-ID a mailbox can drop duplicates by, and the double opt-in confirmation mail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from safezone.adapters.channels.email import EmailChannel
from safezone.domain.cap.enums import Status
from safezone.domain.delivery import ChannelKind, EmailReceiver, OutcomeKind
from tests.delivery.channel_support import NOW, a_delivery, anyio_backend, free_port  # noqa: F401
from tests.delivery.mailbox import Mailbox, smtp_server

pytestmark = pytest.mark.anyio
UNSUBSCRIBE = "https://warn.example.org/api/subscriptions/unsubscribe?token=t0k3n"
RESIDENT = EmailReceiver("s-1", "resident@example.org", ("uk",), UNSUBSCRIBE)


def channel(port: int, **options: object) -> EmailChannel:
    return EmailChannel(host="127.0.0.1", port=port, sender="warnings@example.org", timeout_s=3, **options)


async def test_a_warning_arrives_in_the_readers_language_with_text_and_html_parts():
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        outcome = await channel(port).send(a_delivery(ChannelKind.EMAIL), RESIDENT)
    assert outcome.kind is OutcomeKind.SENT
    [mail] = mailbox.received
    assert mail["Subject"] == "Ракетна загроза: в укриття"
    assert mail["Content-Language"] == "uk-UA"
    assert mail["To"] == "resident@example.org"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Йдіть в укриття." in plain and "Time to shelter: 15 s" in plain
    assert "<h1>Ракетна загроза: в укриття</h1>" in html and '<html lang="uk-UA">' in html


async def test_every_warning_offers_a_one_click_unsubscribe():
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        await channel(port).send(a_delivery(ChannelKind.EMAIL), RESIDENT)
    [mail] = mailbox.received
    assert mail["List-Unsubscribe"].strip() == f"<{UNSUBSCRIBE}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert UNSUBSCRIBE in mail.get_body(("plain",)).get_content()


async def test_a_redelivery_has_the_same_message_id_so_a_mailbox_can_drop_it():
    mailbox = Mailbox()
    other = EmailReceiver("s-2", "neighbour@example.org")
    with smtp_server(mailbox) as port:
        sender = channel(port)
        for receiver, receiver_id in ((RESIDENT, "s-1"), (RESIDENT, "s-1"), (other, "s-2")):
            await sender.send(a_delivery(ChannelKind.EMAIL, receiver_id=receiver_id), receiver)
    first, again, neighbours = (m["Message-ID"] for m in mailbox.received)
    assert first == again != neighbours
    assert first == f"<{a_delivery(ChannelKind.EMAIL, receiver_id='s-1').delivery_id}@example.org>"


@pytest.mark.parametrize("status, mark", [(Status.EXERCISE, "[EXERCISE]"), (Status.TEST, "[TEST]")])
async def test_a_drill_says_so_at_the_front_of_the_subject(status, mark):
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        await channel(port).send(a_delivery(ChannelKind.EMAIL, status=status), RESIDENT)
    [mail] = mailbox.received
    assert mail["Subject"].startswith(mark + " ")
    assert mark.strip("[]") in mail.get_body(("html",)).get_content()


async def test_the_confirmation_mail_carries_the_opt_in_link_in_the_subscribers_language():
    mailbox = Mailbox()
    link = "https://warn.example.org/api/subscriptions/confirm?token=abc"
    with smtp_server(mailbox) as port:
        outcome = await channel(port).confirm("new@example.org", link, "ru-RU")
    assert outcome.kind is OutcomeKind.SENT
    [mail] = mailbox.received
    assert mail["Subject"] == "Подтвердите предупреждения safezone"
    assert mail["Content-Language"] == "ru"
    assert link in mail.get_content()


async def test_a_refused_mailbox_is_a_permanent_failure_that_names_no_address():
    with smtp_server(Mailbox(refuse="550 5.1.1 <resident@example.org>: no such user")) as port:
        outcome = await channel(port).send(a_delivery(ChannelKind.EMAIL), RESIDENT)
    assert outcome.kind is OutcomeKind.FAILED and not outcome.retryable
    assert "550" in outcome.reason and "resident@example.org" not in outcome.reason


async def test_a_full_mailbox_is_retried_later():
    with smtp_server(Mailbox(refuse="452 4.2.2 mailbox full")) as port:
        outcome = await channel(port).send(a_delivery(ChannelKind.EMAIL), RESIDENT)
    assert outcome.kind is OutcomeKind.FAILED and outcome.retryable and "452" in outcome.reason


async def test_a_server_that_refuses_the_connection_is_retried_later():
    outcome = await channel(free_port()).send(a_delivery(ChannelKind.EMAIL), RESIDENT)
    assert outcome.kind is OutcomeKind.FAILED and outcome.retryable


async def test_an_expired_warning_is_not_mailed():
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        outcome = await channel(port).send(a_delivery(ChannelKind.EMAIL, expires=NOW - timedelta(seconds=1)), RESIDENT)
    assert outcome.kind is OutcomeKind.EXPIRED and mailbox.received == []
