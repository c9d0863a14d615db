"""Pacing for bulk sending: an overall rate, one message per chat per interval, 429 pauses.

Telegram-free and clock-injectable so the rules are tested without waiting.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

SAFETY = 0.97
# Slots missed during a slow moment (a database write, a garbage collection, a busy core) are
# made up afterwards, at most this many seconds' worth and at most twice the even pace. The
# sliding one-second window below keeps the catch-up from ever exceeding the rate.
CATCH_UP_SECONDS = 0.25
CATCH_UP_PACE = 2.0


class RateGate:
    """Hands out send slots: evenly spaced overall, spaced per chat, all paused after a 429.

    Guarantee: in any one-second window at most floor(R × SAFETY) sends leave (never more than
    R: 291 at R = 300, 29 at R = 30), however late or early the callers come or wake.
    """

    def __init__(
        self,
        per_second: float,
        *,
        per_chat_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        catch_up: float = CATCH_UP_SECONDS,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        # A 3 % margin: requests leave evenly spaced but arrive with jitter, and a rate limiter
        # counting per second answers 429 (and a pause for everyone) for one message too many.
        # At most floor(R × SAFETY) sends in any one-second window (291 at R = 300, 29 at
        # R = 30; ceil would be R itself at R = 30, no margin at all), evenly spaced at that.
        # Catching up only fills holes in the last second up to it.
        self.window_limit = max(1, math.floor(per_second * SAFETY + 1e-9))
        self.spacing = 1.0 / self.window_limit
        self.min_spacing = self.spacing / CATCH_UP_PACE
        # At low rates the margin is under two messages: any burst risks a 429 (and a pause
        # for everyone), so nothing is made up there.
        self.catch_up = max(0.0, catch_up) if per_second - self.window_limit >= 2 else 0.0
        self.per_chat_interval = per_chat_interval
        self._clock = clock
        self._sleep = sleep
        self._next_slot = 0.0  # the even schedule; may lag behind the clock by `catch_up`
        self._last_slot = float("-inf")
        self._recent: deque[float] = deque(maxlen=self.window_limit)
        # When sends actually left (a slot's sleeper may wake late, with others: a busy core).
        self._sent: deque[float] = deque(maxlen=self.window_limit)
        self._paused_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Telegram said 429 retry_after: nobody sends before then."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def now(self) -> float:
        return self._clock()

    def chat_ready_at(self, chat_id: int) -> float:
        """When this chat may next be sent to (its one-per-interval turn)."""
        return self._chat_next.get(chat_id, 0.0)

    def forget_chat(self, chat_id: int) -> None:
        """The last send to this chat failed without reaching it: its interval does not apply."""
        self._chat_next.pop(chat_id, None)

    def _take_slot(self, chat_id: int) -> float:
        now = self._clock()
        # After a 429 pause nothing is made up: the schedule restarts at the end of the pause.
        scheduled = max(self._next_slot, now - self.catch_up, self._paused_until)
        slot = max(now, scheduled, self._last_slot + self.min_spacing, self._chat_next.get(chat_id, 0.0))
        if len(self._recent) == self.window_limit:
            # The window_limit-th slot before this one must be a full second earlier.
            slot = max(slot, self._recent[0] + 1.0)
        self._recent.append(slot)
        self._last_slot = slot
        self._next_slot = scheduled + self.spacing
        self._chat_next[chat_id] = slot + self.per_chat_interval
        if len(self._chat_next) > 50_000:
            # Forget chats whose interval has passed; keeps memory flat on huge sends.
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return slot

    async def wait_turn(self, chat_id: int) -> None:
        """Sleep until this chat may be sent to, then take the slot."""
        async with self._lock:
            slot = self._take_slot(chat_id)
        delay = slot - self._clock()
        if delay > 0:
            await self._sleep(delay)
        # A pause announced while we slept applies to us too.
        while self._paused_until > self._clock():
            await self._sleep(self._paused_until - self._clock())
        # Slots keep the window, but sleepers woken late (the process was busy) leave together:
        # the window is kept on the actual send times too, or a burst after a stall meets a 429
        # (and a one-second pause for everyone). O(1): one deque of window_limit times.
        while len(self._sent) == self.window_limit and (wait := self._sent[0] + 1.0 - self._clock()) > 0:
            await self._sleep(wait)
        self._sent.append(self._clock())
