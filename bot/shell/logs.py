"""Logging set-up that never lets the bot token reach a log line."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

REDACTED = "<token>"

# httpx logs every request URL at INFO, and the URL holds the token: keep these quiet even
# when the operator asks for DEBUG; the redacting filter below is the second line of defence.
_NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "alembic")


class Redactor:
    """Replaces the token (and its secret half) and the database password in any text."""

    def __init__(self, token: str | None, *others: str | None) -> None:
        secrets = []
        if token:
            secrets.append(token)
            if ":" in token:
                secrets.append(token.split(":", 1)[1])
        secrets += [s for s in others if s]
        # Longest first, so the whole token is replaced before its half; very short values
        # (a test password "x") would blank out ordinary words.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    @classmethod
    def for_settings(cls, settings: Any) -> Redactor:
        if settings is None:
            return cls(None)
        password = None
        try:
            from sqlalchemy.engine import make_url

            password = make_url(settings.database_url).password
        except Exception:  # an unparseable URL has no password we could find
            pass
        return cls(settings.token, password if isinstance(password, str) else None)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class TokenRedactingFilter(logging.Filter):
    """Replace the token (and its secret half) in the rendered message and traceback."""

    def __init__(self, token: str | None, *others: str | None) -> None:
        super().__init__()
        self._redactor = Redactor(token, *others)

    def _redact(self, text: str) -> str:
        return self._redactor.redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._redactor:
            return True
        record.msg = self._redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so the formatter does not print the original.
            formatter = logging.Formatter()
            record.exc_text = self._redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


class OneLineFormatter(logging.Formatter):
    """Below DEBUG an exception is one line (its type and words), not a traceback: the journal
    stays readable, and LOG_LEVEL=DEBUG brings the tracebacks back."""

    def __init__(self, fmt: str, *, tracebacks: bool) -> None:
        super().__init__(fmt)
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if self.tracebacks or not (record.exc_info or record.exc_text):
            return super().format(record)
        summary = ""
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            summary = f" [{type(error).__name__}: {' '.join(str(error).split())[:300]}]"
        elif record.exc_text:
            summary = f" [{record.exc_text.strip().splitlines()[-1][:300]}]"
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record) + summary
        finally:
            record.exc_info, record.exc_text = saved


def configure_logging(
    level: str, token: str | None, stream: TextIO | None = None, *others: str | None
) -> logging.Handler:
    """Send logs to stderr (or `stream`) at `level`, with the token (and `others`, such as the
    database password) redacted everywhere."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", tracebacks=level == "DEBUG")
    )
    handler.addFilter(TokenRedactingFilter(token, *others))
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
