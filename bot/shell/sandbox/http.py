"""The fake Bot API served over HTTP on 127.0.0.1 (tornado, which PTB's webhooks extra brings).

Bot side: `{root}/bot{token}/{method}` (form, JSON or multipart bodies, like Telegram) and
`{root}/file/bot{token}/{path}`. User side, for tests, the demo and benchmarks:
`POST /sandbox/users/{id}/send {"text": ...}`, `.../press {"label"|"data": ...}`,
`.../contact {"phone_number": ..., "owner_id"?: ...}`, `GET /sandbox/chats/{id}`.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tornado.web import RequestHandler

from bot.shell.http_server import TornadoServer
from bot.shell.sandbox.core import FakeBotApi


class BadRequest(Exception):
    """What a caller sent cannot be served; answered 400 with the reason in JSON."""


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def _required(body: dict[str, Any], name: str, kind: type = str) -> Any:
    if not isinstance(body.get(name), kind):
        raise BadRequest(f"'{name}' is required ({kind.__name__})")
    return body[name]


class _JsonHandler(RequestHandler):
    """Every refusal is 400 with {"ok": false, "description": why}, never a bare 500."""

    def check_xsrf_cookie(self) -> None:  # an API, not a browser form
        return None

    @staticmethod
    def _callers_mistake(error: BaseException | None) -> bool:
        # BadRequest: a malformed call; AssertionError / KeyError: a user-side action that
        # cannot happen (a button nobody shows, a chat that does not exist).
        return isinstance(error, (BadRequest, AssertionError, KeyError))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if self._callers_mistake(error):
            status_code = 400
            self.set_status(400)
        if isinstance(error, KeyError):  # str(KeyError) is the key in quotes
            reason = f"unknown: {error.args[0] if error.args else ''}"
        else:
            reason = str(error) if error is not None else self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"ok": False, "error_code": status_code, "description": reason}))

    def log_exception(self, typ: Any, value: BaseException | None, tb: Any) -> None:
        if not self._callers_mistake(value):
            super().log_exception(typ, value, tb)


def _decode(value: str) -> Any:
    # PTB sends every parameter JSON-encoded inside a form field; plain strings stay strings.
    try:
        return json.loads(value)
    except (ValueError, TypeError):
        return value


class _BotApiHandler(_JsonHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def _params(self) -> tuple[dict[str, Any], dict[str, Any]]:
        params: dict[str, Any] = {}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            params.update(_json_body(self.request.body))
        else:
            for key in self.request.arguments:
                params[key] = _decode(self.get_argument(key))
        files = {
            name: (parts[0].filename, parts[0].body, parts[0].content_type)
            for name, parts in self.request.files.items()
        }
        return params, files

    async def _answer(self, token: str, method: str) -> None:
        # Noted on arrival: a long-polling getUpdates is only answered (and recorded) later.
        self.api.arrived.append((time.monotonic(), method))
        if self.api.rejects_token(token):
            self.set_status(401)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(self.api.UNAUTHORIZED))
            return
        params, files = await self._params()
        if self.api.faults.latency_seconds and method.lower() != "getupdates":
            await asyncio.sleep(self.api.faults.latency_seconds)  # a slow network, on purpose
        if method.lower() == "getupdates":
            await self.api.wait_for_updates(
                int(params.get("offset") or 0), min(float(params.get("timeout") or 0), 50.0)
            )
        call, answer = self.api.handle_call(method, params, files)
        self.api.mark_answered(call)
        self.set_status(200 if answer["ok"] else answer["error_code"])
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answer))

    async def post(self, token: str, method: str) -> None:
        await self._answer(token, method)

    async def get(self, token: str, method: str) -> None:
        await self._answer(token, method)


class _FileHandler(RequestHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, token: str, path: str) -> None:
        file_id = path.rsplit("/", 1)[-1]
        if file_id not in self.api.files:
            self.set_status(404)
            self.finish()
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(self.api.files[file_id])


class _UserHandler(_JsonHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    async def post(self, user_id: str, action: str) -> None:
        body = _json_body(self.request.body)
        if action not in ("send", "press", "contact"):
            raise BadRequest(f"unknown action '{action}' (send, press, contact)")
        if action == "send":
            _required(body, "text")
        elif action == "press" and not isinstance(body.get("data") or body.get("label"), str):
            raise BadRequest("'label' or 'data' is required (str)")
        elif action == "contact":
            _required(body, "phone_number")
        user = self.api.user(int(user_id), body.get("first_name", "Pengguna"), language_code=body.get("language_code", "id")) \
            if int(user_id) not in self.api.users else self.api.user_handle(int(user_id))
        if action == "send":
            update = await user.send(body["text"])
        elif action == "press":
            update = await (user.press_data(body["data"]) if "data" in body else user.press(body["label"]))
        elif action == "contact":
            update = await user.share_contact(body["phone_number"], owner_id=body.get("owner_id"))
        self.finish({"ok": True, "update_id": update["update_id"]})


class _ChatHandler(_JsonHandler):
    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def get(self, chat_id: str) -> None:
        chat = self.api.chats.get(int(chat_id))
        if chat is None:
            self.set_status(404)
            self.finish({"ok": False})
            return
        self.finish({"ok": True, "messages": chat.messages})


class _ControlHandler(_JsonHandler):
    """Benchmarks and demos drive a separate emulator process: faults, many users, figures."""

    def initialize(self, api: FakeBotApi) -> None:
        self.api = api

    def post(self, what: str) -> None:
        body = _json_body(self.request.body)
        if what == "faults":
            for name in ("rate_per_second", "retry_after", "server_error_rate", "latency_seconds"):
                if name in body:
                    setattr(self.api.faults, name, body[name])
            self.api.blocked_chats |= set(body.get("blocked_chats", []))
        elif what == "users":
            first, count = _required(body, "first", int), _required(body, "count", int)
            for user_id in range(first, first + count):
                self.api.user(user_id, body.get("first_name", "Anggota"))
        else:
            self.set_status(404)
        self.finish({"ok": self.get_status() == 200})

    def get(self, what: str) -> None:
        if what != "stats":
            self.set_status(404)
            self.finish({"ok": False})
            return
        text = self.get_argument("text", "")
        min_chat = int(self.get_argument("min_chat", "0"))
        bot_id = self.api.bot_user["id"]
        delivered: dict[int, int] = {}
        times: list[float] = []
        for chat in self.api.chats.values():
            if chat.id < min_chat:
                continue
            for message in chat.messages:
                if message.get("from", {}).get("id") == bot_id and text in (message.get("text") or ""):
                    delivered[chat.id] = delivered.get(chat.id, 0) + 1
                    times.append(self.api.sent_at.get((chat.id, message["message_id"]), 0.0))
        self.finish({
            "ok": True, "delivered": delivered, "times": sorted(times),
            "rejected_429": self.api.rejected_429, "rejected_5xx": self.api.rejected_5xx,
        })


class SandboxServer:
    """Serve a FakeBotApi on 127.0.0.1; port 0 picks a free port."""

    def __init__(self, api: FakeBotApi, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self.host = host
        self.port = port
        self._server: TornadoServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _post_to_webhook(self, url: str, secret: str | None, update: dict[str, Any]) -> int:
        import httpx

        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, json=update, headers=headers)
        return response.status_code

    async def start(self) -> SandboxServer:
        self.api.webhook_poster = self._post_to_webhook
        routes = [
            (r"/bot([^/]+)/(\w+)", _BotApiHandler, {"api": self.api}),
            (r"/file/bot([^/]+)/(.+)", _FileHandler, {"api": self.api}),
            (r"/sandbox/users/(\d+)/(\w+)", _UserHandler, {"api": self.api}),
            (r"/sandbox/chats/(-?\d+)", _ChatHandler, {"api": self.api}),
            (r"/sandbox/(faults|users|stats)", _ControlHandler, {"api": self.api}),
        ]
        self._server = TornadoServer(routes, host=self.host, port=self.port)
        self.port = self._server.start()
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None
