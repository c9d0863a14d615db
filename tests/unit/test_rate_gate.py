from __future__ import annotations

import math

import pytest

from bot.rate_gate import SAFETY, RateGate


class FakeTime:
    def __init__(self):
        self.now = 0.0

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.now += seconds


async def test_overall_rate_is_evenly_spaced():
    t = FakeTime()
    gate = RateGate(25, clock=t.clock, sleep=t.sleep)
    times = []
    for chat in range(100):
        await gate.wait_turn(chat)
        times.append(t.now)
    spacing = 1 / math.floor(25 * SAFETY)  # 24 a second: the most any one-second window holds
    assert times[-1] == pytest.approx(99 * spacing)
    assert all(b - a == pytest.approx(spacing) for a, b in zip(times, times[1:], strict=False))


async def test_one_message_per_chat_per_second():
    t = FakeTime()
    gate = RateGate(1000, clock=t.clock, sleep=t.sleep)
    stamps = []
    for _ in range(3):
        await gate.wait_turn(42)
        stamps.append(t.now)
    assert stamps == pytest.approx([0.0, 1.0, 2.0])


async def test_pause_after_429_holds_everyone():
    t = FakeTime()
    gate = RateGate(100, clock=t.clock, sleep=t.sleep)
    await gate.wait_turn(1)
    gate.pause(5)
    await gate.wait_turn(2)
    assert t.now >= 5.0


def test_rate_must_be_positive():
    with pytest.raises(ValueError):
        RateGate(0)


class SlowCaller(FakeTime):
    """A dispatcher that is sometimes late: a database write, a busy core."""

    def __init__(self, stalls):
        super().__init__()
        self.stalls = stalls  # send index -> seconds lost before asking for the next slot


async def _drive(gate, t, count, stalls=None):
    times = []
    for i in range(count):
        if stalls and i in stalls:
            t.now += stalls[i]
        await gate.wait_turn(i)
        times.append(t.now)
    return times


def _max_in_any_window(times, width=1.0):
    import bisect

    return max(bisect.bisect_left(times, start + width) - i for i, start in enumerate(times))


@pytest.mark.parametrize("rate", [1, 7, 25, 30, 300, 1000])
async def test_catch_up_never_exceeds_the_rate_in_any_window(rate):
    import random

    t = FakeTime()
    gate = RateGate(rate, clock=t.clock, sleep=t.sleep)
    rnd = random.Random(rate)
    count = int(rate * 20) + 5
    stalls = {i: rnd.choice([0.003, 0.02, 0.1, 0.3, 1.5]) for i in rnd.sample(range(count), count // 10)}
    times = await _drive(gate, t, count, stalls)
    assert times == sorted(times)
    assert _max_in_any_window(times) <= max(1, math.floor(rate * SAFETY + 1e-9)) <= rate


async def test_slots_lost_in_a_slow_moment_are_made_up():
    t = FakeTime()
    gate = RateGate(300, clock=t.clock, sleep=t.sleep)
    # About every second the dispatcher loses 30 ms, some 9 slots.
    stalls = {i: 0.03 for i in range(290, 3000, 290)}
    times = await _drive(gate, t, 3000, stalls)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert achieved >= 0.955 * 300
    # Without catch-up the same stalls would cost a tenth of the rate.
    strict = RateGate(300, clock=(u := FakeTime()).clock, sleep=u.sleep, catch_up=0)
    slow = await _drive(strict, u, 3000, stalls)
    assert (len(slow) - 1) / (slow[-1] - slow[0]) < 0.95 * 300
    assert _max_in_any_window(times) <= 291


async def test_nothing_is_made_up_after_a_429_pause():
    t = FakeTime()
    gate = RateGate(100, clock=t.clock, sleep=t.sleep)
    await _drive(gate, t, 10)
    gate.pause(2)
    resumed = await _drive(gate, t, 20)
    gaps = [b - a for a, b in zip(resumed, resumed[1:], strict=False)]
    assert all(gap == pytest.approx(gate.spacing) for gap in gaps)


def test_backoff_grows_from_a_quarter_second_with_jitter():
    from bot.outbox import OutboxConfig, backoff_seconds

    for attempt, base in [(1, 0.25), (2, 0.5), (3, 1.0), (5, 4.0)]:
        waits = [backoff_seconds(attempt) for _ in range(200)]
        assert all(0.75 * base <= w <= 1.25 * base for w in waits)
    assert backoff_seconds(30, cap=300) <= 1.25 * 300
    # Before giving up, retries span several seconds (a short Telegram outage is ridden out).
    total = sum(0.25 * 2 ** (a - 1) for a in range(1, OutboxConfig().max_attempts))
    assert total >= 7.5


async def test_sleepers_woken_late_together_still_keep_the_window():
    """A busy process wakes several slot sleepers at once, late: they must not leave as a burst
    that puts more than the window's share into one second (a 429 and a pause for everyone)."""
    import asyncio

    class LateWaker(FakeTime):
        """Sleeps end in real order, but every wake-up comes `late` seconds after it was due."""

        def __init__(self, late):
            super().__init__()
            self.late = late

        async def sleep(self, seconds):
            self.now += seconds + self.late
            await asyncio.sleep(0)

    t = LateWaker(late=0.2)
    gate = RateGate(30, clock=t.clock, sleep=t.sleep)
    times: list[float] = []

    async def one(chat):
        await gate.wait_turn(chat)
        times.append(t.now)

    await asyncio.gather(*(one(chat) for chat in range(120)))
    times.sort()
    assert _max_in_any_window(times) <= 29
