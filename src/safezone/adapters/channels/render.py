"""What each channel shows: the same message as a push notification, an e-mail, a webhook
payload or an area's state, in the receiver's language.

Exercise, Test and System messages carry their status in capitals at the front of every title
and subject, so nobody mistakes a drill for a warning.
"""

from __future__ import annotations

import html
import json
import operator
from dataclasses import fields
from datetime import datetime
from typing import Callable

from safezone.domain.cap.enums import Status
from safezone.domain.delivery import Delivery, DeliveryArea, DeliveryText
from safezone.domain.stages import AlertStage

# A Web Push message may carry 4096 bytes once encrypted (RFC 8291: 86 bytes of header and
# padding delimiter, 16 of tag); push services refuse larger ones, so the payload stays below.
PUSH_PAYLOAD_MAX_BYTES = 3800
SHORT_TEXT_CHARS = 160  # one SMS segment (GSM 7-bit)


def marker(delivery: Delivery) -> str:
    """`EXERCISE`, `TEST` or `SYSTEM` for a drill, nothing for an Actual message."""
    return "" if delivery.status is Status.ACTUAL else delivery.status.value.upper()


def title(delivery: Delivery, text: DeliveryText) -> str:
    """The headline, led by the drill's marker: `[EXERCISE] Missile threat — shelter now`."""
    mark = marker(delivery)
    return f"[{mark}] {text.headline}" if mark else text.headline


