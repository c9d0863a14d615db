"""What the application owns for its lifetime: settings, database, texts, clock (Telegram-free)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.i18n import I18n
from db.session import create_engine, create_session_factory
from db.uow import UnitOfWorkFactory

RUNTIME_KEY = "klasterbot.runtime"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Settings, database, texts and clock, shared by handlers, jobs and the outbox."""

    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    i18n: I18n
    # Tests replace the clock to check time rules without waiting.
    clock: Callable[[], datetime] = field(default=utc_now)
    # Set at start by the shell (it needs the bot to send); None before.
    outbox: Any = None
    background_stop: asyncio.Event | None = None
    background_tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        engine = create_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            uow=UnitOfWorkFactory(create_session_factory(engine)),
            i18n=I18n(),
        )

    def now(self) -> datetime:
        return self.clock()


def runtime_of(application: Any) -> Runtime:
    """The runtime an application was built with (kept in its bot_data)."""
    return application.bot_data[RUNTIME_KEY]
