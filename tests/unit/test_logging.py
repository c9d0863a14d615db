"""The bot token never reaches a log line, even at DEBUG (F12)."""

from __future__ import annotations

import io
import logging

from bot.shell.logs import REDACTED, configure_logging
from tests.support.harness import TEST_TOKEN


def test_token_is_redacted_at_debug_including_httpx_and_tracebacks():
    stream = io.StringIO()
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=stream)
    try:
        url = f"https://api.telegram.org/bot{TEST_TOKEN}/getMe"
        logging.getLogger("httpx").warning("HTTP Request: POST %s", url)
        logging.getLogger("telegram.ext").debug("Calling %s", url)
        try:
            raise RuntimeError(f"failed {url}")
        except RuntimeError:
            logging.getLogger("bot").exception("boom")
        logging.getLogger("bot").debug("secret half %s", TEST_TOKEN.split(":")[1])
        output = stream.getvalue()
    finally:
        logging.getLogger().removeHandler(handler)
    assert TEST_TOKEN not in output
    assert TEST_TOKEN.split(":")[1] not in output
    assert output.count(REDACTED) >= 4
    assert "RuntimeError" in output


def test_httpx_is_kept_at_warning_even_at_debug():
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=io.StringIO())
    try:
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        logging.getLogger().removeHandler(handler)


async def test_whole_registration_at_debug_never_logs_the_token(bot):
    stream = io.StringIO()
    handler = configure_logging("DEBUG", TEST_TOKEN, stream=stream)
    try:
        cluster = await bot.cluster()
        await bot.register(bot.user(1201), cluster)
        await bot.restart()
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(logging.WARNING)
    output = stream.getvalue()
    assert "getMe" in output or "sendMessage" in output or "send_message" in output.lower()
    assert TEST_TOKEN not in output and TEST_TOKEN.split(":")[1] not in output
