"""One conversation engine for every flow: where a person is (flow and step) and what they have
entered so far, kept in the database row of their conversation state.

Each flow declares itself once (`Flow("omzet", Step, stale="omzet_step")`); its services load,
require, save, take and clear through it and never touch the row themselves. The glue layer
routes typed text, contacts, media and /batal by one table of flow x step (handlers/flows.py).
A state change never commits here: the service's unit of work does, once per action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot.domain import StaleAction
from db.repositories import StateClaim
from db.uow import UnitOfWork

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Flow(Generic[S]):
    """A conversation a person can be in the middle of, with its steps."""

    name: str
    steps: type[S]
    # The StaleAction reason when a press or a message no longer fits where the person is.
    stale: str

    async def load(self, uow: UnitOfWork, user_id: int) -> tuple[S, dict[str, Any]] | None:
        """(step, answers so far), or None when the person is not in this flow."""
        state = await uow.conversations.get(user_id)
        if state is None or state.flow != self.name:
            return None
        return self.steps(state.step), dict(state.data)

    async def require(self, uow: UnitOfWork, user_id: int, *steps: S) -> tuple[S, dict[str, Any]]:
        """The state at one of `steps` (any step when none is named); StaleAction otherwise."""
        loaded = await self.load(uow, user_id)
        if loaded is None or (steps and loaded[0] not in steps):
            raise StaleAction(self.stale)
        return loaded

    async def save(self, uow: UnitOfWork, user_id: int, step: S, data: dict[str, Any]) -> None:
        """Put the person at `step` with `data` (in the caller's transaction)."""
        await uow.conversations.save(user_id, self.name, step.value, data)

    async def take(self, uow: UnitOfWork, user_id: int, *steps: S) -> tuple[S, dict[str, Any]] | None:
        """Claim the state at one of `steps` by deleting it, once (see Conversations.take)."""
        taken = await uow.conversations.take(user_id, self.name, [s.value for s in steps])
        return (self.steps(taken[0]), taken[1]) if taken is not None else None

    def claim(self, user_id: int, *steps: S) -> StateClaim:
        """The take of `take`, for a read that carries it in its own statement (one round trip
        instead of two); what it returns goes through `taken`."""
        return StateClaim(user_id, self.name, tuple(s.value for s in steps))

    def taken(self, raw: tuple[str, dict[str, Any]] | None) -> tuple[S, dict[str, Any]] | None:
        return (self.steps(raw[0]), raw[1]) if raw is not None else None

    async def clear(self, uow: UnitOfWork, user_id: int) -> None:
        """The flow is over (finished or cancelled): nothing of it is kept."""
        await uow.conversations.clear(user_id)


async def cancel_any(uow: UnitOfWork, user_id: int) -> tuple[str, str] | None:
    """/batal: drop whatever flow the person is in; (flow, step) of what was dropped, if any."""
    state = await uow.conversations.get(user_id)
    if state is None:
        return None
    dropped = (state.flow, state.step)
    await uow.conversations.clear(user_id)
    return dropped


@dataclass(frozen=True)
class Draft:
    """Whatever flow a person is in the middle of, as held (for their own copy, /dataku)."""

    flow: str
    step: str
    data: dict[str, Any]
    updated_at: datetime | None


async def draft_of(uow: UnitOfWork, user_id: int) -> Draft | None:
    """The person's unfinished flow of any kind, or None."""
    state = await uow.conversations.get(user_id)
    if state is None:
        return None
    return Draft(state.flow, state.step, dict(state.data or {}), state.updated_at)
