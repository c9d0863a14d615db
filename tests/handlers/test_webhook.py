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


async def _raw_request(port: int, head: str, body: bytes = b"", within: float = 3.0) -> tuple[int, float]:
    """Send a request's head (and maybe part of its body) and return the status the server
    answers and how long that took, without ever sending the rest of the body."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), within)
    finally:
        writer.close()
    return int(status_line.split()[1]), loop.time() - started


def _head(port: int, length: int, secret: str | None) -> str:
    lines = [
        "POST /telegram/hook HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    return "\r\n".join(lines)


async def test_webhook_refuses_a_10_mb_request_without_the_secret_before_reading_it(settings):
    import resource

    api = FakeBotApi()
    server = await SandboxServer(api).start()
    port = _free_port()
    try:
        async with webhook_bot(replace(settings, api_base_url=server.base_url), api, port):
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            ten_mb = 10 * 1024 * 1024
            # Only the head is sent: a server that waited for the 10 MB would never answer.
            for secret in (None, "guess"):
                status, _ = await _raw_request(port, _head(port, ten_mb, secret), b"x" * 65536)
                assert status == 403
            # With the secret, a body over 1 MB is refused from its Content-Length alone.
            status, _ = await _raw_request(port, _head(port, ten_mb, "s3cret_token-123"))
            assert status == 413
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            assert after - before < 5 * 1024  # KiB: nothing of the 10 MB was held
    finally:
        await server.stop()


async def test_webhook_answers_400_to_what_is_not_an_update_and_200_when_handling_fails(settings, caplog):
    api = FakeBotApi()
    server = await SandboxServer(api).start()
    port = _free_port()
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_token-123", "Content-Type": "application/json"}
    url = f"http://127.0.0.1:{port}/telegram/hook"
    try:
        async with webhook_bot(replace(settings, api_base_url=server.base_url), api, port):
            async with httpx.AsyncClient() as client:
                for body in ("[]", "null", '{"message": 7}', '{"update_id": "x"}', '{"update_id": 5, "message": 7}', "{", "7"):
                    answer = await client.post(url, content=body, headers=headers)
                    assert answer.status_code == 400, body
                    assert answer.json()["ok"] is False and answer.json()["description"]
                # An update whose handling fails (Telegram answers the bot's reply with 500):
                # Telegram was already answered 200 (one bad update never blocks the queue), the
                # failure is recorded, and the next update is served.
                user = api.user(5152)
                api.fail_next(5152, 500)
                await user.send("/bantuan")
                assert api.webhook_statuses == [200]
                await _until(lambda: any(r.levelno >= 40 and r.name.startswith("handlers") for r in caplog.records))
                await user.send("/bantuan")
                await _until(lambda: "Perintah yang bisa Anda pakai" in user.last_text)
                assert api.webhook_statuses == [200, 200]
    finally:
        await server.stop()
