"""Pacing for bulk sending: an overall rate, one message per chat per interval, 429 pauses.

Telegram-free and clock-injectable so the rules are tested without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

SAFETY = 0.97


class RateGate:
    """Hands out send slots: evenly spaced overall, spaced per chat, all paused after a 429."""

    def __init__(
        self,
        per_second: float,
        *,
        per_chat_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        # A 3 % margin: requests leave evenly spaced but arrive with jitter, and a rate limiter
        # counting per second answers 429 (and a pause for everyone) for one message too many.
        self.spacing = 1.0 / (per_second * SAFETY)
        self.per_chat_interval = per_chat_interval
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Telegram said 429 retry_after: nobody sends before then."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def wait_turn(self, chat_id: int) -> None:
        """Sleep until this chat may be sent to, then take the slot."""
        async with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot, self._paused_until, self._chat_next.get(chat_id, 0.0))
            self._next_slot = slot + self.spacing
            self._chat_next[chat_id] = slot + self.per_chat_interval
            if len(self._chat_next) > 50_000:
                # Forget chats whose interval has passed; keeps memory flat on huge sends.
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        delay = slot - self._clock()
        if delay > 0:
            await self._sleep(delay)
        # A pause announced while we slept applies to us too.
        while self._paused_until > self._clock():
            await self._sleep(self._paused_until - self._clock())
