"""The typed CallbackContext every handler receives: the runtime and the sender, resolved once.

One update, one transaction: admission (handlers/pipeline.py) opens the update's unit of work,
claims the update and loads the sender in it, and leaves it open; the handler's first
`context.uow()` is that same unit, so the claim, the sender and the handler's work commit
together: one commit per update, not three. The unit is closed before any Telegram call
(`close_update_unit`, called by the shell's rate limiter for every request) and at the end of
the update, whatever happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from types import TracebackType

from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain import Actor
from bot.i18n import Translator
from bot.runtime import Runtime, runtime_of
from bot.services.actors import ActiveStep
from db.uow import UnitOfWork


class UpdateUnit:
    """The update's open unit of work, from admission until the handler is done with it.

    Closing it commits when nobody committed (the claim must stick even for a handler that
    only reads); after an error it rolls back and claims the update again on its own, so a
    redelivery is still recognised and nothing half-done is kept.
    """

    def __init__(self, uow: UnitOfWork, readmit: Callable[[], Awaitable[None]]) -> None:
        self.uow = uow
        self._readmit = readmit
        self.in_use = False
        self.closed = False

    async def close(self, failed: BaseException | None = None) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if failed is None and not self.uow.committed:
                await self.uow.commit()
        except BaseException as error:
            failed = error
            raise
        finally:
            committed = self.uow.committed
            await self.uow.__aexit__(None, None, None)
            if failed is not None and not committed:
                await self._readmit()


# The current update's unit, if still open; set per update (shell Application.process_update).
_update_unit: ContextVar[UpdateUnit | None] = ContextVar("klasterbot_update_unit", default=None)


# True while an update is being handled (in its task): replies to the person who wrote.
_in_update: ContextVar[bool] = ContextVar("klasterbot_in_update", default=False)


def hold_update_unit(unit: UpdateUnit | None) -> None:
    _update_unit.set(unit)


def in_update() -> bool:
    """Whether this task is handling an update (an interactive reply), not sending on its own."""
    return _in_update.get()


async def handle_update(process: Awaitable[None]) -> None:
    """Run one update's handlers; its unit of work is closed at the end, whatever happened."""
    unit_token, flag_token = _update_unit.set(None), _in_update.set(True)
    try:
        await process
    finally:
        unit = _update_unit.get()
        _update_unit.reset(unit_token)
        _in_update.reset(flag_token)
        if unit is not None:
            await unit.close()


def update_unit() -> UpdateUnit | None:
    return _update_unit.get()


async def close_update_unit() -> None:
    """Before a Telegram call: the update's transaction ends first (never held across one)."""
    unit = _update_unit.get()
    if unit is not None and not unit.in_use and not unit.closed:
        await unit.close()


class _HandedUnit:
    """`async with context.uow()` on the update's own unit: entering hands it over, leaving
    closes it (commit when the service did not, roll back on an error)."""

    def __init__(self, unit: UpdateUnit) -> None:
        self._unit = unit

    async def __aenter__(self) -> UnitOfWork:
        self._unit.in_use = True
        return self._unit.uow

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._unit.in_use = False
        await self._unit.close(exc)


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

    def uow(self, *, read_only: bool = False) -> UnitOfWork | _HandedUnit:
        """A unit of work for one action; use as `async with context.uow() as uow`.

        The first one of an update is the update's own (admission opened it); later ones
        are fresh."""
        unit = _update_unit.get()
        if unit is not None and not unit.closed and not unit.in_use:
            return _HandedUnit(unit)
        return self.runtime.uow(read_only=read_only)

    def require_actor(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("actor not resolved: is the resolver registered in group -1?")
        return self.actor
