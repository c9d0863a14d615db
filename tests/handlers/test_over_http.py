"""The bot pointed at the Bot API emulator over HTTP through TELEGRAM_API_BASE_URL.

Nothing is faked inside PTB here: the real HTTPXRequest, long polling with getUpdates, and
a restart of the bot in the middle of registration.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from sqlalchemy import select

from bot.shell.app import build_application
from bot.shell.sandbox.core import FakeBotApi
from bot.shell.sandbox.http import SandboxServer
from db.models import Member
from tests.support.harness import ErrorCollector

ERRORS = ErrorCollector()


async def _wait_for(condition, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            # What the bot's error handler logged is the cause (a "query is too old" was only
            # ever the error handler's second answer to a press, hiding it).
            raise AssertionError(f"the bot did not answer in time; errors: {[_error(r) for r in ERRORS.records]}")
        await asyncio.sleep(0.02)


def _error(record) -> str:
    return repr(record.exc_info[1]) if record.exc_info else record.getMessage()


class PollingBot:
    """`klasterbot run` in-process: build_application + start polling."""

    def __init__(self, settings):
        self.app = build_application(settings)

    async def __aenter__(self):
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        return self.app

    async def __aexit__(self, *exc):
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        await self.app.post_shutdown(self.app)


async def test_registration_over_http_with_a_restart_in_the_middle(settings):
    api = FakeBotApi()
    server = await SandboxServer(api).start()
    settings = replace(settings, api_base_url=server.base_url)
    ERRORS.records.clear()
    logging.getLogger("handlers.errors").addHandler(ERRORS)
    try:
        async with PollingBot(settings) as app:
            async with app.bot_data["klasterbot.runtime"].uow() as uow:
                from bot.services.clusters import create_cluster

                cluster = await create_cluster(uow, name="Jambu Lele", kabupaten="Demak", commodity="jambu")
            user = api.user(4242, "Ani")

            async def say(text):
                count = len(user.texts())
                await user.send(text)
                await _wait_for(lambda: len(user.texts()) > count)

            await user.send(f"/start {cluster.invite_code}")
            # The welcome and the consent question are two messages: wait for the buttons.
            await _wait_for(lambda: "Setuju" in user.buttons())
            count = len(user.texts())
            await user.press("Setuju")
            await _wait_for(lambda: len(user.texts()) > count)
            await say("Ani Lestari")
            assert "nama usaha" in user.last_text

        # The process is gone; a new one picks up the same database and Telegram.
        async with PollingBot(settings) as app:
            await say("Jambu Segar Ani")
            assert "produk utama" in user.last_text
            await say("jambu air")
            count = len(user.texts())
            await user.share_contact("081234500000")
            await _wait_for(lambda: "Mohon periksa" in user.last_text)
            await user.press("Benar")
            await _wait_for(lambda: "sudah terdaftar" in user.last_text)
            async with app.bot_data["klasterbot.runtime"].uow(read_only=True) as uow:
                member = await uow.session.scalar(select(Member))
            assert (member.name, member.business_name, member.phone) == ("Ani Lestari", "Jambu Segar Ani", "+6281234500000")
        assert not api.unknown_methods
        assert any(c.method == "getUpdates" for c in api.calls)
        assert api.commands[""]  # the menu was published at start
        assert not ERRORS.records, [_error(r) for r in ERRORS.records]
    finally:
        logging.getLogger("handlers.errors").removeHandler(ERRORS)
        await server.stop()


async def test_emulator_http_user_side_files_and_latency(settings):
    """The user-side routes, getFile and the file download route, and injected latency."""
    import httpx

    api = FakeBotApi()
    api.faults.latency_seconds = 0.05
    server = await SandboxServer(api).start()
    try:
        async with PollingBot(replace(settings, api_base_url=server.base_url)) as app:
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                sent = await client.post("/sandbox/users/777/send", json={"text": "/bantuan"})
                assert sent.json()["ok"]
                for _ in range(200):
                    chat = (await client.get("/sandbox/chats/777")).json()
                    if len(chat["messages"]) >= 2:
                        break
                    await asyncio.sleep(0.02)
                assert "Perintah yang bisa Anda pakai" in chat["messages"][-1]["text"]
                message = await app.bot.send_document(777, b"isi berkas", filename="catatan.txt")
                file = await app.bot.get_file(message.document.file_id)
                assert await file.download_as_bytearray() == bytearray(b"isi berkas")
                missing = await client.get("/sandbox/chats/999")
                assert missing.status_code == 404
    finally:
        await server.stop()


async def test_an_error_after_a_press_was_answered_still_apologises_and_answers_once(bot):
    """The flaky restart test's "query is too old": the fake has no age rule; it answers that
    only to a second answer of the same press. The error handler answered every press again,
    so an error after a handler had answered (a send timing out under load) became "query is
    too old", hid the real error in the log, and the apology never left."""
    cluster = await bot.cluster()
    user = bot.user(4343, "Ani")
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    for answer in ("Ani Lestari", "Jambu Segar Ani", "jambu air"):
        await user.send(answer)
    await user.share_contact("081234500000")
    bot.expect_errors = True
    bot.api.fail_next(user.id, 500)  # the "sudah terdaftar" message, after the press was answered
    await user.press("Benar")
    assert "Maaf, terjadi gangguan di sistem kami" in user.last_text
    assert not bot.api.unanswered_callbacks
    [record] = bot.errors.records
    assert "query is too old" not in str(record.exc_info[1])
