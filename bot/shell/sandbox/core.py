"""A fake Telegram Bot API: keeps chats and messages, answers like Telegram, records calls.

Transport-free: `FakeBotApi.handle(method, params, files)` is the whole server side, so the
same core can sit behind an in-process PTB request (tests) or an HTTP server (demo,
benchmarks). The user side (`SandboxUser`) builds Telegram-shaped updates the way a phone
would send them: commands with their entity, button presses, shared contacts, files.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]
UpdateSink = Callable[[JsonDict], Awaitable[None]]


@dataclass
class ApiCall:
    method: str
    params: JsonDict
    files: dict[str, Any] = field(default_factory=dict)
    # The HTTP status the emulator answered (200, 403, 429, 502, ...).
    status: int = 200
    # Positions on one counter of events: when Telegram handled the call, and when its answer
    # reached the bot (None until then). Tests read the order of two people's or two
    # updates' calls from them without wall clocks.
    handled: int = 0
    answered: int | None = None


class ApiError(Exception):
    """A Telegram error answer: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Faults:
    """What the emulator does wrong on purpose: rate limits, server errors, latency."""

    # Messages per second accepted overall; above it, 429 with retry_after.
    rate_per_second: float | None = None
    retry_after: int = 1
    # Probability that a send answers 5xx (and delivers nothing).
    server_error_rate: float = 0.0
    # Probability that a send times out before reaching Telegram (nothing delivered), and that
    # it times out after delivering (the message arrived but the answer was lost: the
    # ambiguous case). In-process only: SandboxRequest raises TimedOut for these.
    timeout_before_rate: float = 0.0
    timeout_after_rate: float = 0.0
    latency_seconds: float = 0.0
    # In-process only: the call is handled at once (the person already sees the message), but
    # its answer reaches the bot this much later, so what the person does next can arrive while
    # the bot is still busy with the previous update.
    answer_latency_seconds: float = 0.0
    seed: int = 7


SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})

# Telegram's documented limits that the bot can reach (core.telegram.org/bots/api), answered
# with the same 400s. Lengths count UTF-16 code units, as Telegram's entity offsets do: an
# emoji is two.
TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64
CALLBACK_ANSWER_MAX = 200
BUTTONS_MAX = 100
BUTTONS_PER_ROW_MAX = 8
PHOTO_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024
START_PARAMETER = re.compile(r"[A-Za-z0-9_-]{1,64}")
INLINE_RESULTS_MAX = 50
INLINE_RESULT_ID_MAX_BYTES = 64
INLINE_NEXT_OFFSET_MAX_BYTES = 64
INLINE_QUERY_MAX = 256
INLINE_RESULT_TYPES = frozenset({"article", "photo", "document", "gif", "mpeg4_gif", "video", "audio", "voice", "contact", "location", "venue", "game", "sticker"})


