"""Shared by the channel tests: a sample delivery and a real aiohttp server on 127.0.0.1."""

from __future__ import annotations

import socket
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import AsyncIterator

import pytest
from aiohttp import web

from safezone.domain.alerts import AlertKind
from safezone.domain.cap.enums import MsgType, Status
from safezone.domain.delivery import ChannelKind, Delivery, DeliveryArea, DeliveryText

NOW = datetime.now(timezone.utc).replace(microsecond=0)
CAP_XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>sz-1</identifier></alert>'


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def a_delivery(channel: ChannelKind = ChannelKind.WEBHOOK, **changes: object) -> Delivery:
    """An Actual missile warning for two areas in English and Ukrainian, valid for 30 minutes."""
    delivery = Delivery(
        message_id=7, receiver_id="r-1", channel=channel, cap_identifier="urn:safezone:sz-7",
        chain="urn:safezone:sz-7", kind=AlertKind.ALERT, msg_type=MsgType.ALERT, status=Status.ACTUAL,
        sent=NOW, expires=NOW + timedelta(minutes=30),
        texts=(DeliveryText("en-GB", "Missile threat: shelter now", "Launches detected.", "Go to a shelter."),
               DeliveryText("uk-UA", "Ракетна загроза: в укриття", "Зафіксовано пуски.", "Йдіть в укриття.")),
        areas=(DeliveryArea("UKR-1-a", "Sumy", 15), DeliveryArea("UKR-2-b", "Okhtyrka", 30)),
        web_url="https://warn.example.org/api/alerts/7", cap_url="https://warn.example.org/api/alerts/7/cap.xml",
        cap_xml=CAP_XML, sender="civil-protection@example.org",
    )
    return replace(delivery, **changes) if changes else delivery


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Run `app` on a free 127.0.0.1 port; yield its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
