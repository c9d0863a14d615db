"""Webhook mode (F13): updates with the right secret are processed, others rejected."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import httpx

from bot.shell.app import build_application
from bot.shell.sandbox.core import FakeBotApi
from bot.shell.sandbox.http import SandboxServer
from bot.shell.webhook import serve_webhook


async def _until(condition, within=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def webhook_bot(settings, api, port):
    stop = asyncio.Event()
    application = build_application(settings)
    task = asyncio.create_task(
        serve_webhook(
            application,
            url=f"http://127.0.0.1:{port}/telegram/hook",
            listen="127.0.0.1",
            port=port,
            secret="s3cret_token-123",
            stop=stop,
        )
    )
    await _until(lambda: api.webhook_url is not None or task.done())
    try:
        yield application
    finally:
        stop.set()
        await task


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_processes_with_secret_and_rejects_without(settings):
    api = FakeBotApi()
    server = await SandboxServer(api).start()
    port = _free_port()
    try:
        async with webhook_bot(replace(settings, api_base_url=server.base_url), api, port):
            assert api.webhook_secret == "s3cret_token-123"
            user = api.user(5151)
            await user.send("/bantuan")
            await _until(lambda: "Perintah yang bisa Anda pakai" in user.last_text)
            assert api.webhook_statuses == [200]

            async with httpx.AsyncClient() as client:
                forged = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5151, "type": "private"},
                          "from": {"id": 5151, "is_bot": False, "first_name": "X"}, "text": "/bantuan",
                          "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}}
                url = f"http://127.0.0.1:{port}/telegram/hook"
                no_secret = await client.post(url, json=forged)
                wrong = await client.post(url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
                health = await client.get(f"http://127.0.0.1:{port}/health")
            assert no_secret.status_code == 403 and wrong.status_code == 403
            assert health.status_code == 200 and health.json()["ok"] is True
            await asyncio.sleep(0.2)
            assert len(user.texts()) == 1  # the forged updates produced nothing
    finally:
        await server.stop()