def telegram_length(text: str) -> int:
    """The length Telegram measures: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    first_name: str | None = None
    username: str | None = None
    messages: list[JsonDict] = field(default_factory=list)

    def as_json(self) -> JsonDict:
        data: JsonDict = {"id": self.id, "type": self.type}
        if self.title:
            data["title"] = self.title
        if self.first_name:
            data["first_name"] = self.first_name
        if self.username:
            data["username"] = self.username
        return data


class FakeBotApi:
    """The server side of the Bot API, in memory."""

    def __init__(self, *, bot_id: int = 7000000001, username: str = "klasterbot_test_bot") -> None:
        self.bot_user: JsonDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Klasterbot",
            "username": username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.calls: list[ApiCall] = []
        # (monotonic time, method) of each HTTP request as it arrives (HTTP layer only).
        self.arrived: list[tuple[float, str]] = []
        # When each bot message was stored (for send-rate figures), by (chat, message id).
        self.sent_at: dict[tuple[int, int], float] = {}
        # (chat id, message id) -> when the bot last edited its text (monotonic).
        self.edited_at: dict[tuple[int, int], float] = {}
        self.unknown_methods: list[str] = []
        self.chats: dict[int, Chat] = {}
        self.users: dict[int, JsonDict] = {}
        self.commands: dict[str, list[JsonDict]] = {}
        self.pending_updates: deque[JsonDict] = deque()
        self.unanswered_callbacks: set[str] = set()
        self.blocked_chats: set[int] = set()
        # Inline queries not answered yet, and the answers given (query id -> results).
        self.unanswered_inline: set[str] = set()
        self.inline_answers: dict[str, JsonDict] = {}
        self.files: dict[str, bytes] = {}
        self._update_ids = itertools.count(100000)
        self._message_ids: dict[int, itertools.count] = {}
        self._callback_ids = itertools.count(1)
        # Telegram's callback query ids are unique across all time; a fresh emulator must not
        # repeat the previous one's, or a bot on the same database takes a press for a redelivery.
        self._callback_prefix = uuid.uuid4().hex[:12]
        # What the emulator takes for "now" in message dates (tests move it: a week later).
        self.clock: Callable[[], float] = time.time
        self._file_ids = itertools.count(1)
        self._events = itertools.count(1)
        # Where user-side updates go: the harness delivers them to the bot (in-process) or
        # queues them for getUpdates (HTTP).
        self.sink: UpdateSink | None = None
        self.faults = Faults()
        self._random = random.Random(self.faults.seed)
        self._window_start = 0.0
        self._window_count = 0
        self.rejected_429 = 0
        self.rejected_5xx = 0
        self.timed_out_before = 0
        self.timed_out_after: list[tuple[int, int]] = []  # (chat, message id) delivered, answer lost
        self._update_waiters: set[asyncio.Event] = set()
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        # Set by the HTTP layer: POSTs an update to the webhook, returns the HTTP status.
        self.webhook_poster: Callable[[str, str | None, JsonDict], Awaitable[int]] | None = None
        self.webhook_statuses: list[int] = []
        # Answers scripted per chat (fail_next), before the random faults.
        self._scripted: dict[int, list[int]] = {}
        # When set, any other token is answered 401 Unauthorized, as Telegram does.
        self.token: str | None = None

    # ---- server side -------------------------------------------------------------------

    def handle(self, method: str, params: JsonDict, files: dict[str, Any] | None = None) -> JsonDict:
        """Answer one Bot API call with Telegram's envelope."""
        call, answer = self.handle_call(method, params, files)
        self.mark_answered(call)
        return answer

    def handle_call(self, method: str, params: JsonDict, files: dict[str, Any] | None = None) -> tuple[ApiCall, JsonDict]:
        """Handle one call; the transport marks it answered when the bot has the answer."""
        call = ApiCall(method, params, files or {})
        self.calls.append(call)
        answer = self._answer(method, params, files or {})
        call.status = 200 if answer["ok"] else answer["error_code"]
        call.handled = next(self._events)
        return call, answer

    def rejects_token(self, token: str) -> bool:
        """True when Telegram would answer 401: the emulator knows its token and this is not it."""
        return self.token is not None and token != self.token

    UNAUTHORIZED: JsonDict = {"ok": False, "error_code": 401, "description": "Unauthorized"}

    def mark_answered(self, call: ApiCall) -> None:
        call.answered = next(self._events)

    def _answer(self, method: str, params: JsonDict, files: dict[str, Any]) -> JsonDict:
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            self.unknown_methods.append(method)
            return {"ok": False, "error_code": 404, "description": f"Not Found: method {method} unknown to sandbox"}
        fault = self._scripted_fault(method, params) or self._injected_fault(method)
        if fault is not None:
            return fault
        try:
            return {"ok": True, "result": handler(params, files)}
        except ApiError as error:
            answer: JsonDict = {"ok": False, "error_code": error.status, "description": error.description}
            if error.parameters:
                answer["parameters"] = error.parameters
            return answer

    def network_fault(self, method: str) -> str | None:
        """"before" or "after" when this call should time out (see Faults), else None."""
        faults = self.faults
        if method.lower() not in SEND_METHODS or not (faults.timeout_before_rate or faults.timeout_after_rate):
            return None
        draw = self._random.random()
        if draw < faults.timeout_before_rate:
            self.timed_out_before += 1
            return "before"
        if draw < faults.timeout_before_rate + faults.timeout_after_rate:
            return "after"
        return None

    def _too_many_requests(self) -> JsonDict:
        """Telegram's 429, with the retry_after the bot must honour."""
        self.rejected_429 += 1
        return {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {self.faults.retry_after}",
            "parameters": {"retry_after": self.faults.retry_after},
        }

    def fail_next(self, chat_id: int, *statuses: int) -> None:
        """The next sends to `chat_id` answer these statuses in turn (429 carries retry_after)."""
        self._scripted.setdefault(int(chat_id), []).extend(statuses)

    def _scripted_fault(self, method: str, params: JsonDict) -> JsonDict | None:
        if method.lower() not in SEND_METHODS or "chat_id" not in params:
            return None
        queue = self._scripted.get(int(params["chat_id"]))
        if not queue:
            return None
        status = queue.pop(0)
        if status == 429:
            return self._too_many_requests()
        self.rejected_5xx += 1
        return {"ok": False, "error_code": status, "description": "Bad Gateway" if status == 502 else "Internal Server Error"}

    def _injected_fault(self, method: str) -> JsonDict | None:
        if method.lower() not in SEND_METHODS:
            return None
        faults = self.faults
        if faults.rate_per_second:
            now = time.monotonic()
            if now - self._window_start >= 1.0:
                self._window_start, self._window_count = now, 0
            if self._window_count >= faults.rate_per_second:
                return self._too_many_requests()
            self._window_count += 1
        if faults.server_error_rate and self._random.random() < faults.server_error_rate:
            self.rejected_5xx += 1
            return {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        return None

    def delivered_counts(self, text_contains: str = "") -> dict[int, int]:
        """How many bot messages (containing the text) each chat holds."""
        counts: dict[int, int] = {}
        bot_id = self.bot_user["id"]
        for chat in self.chats.values():
            n = sum(
                1
                for m in chat.messages
                if m.get("from", {}).get("id") == bot_id and text_contains in (m.get("text") or m.get("caption") or "")
            )
            if n:
                counts[chat.id] = n
        return counts

    def _now(self) -> int:
        return int(self.clock())

    def _chat(self, chat_id: Any) -> Chat:
        try:
            chat = self.chats[int(chat_id)]
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat.id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _store_bot_message(self, chat: Chat, content: JsonDict) -> JsonDict:
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = {
            "message_id": next(counter),
            "date": self._now(),
            "chat": chat.as_json(),
            "from": self.bot_user,
            **content,
        }
        chat.messages.append(message)
        self.sent_at[(chat.id, message["message_id"])] = time.monotonic()
        return self._as_returned(message)

    @staticmethod
    def _as_returned(message: JsonDict) -> JsonDict:
        # Telegram echoes only inline keyboards in the Message it returns; reply keyboards
        # (and their removal) are shown to the user but not part of the result.
        markup = message.get("reply_markup")
        if markup is not None and "inline_keyboard" not in markup:
            return {k: v for k, v in message.items() if k != "reply_markup"}
        return dict(message)

    def _find_message(self, params: JsonDict) -> JsonDict:
        chat = self._chat(params.get("chat_id"))
        message_id = int(params.get("message_id", 0))
        for message in chat.messages:
            if message["message_id"] == message_id:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _api_getme(self, params: JsonDict, files: dict) -> JsonDict:
        return self.bot_user

    def _api_sendmessage(self, params: JsonDict, files: dict) -> JsonDict:
        chat = self._chat(params.get("chat_id"))
        text = params.get("text")
        if not text or not str(text).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        self._check_text(str(text))
        content: JsonDict = {"text": str(text)}
        if params.get("parse_mode") == "HTML":
            # What the chat shows: the text without tags, and the links as entities.
            from bot.shell.sandbox.entities import EntityError, parse_html

            try:
                content["text"], entities = parse_html(str(text))
            except EntityError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from error
            if entities:
                content["entities"] = entities
        if params.get("reply_markup") is not None:
            self._check_markup(params["reply_markup"])
            content["reply_markup"] = params["reply_markup"]
        return self._store_bot_message(chat, content)

    @staticmethod
    def _check_text(text: str) -> None:
        if telegram_length(text) > TEXT_MAX:
            raise ApiError(400, "Bad Request: message is too long")

    @staticmethod
    def _check_markup(markup: Any) -> None:
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        if sum(len(row) for row in rows) > BUTTONS_MAX or any(len(row) > BUTTONS_PER_ROW_MAX for row in rows):
            raise ApiError(400, "Bad Request: BUTTONS_TOO_MUCH")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not str(button.get("text") or "").strip():
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_EMPTY")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_MAX_BYTES:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _api_editmessagetext(self, params: JsonDict, files: dict) -> JsonDict:
        message = self._find_message(params)
        if not str(params.get("text") or "").strip():
            raise ApiError(400, "Bad Request: message text is empty")
        self._check_text(str(params["text"]))
        if params.get("reply_markup") is not None:
            self._check_markup(params["reply_markup"])
        if message.get("text") == params.get("text") and message.get("reply_markup") == params.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params.get("text")
        message["edit_date"] = self._now()
        self.edited_at[(message["chat"]["id"], message["message_id"])] = time.monotonic()
        if params.get("reply_markup") is not None:
            message["reply_markup"] = params["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return self._as_returned(message)

    def _api_editmessagereplymarkup(self, params: JsonDict, files: dict) -> JsonDict:
        message = self._find_message(params)
        markup = params.get("reply_markup")
        if markup is not None:
            self._check_markup(markup)
        if markup == message.get("reply_markup") or (markup is None and "reply_markup" not in message):
            raise ApiError(400, "Bad Request: message is not modified")
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = self._now()
        return self._as_returned(message)

    def _api_deletemessage(self, params: JsonDict, files: dict) -> bool:
        message = self._find_message(params)
        chat = self.chats[int(params["chat_id"])]
        chat.messages.remove(message)
        return True

    def _api_answercallbackquery(self, params: JsonDict, files: dict) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self.unanswered_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        if telegram_length(str(params.get("text") or "")) > CALLBACK_ANSWER_MAX:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.unanswered_callbacks.discard(query_id)
        return True

    def _api_answerinlinequery(self, params: JsonDict, files: dict) -> bool:
        """Refuse what Telegram refuses: an unknown or answered query, more than 50 results,
        ids empty, longer than 64 bytes or repeated, unknown types, a result with nothing to
        send, captions and texts over their limits, bad buttons, a long next_offset."""
        query_id = str(params.get("inline_query_id"))
        if query_id not in self.unanswered_inline:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        results = params.get("results") or []
        if isinstance(results, str):
            results = json.loads(results)
        if len(results) > INLINE_RESULTS_MAX:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            result_id = str(result.get("id") or "")
            if not 1 <= len(result_id.encode()) <= INLINE_RESULT_ID_MAX_BYTES:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            if result_id in seen:
                raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            seen.add(result_id)
            kind = result.get("type")
            if kind not in INLINE_RESULT_TYPES:
                raise ApiError(400, "Bad Request: RESULT_TYPE_INVALID")
            if kind == "article":
                content = result.get("input_message_content") or {}
                if not str(result.get("title") or "").strip():
                    raise ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
                if not str(content.get("message_text") or "").strip():
                    raise ApiError(400, "Bad Request: MESSAGE_EMPTY")
                self._check_text(str(content["message_text"]))
            if kind == "photo":
                file_id = result.get("photo_file_id")
                if file_id is None and not str(result.get("photo_url") or "").startswith(("http://", "https://")):
                    raise ApiError(400, "Bad Request: PHOTO_INVALID")
                if file_id is not None and file_id not in self.files:
                    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            if result.get("caption") is not None and telegram_length(str(result["caption"])) > CAPTION_MAX:
                raise ApiError(400, "Bad Request: MEDIA_CAPTION_TOO_LONG")
            if result.get("reply_markup") is not None:
                self._check_markup(result["reply_markup"])
        if len(str(params.get("next_offset") or "").encode()) > INLINE_NEXT_OFFSET_MAX_BYTES:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        self.unanswered_inline.discard(query_id)
        self.inline_answers[query_id] = {"results": results, "next_offset": params.get("next_offset") or "",
                                         "cache_time": params.get("cache_time")}
        return True

    # Bot command menus, as Telegram keeps them: one list per (scope, language).
    _SCOPES = frozenset(
        {"default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators", "chat_member"}
    )
    _COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")

    def _scope_key(self, params: JsonDict) -> str:
        scope = params.get("scope")
        if isinstance(scope, str):
            scope = json.loads(scope)
        scope = scope or {"type": "default"}
        kind = scope.get("type")
        if kind not in self._SCOPES:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if kind in ("chat", "chat_administrators", "chat_member"):
            if "chat_id" not in scope:
                raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
            chat = self._chat(scope["chat_id"])
            if kind == "chat_administrators" and chat.type == "private":
                raise ApiError(400, "Bad Request: can't use chat_administrators scope in private chats")
            if kind == "chat_member":
                if chat.type == "private":
                    raise ApiError(400, "Bad Request: can't use chat_member scope in private chats")
                return f"{kind}:{chat.id}:{int(scope.get('user_id', 0))}"
            return f"{kind}:{chat.id}"
        return kind

    def _commands_key(self, params: JsonDict) -> str:
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise ApiError(400, "Bad Request: invalid language code specified")
        scope = self._scope_key(params)
        # The default scope without a language is kept under "" (as before scopes existed).
        return language if scope == "default" else f"{scope}|{language}"

    def _api_setmycommands(self, params: JsonDict, files: dict) -> bool:
        commands = params.get("commands", [])
        if isinstance(commands, str):
            commands = json.loads(commands)
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        for command in commands:
            if not self._COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = list(commands)
        return True

    def _api_getmycommands(self, params: JsonDict, files: dict) -> list[JsonDict]:
        return self.commands.get(self._commands_key(params), [])

    def _api_deletemycommands(self, params: JsonDict, files: dict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def menu_of(self, chat_id: int, language: str | None = None) -> list[str]:
        """The command names a private chat's user sees, resolved the way Telegram does:
        the chat's own scope, then all private chats, then the default; each with the
        user's language first."""
        languages = [language or "", ""] if language else [""]
        for scope in (f"chat:{chat_id}", "all_private_chats", "default"):
            for code in languages:
                key = code if scope == "default" else f"{scope}|{code}"
                if key in self.commands:
                    return [c["command"] for c in self.commands[key]]
        return []

    def _api_sendchataction(self, params: JsonDict, files: dict) -> bool:
        self._chat(params.get("chat_id"))
        return True

    @staticmethod
    def _file_bytes(payload: Any) -> bytes:
        data = payload[1] if isinstance(payload, tuple) else payload
        if hasattr(data, "read"):
            data = data.read()
            if hasattr(payload, "seek"):
                payload.seek(0)
        return bytes(data or b"")

    def _store_file(self, payload: Any) -> tuple[str, int]:
        data = self._file_bytes(payload)
        file_id = f"FILE{next(self._file_ids)}"
        self.files[file_id] = data
        return file_id, len(data)

    def _media(self, params: JsonDict, files: dict, kind: str) -> JsonDict:
        chat = self._chat(params.get("chat_id"))
        caption = params.get("caption")
        if caption is not None and telegram_length(str(caption)) > CAPTION_MAX:
            raise ApiError(400, "Bad Request: message caption is too long")
        if params.get("reply_markup") is not None:
            self._check_markup(params["reply_markup"])
        value = params.get(kind)
        upload = files.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
        if upload is None and isinstance(value, str) and value in self.files:
            file_id, size = value, len(self.files[value])
        elif upload is not None:
            size = len(self._file_bytes(upload))
            if kind == "photo" and size > PHOTO_MAX_BYTES:
                raise ApiError(400, "Bad Request: PHOTO_SAVE_FILE_INVALID")
            if size > DOCUMENT_MAX_BYTES:
                raise ApiError(413, "Request Entity Too Large")
            file_id, size = self._store_file(upload)
        else:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        meta = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": size}
        content: JsonDict = {}
        if kind == "photo":
            content["photo"] = [{**meta, "width": 800, "height": 600}]
        else:
            name = upload[0] if isinstance(upload, tuple) else "file"
            content["document"] = {**meta, "file_name": name}
        if params.get("caption"):
            content["caption"] = params["caption"]
        if params.get("reply_markup") is not None:
            content["reply_markup"] = params["reply_markup"]
        return self._store_bot_message(chat, content)

    def _api_sendphoto(self, params: JsonDict, files: dict) -> JsonDict:
        return self._media(params, files, "photo")

    def _api_senddocument(self, params: JsonDict, files: dict) -> JsonDict:
        return self._media(params, files, "document")

    def _api_getfile(self, params: JsonDict, files: dict) -> JsonDict:
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(self.files[file_id]) > DOWNLOAD_MAX_BYTES:  # bots download at most 20 MB
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"files/{file_id}",
        }

    def _api_getupdates(self, params: JsonDict, files: dict) -> list[JsonDict]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        limit = min(int(params.get("limit") or 100), 100)
        while self.pending_updates and self.pending_updates[0]["update_id"] < offset:
            self.pending_updates.popleft()
        return list(itertools.islice(self.pending_updates, limit))

    def _api_setwebhook(self, params: JsonDict, files: dict) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url, self.webhook_secret = (url or None), secret
        return True

    def _api_deletewebhook(self, params: JsonDict, files: dict) -> bool:
        self.webhook_url = self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self.pending_updates.clear()
        return True

    def _api_getwebhookinfo(self, params: JsonDict, files: dict) -> JsonDict:
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates),
        }

    def _api_close(self, params: JsonDict, files: dict) -> bool:
        return True

    # ---- user side ---------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Siti",
        *,
        language_code: str | None = "id",
        username: str | None = None,
    ) -> SandboxUser:
        """A person with a private chat with the bot."""
        self.users[user_id] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            **({"username": username} if username else {}),
            **({"language_code": language_code} if language_code else {}),
        }
        self.chats.setdefault(user_id, Chat(id=user_id, type="private", first_name=first_name, username=username))
        return SandboxUser(self, user_id)

    def user_handle(self, user_id: int) -> SandboxUser:
        """The SandboxUser of someone already known."""
        if user_id not in self.users:
            raise KeyError(user_id)
        return SandboxUser(self, user_id)

    def group(self, chat_id: int, title: str = "Grup Klaster") -> Chat:
        """A group chat the bot was added to."""
        chat = Chat(id=chat_id, type="group", title=title)
        self.chats[chat_id] = chat
        return chat

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def restart_update_ids(self, first: int = 100000) -> None:
        """Start update ids again, as Telegram does after a week without updates."""
        self._update_ids = itertools.count(first)

    def next_callback_id(self) -> str:
        return f"{self._callback_prefix}{next(self._callback_ids)}"

    def record_user_message(self, chat: Chat, content: JsonDict) -> JsonDict:
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = {"message_id": next(counter), "date": self._now(), "chat": chat.as_json(), **content}
        chat.messages.append(message)
        return message

    async def deliver(self, update: JsonDict) -> JsonDict:
        """Send a user-side update to the bot (or queue it for getUpdates)."""
        if self.sink is not None:
            await self.sink(update)
        elif self.webhook_url and self.webhook_poster is not None:
            self.webhook_statuses.append(await self.webhook_poster(self.webhook_url, self.webhook_secret, update))
        else:
            self.pending_updates.append(update)
            for waiter in self._update_waiters:
                waiter.set()
        return update

    async def wait_for_updates(self, offset: int, wait_seconds: float) -> None:
        """Long polling: return when an update at or after `offset` is queued, or on timeout."""
        deadline = time.monotonic() + wait_seconds
        while not any(u["update_id"] >= offset for u in self.pending_updates):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            event = asyncio.Event()
            self._update_waiters.add(event)
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return
            finally:
                self._update_waiters.discard(event)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]


