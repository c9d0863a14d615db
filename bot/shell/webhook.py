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
from tornado.web import RequestHandler

from bot.runtime import runtime_of
from bot.shell.http_server import TornadoServer
from bot.shell.serve import START_BACKOFF, Backoff, initialize_when_reachable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_path(url: str) -> str:
    """The path part of the public webhook URL ("/" when it has none)."""
    return urlsplit(url).path or "/"


class _UpdateHandler(RequestHandler):
    def initialize(self, bot_application: Application, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret

    def check_xsrf_cookie(self) -> None:
        return None

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            # Not Telegram (or a misconfigured proxy): nothing is processed.
            log.warning("webhook request without the right secret from %s", self.request.remote_ip)
            self.set_status(403)
            self.finish()
            return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.bot_application.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            self.finish()
            return
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
