"""F19: the Bot API is down when the bot starts; the database restarts while the bot runs.

The first is `klasterbot run`'s own serving loop (bot/shell/serve.py) over real HTTP: the
emulator's port answers nothing at first, then the emulator comes up on it. The second drops
every connection the bot holds, as a PostgreSQL restart does (on SQLite: the pool is emptied,
the file stays), between two steps of a report.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import replace

from sqlalchemy import select, text

from bot.shell.app import build_application
from bot.shell.sandbox.core import FakeBotApi
from bot.shell.sandbox.http import SandboxServer
from bot.shell.serve import Backoff, serve_polling
from db.models import MonthlyReport
from db.session import create_engine

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


async def _until(condition, within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_f19_bot_starts_while_the_bot_api_is_down_and_polls_when_it_comes_up(settings, caplog):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = replace(settings, api_base_url=base)
    application = build_application(settings)
    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="bot.shell.serve")
    task = asyncio.create_task(
        serve_polling(application, stop=stop, backoff=Backoff(first=0.05, cap=0.2), api_base_url=base, poll_timeout=1)
    )
    server = None
    try:
        # Nobody listens yet: tried again and again, one warning a try, and still running.
        await _until(lambda: len([r for r in caplog.records if "unreachable" in r.getMessage()]) >= 3)
        assert not task.done()
        warning = next(r for r in caplog.records if "unreachable" in r.getMessage()).getMessage()
        assert base in warning and "mencoba lagi" in warning and "\n" not in warning
        api = FakeBotApi()
        server = await SandboxServer(api, port=port).start()
        await _until(lambda: bool(api.calls_to("getUpdates")))
        async with application.bot_data["klasterbot.runtime"].uow() as uow:
            from bot.services.clusters import create_cluster

            cluster = await create_cluster(uow, name="Jambu Lele", kabupaten="Demak", commodity="jambu")
        user = api.user(4343, "Ani")
        await user.send(f"/start {cluster.invite_code}")
        await _until(lambda: "Setuju" in user.buttons())
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        if server is not None:
            await server.stop()


async def test_f19_stopping_while_the_bot_api_is_down_ends_cleanly(settings):
    settings = replace(settings, api_base_url=f"http://127.0.0.1:{_free_port()}")
    stop = asyncio.Event()
    task = asyncio.create_task(serve_polling(build_application(settings), stop=stop, backoff=Backoff(first=5, cap=5)))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(task, 3)  # not after the 5 s wait: a stop ends the wait


async def _drop_every_connection(bot) -> int:
    """What a database restart does to the bot: every connection it holds is gone."""
    if not POSTGRES_URL:
        await bot.runtime.engine.dispose()
        return 0
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.connect() as connection:
            result = await connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))
            return int(result.scalar_one())
    finally:
        await admin.dispose()


async def test_f19_database_restart_while_running_loses_no_report(bot):
    cluster = await bot.cluster()
    user = bot.user(9101)
    await bot.register(user, cluster)
    await user.send("/omzet 12,5 jt")
    assert "benar?" in user.last_text
    dropped = await _drop_every_connection(bot)
    assert dropped >= 1 or not POSTGRES_URL
    await user.press("Benar")
    assert "tersimpan" in user.last_text
    await _drop_every_connection(bot)
    await user.send("/omzet oktober 13 jt")
    await user.press("Ganti")
    async with bot.uow(read_only=True) as uow:
        reports = (await uow.session.scalars(select(MonthlyReport))).all()
    assert [r.amount for r in reports] == [13_000_000]
    assert [r.version for r in reports] == [2]
