"""The composition root: production and tests build the Application here, the same way."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass_environment

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

import handlers
from bot.config import Settings
from bot.runtime import RUNTIME_KEY, Runtime, runtime_of
from bot.shell.background import (
    BULK_REQUEST_KEY,
    outbox_concurrency,
    start_background,
    stop_background,
)
from bot.shell.bulk_http import FormPostsLean, KeepAliveRequest
from handlers.context import KlasterContext, close_update_unit, handle_update, in_update
from handlers.menu import publish_menu
from handlers.pipeline import PerSenderUpdateProcessor

log = logging.getLogger(__name__)

# Replies in flight at once: each update being handled makes one call at a time
# (PerSenderUpdateProcessor runs 16), and the background's notices and edits take a few more.
REPLY_CONNECTIONS = 32
# Seconds a long poll's answer may come after the poll's own timeout (PTB's default for its
# httpx poll): a connection dropped on the way is found within that.
LONG_POLL_SLACK = 5.0


class KlasterApplication(Application):
    """PTB's Application; each update's unit of work ends with the update (handlers/context.py)."""

    async def process_update(self, update: object) -> None:
        await handle_update(super().process_update(update))


class KlasterRateLimiter(AIORateLimiter):
    """Every Bot API call ends the update's transaction first (never held across a call).

    A reply to the person who just wrote goes straight out: the limiter's ceiling is there for
    what the bot sends on its own (the outbox, which paces itself below it and leaves room for
    replies), and one person writing waits for each answer anyway; a reply does not queue
    behind the bulk bookkeeping."""

    async def process_request(
        self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any], rate_limit_args: Any
    ) -> Any:
        await close_update_unit()
        if in_update():
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
) -> Application:
    """Build the bot: settings in, a ready-to-run Application out (nothing is contacted yet)."""
    token = settings.require_token()
    root = settings.api_base_url.rstrip("/")
    builder = (
        ApplicationBuilder()
        .application_class(KlasterApplication)
        .token(token)
        # A self-hosted Bot API server or an emulator: {root}/bot{token}/{method}.
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .context_types(ContextTypes(context=KlasterContext))
        .defaults(Defaults(tzinfo=settings.zone))
        .rate_limiter(
            KlasterRateLimiter(
                # The outbox paces itself at max_messages_per_second; this ceiling keeps
                # room for interactive replies while staying under Telegram's ~30/s.
                overall_max_rate=max(29.0, settings.max_messages_per_second),
                overall_time_period=1,
                group_max_rate=20,
                group_time_period=60,
            )
        )
        .post_init(_on_start)
        .post_shutdown(_on_stop)
    )
    # Different people's updates overlap (one person's stay in order): while one waits for
    # Telegram, another's transaction runs. On SQLite the writers take turns in-process
    # (db/uow.py), so overlap costs no lock waits.
    builder = builder.concurrent_updates(PerSenderUpdateProcessor())
    # Talking to a real Bot API server, form posts go over a lean keep-alive client
    # (bot/shell/bulk_http.py): the outbox's bulk sends on one of their own, the bot's replies
    # on another (files still over httpx), and the long poll on a third (one connection; its
    # read waits the poll's timeout plus LONG_POLL_SLACK). The lean client speaks only direct
    # connections: behind an outbound proxy (HTTPS_PROXY and the like, which httpx honours)
    # every call stays on httpx, slower but reachable.
    lean = request is None and not _behind_proxy(root)
    if lean:
        request = FormPostsLean(KeepAliveRequest(pool_size=REPLY_CONNECTIONS), HTTPXRequest(connection_pool_size=8))
        if get_updates_request is None:
            get_updates_request = KeepAliveRequest(pool_size=1, read_timeout=LONG_POLL_SLACK)
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    application = builder.build()
    if lean:
        application.bot_data[BULK_REQUEST_KEY] = KeepAliveRequest(
            pool_size=outbox_concurrency(settings.max_messages_per_second)
        )
    application.bot_data[RUNTIME_KEY] = Runtime.create(settings)
    handlers.register(application)
    return application


def _behind_proxy(url: str) -> bool:
    """Whether httpx would reach this Bot API server through a proxy from the environment
    (HTTPS_PROXY, ALL_PROXY, ... unless NO_PROXY names the host)."""
    parts = urlsplit(url)
    proxies = getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not proxy_bypass_environment(parts.hostname or "", proxies)


async def _on_start(application: Application) -> None:
    await publish_menu(application)
    await start_background(application)
    log.info("klasterbot started as @%s", application.bot.username)


async def _on_stop(application: Application) -> None:
    await stop_background(application)
    await runtime_of(application).engine.dispose()