def shelter_phrase(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return "Time to shelter: immediately" if seconds <= 0 else f"Time to shelter: {seconds} s"


def short_text(delivery: Delivery, text: DeliveryText, limit: int = SHORT_TEXT_CHARS) -> str:
    """Title, time to shelter and instruction in at most `limit` characters (an SMS)."""
    parts = [title(delivery, text), shelter_phrase(delivery.time_to_shelter_s), text.instruction or ""]
    whole = ". ".join(p.strip().rstrip(".") for p in parts if p and p.strip())
    return whole if len(whole) <= limit else whole[: limit - 1].rstrip() + "…"


def plain_text(delivery: Delivery, text: DeliveryText, unsubscribe_url: str | None = None) -> str:
    """The whole message as plain text (the e-mail's text part)."""
    lines = [title(delivery, text), ""]
    if text.description:
        lines += [text.description, ""]
    if text.instruction:
        lines += [text.instruction, ""]
    if delivery.areas:
        lines.append(shelter_phrase(delivery.time_to_shelter_s))
        lines.append("Areas: " + ", ".join(a.name for a in delivery.areas))
    lines.append(f"Valid until: {_when(delivery.expires)}")
    if delivery.web_url:
        lines.append(delivery.web_url)
    if unsubscribe_url:
        lines += ["", f"Unsubscribe: {unsubscribe_url}"]
    return "\n".join(lines) + "\n"


def html_text(delivery: Delivery, text: DeliveryText, unsubscribe_url: str | None = None) -> str:
    """The whole message as a small HTML page (the e-mail's HTML part); every text escaped."""
    e = html.escape
    parts = [f'<!doctype html><html lang="{e(text.language)}"><body>']
    if marker(delivery):
        parts.append(f'<p style="background:#ffd400;padding:.5em;font-weight:bold">{e(marker(delivery))}</p>')
    parts.append(f"<h1>{e(text.headline)}</h1>")
    for paragraph in (text.description, text.instruction):
        if paragraph:
            parts.append(f"<p>{e(paragraph)}</p>")
    if delivery.areas:
        parts.append(f"<p><strong>{e(shelter_phrase(delivery.time_to_shelter_s))}</strong></p>")
        parts.append("<ul>" + "".join(f"<li>{e(a.name)}</li>" for a in delivery.areas) + "</ul>")
    parts.append(f"<p>Valid until: {e(_when(delivery.expires))}</p>")
    if delivery.web_url:
        parts.append(f'<p><a href="{e(delivery.web_url)}">{e(delivery.web_url)}</a></p>')
    if unsubscribe_url:
        parts.append(f'<p><a href="{e(unsubscribe_url)}">Unsubscribe</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def summary(delivery: Delivery) -> dict:
    """The compact JSON summary every integrator gets: enough to act without parsing CAP."""
    return {
        "id": delivery.delivery_id,
        "identifier": delivery.cap_identifier,
        "chain": delivery.chain,
        "kind": delivery.kind.value,
        "stage": delivery.stage.value,
        "msgType": delivery.msg_type.value,
        "status": delivery.status.value,
        "sent": _when(delivery.sent),
        "expires": _when(delivery.expires),
        "time_to_shelter_s": delivery.time_to_shelter_s,
        "areas": [_area(a) for a in delivery.areas],
        "texts": {
            t.language: {"title": title(delivery, t), "headline": t.headline, "description": t.description,
                         "instruction": t.instruction, "short": short_text(delivery, t)}
            for t in delivery.texts
        },
        "web": delivery.web_url,
        "cap_url": delivery.cap_url,
    }


def webhook_body(delivery: Delivery, delivery_id: str | None = None) -> bytes:
    """The webhook payload: the JSON summary plus the whole CAP XML as a string (`cap`);
    `delivery_id` is the delivery's, when the caller made it already."""
    return per_message(delivery, ("webhook",), lambda: _webhook_body(delivery), delivery_id)


def _webhook_body(delivery: Delivery) -> bytes:
    body = {"type": f"alert.{delivery.kind.value}", "summary": summary(delivery),
            "cap": delivery.cap_xml.decode("utf-8") if delivery.cap_xml else None}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def push_payload(delivery: Delivery, languages: tuple[str, ...] = ()) -> bytes:
    """The notification a service worker shows: one language, small enough for a push."""
    return per_message(delivery, ("webpush", tuple(languages)), lambda: _push_payload(delivery, languages))


def _push_payload(delivery: Delivery, languages: tuple[str, ...]) -> bytes:
    text = delivery.text_for(languages)
    body = {
        "id": delivery.delivery_id,
        "title": title(delivery, text),
        "body": text.instruction or text.description or "",
        "lang": text.language,
        "tag": delivery.chain,  # the notification an Update replaces on the device
        "kind": delivery.kind.value,
        "stage": delivery.stage.value,
        "status": delivery.status.value,
        "expires": _when(delivery.expires),
        "time_to_shelter_s": delivery.time_to_shelter_s,
        "areas": [a.name for a in delivery.areas],
        "url": delivery.web_url,
    }
    encoded = _compact(body)
    while len(encoded) > PUSH_PAYLOAD_MAX_BYTES and body["areas"]:
        body["areas"] = body["areas"][: len(body["areas"]) // 2]  # the page lists them all
        encoded = _compact(body)
    if len(encoded) > PUSH_PAYLOAD_MAX_BYTES:
        body["body"] = short_text(delivery, text)
        encoded = _compact(body)
    return encoded


# Every field of a delivery but its receiver: what a body may depend on besides the delivery id.
_message_of = operator.attrgetter(*(f.name for f in fields(Delivery) if f.name != "receiver_id"))
BODIES_KEPT = 64  # messages × languages × channels whose bodies are kept: a few alerts at a time
_bodies: dict[tuple, tuple[tuple, bytes, bytes]] = {}


def per_message(delivery: Delivery, variant: tuple, render: Callable[[], bytes], delivery_id: str | None = None) -> bytes:
    """`render()` for this delivery, made once per message and `variant` (channel, language)
    and reused for its other receivers with their own delivery id put in place of the first
    one's: a fan-out encodes the message (and its CAP XML) once, not once per receiver. Every
    other field of the delivery must equal the kept one's (its receivers' copies share them, so
    the comparison is one of identities), else the body is rendered anew."""
    key = (variant, delivery.message_id)
    message = _message_of(delivery)
    own = (delivery_id or delivery.delivery_id).encode()
    kept = _bodies.get(key)
    if kept is None or kept[0] != message:
        body = render()
        at = body.find(own)
        if at < 0:  # a body without the id: the same for every receiver
            return body
        if len(_bodies) >= BODIES_KEPT:
            _bodies.clear()
        kept = _bodies[key] = (message, body[:at], body[at + len(own):])
    return kept[1] + own + kept[2]


def area_state(delivery: Delivery, area: DeliveryArea) -> dict:
    """An area's current state for sirens and displays: clear, an early warning (get ready: no
    siren for shelter yet), or under warning."""
    return {
        "state": "clear" if delivery.ends_warning or delivery.stage is AlertStage.ALL_CLEAR
        else "early-warning" if delivery.stage is AlertStage.EARLY_WARNING else "warning",
        "stage": delivery.stage.value,
        "area": area.id,
        "name": area.name,
        "alert": delivery.cap_identifier,
        "chain": delivery.chain,
        "kind": delivery.kind.value,
        "status": delivery.status.value,
        "expires": _when(delivery.expires),
        "time_to_shelter_s": area.time_to_shelter_s,
        "sent": _when(delivery.sent),
    }


def _area(area: DeliveryArea) -> dict:
    return {"id": area.id, "name": area.name, "time_to_shelter_s": area.time_to_shelter_s}


def _when(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _compact(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
