"""One person's quick updates handled in order by two instances on one PostgreSQL database.

In webhook mode behind a load balancer, a person's next update may reach the other instance
while the first is still being handled. Each update is one transaction that first takes
`pg_advisory_xact_lock(<person>)` (bot.services.actors.admit_update), so the second
instance waits until the first commits and then sees where the person is.

Every conversation-state write here holds its transaction a moment longer, so the next
update, handed to the other instance meanwhile, really arrives while the first is running.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from db import repositories
from tests.support.harness import Harness

HOLD_SECONDS = 0.3


async def _capture(bot: Harness, sent) -> dict[str, Any]:
    """The update a message makes, not handed to any instance yet."""
    sink, bot.api.sink = bot.api.sink, None
    try:
        update = await sent
    finally:
        bot.api.sink = sink
    bot.api.pending_updates.remove(update)
    return update


async def test_a_persons_updates_alternating_between_two_instances_are_handled_in_order(bot, monkeypatch):
    if bot.runtime.engine.dialect.name != "postgresql":
        pytest.skip(
            "several instances need PostgreSQL (README): SQLite is one process only, and its "
            "writers wait on a file lock that is not first come, first served"
        )
    cluster = await bot.cluster()
    user = bot.user(6201)
    await bot.register(user, cluster)
    other = await Harness(bot.settings, bot.api).start()
    other.runtime.outbox.worker_id = "host-b:2"
    other.now = bot.now
    bot.api.sink = bot._process
    try:
        # "/omzet", then the month typed, then the amount: each answer depends on the step
        # the one before left the person at.
        updates = [
            await _capture(bot, user.send("/omzet")),
            await _capture(bot, user.send("oktober")),
            await _capture(bot, user.send("12,5 jt")),
        ]
        save = repositories.Conversations.save

        async def slow_save(self, *args, **kwargs):
            await save(self, *args, **kwargs)
            await asyncio.sleep(HOLD_SECONDS)  # still inside the update's transaction

        monkeypatch.setattr(repositories.Conversations, "save", slow_save)
        start = len(bot.api.calls)

        async def deliver(instance: Harness, update: dict[str, Any], after: float) -> None:
            await asyncio.sleep(after)
            await instance._process(update)

        # Alternately: A, B, A, each one arriving while the one before is still running.
        await asyncio.gather(
            deliver(bot, updates[0], 0.0), deliver(other, updates[1], 0.05), deliver(bot, updates[2], 0.1)
        )
    finally:
        errors = [r.getMessage() for r in other.errors.records]
        await other.stop()
        bot.api.sink = bot._process
    assert not errors, errors
    texts = [
        c.params["text"] for c in bot.api.calls[start:]
        if c.method == "sendMessage" and str(c.params.get("chat_id")) == str(user.id)
    ]
    assert texts[0] == "Untuk bulan apa Anda melapor omzet?"
    assert texts[1].startswith("Berapa omzet Anda untuk Oktober 2026?")
    assert texts[2] == "Rp12.500.000 untuk Oktober 2026 — benar?"
    assert len(texts) == 3
