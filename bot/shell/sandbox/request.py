"""python-telegram-bot's request interface served by the in-memory fake Bot API."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.shell.sandbox.core import FakeBotApi

_METHOD = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>\w+)$")
# getFile's file_path, downloaded from {base_file_url}{token}/{file_path}.
_FILE = re.compile(r"/file/bot(?P<token>[^/]+)/files/(?P<file_id>\w+)$")


class SandboxRequest(BaseRequest):
    """Routes every Bot API call to a FakeBotApi without any network."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        download = _FILE.search(url)
        if download is not None:
            data = self.api.files.get(download["file_id"])
            if self.api.rejects_token(download["token"]) or data is None:
                return 404, b"Not Found"
            return 200, data
        match = _METHOD.search(url)
        if match is None:
            return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
        if self.api.rejects_token(match["token"]):
            return 401, json.dumps(self.api.UNAUTHORIZED).encode()
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files = dict(request_data.multipart_data) if request_data and request_data.contains_files else {}
        fault = self.api.network_fault(match["method"])
        if fault == "before":
            raise TimedOut("sandbox: the request timed out before reaching Telegram")
        call, answer = self.api.handle_call(match["method"], params, files)
        delay = self.api.faults.answer_latency_seconds
        if delay and match["method"].lower() != "getupdates":
            await asyncio.sleep(delay)  # the answer is slow on its way back, on purpose
        self.api.mark_answered(call)
        if fault == "after" and answer["ok"]:
            self.api.timed_out_after.append((int(params["chat_id"]), answer["result"]["message_id"]))
            raise TimedOut("sandbox: the message arrived but its answer timed out")
        status = 200 if answer["ok"] else answer["error_code"]
        return status, json.dumps(answer).encode()
