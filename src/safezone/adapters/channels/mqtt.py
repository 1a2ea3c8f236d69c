"""Area states for sirens and displays over MQTT (aiomqtt).

One retained topic per alert area, `<prefix>/<area-id>` (`safezone/areas/UKR-3-861e6d847ffffff`),
carries the area's current state as JSON (`render.area_state`: warning or clear, the alert,
its status, expiry and time to shelter). Retained means the broker keeps the last state: a
siren that reconnects after a power cut learns at once whether its area is under warning,
without waiting for the next message. Cancel and all-clear publish the cleared state; an
Update that drops areas clears those. A consumer treats a warning past its `expires` as ended.

Published with QoS 1 (at least once): a state is idempotent, so a repeat does no harm.
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Callable

import aiomqtt

from safezone.adapters.channels import render
from safezone.adapters.channels.base import expired, utcnow
from safezone.domain.delivery import BrokerReceiver, Delivery, DeliveryArea, Outcome

FORBIDDEN_IN_TOPIC = frozenset("+#/\x00")


class MqttChannel:
    """One connection to the broker, opened on first use and reopened after a fault."""

    def __init__(self, *, host: str, port: int = 1883, username: str | None = None, password: str | None = None,
                 identifier: str | None = None, timeout_s: float = 5.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._options = {"hostname": host, "port": port, "username": username, "password": password,
                         "identifier": identifier, "timeout": timeout_s}
        self._clock = clock
        self._stack: AsyncExitStack | None = None
        self._client: aiomqtt.Client | None = None

    async def send(self, delivery: Delivery, receiver: BrokerReceiver) -> Outcome:
        late = expired(delivery, self._clock())
        if late:
            return late
        states = [(area, render.area_state(delivery, area)) for area in delivery.areas]
        states += [(area, _cleared(delivery, area)) for area in delivery.cleared_areas]
        bad = [area.id for area, _ in states if not area.id or FORBIDDEN_IN_TOPIC & set(area.id)]
        if bad:
            return Outcome.permanent(f"area id {bad[0]!r} cannot name an MQTT topic")
        try:
            client = await self._connected()
            for area, state in states:
                payload = json.dumps(state, ensure_ascii=False, separators=(",", ":"))
                await client.publish(f"{receiver.prefix}/{area.id}", payload, qos=1, retain=True)
        except (aiomqtt.MqttError, OSError) as fault:
            await self.close()  # the next send reconnects
            return Outcome.retry(f"MQTT broker unreachable: {fault}")
        return Outcome.sent(f"{len(states)} area states published", areas=len(states))

    async def close(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            try:
                await stack.aclose()
            except aiomqtt.MqttError:
                pass  # already disconnected

    async def _connected(self) -> aiomqtt.Client:
        if self._client is None:
            stack = AsyncExitStack()
            self._client = await stack.enter_async_context(aiomqtt.Client(**self._options))
            self._stack = stack
        return self._client


def _cleared(delivery: Delivery, area: DeliveryArea) -> dict:
    return render.area_state(delivery, area) | {"state": "clear"}
