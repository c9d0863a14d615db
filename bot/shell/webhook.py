"""Webhook mode: Telegram POSTs updates to us; only requests with our secret are accepted.

A small tornado server (tornado comes with PTB's webhooks extra) rather than PTB's built-in
one, because operators behind a reverse proxy need a health endpoint for their checks.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application
from tornado.web import RequestHandler, stream_request_body

from bot.runtime import runtime_of
from bot.shell.http_server import TornadoServer
from bot.shell.serve import START_BACKOFF, Backoff, initialize_when_reachable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(url: str) -> str:
    """The path part of the public webhook URL ("/" when it has none)."""
    return urlsplit(url).path or "/"


# Telegram's updates are a few kilobytes; a megabyte is plenty and bounds what one request costs.
MAX_UPDATE_BYTES = 1024 * 1024


@stream_request_body
class _UpdateHandler(RequestHandler):
    """The body is streamed, so the secret and the size are checked from the headers alone:
    a request without the secret is answered before a byte of its body is read."""

    def initialize(self, bot_application: Application, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret
        self._chunks: list[bytes] = []
        self._size = 0

    def check_xsrf_cookie(self) -> None:
        return None

    def _refuse(self, status: int, description: str) -> None:
        self.set_status(status)
        self.finish({"ok": False, "description": description})

    def prepare(self) -> None:
        if self.request.method != "POST":
            return
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            # Not Telegram (or a misconfigured proxy): nothing is read, nothing processed.
            log.warning("webhook request without the right secret from %s", self.request.remote_ip)
            self._refuse(403, "wrong or missing secret token")
            return
        try:
            length = int(self.request.headers.get("Content-Length", "0"))
        except ValueError:
            length = MAX_UPDATE_BYTES + 1
        if length > MAX_UPDATE_BYTES:
            self._refuse(413, f"an update is at most {MAX_UPDATE_BYTES} bytes")
            return
        # A chunked body (no Content-Length) is held to the same bound while it arrives.
        self.request.connection.set_max_body_size(MAX_UPDATE_BYTES)

    def data_received(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size <= MAX_UPDATE_BYTES:
            self._chunks.append(chunk)

    async def post(self) -> None:
        if self._size > MAX_UPDATE_BYTES:
            self._refuse(413, f"an update is at most {MAX_UPDATE_BYTES} bytes")
            return
        try:
            data = json.loads(b"".join(self._chunks))
        except ValueError:
            self._refuse(400, "the body is not JSON")
            return
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            self._refuse(400, "not an update object (an object with an integer update_id)")
            return
        try:
            update = Update.de_json(data, self.bot_application.bot)
        except Exception as exc:  # any malformed field: PTB raises what the field's type does
            self._refuse(400, f"not an update: {type(exc).__name__}")
            return
        # Queued, then answered: handling happens after this 200, so an update whose handling
        # fails (recorded by the error handler) never makes Telegram send it again and again.
        await self.bot_application.update_queue.put(update)
        self.set_status(200)
        self.finish()


class _HealthHandler(RequestHandler):
    def initialize(self, bot_application: Application) -> None:
        self.bot_application = bot_application

    async def get(self) -> None:
        from sqlalchemy import text

        try:
            async with runtime_of(self.bot_application).uow(read_only=True) as uow:
                await uow.session.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure makes the instance unhealthy
            log.warning("health check failed: %s", exc)
            self.set_status(503)
            self.finish({"ok": False, "database": "unavailable"})
            return
        self.finish({"ok": True, "running": self.bot_application.running})


class WebhookServer:
    """Receives updates on `path` and answers health checks on /health."""

    def __init__(self, application: Application, *, listen: str, port: int, path: str, secret: str) -> None:
        self.application = application
        self.listen = listen
        self.port = port
        self.path = path
        self.secret = secret
        self._server: TornadoServer | None = None

    async def start(self) -> WebhookServer:
        routes = [
            (r"/health", _HealthHandler, {"bot_application": self.application}),
            (self.path, _UpdateHandler, {"bot_application": self.application, "secret": self.secret}),
        ]
        # xheaders: behind a reverse proxy, log the client's address, not the proxy's.
        self._server = TornadoServer(routes, host=self.listen, port=self.port, xheaders=True)
        self.port = self._server.start()
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()
            self._server = None


async def serve_webhook(
    application: Application,
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    stop: asyncio.Event,
    backoff: Backoff = START_BACKOFF,
    api_base_url: str = "",
) -> None:
    """Run the bot in webhook mode until `stop` is set (what `klasterbot run --webhook` does)."""
    # The port first: "in use" is the operator's to fix, and is said before Telegram is asked.
    server = await WebhookServer(
        application, listen=listen, port=port, path=webhook_path(url), secret=secret
    ).start()
    try:
        if not await initialize_when_reachable(application, stop=stop, backoff=backoff, api_base_url=api_base_url):
            return
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await application.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        log.info("webhook set to %s; listening on %s:%s", url, listen, server.port)
        await stop.wait()
    finally:
        await server.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
