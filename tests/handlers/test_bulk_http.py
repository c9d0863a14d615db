"""The outbox's own HTTP client (bot/shell/bulk_http.py) against the Bot API emulator over HTTP,
and against a bare server for what the emulator never does (chunked answers, closing)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest
from telegram.error import NetworkError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.messages import Button, Payload
from bot.outbox import Blocked, RateLimited, Transient
from bot.shell.app import build_application
from bot.shell.background import BULK_REQUEST_KEY, telegram_transport
from bot.shell.bulk_http import FormPostsLean, KeepAliveRequest
from bot.shell.sandbox.core import FakeBotApi
from bot.shell.sandbox.http import SandboxServer


@pytest.fixture
async def over_http(settings):
    api = FakeBotApi()
    server = await SandboxServer(api).start()
    app = build_application(replace(settings, api_base_url=server.base_url))
    try:
        yield api, app
    finally:
        await app.bot_data[BULK_REQUEST_KEY].shutdown()
        await server.stop()


async def test_bulk_sends_arrive_with_html_and_buttons_over_one_kept_connection(over_http):
    api, app = over_http
    bulk = app.bot_data[BULK_REQUEST_KEY]
    assert isinstance(bulk, KeepAliveRequest)
    send = telegram_transport(app, bulk)
    user = api.user(501, "Ani")
    payload = Payload("<b>Pameran</b> batik", buttons=((Button("Ikut", "ann:1:ikut"),),), html=True)
    ids = [await send(501, payload.to_json()) for _ in range(3)]
    assert ids == sorted(set(ids)) and all(isinstance(i, int) for i in ids)
    assert user.last_text == "Pameran batik"  # parsed as HTML by the emulator
    assert "Ikut" in user.buttons()
    assert sum(len(idle) for idle in bulk._idle.values()) == 1  # one connection, reused


async def test_bulk_sends_translate_telegram_refusals(over_http):
    api, app = over_http
    send = telegram_transport(app, app.bot_data[BULK_REQUEST_KEY])
    api.user(502, "Budi")
    api.user(503, "Citra")
    api.blocked_chats.add(502)
    with pytest.raises(Blocked):
        await send(502, Payload("Halo").to_json())
    api.faults.server_error_rate = 1.0
    with pytest.raises(Transient):
        await send(503, Payload("Halo").to_json())
    api.faults.server_error_rate = 0.0
    api.faults.rate_per_second = 1
    api.faults.retry_after = 3
    await send(503, Payload("Satu").to_json())
    with pytest.raises(RateLimited) as limited:
        await send(503, Payload("Dua").to_json())
    assert limited.value.retry_after == 3


async def test_chunked_answers_closed_connections_and_a_dead_server():
    """A chunked answer is read whole; a connection the server closes is not reused; a server
    that is gone is a NetworkError (the outbox retries it as transient)."""
    connections = 0
    body = json.dumps({"ok": True, "result": {"message_id": 7}}).encode()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            half = len(body) // 2
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, body[:half], len(body) - half, body[half:])
            )
            await writer.drain()
            if connections >= 2:  # from the second connection on: one answer each, then closed
                writer.close()
                break

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/botTOKEN/sendMessage"
    request = KeepAliveRequest(pool_size=2)
    data = RequestData([RequestParameter.from_input("chat_id", 1), RequestParameter.from_input("text", "x")])
    try:
        assert (await request.post(url, data))["message_id"] == 7
        assert (await request.post(url, data))["message_id"] == 7
        assert connections == 1  # kept alive
        await request.shutdown()  # its connections closed, as if they had idled out
        for _ in range(2):
            assert (await request.post(url, data))["message_id"] == 7
            await asyncio.sleep(0.05)  # the server's close arrives
        assert connections == 3  # each closed connection replaced, never written to again
    finally:
        server.close()
        await server.wait_closed()
        await request.shutdown()
    with pytest.raises(NetworkError):
        await request.post(url, data)


async def test_behind_an_outbound_proxy_every_send_stays_on_httpx(settings, monkeypatch):
    # The lean client connects directly; httpx honours HTTPS_PROXY, so with one set the outbox
    # must not bypass it (the server would be unreachable), unless NO_PROXY names the host.
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.dinas.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    proxied = build_application(replace(settings, api_base_url="https://api.telegram.org"))
    assert BULK_REQUEST_KEY not in proxied.bot_data
    assert not isinstance(proxied.bot.request, FormPostsLean)
    assert not isinstance(proxied.bot._request[0], KeepAliveRequest)  # the long poll too
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    direct = build_application(replace(settings, api_base_url="https://api.telegram.org"))
    assert isinstance(direct.bot_data[BULK_REQUEST_KEY], KeepAliveRequest)
    await direct.bot_data[BULK_REQUEST_KEY].shutdown()


async def test_the_bots_own_calls_go_lean_and_files_over_httpx(over_http):
    # Replies, answers and edits are form posts: kept-alive connections of their own. A file
    # (multipart up, GET down) needs httpx; both must still work through one request object.
    api, app = over_http
    api.user(504, "Dewi")
    request = app.bot.request
    assert isinstance(request, FormPostsLean)
    await app.bot.initialize()
    try:
        sent = await app.bot.send_message(504, "Halo")
        again = await app.bot.send_message(504, "Halo lagi")
        assert again.message_id > sent.message_id
        assert sum(len(idle) for idle in request._lean._idle.values()) == 1  # one connection, reused
        document = await app.bot.send_document(504, b"isi berkas", filename="catatan.txt")
        file = await app.bot.get_file(document.document.file_id)
        assert await file.download_as_bytearray() == bytearray(b"isi berkas")
        assert sum(len(idle) for idle in request._lean._idle.values()) == 1  # the file went by httpx
    finally:
        await app.bot.shutdown()


async def test_the_long_poll_goes_lean_and_waits_for_the_next_update(over_http):
    # getUpdates is a form post too: its answer comes when an update does (or at the poll's
    # timeout), so the lean client's read waits the poll's timeout and then some.
    api, app = over_http
    poll = app.bot._request[0]
    assert isinstance(poll, KeepAliveRequest)
    await app.bot.initialize()
    try:
        user = api.user(505, "Eka")
        assert await app.bot.get_updates(timeout=0) == ()
        later = asyncio.get_running_loop().call_later(0.3, lambda: asyncio.ensure_future(user.send("halo")))
        updates = await app.bot.get_updates(timeout=5)
        later.cancel()
        assert [u.message.text for u in updates] == ["halo"]
        # And at the timeout with nothing new: an empty answer over the same connection.
        assert await app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=1) == ()
        assert sum(len(idle) for idle in poll._idle.values()) == 1
    finally:
        await app.bot.shutdown()
