"""Warnings and subscription confirmations by e-mail over SMTP (aiosmtplib).

Every warning has a plain-text and an HTML part in the receiver's language (`Content-Language`),
the drill's marker in its subject, a one-click unsubscribe (`List-Unsubscribe` with
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`, RFC 8058) and a Message-ID made from the
delivery's idempotency key, so a mailbox or a filter can drop a redelivered copy.

An SMTP server's 5xx refuses the message for good; a 4xx (mailbox full, greylisting), a
refused connection or a timeout is worth retrying.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Callable

import aiosmtplib

from safezone.adapters.channels import render
from safezone.adapters.channels.base import expired, utcnow
from safezone.domain.delivery import Delivery, EmailReceiver, Outcome

# The confirmation mail of the double opt-in, in the languages safezone ships templates for.
CONFIRMATION = {
    "en": ("Confirm your safezone warnings",
           "Someone (we hope you) asked to receive civil-protection warnings at this address.\n"
           "Open this link to confirm; without it you will receive nothing:\n\n{url}\n\n"
           "If it was not you, ignore this message."),
    "uk": ("Підтвердіть попередження safezone",
           "Хтось (сподіваємося, ви) попросив надсилати попередження цивільного захисту на цю адресу.\n"
           "Відкрийте посилання, щоб підтвердити; без цього ви нічого не отримаєте:\n\n{url}\n\n"
           "Якщо це були не ви, проігноруйте цей лист."),
    "ru": ("Подтвердите предупреждения safezone",
           "Кто-то (надеемся, вы) попросил присылать предупреждения гражданской защиты на этот адрес.\n"
           "Откройте ссылку, чтобы подтвердить; без этого вы ничего не получите:\n\n{url}\n\n"
           "Если это были не вы, проигнорируйте это письмо."),
}
_ADDRESS = re.compile(r"<?[^\s<>]+@[^\s<>]+>?")


class EmailChannel:
    """Sends through one SMTP relay; `sender` is the From address (the relay must accept it)."""

    def __init__(self, *, host: str, port: int, sender: str, sender_name: str = "safezone",
                 message_domain: str | None = None, use_tls: bool = False, start_tls: bool | None = None,
                 username: str | None = None, password: str | None = None, timeout_s: float = 10.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._smtp = {"hostname": host, "port": port, "use_tls": use_tls, "start_tls": start_tls,
                      "username": username, "password": password, "timeout": timeout_s}
        self._from = Address(display_name=sender_name, addr_spec=sender)
        self._domain = message_domain or sender.rpartition("@")[2] or "safezone.invalid"
        self._clock = clock

    async def send(self, delivery: Delivery, receiver: EmailReceiver) -> Outcome:
        late = expired(delivery, self._clock())
        if late:
            return late
        return await self._submit(self.warning(delivery, receiver))

    async def confirm(self, address: str, confirm_url: str, language: str = "en") -> Outcome:
        """The double opt-in mail: nothing else is sent to `address` until its link is opened."""
        return await self._submit(self.confirmation(address, confirm_url, language))

    async def close(self) -> None:
        """Nothing pooled: each message has its own SMTP session."""

    def warning(self, delivery: Delivery, receiver: EmailReceiver) -> EmailMessage:
        text = delivery.text_for(receiver.languages)
        message = self._message(receiver.address, render.title(delivery, text))
        message["Message-ID"] = f"<{delivery.delivery_id}@{self._domain}>"
        message["Date"] = format_datetime(delivery.sent)
        if delivery.is_drill:
            message["X-Safezone-Status"] = delivery.status.value
        if receiver.unsubscribe_url:
            message["List-Unsubscribe"] = f"<{receiver.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(render.plain_text(delivery, text, receiver.unsubscribe_url))
        message.add_alternative(render.html_text(delivery, text, receiver.unsubscribe_url), subtype="html")
        message["Content-Language"] = text.language  # after the parts: set_content drops Content-*
        return message

    def confirmation(self, address: str, confirm_url: str, language: str = "en") -> EmailMessage:
        primary = language.split("-")[0].lower()
        subject, body = CONFIRMATION.get(primary, CONFIRMATION["en"])
        message = self._message(address, subject)
        message["Date"] = format_datetime(self._clock())
        message.set_content(body.format(url=confirm_url))
        message["Content-Language"] = primary if primary in CONFIRMATION else "en"
        return message

    def _message(self, to: str, subject: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = to
        message["Subject"] = subject
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to warnings
        return message

    async def _submit(self, message: EmailMessage) -> Outcome:
        try:
            await aiosmtplib.send(message, **self._smtp)
        except aiosmtplib.SMTPRecipientsRefused as refused:
            return _answer(refused.recipients[0].code, refused.recipients[0].message)
        except aiosmtplib.SMTPResponseException as answer:
            return _answer(answer.code, answer.message)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as fault:
            return Outcome.retry(f"SMTP server unreachable: {fault.__class__.__name__}: {fault}")
        return Outcome.sent("accepted by the SMTP server")


def _answer(code: int, text: str) -> Outcome:
    # The address stays out of the reason: receipts and logs keep no personal data.
    reason = f"SMTP server answered {code} {_ADDRESS.sub('<address>', text.strip())}"
    return Outcome.permanent(reason, code=code) if code >= 500 else Outcome.retry(reason, code=code)