class SandboxUser:
    """Acts as one Telegram user: types, taps buttons, shares a contact, sends files."""

    def __init__(self, api: FakeBotApi, user_id: int) -> None:
        self.api = api
        self.id = user_id

    @property
    def data(self) -> JsonDict:
        return self.api.users[self.id]

    @property
    def chat(self) -> Chat:
        return self.api.chats[self.id]

    def _message_update(self, content: JsonDict, chat: Chat | None = None, *, edited: bool = False) -> JsonDict:
        chat = chat or self.chat
        message = self.api.record_user_message(chat, {"from": self.data, **content})
        return {"update_id": self.api.next_update_id(), "edited_message" if edited else "message": message}

    async def send(self, text: str, *, chat: Chat | None = None, reply_to: JsonDict | None = None) -> JsonDict:
        """Type a message; a leading /command gets its bot_command entity, like a phone sends.
        `reply_to`: a message of the chat this one answers (swipe to reply)."""
        content: JsonDict = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            content["reply_to_message"] = self.api._as_returned(reply_to)
        return await self.api.deliver(self._message_update(content, chat))

    async def open_link(self, link: str) -> JsonDict:
        """Open a t.me/<bot>?start=<parameter> link: Telegram sends "/start <parameter>" only when
        the parameter is 1-64 characters of A-Z a-z 0-9 _ -; otherwise a bare "/start"."""
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(link)
        if parts.netloc != "t.me" or parts.path.strip("/") != self.api.bot_user["username"]:
            raise AssertionError(f"{link!r} is not a link to @{self.api.bot_user['username']}")
        parameter = (parse_qs(parts.query).get("start") or [""])[0]
        return await self.send(f"/start {parameter}" if START_PARAMETER.fullmatch(parameter) else "/start")

    async def edit_last(self, new_text: str) -> JsonDict:
        """Edit the last message this user sent (Telegram sends an edited_message update)."""
        mine = [m for m in self.chat.messages if m.get("from", {}).get("id") == self.id]
        original = dict(mine[-1])
        original.update(text=new_text, edit_date=self.api._now())
        return await self.api.deliver({"update_id": self.api.next_update_id(), "edited_message": original})

    async def share_contact(self, phone_number: str, *, owner_id: int | None = None, first_name: str = "Siti") -> JsonDict:
        """Share a contact; `owner_id` other than the user's own id is a stranger's card."""
        contact = {"phone_number": phone_number, "first_name": first_name, "user_id": self.id if owner_id is None else owner_id}
        return await self.api.deliver(self._message_update({"contact": contact}))

    async def send_sticker(self) -> JsonDict:
        sticker = {
            "file_id": "STICKER1", "file_unique_id": "USTICKER1", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False,
        }
        return await self.api.deliver(self._message_update({"sticker": sticker}))

    async def send_photo(self, data: bytes = b"\x89PNG fake", caption: str | None = None) -> JsonDict:
        file_id, size = self.api._store_file(data)
        content: JsonDict = {"photo": [{"file_id": file_id, "file_unique_id": f"U{file_id}", "width": 800, "height": 600, "file_size": size}]}
        if caption:
            content["caption"] = caption
        return await self.api.deliver(self._message_update(content))

    async def send_document(self, file_name: str, data: bytes, mime_type: str = "application/octet-stream") -> JsonDict:
        file_id, size = self.api._store_file(data)
        document = {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_name": file_name, "mime_type": mime_type, "file_size": size}
        return await self.api.deliver(self._message_update({"document": document}))

    async def inline_query(self, query: str, *, chat_type: str = "group", offset: str = "") -> str:
        """Type `@bot <query>` in a chat: Telegram sends the bot an inline query; its id."""
        if len(query) > INLINE_QUERY_MAX:
            query = query[:INLINE_QUERY_MAX]  # Telegram cuts the query at 256 characters
        query_id = f"iq{self.api.next_callback_id()}"
        self.api.unanswered_inline.add(query_id)
        inline = {"id": query_id, "from": self.data, "query": query, "offset": offset, "chat_type": chat_type}
        await self.api.deliver({"update_id": self.api.next_update_id(), "inline_query": inline})
        return query_id

    def inline_results(self, query_id: str) -> list[JsonDict]:
        """The results the bot answered an inline query with (AssertionError if unanswered)."""
        if query_id not in self.api.inline_answers:
            raise AssertionError(f"inline query {query_id} was not answered")
        return self.api.inline_answers[query_id]["results"]

    def choose_inline_result(self, query_id: str, result_id: str, chat: Chat) -> JsonDict:
        """Pick a result: Telegram posts it in `chat` as the user's message "via @bot"."""
        result = next(r for r in self.inline_results(query_id) if r["id"] == result_id)
        content: JsonDict = {"from": self.data, "via_bot": self.api.bot_user}
        if result["type"] == "photo":
            content["photo"] = [{"file_id": result["photo_file_id"], "file_unique_id": f"U{result['photo_file_id']}",
                                 "width": 800, "height": 600}]
            if result.get("caption"):
                content["caption"] = result["caption"]
        else:
            content["text"] = result["input_message_content"]["message_text"]
        if result.get("reply_markup"):
            content["reply_markup"] = result["reply_markup"]
        # Chosen-result feedback is off (BotFather default): the bot is told nothing.
        return self.api.record_user_message(chat, content)

    def bot_messages(self) -> list[JsonDict]:
        """What the bot sent to this user's private chat, oldest first."""
        return [m for m in self.chat.messages if m.get("from", {}).get("id") == self.api.bot_user["id"]]

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.bot_messages()]

    @property
    def last_text(self) -> str:
        texts = self.texts()
        return texts[-1] if texts else ""

    def message_with_button(self, label: str) -> JsonDict:
        """The newest bot message that still shows an inline button with this label."""
        for message in reversed(self.bot_messages()):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label:
                        return message
        raise AssertionError(f"no button {label!r} in chat {self.id}; last texts: {self.texts()[-3:]}")

    def buttons(self, message: JsonDict | None = None) -> list[str]:
        """Labels of the inline buttons on a message (default: the newest with buttons)."""
        if message is None:
            with_buttons = [m for m in self.bot_messages() if (m.get("reply_markup") or {}).get("inline_keyboard")]
            if not with_buttons:
                return []
            message = with_buttons[-1]
        return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]

    def reply_keyboard(self) -> list[JsonDict]:
        """The reply keyboard currently shown (the last message that set or removed one)."""
        for message in reversed(self.bot_messages()):
            markup = message.get("reply_markup") or {}
            if "keyboard" in markup:
                return [b for row in markup["keyboard"] for b in row]
            if markup.get("remove_keyboard"):
                return []
        return []

    async def press(self, label: str) -> JsonDict:
        """Tap an inline button by its label on the newest message that shows it."""
        message = self.message_with_button(label)
        for row in message["reply_markup"]["inline_keyboard"]:
            for button in row:
                if button.get("text") == label:
                    return await self.press_data(button["callback_data"], message)
        raise AssertionError("unreachable")

    async def press_data(self, data: str, message: JsonDict | None = None) -> JsonDict:
        """Send a callback query with any data: stale, forged or copied from an old message."""
        message = message or (self.bot_messages() or [None])[-1]
        query_id = self.api.next_callback_id()
        self.api.unanswered_callbacks.add(query_id)
        query: JsonDict = {
            "id": query_id,
            "from": self.data,
            "chat_instance": f"ci{self.id}",
            "data": data,
        }
        if message is not None:
            query["message"] = self.api._as_returned(message)
        return await self.api.deliver({"update_id": self.api.next_update_id(), "callback_query": query})
