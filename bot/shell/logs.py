"""Logging set-up that never lets the bot token reach a log line."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

REDACTED = "<token>"

# httpx logs every request URL at INFO, and the URL holds the token: keep these quiet even
# when the operator asks for DEBUG; the redacting filter below is the second line of defence.
_NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio")


class TokenRedactingFilter(logging.Filter):
    """Replace the token (and its secret half) in the rendered message and traceback."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        secrets = []
        if token:
            secrets.append(token)
            if ":" in token:
                secrets.append(token.split(":", 1)[1])
        self._secrets = [s for s in secrets if len(s) >= 8]

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg = self._redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so the formatter does not print the original.
            formatter = logging.Formatter()
            record.exc_text = self._redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str, token: str | None, stream: TextIO | None = None) -> logging.Handler:
    """Send logs to stderr (or `stream`) at `level`, with the token redacted everywhere."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenRedactingFilter(token))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_klasterbot", False):
            root.removeHandler(existing)
    handler._klasterbot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    return handler
