"""The typed CallbackContext every handler receives, and the runtime it carries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.domain import Actor
from bot.i18n import I18n, Translator
from bot.services.actors import ActiveStep
from db.session import create_engine, create_session_factory
from db.uow import UnitOfWork, UnitOfWorkFactory

RUNTIME_KEY = "klasterbot.runtime"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """What the application owns for its lifetime: settings, database, texts, clock."""

    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    i18n: I18n
    # Tests replace the clock to check time rules without waiting.
    clock: Callable[[], datetime] = field(default=utc_now)
    # Set at start by the glue layer (it needs the bot to send); None before.
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


class KlasterContext(CallbackContext[ExtBot, dict, dict, dict]):
    """CallbackContext with the runtime and the sender resolved once per update."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.actor: Actor | None = None
        self.active_step: ActiveStep | None = None
        self.t: Translator = runtime_of(application).i18n.translator(None)

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work for one action; use as `async with context.uow() as uow`."""
        return self.runtime.uow(read_only=read_only)

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("actor not resolved: is the resolver registered in group -1?")
        return self.actor


def runtime_of(application: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    return application.bot_data[RUNTIME_KEY]
