"""F14: three quick updates from one person are handled in order, never side by side.

The updates go through the Application's own update queue and update processor, as polling
hands them over, and the fake Bot API answers late (the person already sees the bot's
message, the bot has not heard back yet), so the next tap arrives while the bot is busy.
"""

from __future__ import annotations

import asyncio

from telegram import Update

ANSWER_LATENCY = 0.3


async def _until(condition, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the bot did not get there in time")
        await asyncio.sleep(0.01)


def _calls_for(api, user, start):
    return [c for c in api.calls[start:] if str(c.params.get("chat_id")) == str(user.id) or c.method == "answerCallbackQuery"]


async def test_amount_benar_and_a_command_in_a_row_are_handled_one_after_another(bot):
    cluster = await bot.cluster()
    user = bot.user(6101)
    await bot.register(user, cluster)
    app = bot.app

    # From here on updates are queued as polling queues them, not processed one by one.
    async def queue(data):
        await app.update_queue.put(Update.de_json(data, app.bot))

    bot.api.sink = queue
    await app.start()
    try:
        bot.api.faults.answer_latency_seconds = ANSWER_LATENCY
        start = len(bot.api.calls)
        await user.send("/omzet 12,5 jt")
        await _until(lambda: user.buttons() == ["Benar", "Tulis lagi", "Batal"])
        # The person sees the question and taps at once: the bot is still waiting for its answer.
        benar = await user.press("Benar")
        await _until(lambda: user.last_text.startswith("Terima kasih!"))
        # They see the thanks and ask for the history at once, while "Benar" is still running.
        await user.send("/riwayat")
        await _until(lambda: app.update_queue.empty())
        await app.update_queue.join()
    finally:
        bot.api.faults.answer_latency_seconds = 0.0
        await app.stop()
        bot.api.sink = bot._process

    calls = _calls_for(bot.api, user, start)
    query_id = benar["callback_query"]["id"]
    amount = [c for c in calls if c.method == "sendMessage" and c.params["text"].startswith("Rp12.500.000 untuk")]
    confirm = [
        c for c in calls
        if (c.method == "answerCallbackQuery" and c.params["callback_query_id"] == query_id)
        or (c.method == "editMessageText" and c.params["text"].startswith("Terima kasih!"))
    ]
    history = [c for c in calls if c.method == "sendMessage" and c.params["text"].startswith("Oktober 2026: ")]
    assert len(amount) == 1 and len(confirm) == 2 and len(history) == 1
    # Each update's first call is handled only after the previous update heard its last answer.
    assert min(c.handled for c in confirm) > max(c.answered for c in amount)
    assert min(c.handled for c in history) > max(c.answered for c in confirm)
    assert "Okt 2026: Rp12.500.000" in history[0].params["text"]
