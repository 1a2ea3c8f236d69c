"""The live stream's broadcaster: events in order to every listener, `Last-Event-ID` resumes
without loss from the ring buffer, and a slow listener never holds up the others."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from safezone.adapters.channels.sse import RESYNC, Broadcaster, StreamEvent, SubscriberDropped
from safezone.domain.delivery import ChannelKind, OutcomeKind
from tests.delivery.channel_support import NOW, a_delivery, anyio_backend  # noqa: F401

pytestmark = pytest.mark.anyio


async def take(subscription, count: int) -> list[StreamEvent]:
    async with asyncio.timeout(2):
        return [await anext(subscription) for _ in range(count)]


async def test_every_listener_gets_every_event_in_order():
    stream = Broadcaster(first_id=1)
    pages = [stream.subscribe(), stream.subscribe()]
    for n in range(5):
        stream.publish("alert", {"n": n})
    for page in pages:
        assert [json.loads(e.data)["n"] for e in await take(page, 5)] == [0, 1, 2, 3, 4]


async def test_a_reconnecting_listener_resumes_after_its_last_event_without_loss():
    stream = Broadcaster(first_id=100)
    page = stream.subscribe()
    stream.publish("alert", {"n": 0})
    stream.publish("update", {"n": 1})
    [seen, _] = await take(page, 2)
    page.close()  # the connection broke after the first event was shown
    stream.publish("cancel", {"n": 2})
    resumed = stream.subscribe(last_event_id=str(seen.id))
    stream.publish("alert", {"n": 3})
    assert [(e.id, e.event) for e in await take(resumed, 3)] == [(101, "update"), (102, "cancel"), (103, "alert")]


async def test_an_id_older_than_the_buffer_asks_the_listener_to_reload_instead_of_losing_silently():
    stream = Broadcaster(buffer_size=3, first_id=1)
    for n in range(10):
        stream.publish("alert", {"n": n})
    [first] = await take(stream.subscribe(last_event_id="2"), 1)
    assert first.event == RESYNC and first.id is None
    assert "no longer kept" in json.loads(first.data)["reason"]


@pytest.mark.parametrize("last_event_id", ["yesterday", "99999"])
async def test_an_unknown_last_event_id_asks_for_a_reload(last_event_id):
    stream = Broadcaster(first_id=1)
    stream.publish("alert", {})
    [first] = await take(stream.subscribe(last_event_id=last_event_id), 1)
    assert first.event == RESYNC


async def test_a_slow_listener_is_dropped_with_a_reason_and_never_holds_up_the_others():
    stream = Broadcaster(queue_size=10, buffer_size=100, first_id=1)
    slow, fast = stream.subscribe(), stream.subscribe()
    received: list[int] = []

    async def read_fast() -> None:
        async for event in fast:
            received.append(json.loads(event.data)["n"])
            if len(received) == 30:
                return

    reader = asyncio.create_task(read_fast())
    for n in range(30):
        stream.publish("alert", {"n": n})  # never awaits: publishing cannot be blocked
        await asyncio.sleep(0)
    async with asyncio.timeout(2):
        await reader
    assert received == list(range(30))
    with pytest.raises(SubscriberDropped, match="fell 10 events behind"):
        await take(slow, 1)
    assert stream.subscribers == 1
    # The dropped listener comes back with the last id it showed and misses nothing.
    again = stream.subscribe(last_event_id="0")
    assert [json.loads(e.data)["n"] for e in await take(again, 30)] == list(range(30))


async def test_the_wire_format_is_server_sent_events():
    event = StreamEvent(7, "alert", '{"a":1}\n{"b":2}')
    assert event.encode() == b'id: 7\nevent: alert\ndata: {"a":1}\ndata: {"b":2}\n\n'


async def test_as_a_channel_it_streams_the_messages_summary_and_skips_expired_ones():
    stream = Broadcaster(first_id=1)
    page = stream.subscribe()
    sent = await stream.send(a_delivery(ChannelKind.SSE))
    late = await stream.send(a_delivery(ChannelKind.SSE, expires=NOW - timedelta(seconds=1)))
    assert sent.kind is OutcomeKind.SENT and late.kind is OutcomeKind.EXPIRED
    [event] = await take(page, 1)
    assert event.event == "alert" and json.loads(event.data)["identifier"] == "urn:safezone:sz-7"
    await stream.close()
    with pytest.raises(SubscriberDropped, match="closing"):
        await take(page, 1)
