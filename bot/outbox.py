"""The outbox sender: drains the deliveries table under Telegram's limits, durably.

Telegram-free: it is given a `transport` (chat id, payload) -> message id that raises the
failures below. Guarantees, given that sendMessage has no idempotency key:

- Every row is sent at least once unless Telegram refuses it (403 blocked, 400 rejected) or a
  bulk row fails `max_attempts` times on 5xx / network errors; a notice to one person (first in
  line) is retried until it is taken.
- A crash can repeat only messages whose result was not yet written: at most
  `concurrency + flush_every` messages per worker. Rows left "sending" are released after
  `lease` and sent again (we prefer a rare duplicate to a member who never hears of a buyer).
- Sending never waits for the database: the next batch is claimed while one is sent and
  results are written alongside, so the pace is the gate's (bot/rate_gate.py), not the DB's.
- Several workers may share one PostgreSQL table: claiming uses FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.rate_gate import RateGate
from bot.services.notices import READER_OF, reader_still_allowed
from db.outbox_queries import ClaimedDelivery
from db.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


class DeliveryFailure(Exception):
    """Base of what a transport may raise."""


class RateLimited(DeliveryFailure):
    """429: wait `retry_after` seconds; nothing is wrong with the message."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Blocked(DeliveryFailure):
    """403: the member blocked the bot or deleted their account. Never retried."""


class Rejected(DeliveryFailure):
    """400: Telegram will never accept this message. Never retried."""


class Transient(DeliveryFailure):
    """5xx, timeout, network: retried with backoff."""


Transport = Callable[[int, dict[str, Any]], Awaitable[int | None]]


@dataclass
class OutboxConfig:
    per_second: float = 25.0
    per_chat_interval: float = 1.0
    max_attempts: int = 6
    batch: int = 100
    concurrency: int = 16
    flush_every: int = 20
    lease: timedelta = timedelta(minutes=2)
    max_backoff: float = 300.0


def backoff_seconds(attempt: int, cap: float = 300.0) -> float:
    """Exponential backoff with jitter: about 0.25, 0.5, 1, 2, 4 ... seconds, at most `cap`.

    A single 5xx is usually a blip: retrying within a fraction of a second keeps a big send
    from trailing after the rest has gone (B2). Six attempts span about eight seconds, as
    five did when the first wait was half a second.
    """
    return min(cap, 0.25 * 2.0 ** (attempt - 1)) * (0.75 + random.random() / 2)


@dataclass
class _Outcome:
    delivery: ClaimedDelivery
    message_id: int | None = None
    failure: DeliveryFailure | None = None


@dataclass
class DrainStats:
    sent: int = 0
    retried: int = 0
    blocked: int = 0
    failed: int = 0
    touched_announcements: set[int] = field(default_factory=set)


