"""A lean HTTP/1.1 client for the bot's form posts: keep-alive connections, one write each.

The outbox sends hundreds of small form posts a second to one host, and every reply, button
answer and edit is one too. Through httpx each costs
about a millisecond of CPU in the client alone (its connection pool rescans every connection
per request, anyio wraps every socket call, headers and body go out in two writes); here a
request is one `write` on a kept-alive asyncio stream and one read of a Content-Length (or
chunked) answer. It implements python-telegram-bot's `BaseRequest`, so PTB still turns the
answer into its errors (403 Forbidden, 429 RetryAfter, ...), exactly as for every other call.

Text only (form-encoded parameters): a request carrying files is refused. The outbox's
transport sends photos and documents through the bot's own request (bot/shell/background.py),
and the bot's own request (`FormPostsLean`) hands them to httpx.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter, float]  # reader, writer, idle since


class KeepAliveRequest(BaseRequest):
    """POSTs over at most `pool_size` kept-alive connections to the hosts it is given."""

    def __init__(
        self,
        pool_size: int = 32,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        idle_for: float = 30.0,
    ) -> None:
        self._slots = asyncio.Semaphore(pool_size)
        self._idle: dict[tuple[str, str, int], deque[_Connection]] = {}
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        # Closed by us before a server's keep-alive timeout would close it under a request.
        self._idle_for = idle_for
        self._ssl: ssl.SSLContext | None = None
        self._targets: dict[str, tuple[tuple[str, str, int], bytes]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        for connections in self._idle.values():
            for _, writer, _ in connections:
                writer.close()
        self._idle.clear()

    def _target(self, url: str) -> tuple[tuple[str, str, int], bytes]:
        """(scheme, host, port) and the request line's head, parsed once per URL."""
        known = self._targets.get(url)
        if known is None:
            parts = urlsplit(url)
            scheme, host = parts.scheme, parts.hostname or ""
            port = parts.port or (443 if scheme == "https" else 80)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            host_header = host if parts.port is None else f"{host}:{port}"
            head = (
                f"POST {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {self.USER_AGENT}\r\n"
                "Connection: keep-alive\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
            ).encode("latin-1")
            known = self._targets[url] = ((scheme, host, port), head)
            if len(self._targets) > 64:  # one URL per method in practice
                self._targets.pop(next(iter(self._targets)))
        return known

    async def _connection(self, key: tuple[str, str, int], connect_for: float) -> _Connection:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            reader, writer, since = idle.pop()
            if now - since < self._idle_for and not reader.at_eof() and not writer.is_closing():
                return reader, writer, since
            writer.close()
        scheme, host, port = key
        context = None
        if scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        try:
            async with asyncio.timeout(connect_for):
                reader, writer = await asyncio.open_connection(host, port, ssl=context)
        except TimeoutError as exc:
            raise TimedOut("connect timed out") from exc
        except OSError as exc:
            raise NetworkError(f"connect failed: {exc!r}") from exc
        return reader, writer, now

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            raise NetworkError("KeepAliveRequest sends form parameters only, not files")
        key, head = self._target(url)
        body = request_data.url_encoded_parameters().encode() if request_data is not None else b""
        read_for = read_timeout if isinstance(read_timeout, (int, float)) else self._read_timeout
        connect_for = connect_timeout if isinstance(connect_timeout, (int, float)) else self._connect_timeout
        async with self._slots:
            reader, writer, _ = await self._connection(key, connect_for)
            keep = False
            try:
                async with asyncio.timeout(read_for):
                    writer.write(b"%s%d\r\n\r\n%s" % (head, len(body), body))
                    await writer.drain()
                    status, payload, keep = await _read_response(reader)
            except TimeoutError as exc:
                raise TimedOut("no answer in time") from exc
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
                raise NetworkError(f"connection failed: {exc!r}") from exc
            finally:
                if keep:
                    self._idle.setdefault(key, deque()).append((reader, writer, time.monotonic()))
                else:
                    writer.close()
        return status, payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, whether the connection may be reused)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, code = lines[0].split(" ", 2)[:2]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        return int(code), b"".join(chunks), keep
    if "content-length" in headers:
        return int(code), await reader.readexactly(int(headers["content-length"])), keep
    return int(code), await reader.read(), False  # until the server closes


class FormPostsLean(BaseRequest):
    """The bot's own Bot API calls: form posts (replies, button answers, edits: nearly all of
    them) over a `KeepAliveRequest`; anything carrying a file (an export, a catalogue PDF, an
    uploaded photo) and every download over `files`, PTB's httpx request.

    Measured in B1: through httpx a reply costs about a millisecond of CPU more, and a report
    is three calls."""

    def __init__(self, lean: KeepAliveRequest, files: BaseRequest) -> None:
        self._lean = lean
        self._files = files

    @property
    def read_timeout(self) -> float | None:
        return self._files.read_timeout

    async def initialize(self) -> None:
        await self._lean.initialize()
        await self._files.initialize()

    async def shutdown(self) -> None:
        await self._lean.shutdown()
        await self._files.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # A file goes up as multipart and comes down by GET (File.download_*): httpx does both.
        with_files = method != "POST" or (request_data is not None and request_data.contains_files)
        carrier = self._files if with_files else self._lean
        return await carrier.do_request(
            url, method, request_data, read_timeout=read_timeout, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout,
        )
