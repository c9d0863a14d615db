"""The Bot API emulator over HTTP answers every bad request with 400 and the reason in JSON."""

from __future__ import annotations

import httpx
import pytest

from bot.shell.sandbox.core import FakeBotApi
from bot.shell.sandbox.http import SandboxServer


@pytest.fixture
async def sandbox():
    api = FakeBotApi()
    api.user(42, "Ani")
    server = await SandboxServer(api).start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("path", "body", "reason"),
    [
        ("/sandbox/users/42/press", '{"label": "Tidak ada"}', "no button 'Tidak ada'"),
        ("/sandbox/users/42/send", "{}", "'text' is required"),
        ("/sandbox/users/42/send", "bukan json", "not JSON"),
        ("/sandbox/users/42/send", "[1, 2]", "JSON object"),
        ("/sandbox/users/42/press", "{}", "'label' or 'data' is required"),
        ("/sandbox/users/42/contact", '{"owner_id": 1}', "'phone_number' is required"),
        ("/sandbox/users/42/dance", "{}", "unknown action 'dance'"),
        ("/sandbox/users", '{"first": "a"}', "'first' is required"),
        ("/bot123:abc/sendMessage", "{bukan json", "not JSON"),
    ],
)
async def test_bad_requests_get_400_with_a_reason(sandbox, path, body, reason):
    headers = {"Content-Type": "application/json"}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{sandbox.base_url}{path}", content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["ok"] is False and reason in answer.json()["description"]


async def test_a_good_request_still_works(sandbox):
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{sandbox.base_url}/sandbox/users/42/send", json={"text": "halo"})
    assert answer.status_code == 200 and answer.json()["ok"] is True