class Outbox:
    """One sender; run it once per process."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        transport: Transport,
        *,
        config: OutboxConfig | None = None,
        clock: Callable[[], datetime],
        worker_id: str,
        gate: RateGate | None = None,
    ) -> None:
        self.uow = uow
        self.transport = transport
        self.config = config or OutboxConfig()
        self.clock = clock
        self.worker_id = worker_id
        self.gate = gate or RateGate(self.config.per_second, per_chat_interval=self.config.per_chat_interval)
        self._wake = asyncio.Event()
        # Progress (the author's "terkirim ..." message) is reported by one task of its own, at
        # most every `progress_every` seconds: sending never waits for that Telegram call.
        self._progress_next: tuple[Callable[[DrainStats], Awaitable[None]], DrainStats] | None = None
        self._progress_task: asyncio.Task[None] | None = None
        self._progress_last = float("-inf")
        self._progress_every = 1.0

    def wake(self) -> None:
        """New rows were written: look now rather than after the idle pause."""
        self._wake.set()

    async def release_interrupted(self) -> int:
        """At start: rows a dead worker left 'sending' go back to pending after the lease."""
        async with self.uow() as uow:
            count = await uow.deliveries.release_stale(self.clock() - self.config.lease)
            await uow.commit()
        if count:
            log.warning("outbox: %d interrupted deliveries will be sent again", count)
        return count

    async def _claim(self) -> list[ClaimedDelivery]:
        async with self.uow() as uow:
            claimed = await uow.deliveries.claim_due(self.clock(), self.config.batch, self.worker_id)
            # Decided as it leaves, not when queued: members' data only to who may still read it.
            kept = []
            for delivery in claimed:
                if READER_OF in delivery.payload and not await reader_still_allowed(uow, delivery.chat_id, delivery.payload):
                    await uow.deliveries.mark(delivery.id, status="cancelled", last_error="reader no longer manages the cluster")
                    continue
                kept.append(delivery)
            await uow.commit()
        return kept

    async def drain_once(self) -> DrainStats:
        """Claim one batch of due rows, send them, record every result."""
        return await self._drain(keep_claiming=False)

    async def _drain(
        self,
        *,
        keep_claiming: bool,
        stop: asyncio.Event | None = None,
        on_progress: Callable[[DrainStats], Awaitable[None]] | None = None,
    ) -> DrainStats:
        """Send claimed rows as fast as the gate allows; with `keep_claiming`, until none is due.

        Dispatching never waits for the database: the next batch is claimed while the current
        one is sent, and results are written by a recorder alongside. Results not yet written
        stay below `flush_every` (the dispatcher waits for the recorder beyond that), so a crash
        repeats at most `concurrency + flush_every` messages.
        """
        stats = DrainStats()
        queue: deque[ClaimedDelivery] = deque(await self._claim())
        if not queue:
            return stats
        semaphore = asyncio.Semaphore(self.config.concurrency)
        buffer: list[_Outcome] = []
        tasks: set[asyncio.Task[None]] = set()
        fatal: list[BaseException] = []
        recording: asyncio.Task[None] | None = None
        recording_size = 0
        prefetch: asyncio.Task[list[ClaimedDelivery]] | None = None
        flush_at = max(1, self.config.flush_every // 2)

        async def send(delivery: ClaimedDelivery) -> None:
            try:
                message_id = await self.transport(delivery.chat_id, delivery.payload)
                buffer.append(_Outcome(delivery, message_id=message_id))
            except RateLimited as failure:
                self.gate.pause(failure.retry_after)
                buffer.append(_Outcome(delivery, failure=failure))
            except Transient as failure:
                # The attempt most likely did not reach the chat: its retry waits for the backoff,
                # not the chat's interval (a rare pair within a second is a burst Telegram allows).
                self.gate.forget_chat(delivery.chat_id)
                buffer.append(_Outcome(delivery, failure=failure))
            except DeliveryFailure as failure:
                buffer.append(_Outcome(delivery, failure=failure))
            except Exception as exc:  # an unknown error is treated as transient, never lost
                log.exception("outbox: unexpected error sending delivery %s", delivery.id)
                buffer.append(_Outcome(delivery, failure=Transient(repr(exc)[:150])))
            finally:
                semaphore.release()

        def sent_done(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            if not task.cancelled() and task.exception() is not None:
                fatal.append(task.exception())  # a crash (BaseException): stop dispatching

        async def record_and_report(outcomes: list[_Outcome]) -> None:
            await self._record(outcomes, stats)
            if on_progress is not None:
                self._note_progress(on_progress, stats)

        async def finish_recording() -> None:
            nonlocal recording, recording_size
            if recording is not None:
                task, recording, recording_size = recording, None, 0
                await task

        def start_recording(force: bool = False) -> None:
            nonlocal recording, recording_size
            if recording is not None and recording.done():
                if recording.exception() is not None:
                    return  # surfaced by finish_recording()
                recording, recording_size = None, 0
            if recording is None and buffer and (force or len(buffer) >= flush_at):
                outcomes = buffer[:]
                buffer.clear()
                recording, recording_size = asyncio.create_task(record_and_report(outcomes)), len(outcomes)

        async def write_all() -> None:
            """Write every result so far: the batch being written, then what is buffered."""
            await finish_recording()
            start_recording(force=True)
            await finish_recording()

        async def retry_falls_due_first() -> bool:
            """Only rows waiting for their chat's turn are left. A retry may fall due in the
            database before that turn comes: True (after sleeping until then) when it does, so
            that it is claimed and sent first rather than held behind a chat's one-second
            interval (the end of a big send)."""
            turn = deferred[0][0] - self.gate.now()
            # A failure still in flight or not yet written is a retry the database does not
            # know of yet: finish and write those first.
            if tasks:
                await asyncio.wait(set(tasks), timeout=max(turn, 0.0))
            await write_all()
            turn = deferred[0][0] - self.gate.now()
            due = await self._until_next_due(max(turn, 0.0))
            if due >= turn:
                return False
            await asyncio.sleep(max(due, 0.05))
            return True

        # Rows whose chat must wait (its one-per-interval turn) step aside so that they do not
        # hold up everyone behind them: (ready at, order, row).
        deferred: list[tuple[float, int, ClaimedDelivery]] = []
        order = 0
        claiming = keep_claiming

        def pick(*, wait_for_turn: bool) -> ClaimedDelivery | None:
            """The next row to send; a row whose chat's turn is still ahead only with
            `wait_for_turn` (its sender then sleeps until that turn)."""
            nonlocal order
            now = self.gate.now()
            if deferred and deferred[0][0] <= now:
                return heapq.heappop(deferred)[2]
            while queue:
                candidate = queue.popleft()
                ready = self.gate.chat_ready_at(candidate.chat_id)
                if ready <= now + self.gate.spacing:
                    return candidate
                order += 1
                heapq.heappush(deferred, (ready, order, candidate))
            return heapq.heappop(deferred)[2] if deferred and wait_for_turn else None

        try:
            while True:
                if fatal:
                    raise fatal[0]
                if stop is not None and stop.is_set():
                    # Stopping: what is claimed but not dispatched goes back for the next start.
                    await self._release([d.id for d in queue] + [d.id for _, _, d in deferred])
                    queue.clear()
                    deferred.clear()
                    if prefetch is None:
                        break
                    queue.extend(await prefetch)
                    prefetch = None
                    continue
                if claiming and prefetch is None and len(queue) <= self.config.batch // 2:
                    prefetch = asyncio.create_task(self._claim())
                if not queue and prefetch is not None and (not deferred or deferred[0][0] > self.gate.now()):
                    claimed = await prefetch
                    prefetch = None
                    # Nothing more is due: finish what is here; the caller sleeps until more is.
                    claiming = bool(claimed)
                    queue.extend(claimed)
                    continue
                delivery = pick(wait_for_turn=False)
                if delivery is None and deferred and prefetch is not None:
                    continue  # the claim under way comes first (see above)
                if delivery is None and deferred and keep_claiming and await retry_falls_due_first():
                    prefetch = asyncio.create_task(self._claim())
                    continue
                if delivery is None:
                    delivery = pick(wait_for_turn=True)
                if delivery is None:
                    break
                # Results not yet written stay bounded: wait for the recorder when they pile up.
                while len(buffer) + recording_size >= self.config.flush_every:
                    if recording is not None and not recording.done():
                        await asyncio.wait({recording})
                    if recording is not None and recording.done():
                        await finish_recording()
                    start_recording(force=True)
                await semaphore.acquire()
                if fatal:
                    semaphore.release()
                    raise fatal[0]
                await self.gate.wait_turn(delivery.chat_id)
                task = asyncio.create_task(send(delivery))
                tasks.add(task)
                task.add_done_callback(sent_done)
                start_recording()
            if tasks:
                await asyncio.gather(*tasks)
            await write_all()
        finally:
            # On a crash the rows already claimed stay "sending" until the lease runs out.
            pending = [t for t in (recording, prefetch, *tasks) if t is not None and not t.done()]
            if pending:
                await asyncio.wait(pending)
        return stats

    async def _release(self, ids: list[int]) -> None:
        if ids:
            async with self.uow() as uow:
                await uow.deliveries.release_claimed(ids, self.worker_id)
                await uow.commit()

    def _note_progress(self, on_progress: Callable[[DrainStats], Awaitable[None]], stats: DrainStats) -> None:
        """Results were written: report them soon (the latest only, at most every `progress_every`)."""
        self._progress_next = (on_progress, stats)
        if self._progress_task is None or self._progress_task.done():
            self._progress_task = asyncio.create_task(self._report_progress())

    async def _report_progress(self) -> None:
        loop = asyncio.get_running_loop()
        while self._progress_next is not None:
            wait = self._progress_last + self._progress_every - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            on_progress, stats = self._progress_next
            self._progress_next = None
            self._progress_last = loop.time()
            await self._report(on_progress, stats)

    @staticmethod
    async def _report(on_progress: Callable[[DrainStats], Awaitable[None]], stats: DrainStats) -> None:
        try:
            await on_progress(stats)
        except Exception:
            log.exception("outbox: progress hook failed")

    async def _record(self, outcomes: list[_Outcome], stats: DrainStats) -> None:
        if not outcomes:
            return
        now = self.clock()
        async with self.uow() as uow:
            sent = [(o.delivery.id, o.message_id) for o in outcomes if o.failure is None]
            await uow.deliveries.mark_sent(sent, now)
            stats.sent += len(sent)
            # Each announcement's counters move in this same transaction (progress reads them).
            tally: dict[int, Counter[str]] = defaultdict(Counter)
            for outcome in outcomes:
                d, failure = outcome.delivery, outcome.failure
                if d.announcement_id is not None:
                    stats.touched_announcements.add(d.announcement_id)
                counted = d.announcement_id is not None and d.kind == "announcement"
                if failure is None:
                    if counted:
                        tally[d.announcement_id]["sent"] += 1
                    continue
                if isinstance(failure, Blocked):
                    for announcement_id in await uow.deliveries.block_chat(d.id, d.chat_id, d.member_id, now, str(failure)):
                        tally[announcement_id]["blocked"] += 1
                    stats.blocked += 1
                elif isinstance(failure, Rejected):
                    await uow.deliveries.mark(d.id, status="failed", last_error=str(failure)[:200])
                    stats.failed += 1
                    if counted:
                        tally[d.announcement_id]["failed"] += 1
                elif isinstance(failure, RateLimited):
                    # Not the message's fault: no attempt is counted.
                    await uow.deliveries.mark(
                        d.id, status="pending", claimed_by=None,
                        not_before=now + timedelta(seconds=failure.retry_after),
                    )
                    stats.retried += 1
                else:
                    attempts = d.attempts + 1
                    # A notice to one person is never given up on a 5xx or a timeout: it waits
                    # (at most max_backoff between tries) until Telegram takes it.
                    if attempts >= self.config.max_attempts and not d.first_in_line:
                        await uow.deliveries.mark(d.id, status="failed", attempts=attempts, last_error=str(failure)[:200])
                        stats.failed += 1
                        if counted:
                            tally[d.announcement_id]["failed"] += 1
                    else:
                        delay = backoff_seconds(attempts, self.config.max_backoff)
                        await uow.deliveries.mark(
                            d.id, status="pending", attempts=attempts, claimed_by=None,
                            not_before=now + timedelta(seconds=delay), last_error=str(failure)[:200],
                        )
                        stats.retried += 1
            await uow.deliveries.count_results(tally)
            await uow.commit()

    async def _until_next_due(self, idle: float) -> float:
        """Seconds to sleep: until the earliest pending row is due, at most `idle`."""
        async with self.uow(read_only=True) as uow:
            due = await uow.deliveries.next_due()
        if due is None:
            return idle
        return min(idle, max(0.0, (due - self.clock()).total_seconds()))

    async def run(
        self,
        stop: asyncio.Event,
        *,
        idle: float = 1.0,
        on_batch: Callable[[DrainStats], Awaitable[None]] | None = None,
        progress_every: float = 1.0,
    ) -> None:
        """Drain until `stop` is set; when nothing is due, sleep until the next row is (at most
        `idle` seconds) or until woken. `on_batch` hears of progress about every `progress_every`
        seconds while sending and once more after the last result; sending never waits for it."""
        self._progress_every = progress_every
        await self.release_interrupted()
        while not stop.is_set():
            self._wake.clear()
            try:
                stats = await self._drain(keep_claiming=True, stop=stop, on_progress=on_batch)
                if stats.sent or stats.blocked or stats.failed or stats.retried:
                    continue
                pause = await self._until_next_due(idle)
            except Exception:  # the database may be briefly unavailable: try again shortly
                log.exception("outbox: drain failed; retrying")
                pause = idle
            if pause <= 0:
                continue
            waiter = asyncio.create_task(self._wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=pause, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
        if self._progress_task is not None and not self._progress_task.done():
            # The last report of what was sent, before the process stops.
            await asyncio.wait({self._progress_task}, timeout=5)
