"""F17: update ids start again (Telegram after a quiet week, or a fresh emulator on an old
database) and the bot still answers; a redelivery is still handled once (F2)."""

from __future__ import annotations

import time

from sqlalchemy import select

from bot.shell.sandbox.core import FakeBotApi
from db.models import ProcessedUpdate
from tests.support.harness import Harness

HELP = "Perintah yang bisa Anda pakai"


async def _seen_ids(bot) -> set[int]:
    async with bot.uow(read_only=True) as uow:
        return set((await uow.session.scalars(select(ProcessedUpdate.update_id))).all())


async def test_telegram_starts_update_ids_again_and_the_bot_still_answers(bot):
    cluster = await bot.cluster()
    user = bot.user(6201)
    await bot.register(user, cluster)
    await user.send("/omzet 12,5 jt")
    await user.press("Benar")
    seen = await _seen_ids(bot)

    # A week without updates: Telegram's next update gets an id the bot has already handled.
    bot.api.restart_update_ids()
    await bot.restart()
    before = len(user.texts())
    update = await user.send("/bantuan")
    assert update["update_id"] in seen
    assert len(user.texts()) == before + 1 and HELP in user.last_text
    press = await user.send("/bahasa")
    assert press["update_id"] in seen
    answered = await user.press("English")
    assert answered["update_id"] in seen
    assert user.last_text == "OK, I will use English."

    # The new updates are remembered in turn: delivering one again does nothing (F2).
    count = len(user.texts())
    await bot.api.deliver(update)
    await bot.api.deliver(answered)
    assert len(user.texts()) == count


async def test_a_fresh_emulator_on_an_old_database_is_answered(bot, settings):
    cluster = await bot.cluster()
    user = bot.user(6202)
    await bot.register(user, cluster)
    seen = await _seen_ids(bot)
    await bot.stop()

    # The demo restarted a week later: new emulator (ids and message ids from the start), old DB.
    api = FakeBotApi()
    api.clock = lambda: time.time() + 7 * 24 * 3600
    fresh = await Harness(settings, api).start()
    try:
        user = fresh.user(6202)
        update = await user.send("/bantuan")
        assert update["update_id"] in seen
        assert HELP in user.last_text
        await user.send("/bahasa")
        press = await user.press("English")
        assert press["update_id"] in seen
        assert user.last_text == "OK, I will use English."
    finally:
        await fresh.stop()
    assert not api.unknown_methods and not api.unanswered_callbacks
    assert not fresh.errors.records, [r.getMessage() for r in fresh.errors.records]
