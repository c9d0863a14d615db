"""Start and run the bot through outages: what `klasterbot run` does, polling or webhook.

A server often boots before its network (or Telegram is briefly out of reach): the first
contact with the Bot API is retried with backoff, one warning line per try, until it answers
or the process is told to stop. Only a rejected token ends the start (retrying cannot fix it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Seconds between tries: first, doubled each time, never more than `cap`."""

    first: float = 1.0
    cap: float = 60.0


START_BACKOFF = Backoff()


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def initialize_when_reachable(
    application: Application, *, stop: asyncio.Event, backoff: Backoff = START_BACKOFF, api_base_url: str = ""
) -> bool:
    """Initialise (getMe) as soon as the Bot API answers; False when stopped before that."""
    delay = backoff.first
    attempt = 1
    while not stop.is_set():
        try:
            await application.initialize()
            if attempt > 1:
                log.info("Bot API reachable again after %d tries; starting", attempt)
            return True
        except InvalidToken:
            raise
        except (NetworkError, RetryAfter, OSError) as exc:
            # The reason is httpx's or the proxy's words (never the URL with the token); the
            # log filter redacts the token anyway.
            log.warning(
                "Bot API %s tidak terjangkau (%s); mencoba lagi dalam %.0f detik / unreachable; "
                "retrying in %.0f s (try %d)",
                api_base_url or "Telegram", " ".join(str(exc).split())[:200], delay, delay, attempt,
            )
        if await _stopped_within(stop, delay):
            break
        delay = min(delay * 2, backoff.cap)
        attempt += 1
    return False


async def _finish(application: Application) -> None:
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


async def serve_polling(
    application: Application,
    *,
    stop: asyncio.Event,
    backoff: Backoff = START_BACKOFF,
    api_base_url: str = "",
    poll_interval: float = 0.0,
    poll_timeout: int = 10,
) -> None:
    """Long polling until `stop` is set (what `klasterbot run` does without --webhook)."""
    try:
        if not await initialize_when_reachable(application, stop=stop, backoff=backoff, api_base_url=api_base_url):
            return
        if application.post_init:
            await application.post_init(application)
        assert application.updater is not None
        # bootstrap_retries=-1: deleteWebhook at the start of polling is retried too, and the
        # polling loop itself retries network errors for as long as the process runs.
        await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1, poll_interval=poll_interval, timeout=poll_timeout
        )
        await application.start()
        log.info("polling %s", api_base_url or "Telegram")
        await stop.wait()
    finally:
        await _finish(application)
