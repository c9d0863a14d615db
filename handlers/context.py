"""The typed CallbackContext every handler receives: the runtime and the sender, resolved once."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain import Actor
from bot.i18n import Translator
from bot.runtime import Runtime, runtime_of
from bot.services.actors import ActiveStep
from db.uow import UnitOfWork


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
