"""Delivery figures in `/metrics`, on SQLite and PostgreSQL, after real deliveries through the
engine to webhook receivers and an SMTP server on 127.0.0.1: totals of finished deliveries by
channel and outcome, and gauges of those waiting and of those given up. Read from the database
at scrape time, so a second app on the same database (another worker process) reports the same."""

from __future__ import annotations

from dataclasses import replace

from safezone.adapters.channels.email import EmailChannel
from safezone.adapters.channels.webhook import WebhookChannel
from safezone.bootstrap import Settings, assemble
from safezone.entrypoints import worker
from safezone.entrypoints.web import create_app
from tests.subscribers.sink import Sink
from tests.subscribers.test_delivery_engine import drain, hook
from tests.subscribers.test_email_end_to_end import confirmed_subscriber, mailbox  # noqa: F401  (fixture)
from tests.support.app import Api, issue_alert, login
from tests.web.test_operations import _metric


def engine(container, mailbox):
    """Both channels, giving up on a copy after its second failed attempt."""
    channels = {"webhook": WebhookChannel(clock=container.clock, timeout_s=2),
                "email": EmailChannel(host="127.0.0.1", port=mailbox.port, sender="warnings@example.org", timeout_s=3,
                                      clock=container.clock)}
    built = worker.engine(container, channels)
    built.settings = replace(built.settings, max_attempts=2)
    return built


def deliveries(text: str) -> dict:
    """The delivery series of one scrape, by name and labels."""
    found = {}
    for channel in ("webhook", "email"):
        for outcome in ("sent", "delivered", "failed", "expired"):
            found[channel, outcome] = _metric(text, "safezone_deliveries_total", channel=channel, outcome=outcome)
        found[channel, "waiting"] = _metric(text, "safezone_deliveries_waiting", channel=channel)
        found[channel, "dead"] = _metric(text, "safezone_deliveries_dead", channel=channel)
    return found


def test_metrics_count_deliveries_by_channel_and_outcome_the_same_from_every_app(api, container, clock, mailbox,
                                                                                  db_url):
    sinks = {"siren": Sink(), "gone": Sink(lambda body: 410), "broken": Sink(lambda body: 500)}
    second = assemble(Settings(db=db_url), clock=clock)
    other = Api(create_app(second, sweep=False))
    try:
        dave, alice, bob = login(api, "dave"), login(api, "alice"), login(api, "bob")
        for name, sink in sinks.items():
            hook(dave, sink, name)
        confirmed_subscriber(api, container, mailbox)
        issue_alert(alice, bob)
        drain(engine(container, mailbox))
        for _ in range(4):  # past the broken receiver's backoff (and its circuit breaker): given up
            clock.advance(seconds=150)
            drain(engine(container, mailbox))
        issue_alert(alice, bob)
        engine(container, mailbox).plan_pending()  # planned, not yet sent: waiting

        expected = {("webhook", "sent"): 1, ("webhook", "delivered"): 0, ("webhook", "failed"): 1,
                    ("webhook", "expired"): 0, ("webhook", "waiting"): 3, ("webhook", "dead"): 1,
                    ("email", "sent"): 1, ("email", "delivered"): 0, ("email", "failed"): 0,
                    ("email", "expired"): 0, ("email", "waiting"): 1, ("email", "dead"): 0}
        assert deliveries(api.get("/metrics").text) == expected
        assert deliveries(other.get("/metrics").text) == expected

        [dead] = alice.get("/api/operator/deliveries", params={"state": "dead"}).json()["deliveries"]
        assert alice.post(f"/api/operator/deliveries/{dead['id']}/retry").status_code == 200
        # An operator's retry moves it from the dead gauge back to waiting; no total goes back.
        assert deliveries(other.get("/metrics").text) == expected | {("webhook", "waiting"): 4, ("webhook", "dead"): 0}
    finally:
        other.close()
        second.close()
        for sink in sinks.values():
            sink.close()
