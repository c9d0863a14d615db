from __future__ import annotations

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
    spacing = 1 / (25 * SAFETY)
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
