"""Area states for sirens and displays over MQTT, against Debian's mosquitto started on a free
127.0.0.1 port with a configuration of its own: a siren that connects after the warning was
published learns its area's state at once (retained), and an all-clear clears it."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import aiomqtt
import pytest

from safezone.adapters.channels.mqtt import MqttChannel
from safezone.domain.alerts import AlertKind
from safezone.domain.cap.enums import MsgType, Status
from safezone.domain.delivery import BrokerReceiver, ChannelKind, DeliveryArea, OutcomeKind
from safezone.domain.stages import AlertStage
from tests.delivery.channel_support import a_delivery, anyio_backend, free_port  # noqa: F401

pytestmark = pytest.mark.anyio
BROKER = BrokerReceiver("sirens")


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[int]:
    """A private mosquitto on 127.0.0.1; its port. Fresh per test: no retained state leaks."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        pytest.skip("mosquitto is not installed (scripts/install-test-deps installs it)")
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if broker.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"mosquitto did not start: {broker.stderr.read().decode()[-500:]}")
                time.sleep(0.05)
        yield port
    finally:
        broker.terminate()
        broker.wait(timeout=5)


async def retained_states(port: int, count: int) -> dict[str, dict]:
    """What a siren reads when it connects now: the retained state of each area."""
    states: dict[str, dict] = {}
    async with aiomqtt.Client("127.0.0.1", port) as siren:
        await siren.subscribe("safezone/areas/#", qos=1)
        async with asyncio.timeout(3):
            async for message in siren.messages:
                assert message.retain, "a state published before we connected arrives retained"
                states[str(message.topic)] = json.loads(message.payload)
                if len(states) == count:
                    break
    return states


async def publish(port: int, *deliveries) -> list:
    channel = MqttChannel(host="127.0.0.1", port=port)
    try:
        return [await channel.send(d, BROKER) for d in deliveries]
    finally:
        await channel.close()


async def test_a_siren_that_connects_after_the_warning_learns_its_areas_state_at_once(mosquitto):
    [outcome] = await publish(mosquitto, a_delivery(ChannelKind.MQTT))
    assert outcome.kind is OutcomeKind.SENT
    states = await retained_states(mosquitto, 2)
    sumy = states["safezone/areas/UKR-1-a"]
    assert sumy["state"] == "warning" and sumy["alert"] == "urn:safezone:sz-7"
    assert sumy["status"] == "Actual" and sumy["time_to_shelter_s"] == 15
    assert states["safezone/areas/UKR-2-b"]["time_to_shelter_s"] == 30


async def test_an_all_clear_leaves_the_areas_cleared(mosquitto):
    all_clear = a_delivery(ChannelKind.MQTT, message_id=8, cap_identifier="urn:safezone:sz-8",
                           kind=AlertKind.ALL_CLEAR, msg_type=MsgType.UPDATE)
    await publish(mosquitto, a_delivery(ChannelKind.MQTT), all_clear)
    states = await retained_states(mosquitto, 2)
    assert {s["state"] for s in states.values()} == {"clear"}
    assert {s["alert"] for s in states.values()} == {"urn:safezone:sz-8"}
    assert {s["chain"] for s in states.values()} == {"urn:safezone:sz-7"}


async def test_an_update_that_drops_an_area_clears_it_and_keeps_the_other_under_warning(mosquitto):
    first = a_delivery(ChannelKind.MQTT)
    sumy, okhtyrka = first.areas
    update = a_delivery(ChannelKind.MQTT, message_id=8, cap_identifier="urn:safezone:sz-8", kind=AlertKind.UPDATE,
                        msg_type=MsgType.UPDATE, areas=(sumy,), cleared_areas=(okhtyrka,))
    await publish(mosquitto, first, update)
    states = await retained_states(mosquitto, 2)
    assert states["safezone/areas/UKR-1-a"]["state"] == "warning"
    assert states["safezone/areas/UKR-2-b"]["state"] == "clear"


async def test_an_early_warning_is_not_a_call_to_shelter_and_an_all_clear_clears(mosquitto):
    """A siren reading the area state must not sound "take shelter" for an early warning."""
    early = a_delivery(ChannelKind.MQTT, stage=AlertStage.EARLY_WARNING)
    await publish(mosquitto, early)
    states = await retained_states(mosquitto, 2)
    assert {(s["state"], s["stage"]) for s in states.values()} == {("early-warning", "early-warning")}
    clear = a_delivery(ChannelKind.MQTT, message_id=8, cap_identifier="urn:safezone:sz-8", kind=AlertKind.ALL_CLEAR,
                       msg_type=MsgType.UPDATE, stage=AlertStage.ALL_CLEAR)
    await publish(mosquitto, clear)
    states = await retained_states(mosquitto, 2)
    assert {(s["state"], s["stage"]) for s in states.values()} == {("clear", "all-clear")}


async def test_a_drill_says_so_in_the_area_state(mosquitto):
    await publish(mosquitto, a_delivery(ChannelKind.MQTT, status=Status.EXERCISE))
    assert {s["status"] for s in (await retained_states(mosquitto, 2)).values()} == {"Exercise"}


async def test_an_unreachable_broker_is_retried_later():
    [outcome] = await publish(free_port(), a_delivery(ChannelKind.MQTT))
    assert outcome.kind is OutcomeKind.FAILED and outcome.retryable


async def test_an_area_id_that_cannot_name_a_topic_is_refused_before_publishing(mosquitto):
    bad = a_delivery(ChannelKind.MQTT, areas=(DeliveryArea("UKR/#", "Nowhere", 0),))
    [outcome] = await publish(mosquitto, bad)
    assert outcome.kind is OutcomeKind.FAILED and not outcome.retryable and "UKR/#" in outcome.reason
