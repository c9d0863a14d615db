"""The outbox sender: drains the deliveries table under Telegram's limits, durably.

Telegram-free: it is given a `transport` (chat id, payload) -> message id that raises the
failures below. Guarantees, given that sendMessage has no idempotency key:

- Every row is sent at least once unless Telegram refuses it (403 blocked, 400 rejected) or it
  fails `max_attempts` times on 5xx / network errors.
- A crash can repeat only messages whose result was not yet written: at most
  `concurrency + flush_every` messages per worker. Rows left "sending" are released after
  `lease` and sent again (we prefer a rare duplicate to a member who never hears of a buyer).
- Several workers may share one PostgreSQL table: claiming uses FOR UPDATE SKIP LOCKED.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.rate_gate import RateGate
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
    max_attempts: int = 5
    batch: int = 100
    concurrency: int = 16
    flush_every: int = 20
    lease: timedelta = timedelta(minutes=2)
    max_backoff: float = 300.0


def backoff_seconds(attempt: int, cap: float = 300.0) -> float:
    """Exponential backoff with jitter: about 0.5, 1, 2, 4 ... seconds, at most `cap`.

    A single 5xx is usually a blip: retrying within a second keeps a big send from
    trailing long after the rest has gone (B2).
    """
    return min(cap, 0.5 * 2.0 ** (attempt - 1)) * (0.75 + random.random() / 2)


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

    async def drain_once(self) -> DrainStats:
        """Claim one batch of due rows, send them, record every result."""
        async with self.uow() as uow:
            claimed = await uow.deliveries.claim_due(self.clock(), self.config.batch, self.worker_id)
            await uow.commit()
        stats = DrainStats()
        if not claimed:
            return stats
        semaphore = asyncio.Semaphore(self.config.concurrency)
        outcomes: list[_Outcome] = []
        tasks: set[asyncio.Task[None]] = set()

        async def send(delivery: ClaimedDelivery) -> None:
            try:
                message_id = await self.transport(delivery.chat_id, delivery.payload)
                outcomes.append(_Outcome(delivery, message_id=message_id))
            except RateLimited as failure:
                self.gate.pause(failure.retry_after)
                outcomes.append(_Outcome(delivery, failure=failure))
            except DeliveryFailure as failure:
                outcomes.append(_Outcome(delivery, failure=failure))
            except Exception as exc:  # an unknown error is treated as transient, never lost
                log.exception("outbox: unexpected error sending delivery %s", delivery.id)
                outcomes.append(_Outcome(delivery, failure=Transient(repr(exc)[:150])))
            finally:
                semaphore.release()

        for delivery in claimed:
            await self.gate.wait_turn(delivery.chat_id)
            await semaphore.acquire()
            task = asyncio.create_task(send(delivery))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if len(outcomes) >= self.config.flush_every:
                done, outcomes[:] = list(outcomes), []
                await self._record(done, stats)
        if tasks:
            await asyncio.gather(*tasks)
        await self._record(outcomes, stats)
        return stats

    async def _record(self, outcomes: list[_Outcome], stats: DrainStats) -> None:
        if not outcomes:
            return
        now = self.clock()
        async with self.uow() as uow:
            sent = [(o.delivery.id, o.message_id) for o in outcomes if o.failure is None]
            await uow.deliveries.mark_sent(sent, now)
            stats.sent += len(sent)
            for outcome in outcomes:
                d, failure = outcome.delivery, outcome.failure
                if d.announcement_id is not None:
                    stats.touched_announcements.add(d.announcement_id)
                if failure is None:
                    continue
                if isinstance(failure, Blocked):
                    await uow.deliveries.block_chat(d.chat_id, d.member_id, now, str(failure))
                    stats.blocked += 1
                elif isinstance(failure, Rejected):
                    await uow.deliveries.mark(d.id, status="failed", last_error=str(failure)[:200])
                    stats.failed += 1
                elif isinstance(failure, RateLimited):
                    # Not the message's fault: no attempt is counted.
                    await uow.deliveries.mark(
                        d.id, status="pending", claimed_by=None,
                        not_before=now + timedelta(seconds=failure.retry_after),
                    )
                    stats.retried += 1
                else:
                    attempts = d.attempts + 1
                    if attempts >= self.config.max_attempts:
                        await uow.deliveries.mark(d.id, status="failed", attempts=attempts, last_error=str(failure)[:200])
                        stats.failed += 1
                    else:
                        delay = backoff_seconds(attempts, self.config.max_backoff)
                        await uow.deliveries.mark(
                            d.id, status="pending", attempts=attempts, claimed_by=None,
                            not_before=now + timedelta(seconds=delay), last_error=str(failure)[:200],
                        )
                        stats.retried += 1
            await uow.commit()

    async def run(self, stop: asyncio.Event, *, idle: float = 1.0, on_batch: Callable[[DrainStats], Awaitable[None]] | None = None) -> None:
        """Drain until `stop` is set; sleep `idle` seconds (or until woken) when nothing is due."""
        await self.release_interrupted()
        while not stop.is_set():
            try:
                stats = await self.drain_once()
            except Exception:  # the database may be briefly unavailable: try again shortly
                log.exception("outbox: drain failed; retrying")
                stats = DrainStats()
                await asyncio.sleep(idle)
            if on_batch is not None and (stats.sent or stats.blocked or stats.failed or stats.retried):
                try:
                    await on_batch(stats)
                except Exception:
                    log.exception("outbox: progress hook failed")
            if stats.sent or stats.blocked or stats.failed or stats.retried:
                continue
            self._wake.clear()
            waiter = asyncio.create_task(self._wake.wait())
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({waiter, stopper}, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            stopper.cancel()
