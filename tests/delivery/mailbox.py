"""A real SMTP server (aiosmtpd) on a free 127.0.0.1 port, keeping what it accepts, or
refusing recipients with the answer a test sets (a 5xx refusal, a 4xx "try later")."""

from __future__ import annotations

import email
import email.policy
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from aiosmtpd.controller import Controller

from tests.delivery.channel_support import free_port


@dataclass
class Mailbox:
    """An SMTP server's handler: keeps what it accepts; `refuse` answers RCPT TO instead."""

    refuse: str | None = None
    received: list = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
