"""The delivery engine: from the outbox to every receiver, exactly once as a receiver sees it.

One pass (`run_once`) does three things, each its own unit of work:

1. **Plan**: every unprocessed outbox entry becomes one `deliveries` row per receiver and
   channel (`services.targeting`), keyed message × receiver × channel; a second plan of the
   same entry adds nothing. A large fan-out is planned `PLAN_CHUNK` rows per transaction, in
   the receivers' order, between leases; its entry is processed with its last chunk (a worker
   that stops between chunks leaves the rest to the next). A follow-up (Update, Cancel,
   all-clear) ends the pending copies of its chain's earlier messages unsent, and the rest of
   an earlier message still being planned is not planned: a Cancel overtakes the alert it cancels.
2. **Lease**: due rows are leased to this worker (see `DeliveryRepository.claim`: no two workers
   hold one row, an Update never before its alert, Cancels then Actual then drills first).
3. **Send and record**: each channel sends concurrently; the outcome is recorded only while the
   lease is still ours. Failures worth retrying come back after an exponential backoff with
   jitter, until `max_attempts`, then the row is `dead` (operators list and retry those).
   Nothing goes out past the message's `expires`. A Web Push subscription the push service
   says is gone (404/410) is removed.

A worker that dies holding leases loses nothing: its rows come due again when the lease ends,
and a receiver drops a copy it already has by the idempotency id every copy carries.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from starlette.concurrency import run_in_threadpool

from safezone.adapters.channels.http import written_origin
from safezone.adapters.channels.settings import DeliverySettings
from safezone.adapters.db import Database, UnitOfWork
from safezone.adapters.db.delivery_repository import DeliveryTask
from safezone.adapters.queue.redis_stream import IDS_PER_ENTRY, StreamUnavailable
from safezone.domain.alerts import AlertKind, AlertRecord
from safezone.domain.cap.enums import Status
from safezone.domain.delivery import (
    BrokerReceiver,
    Delivery,
    EmailReceiver,
    Outcome,
    OutcomeKind,
    PushReceiver,
    WebhookReceiver,
)
from safezone.domain.retry import backoff, priority
from safezone.services import messages, targeting
from safezone.services.alerts import OUTBOX_TOPIC, AlertSettings
from safezone.services.subscriptions import email_links

log = logging.getLogger("safezone.delivery")
FAILING_WAIT_S = 2.0  # the longest wait between passes while they fail
STRAGGLER_WAIT_S = 0.25  # how long a batch waits for its slowest copies before the next is leased
PLAN_CHUNK = 2000  # delivery rows planned per transaction: a fan-out's first copies leave before the rest is in


@dataclass
class PassResult:
    planned: int = 0
    sent: int = 0
    finished: int = 0
    retried: int = 0
    leased: int = 0  # copies handed to the channels, recorded later (a pipelined pass)
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, other: PassResult) -> None:
        """Count `other` in too (receipts recorded in the background between two passes)."""
        self.sent += other.sent
        self.finished += other.finished
        self.retried += other.retried
        for kind, count in other.outcomes.items():
            self.outcomes[kind] = self.outcomes.get(kind, 0) + count


class DeliveryEngine:
    def __init__(self, database: Database, channels: Mapping[str, Any], settings: DeliverySettings,
                 alert_settings: AlertSettings, clock: Callable[[], datetime], *, owner: str | None = None,
                 breaker: Any = None, stream: Any = None) -> None:
        """`stream` (adapters.queue.redis_stream.DeliveryStream) shares the work out among
        workers; without it each worker leases straight from the database."""
        self.database = database
        self.channels = dict(channels)
        self.settings = settings
        self.alert_settings = alert_settings
        self.clock = clock
        self.owner = owner or "worker-" + secrets.token_hex(4)
        self.breaker = breaker
        self.stream = stream
        self._messages: dict[int, Delivery] = {}
        self._planned: list[int] = []  # alerts planned in this process, to publish
        self._loop: asyncio.AbstractEventLoop | None = None  # while `run` runs: its loop and wake event
        self._woken: asyncio.Event | None = None
        self._in_flight: set[asyncio.Future] = set()  # copies being sent (`_start`)
        self._waiting: list[tuple[int, asyncio.Future]] = []  # (most in flight, waiter), most first
        self._receipts: list[tuple[DeliveryTask, Outcome]] = []  # sent, not yet recorded
        self._recorder: asyncio.Future | None = None  # records `_receipts` in bulk (`_record_receipts`)
        self._recorded = PassResult()  # what the recorder did since the last pass reported it
        self.straggler_wait_s = STRAGGLER_WAIT_S
        self.plan_chunk = PLAN_CHUNK
        self._chunks: dict[int, list[dict]] = {}  # alerts being planned: the rows still to plan
        self._unacked: list[tuple[str, set[asyncio.Future]]] = []  # stream entries being sent: id, copies
        self._work = database.work_check(OUTBOX_TOPIC)  # the idle look for work (`has_work`)

    # -- 1. plan -----------------------------------------------------------------------------

    def plan_pending(self, limit: int = 20) -> int:
        """Turn unprocessed outbox entries into deliveries; how many rows were added."""
        return self.plan_and_claim(limit, lease=False)[0]

    def plan_and_claim(self, limit: int = 20, *, lease: bool = True) -> tuple[int, list[DeliveryTask]]:
        """Plan the outbox (how many rows were added) and, with `lease`, lease the first batch
        of due deliveries in the same transaction as the last planning step: a just-issued
        alert's first copies leave after one commit, not two. A large fan-out is planned one
        chunk per call (`plan_chunk` rows, in the receivers' order), so its first copies leave
        before the rest is planned; its outbox entry is processed once its last chunk is in."""
        added = 0
        while True:
            staged: dict[int, list[dict] | None] = {}  # kept once committed: a rolled-back chunk is planned again
            with self.database.unit_of_work() as uow:
                entries = uow.outbox.claim_pending(OUTBOX_TOPIC, limit)
                if len(entries) < limit:  # plans another worker finished (or holds) are dropped, not kept
                    claimed = {entry.alert_id for entry in entries}
                    self._chunks = {a: rest for a, rest in self._chunks.items() if a in claimed}
                for entry in entries:
                    count, rest = self._plan(uow, entry.alert_id)
                    added += count
                    staged[entry.alert_id] = rest
                    if rest is None:
                        uow.outbox.mark_processed(entry.id, self.clock())
                unfinished = any(rest is not None for rest in staged.values())
                last = unfinished or len(entries) < limit
                tasks = self._lease(uow) if last and lease else []
                uow.commit()
            for alert_id, rest in staged.items():
                if rest is None:
                    self._chunks.pop(alert_id, None)
                    self._planned.append(alert_id)
                else:
                    self._chunks[alert_id] = rest
            if last:
                return added, tasks

    def _plan(self, uow: UnitOfWork, alert_id: int) -> tuple[int, list[dict] | None]:
        """Plan the next chunk of an alert: rows added and the rows still to plan (None: done)."""
        rows = self._chunks.get(alert_id)
        if rows is None:
            alert = uow.alerts.get(alert_id)
            if alert is None or alert.issued_at is None:
                return 0, None
            planned = uow.deliveries.planned_targets(alert_id)  # a plan cut short (a crash, another worker)
            if planned and uow.alerts.followed(alert_id):
                return 0, None
            rows = self._rows(uow, alert, skip=not planned)
            rows = [row for row in rows if (row["receiver"], row["channel"]) not in planned]
        elif uow.alerts.followed(alert_id):  # an Update or Cancel came meanwhile: the rest is not sent
            return 0, None
        added = uow.deliveries.add_many(rows[:self.plan_chunk])
        return added, (rows[self.plan_chunk:] or None)

    def _rows(self, uow: UnitOfWork, alert: AlertRecord, *, skip: bool) -> list[dict]:
        """Every delivery row of an alert, in the receivers' order; a follow-up first ends
        (with `skip`) the pending copies of its chain's earlier messages."""
        now = self.clock()
        chain = targeting.chain_of(uow, alert) or alert.cap_identifier or str(alert.id)
        if alert.follows is not None and skip:
            skipped = uow.deliveries.skip_pending(chain, alert.id, now, f"superseded by the {alert.kind.value} "
                                                  f"(alert {alert.id}) before it was sent")
            if skipped:
                log.info("alert %s: %d pending copies of its chain not sent", alert.id, skipped)
        reach = targeting.receivers(uow, alert, chain)
        rank = priority(alert.kind in (AlertKind.CANCEL, AlertKind.ALL_CLEAR), alert.status is Status.ACTUAL)
        return [{"key": f"{alert.id}:{receiver}:{channel}", "alert_id": alert.id, "chain": chain,
                 "receiver": receiver, "channel": channel, "priority": rank, "state": "queued", "attempts": 0,
                 "not_before": now, "issued_at": alert.issued_at, "expires_at": alert.expires}
                for receiver, channel in sorted(reach.targets)]

    # -- 2. lease ----------------------------------------------------------------------------

    def claim(self, limit: int | None = None, ids: list[int] | None = None) -> list[DeliveryTask]:
        with self.database.unit_of_work() as uow:
            tasks = self._lease(uow, limit, ids)
            uow.commit()
        return tasks

    def _lease(self, uow: UnitOfWork, limit: int | None = None, ids: list[int] | None = None) -> list[DeliveryTask]:
        now = self.clock()
        return uow.deliveries.claim(self.owner, now, now + timedelta(seconds=self.settings.lease_s),
                                    limit or (len(ids) if ids else self.settings.batch), ids)

    def prepare(self, tasks: list[DeliveryTask]) -> list[tuple[DeliveryTask, Delivery | None, Any]]:
        """Each task with its message and its receiver (None when the receiver is gone)."""
        with self.database.unit_of_work(read_only=True) as uow:
            for alert_id in {t.alert_id for t in tasks} - set(self._messages):
                alert = uow.alerts.get(alert_id)
                chain = next(t.chain for t in tasks if t.alert_id == alert_id)
                self._messages[alert_id] = messages.message(uow, alert, chain, self.alert_settings)  # type: ignore[arg-type]
            receivers = self._receivers(uow, tasks)
        return [(t, messages.for_receiver(self._messages[t.alert_id], t.receiver, t.channel),
                 receivers.get((t.receiver, t.channel))) for t in tasks]

    def _receivers(self, uow: UnitOfWork, tasks: list[DeliveryTask]) -> dict[tuple[str, str], Any]:
        subscriber_ids = {t.receiver for t in tasks if t.receiver.startswith("sub_")}
        found: dict[tuple[str, str], Any] = {}
        tokens = uow.subscribers.email_tokens(subscriber_ids)
        for s in uow.subscribers.by_ids(subscriber_ids):
            if s.push is not None:
                found[(s.id, "webpush")] = PushReceiver(s.id, s.push.endpoint, s.push.p256dh, s.push.auth, s.languages)
            if s.email is not None and s.email_confirmed:
                unsubscribe = None
                if s.id in tokens:
                    unsubscribe = email_links(self.alert_settings.public_url or "http://127.0.0.1:8000", s.id,
                                              tokens[s.id])[1]
                found[(s.id, "email")] = EmailReceiver(s.id, s.email, s.languages, unsubscribe)
        integrator_ids = sorted({t.receiver for t in tasks if not t.receiver.startswith("sub_")})
        if integrator_ids:
            for integrator_id, kind, url, secret, topic_prefix in uow.integrators.endpoints(integrator_ids):
                if kind == "webhook" and url and secret:
                    found[(integrator_id, "webhook")] = WebhookReceiver(integrator_id, url, secret)
                elif kind == "mqtt":
                    found[(integrator_id, "mqtt")] = BrokerReceiver(integrator_id, topic_prefix or "safezone/areas")
        return found

    # -- 3. send and record --------------------------------------------------------------------

    async def send(self, delivery: Delivery, receiver: Any) -> Outcome:
        if receiver is None:
            return Outcome.permanent("the receiver unsubscribed or was removed")
        now = self.clock()
        if delivery.remaining(now).total_seconds() <= 0:
            return Outcome.expired()
        channel = self.channels.get(delivery.channel.value)
        if channel is None:
            return Outcome.permanent(f"the {delivery.channel.value} channel is not configured")
        endpoint = _endpoint(receiver)
        if self.breaker is not None and endpoint and not self.breaker.allows(endpoint, now):
            return Outcome.retry(f"circuit open for {endpoint}: not tried", breaker=True)
        try:
            outcome = await channel.send(delivery, receiver)
        except Exception as error:  # a channel must not raise; if one does, the row is retried
            log.exception("channel %s raised", delivery.channel.value)
            outcome = Outcome.retry(f"{type(error).__name__} in the channel")
        if self.breaker is not None and endpoint:
            self.breaker.record(endpoint, outcome.ok or not outcome.retryable, self.clock())
        return outcome

    def record(self, results: list[tuple[DeliveryTask, Outcome]]) -> PassResult:
        now = self.clock()
        done = PassResult()
        finished: list[dict] = []
        with self.database.unit_of_work() as uow:
            for task, outcome in results:
                done.outcomes[outcome.kind.value] = done.outcomes.get(outcome.kind.value, 0) + 1
                self._record(uow, task, outcome, now, done, finished)
            done.sent += uow.deliveries.finish_many(self.owner, finished)
            uow.commit()
        return done

    def _record(self, uow: UnitOfWork, task: DeliveryTask, outcome: Outcome, now: datetime, done: PassResult,
                finished: list[dict]) -> None:
        skipped = bool(outcome.detail.get("breaker"))
        attempts = task.attempts if skipped else task.attempts + 1
        if outcome.ok:  # recorded together, in one statement (a fan-out records hundreds a pass)
            finished.append({"id": task.id, "state": outcome.kind.value, "finished_at": now, "attempts": attempts,
                             "latency_ms": (now - task.issued_at).total_seconds() * 1000,
                             "reason": outcome.reason[:500]})
            return
        if outcome.kind is OutcomeKind.FAILED and outcome.retryable and attempts < self.settings.max_attempts:
            wait = backoff(max(attempts, 1))
            if now + wait < task.expires_at:
                uow.deliveries.retry_later(task.id, self.owner, now + wait, attempts=attempts, reason=outcome.reason[:500])
                done.retried += 1
                return
        if outcome.kind is OutcomeKind.GONE and task.channel == "webpush":
            uow.subscribers.drop_channel(task.receiver, "webpush", now)
        state = {OutcomeKind.EXPIRED: "expired", OutcomeKind.GONE: "failed"}.get(outcome.kind, "failed")
        if outcome.kind is OutcomeKind.FAILED and outcome.retryable:
            state = "dead" if now < task.expires_at else "expired"
        if uow.deliveries.finish(task.id, self.owner, state, now, attempts=attempts, reason=outcome.reason[:500]):
            done.finished += 1

    # -- a whole pass ------------------------------------------------------------------------

    def has_work(self) -> bool:
        """Anything to plan, send or confirm? An idle engine asks every `poll_s`, in the serving
        process: one statement on a connection held for it, no unit of work (issue 12)."""
        return self._work.any(self.clock(), email="email" in self.channels)

    def close(self) -> None:
        """Give back the connection held for `has_work` (a later look opens another)."""
        self._work.close()

    async def run_once(self, *, woken: bool = False, pipelined: bool = False) -> PassResult:
        """One pass; `woken` (an alert was just issued) skips the look for work: there is some.
        `pipelined` (the run loop) returns as soon as a full batch is on its way, so the next is
        leased while this one is sent; otherwise the pass waits for its copies (up to
        `straggler_wait_s`) and their receipts."""
        if not woken and not await run_in_threadpool(self.has_work):
            return self._report(PassResult())
        planned, prepared = await run_in_threadpool(self._next_batch)
        await self.send_confirmations()
        result = PassResult(planned=planned, leased=len(prepared))
        if pipelined and len(prepared) >= self.settings.batch:
            await self._start(prepared)
            await self._room()
            return self._report(result)
        await self._send_and_record(prepared)
        return self._report(result)

    def _report(self, result: PassResult) -> PassResult:
        """`result` with the receipts recorded since the last report."""
        result.add(self._recorded)
        self._recorded = PassResult()
        return result

    def _next_batch(self) -> tuple[int, list[tuple[DeliveryTask, Delivery | None, Any]]]:
        """Plan, lease and prepare in one trip to a worker thread (each trip costs a wake-up)."""
        planned, tasks = self.plan_and_claim()
        return planned, self.prepare(tasks) if tasks else []

    async def _start(self, prepared: list[tuple[DeliveryTask, Delivery | None, Any]]) -> set[asyncio.Future]:
        """Start sending prepared copies; each puts its outcome in `_receipts` for the recorder.
        At most a few batches are in flight (hanging receivers hold theirs until their timeout)."""
        await self._fewer_in_flight(4 * self.settings.batch - 1)
        started = {asyncio.ensure_future(self._send_one(t, d, r)) for t, d, r in prepared}
        self._in_flight |= started
        for future in started:
            future.add_done_callback(self._sent)
        return started

    def _sent(self, future: asyncio.Future) -> None:
        """A copy is done: wake whoever waits for fewer in flight (`_fewer_in_flight`)."""
        self._in_flight.discard(future)
        while self._waiting and len(self._in_flight) <= self._waiting[0][0]:
            _, waiter = self._waiting.pop(0)
            if not waiter.done():
                waiter.set_result(None)

    async def _fewer_in_flight(self, most: int, timeout: float | None = None) -> None:
        """Wait until at most `most` copies are in flight (or `timeout`). One waiter woken by a
        count, not `asyncio.wait` on every copy in flight: that added and removed a callback on
        each of them for every copy that finished (a fan-out keeps a thousand in flight)."""
        if len(self._in_flight) <= most:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append((most, waiter))
        self._waiting.sort(key=lambda pair: pair[0], reverse=True)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            if not waiter.done():
                waiter.cancel()
                self._waiting = [pair for pair in self._waiting if pair[1] is not waiter]

    async def _send_one(self, task: DeliveryTask, delivery: Delivery | None, receiver: Any) -> None:
        outcome = await self.send(delivery, receiver)  # type: ignore[arg-type]
        self._receipts.append((task, outcome))  # the list of now, not of before the send (`_record_receipts`)
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.ensure_future(self._record_receipts())

    async def _record_receipts(self) -> None:
        """Record the receipts gathered so far in one transaction; those that come in meanwhile
        go in the next (a fan-out records hundreds at a time, while its next batch is sent)."""
        while self._receipts:
            receipts, self._receipts = self._receipts, []
            try:
                done = await run_in_threadpool(self.record, receipts)
            except Exception as error:  # the rows come due again when their lease ends
                log.warning("recording %d deliveries failed (%s): they go out again after their lease",
                            len(receipts), type(error).__name__)
            else:
                self._recorded.add(done)  # the tally of now: a pass may have taken the last one meanwhile

    async def _room(self) -> None:
        """Wait until at most one batch is still being sent (the next is leased meanwhile), or
        `straggler_wait_s` (copies still out then are hanging receivers: nobody waits for them)."""
        await self._fewer_in_flight(self.settings.batch, self.straggler_wait_s)

    async def _send_and_record(self, prepared: list[tuple[DeliveryTask, Delivery | None, Any]]) -> None:
        """Send prepared copies and record those done within `straggler_wait_s`; the copies
        still in flight then (a receiver hanging until its timeout) record themselves later,
        so a slow receiver costs its own copy's time, nobody else's. Their rows stay leased to
        us meanwhile (the channels' timeouts are shorter than a lease)."""
        if not prepared:
            return
        started = await self._start(prepared)
        await asyncio.wait(started, timeout=self.straggler_wait_s)
        await self._flush()

    async def _flush(self) -> None:
        """Wait until the receipts of the copies done so far are recorded."""
        while self._receipts or (self._recorder is not None and not self._recorder.done()):
            if self._recorder is None or self._recorder.done():
                self._recorder = asyncio.ensure_future(self._record_receipts())
            await asyncio.shield(self._recorder)

    async def settle(self) -> None:
        """Wait for the copies still in flight to finish and be recorded, and acknowledge their
        stream entries (before closing channels)."""
        await self._fewer_in_flight(0)
        await self._flush()
        if self.stream is not None:
            await self._ack_recorded()

    async def run_stream_once(self, *, block_ms: int = 100, min_idle_ms: int = 5000) -> PassResult:
        """A pass of a `safezone worker`: publish what this worker planned, then start sending the
        ids of the stream entries of about a batch (a dead worker's first, after `min_idle_ms`),
        pipelined as `run_once` is: the pass returns once at most a batch is still being sent,
        and an entry is acknowledged once all its copies are recorded (`_ack_recorded`). With
        nothing in the stream, a database pass (retries, lost entries)."""
        planned = await run_in_threadpool(self.plan_pending)
        try:
            if self._planned:
                alerts, self._planned = self._planned, []
                ids = await run_in_threadpool(self._queued_ids, alerts)
                await self.stream.publish(ids)
            entries = await self.stream.read(self.owner, max(1, self.settings.batch // IDS_PER_ENTRY), block_ms,
                                             min_idle_ms)
        except StreamUnavailable as error:  # Redis down or restarting: the database holds the work
            log.warning("%s; delivering from the database meanwhile", error)
            entries = []
        if not entries:
            await self._ack_recorded()
            result = await self.run_once()
            result.planned += planned
            return result
        result = PassResult(planned=planned)
        for entry_id, ids in entries:
            prepared: list[tuple[DeliveryTask, Delivery | None, Any]] = []
            for first in range(0, len(ids), self.settings.batch):
                prepared += await run_in_threadpool(self._claim_prepared, ids[first:first + self.settings.batch])
            self._unacked.append((entry_id, await self._start(prepared) if prepared else set()))
            result.leased += len(prepared)
        await self._room()
        await self._ack_recorded()
        result.retried += 1  # an entry was handled: keep going without waiting
        return self._report(result)

    def _claim_prepared(self, ids: list[int]) -> list[tuple[DeliveryTask, Delivery | None, Any]]:
        """Lease a stream entry's due rows and prepare them, in one trip to a worker thread."""
        tasks = self.claim(None, ids)
        return self.prepare(tasks) if tasks else []

    async def _ack_recorded(self) -> None:
        """Acknowledge the stream entries whose copies are all sent and recorded (a copy still
        out keeps its entry pending: a worker that dies now leaves it to another)."""
        done = [entry for entry in self._unacked if all(copy.done() for copy in entry[1])]
        if not done:
            return
        await self._flush()
        acked = {entry_id for entry_id, _ in done}
        self._unacked = [entry for entry in self._unacked if entry[0] not in acked]
        try:
            await self.stream.ack([entry_id for entry_id, _ in done])
        except StreamUnavailable as error:  # recorded already: a re-read entry finds its rows done
            log.warning("%s; entries %s not acknowledged", error, ", ".join(entry_id for entry_id, _ in done))

    def _queued_ids(self, alert_ids: list[int]) -> list[int]:
        with self.database.unit_of_work(read_only=True) as uow:
            return uow.deliveries.queued_ids(alert_ids)

    async def send_confirmations(self) -> int:
        """The double opt-in mails of new addresses (the SMTP channel must be configured)."""
        email = self.channels.get("email")
        if email is None:
            return 0
        with self.database.unit_of_work(read_only=True) as uow:
            due = uow.subscribers.confirmations_due()
        sent = 0
        for subscriber_id, address, token, language in due:
            link = email_links(self.alert_settings.public_url or "http://127.0.0.1:8000", subscriber_id, token)[0]
            if (await email.confirm(address, link, language)).ok:
                with self.database.unit_of_work() as uow:
                    uow.subscribers.confirmation_sent(subscriber_id)
                    uow.commit()
                sent += 1
        return sent

    def wake(self) -> None:
        """Cut the idle wait short (an alert was just issued): from any thread; a no-op when the
        engine is not running."""
        loop, event = self._loop, self._woken
        if loop is None or event is None:
            return
        try:
            loop.call_soon_threadsafe(event.set)
        except RuntimeError:  # the loop has closed: nothing to wake
            pass

    async def _idle(self, stop: asyncio.Event, timeout: float) -> None:
        """Wait `timeout` (the poll interval, longer after failures), a stop, or a wake."""
        assert self._woken is not None
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._woken.wait())]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def run(self, stop: asyncio.Event) -> None:
        """Passes until `stop` is set. An idle engine looks again every `poll_s`, or at once when
        woken (`wake`). A failed pass (the database restarting, say) is logged — the whole
        traceback once, then a line per failure — and tried again after a wait that doubles up to
        `FAILING_WAIT_S`, so an outage neither kills the worker nor floods its log."""
        self._loop, self._woken = asyncio.get_running_loop(), asyncio.Event()
        try:
            await self._passes(stop)
        finally:
            self._loop = self._woken = None
        await self.settle()
        self.close()

    async def _passes(self, stop: asyncio.Event) -> None:
        assert self._woken is not None
        failures, full = 0, False
        while not stop.is_set():
            woken = self._woken.is_set() or full  # after a full batch, more is due: no look first
            self._woken.clear()  # a wake from now on means another pass
            try:
                result = await (self.run_stream_once(min_idle_ms=int(self.settings.lease_s * 1000) + 1000)
                                if self.stream is not None else self.run_once(woken=woken, pipelined=True))
                busy = result.sent or result.finished or result.retried or result.planned or result.leased
                full = result.leased >= self.settings.batch
                if failures:
                    log.warning("delivery passes work again after %d failed", failures)
                failures = 0
            except Exception as error:
                failures, full = failures + 1, False
                if failures == 1:
                    log.exception("delivery pass failed")
                else:
                    log.warning("delivery pass failed (%d in a row): %s", failures,
                                (str(error).splitlines() or [type(error).__name__])[0][:300])
                busy = False
            if not busy:
                await self._idle(stop, min(self.settings.poll_s * 2 ** failures, FAILING_WAIT_S) if failures
                                 else self.settings.poll_s)


def _endpoint(receiver: Any) -> str | None:
    """The host a receiver's copies go to, for the circuit breaker (webhooks, push services)."""
    url = getattr(receiver, "url", None) or getattr(receiver, "endpoint", None)
    return written_origin(url) if url else None
