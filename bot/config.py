"""Settings read from the environment and an optional `.env` file."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.services.monthly import MonthlySchedule
from bot.services.requests import FollowUpSchedule

TELEGRAM_API_DEFAULT = "https://api.telegram.org"

# BotFather tokens look like "123456789:AA...": a numeric bot id, a colon and a 35-character
# secret. We accept 30+ characters so that self-hosted test tokens of other lengths work.
_TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")

# Zones the product supports (no daylight saving anywhere in Indonesia).
SUPPORTED_TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def _clock(name: str, value: str) -> time:
    try:
        hours, minutes = value.replace(".", ":").split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigError(f"{name}={value!r} harus berupa jam, contoh 09:00 / must be a time, e.g. 09:00") from exc


def _schedule(get) -> MonthlySchedule:
    """The monthly calendar (product.md "Time"), each part overridable from the environment."""
    default = MonthlySchedule()
    days_text = get("KLASTERBOT_REMINDER_DAYS")
    try:
        days = tuple(sorted({int(d) for d in days_text.split(",")})) if days_text else default.reminder_days
        deadline = int(get("KLASTERBOT_DEADLINE_DAY") or default.deadline_day)
    except ValueError as exc:
        raise ConfigError(
            "KLASTERBOT_REMINDER_DAYS / KLASTERBOT_DEADLINE_DAY harus angka, contoh 1,5,8 dan 10 / "
            "must be day numbers, e.g. 1,5,8 and 10"
        ) from exc
    if not all(1 <= d <= 28 for d in (*days, deadline)):
        raise ConfigError("Hari pengingat dan batas waktu harus 1-28 / reminder and deadline days must be 1-28")
    reminder = get("KLASTERBOT_REMINDER_TIME")
    summary = get("KLASTERBOT_SUMMARY_TIME")
    return MonthlySchedule(
        reminder_days=days,
        reminder_time=_clock("KLASTERBOT_REMINDER_TIME", reminder) if reminder else default.reminder_time,
        deadline_day=deadline,
        summary_time=_clock("KLASTERBOT_SUMMARY_TIME", summary) if summary else default.summary_time,
    )


def _followups(get) -> FollowUpSchedule:
    """When requests and opportunities are followed up, each part overridable from the environment."""
    default = FollowUpSchedule()
    days_text = get("KLASTERBOT_FOLLOWUP_DAYS")
    opportunity_text = get("KLASTERBOT_OPPORTUNITY_DAYS")
    hour_text = get("KLASTERBOT_FOLLOWUP_TIME")
    try:
        days = tuple(sorted({int(d) for d in days_text.split(",")})) if days_text else default.days_after_deadline
        opportunity = int(opportunity_text) if opportunity_text else default.opportunity_days
    except ValueError as exc:
        raise ConfigError(
            "KLASTERBOT_FOLLOWUP_DAYS / KLASTERBOT_OPPORTUNITY_DAYS harus angka hari, contoh 1,21 dan 7 / "
            "must be numbers of days, e.g. 1,21 and 7"
        ) from exc
    if not days or not all(0 <= d <= 365 for d in (*days, opportunity)):
        raise ConfigError("Hari tindak lanjut harus 0-365 / follow-up days must be 0-365")
    return FollowUpSchedule(
        days_after_deadline=days,
        opportunity_days=opportunity,
        hour=_clock("KLASTERBOT_FOLLOWUP_TIME", hour_text) if hour_text else default.hour,
    )


class ConfigError(Exception):
    """A setting is missing or malformed; the message is shown to the operator as is."""


def token_problem(token: str | None) -> str | None:
    """Describe what is wrong with a bot token, or None when it looks usable."""
    if not token:
        return "missing"
    if not _TOKEN_PATTERN.match(token):
        return "malformed"
    return None


def _default_database_url(workdir: Path) -> str:
    return f"sqlite+aiosqlite:///{(workdir / 'data' / 'klasterbot.db').as_posix()}"


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to know about where it runs."""

    token: str | None = None
    database_url: str = field(default_factory=lambda: _default_database_url(Path.cwd()))
    api_base_url: str = TELEGRAM_API_DEFAULT
    timezone: str = "Asia/Jakarta"
    log_level: str = "INFO"
    bot_username: str | None = None
    # Telegram allows about 30 messages/s overall; stay below it by default.
    max_messages_per_second: float = 25.0
    # The outbox sender and periodic jobs; tests switch them off and drive them by hand.
    run_background_tasks: bool = True
    # Reminders on these days at 09:00, deadline day 10, summaries at 18:00 (cluster time).
    schedule: MonthlySchedule = field(default_factory=MonthlySchedule)
    # The monthly reminders and summaries fire by themselves; benchmarks switch them off so that
    # the calendar never sends a reminder to every seeded member during a run.
    run_monthly_jobs: bool = True
    # Requests are followed up 1 and 21 days after their deadline at 09:00 (their zone); a plain
    # peluang pasar counts as due 7 days after it was sent.
    followups: FollowUpSchedule = field(default_factory=FollowUpSchedule)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        env_file: Path | None = None,
        workdir: Path | None = None,
    ) -> Settings:
        """Read settings: real environment first, then the `.env` file for what is unset."""
        environ = dict(os.environ if environ is None else environ)
        workdir = workdir or Path.cwd()
        env_path = env_file if env_file is not None else workdir / ".env"
        file_values = {k: v for k, v in dotenv_values(env_path).items() if v is not None} if env_path.is_file() else {}
        merged = {**file_values, **environ}

        def get(name: str) -> str | None:
            value = merged.get(name)
            return value.strip() if value and value.strip() else None

        timezone = get("KLASTERBOT_TIMEZONE") or "Asia/Jakarta"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"KLASTERBOT_TIMEZONE={timezone!r} bukan zona waktu yang dikenal / is not a known "
                f"time zone (contoh/example: Asia/Jakarta, Asia/Makassar, Asia/Jayapura)"
            ) from exc
        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(
                f"LOG_LEVEL={log_level!r} tidak dikenal / is unknown (DEBUG, INFO, WARNING, ERROR)"
            )
        rate = get("KLASTERBOT_MAX_MESSAGES_PER_SECOND")
        try:
            max_rate = float(rate) if rate else 25.0
        except ValueError as exc:
            raise ConfigError(
                f"KLASTERBOT_MAX_MESSAGES_PER_SECOND={rate!r} harus berupa angka / must be a number"
            ) from exc
        schedule = _schedule(get)
        followups = _followups(get)
        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            database_url=get("DATABASE_URL") or _default_database_url(workdir),
            api_base_url=(get("TELEGRAM_API_BASE_URL") or TELEGRAM_API_DEFAULT).rstrip("/"),
            timezone=timezone,
            log_level=log_level,
            bot_username=(get("TELEGRAM_BOT_USERNAME") or "").lstrip("@") or None,
            max_messages_per_second=max_rate,
            schedule=schedule,
            followups=followups,
        )

    def require_token(self) -> str:
        """Return the token, or raise ConfigError with the one line the operator needs."""
        problem = token_problem(self.token)
        if problem == "missing":
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN belum diisi. Buat bot dan ambil tokennya dari @BotFather di "
                "Telegram, lalu jalankan: export TELEGRAM_BOT_TOKEN=123456:ABC... / "
                "TELEGRAM_BOT_TOKEN is not set. Create a bot with @BotFather on Telegram and "
                "export TELEGRAM_BOT_TOKEN=123456:ABC..."
            )
        if problem == "malformed":
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN tidak valid (bentuknya 123456789:ABC-DEF...; salin ulang dari "
                "@BotFather) / TELEGRAM_BOT_TOKEN is malformed (it looks like 123456789:ABC-DEF...; "
                "copy it again from @BotFather)"
            )
        assert self.token is not None
        return self.token

    @property
    def zone(self) -> ZoneInfo:
        """The default zone for clusters that do not set their own."""
        return ZoneInfo(self.timezone)
