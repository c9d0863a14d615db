"""Logging set-up that lets neither the bot token nor personal data reach a log line.

Two layers. Where we own the log call we never pass personal data (names, phones, amounts,
message texts) in the first place, and the database engines hide statement parameters from
their errors (db/session.py). What we do not own — python-telegram-bot logs every Bot API call
with its parameters and return value at DEBUG, every update it processes, every webhook body —
is cut down by `PersonalDataFilter` on our handler: the arguments of such records are withheld
(a Bot API call keeps its endpoint and the names of its fields), and every line and traceback
is scrubbed of the token, phone numbers and rupiah amounts as the last line of defence.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

REDACTED = "<token>"
WITHHELD = "<withheld>"

# httpx logs every request URL at INFO, and the URL holds the token: keep these quiet even
# when the operator asks for DEBUG; the redacting filter below is the second line of defence.
_NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "alembic")

# Loggers of libraries that put payloads (update JSON, message texts, request bodies) in their
# arguments. Their arguments are withheld unless harmless (see `_harmless`).
_LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore", "apscheduler", "tornado", "asyncpg", "aiosqlite", "sqlalchemy")

# Indonesian phone numbers in any of the forms people and Telegram write them: +62 812-3456-7890,
# 62812..., 0812 3456 7890.
_PHONE = re.compile(r"(?<![\w+])(?:\+?62|0)[\s-]?8\d(?:[\s-]?\d){6,11}(?!\d)")
# Rupiah amounts as the bot writes them (Rp12.500.000, Rp 12,5 jt) and as members type them
# after /omzet.
_RUPIAH = re.compile(r"Rp\s?\d[\d.,]*(?:\s?(?:rb|ribu|jt|juta|m|miliar))?", re.IGNORECASE)
_OMZET_INPUT = re.compile(r"(/omzet(?:@\w+)?)\s+[^\n'\"`]*", re.IGNORECASE)
# PostgreSQL's error details quote the row or key that failed: a member's name, phone, amount.
_PG_ROW = re.compile(r"(Failing row contains )\(.*\)")
_PG_KEY = re.compile(r"(Key \([^)]*\))=\(.*?\)( already exists| is not present| conflicts)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def scrub(text: str) -> str:
    """Rows quoted by database errors, phone numbers, rupiah amounts and what follows /omzet,
    replaced (the token aside)."""
    text = _PG_ROW.sub(r"\1(" + WITHHELD + ")", text)
    text = _PG_KEY.sub(r"\1=(" + WITHHELD + r")\2", text)
    text = _PHONE.sub("<phone>", text)
    text = _RUPIAH.sub("<amount>", text)
    return _OMZET_INPUT.sub(r"\1 <amount>", text)


def _harmless(value: Any) -> bool:
    """Numbers, endpoint and method names, and lists of numbers (update ids) say nothing personal."""
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return _IDENTIFIER.fullmatch(value) is not None
    if isinstance(value, list | tuple) and len(value) <= 100:
        return all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return False


def _withhold(value: Any) -> Any:
    if _harmless(value):
        return value
    if isinstance(value, dict):
        # A Bot API call's parameters: which fields, never their values.
        return "{" + ", ".join(str(k) for k in value if isinstance(k, str)) + ": " + WITHHELD + "}"
    if type(value).__name__ == "URL":
        return str(value)  # httpx's request line: the token in it is redacted below
    update_id = getattr(value, "update_id", None)
    if isinstance(update_id, int):
        return f"Update(update_id={update_id}, {WITHHELD})"
    return WITHHELD


class Redactor:
    """Replaces the token (and its secret half), the database password, and personal data
    (phones, amounts, rows quoted by database errors) in any text."""

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
        return scrub(text)


class TokenRedactingFilter(logging.Filter):
    """Withhold library payloads, then replace the token, the database password, phones and
    amounts in the rendered message and traceback."""

    def __init__(self, token: str | None, *others: str | None) -> None:
        super().__init__()
        self._redactor = Redactor(token, *others)

    def _redact(self, text: str) -> str:
        return self._redactor.redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and record.name.split(".")[0] in _LIBRARY_LOGGERS:
            if isinstance(record.args, dict):
                record.args = {k: _withhold(v) for k, v in record.args.items()}
            else:
                record.args = tuple(_withhold(a) for a in record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: keep the template only
            message = str(record.msg)
        record.msg = self._redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so the formatter does not print the original.
            record.exc_text = self._redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


# The name older code and tests know it by.
PersonalDataFilter = TokenRedactingFilter


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
    database password) and personal data redacted everywhere."""
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
