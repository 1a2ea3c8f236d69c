"""Delivery channels: each a small adapter behind one interface (`base.Channel`).

The delivery engine hands a channel a `Delivery` and a receiver and gets an `Outcome` back;
it never needs to know whether the message went out as a Web Push, a signed webhook, an
e-mail, a retained MQTT message or a Server-Sent Event.
"""
