"""Who is talking: role, scope, language and the step they are at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import SUPPORTED_LANGUAGES, Actor, InvalidInput
from bot.services.converters import member_profile, role_scope
from db.uow import UnitOfWork

# Telegram keeps undelivered updates for 24 hours; ids older than that cannot come back.
UPDATE_MEMORY = timedelta(days=2)


@dataclass(frozen=True)
class ActiveStep:
    """The flow and step a user is in the middle of, if any."""

    flow: str
    step: str


async def resolve_actor(uow: UnitOfWork, telegram_user_id: int) -> tuple[Actor, ActiveStep | None]:
    """Load everything a handler needs to know about the sender, in one read."""
    user = await uow.users.get(telegram_user_id)
    member = await uow.members.by_telegram_id(telegram_user_id)
    grants = await uow.roles.of_user(telegram_user_id)
    scopes = []
    for grant in grants:
        name = None
        if grant.cluster_id is not None:
            cluster = await uow.clusters.get(grant.cluster_id)
            name = cluster.name if cluster else None
        scopes.append(role_scope(grant, name))
    state = await uow.conversations.get(telegram_user_id)
    actor = Actor(
        telegram_user_id=telegram_user_id,
        language=user.language if user else None,
        member=member_profile(member) if member else None,
        roles=tuple(scopes),
    )
    return actor, ActiveStep(state.flow, state.step) if state else None


async def choose_language(uow: UnitOfWork, telegram_user_id: int, language: str) -> None:
    """Remember the language the user picked."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput("unknown_language")
    await uow.users.set_language(telegram_user_id, language)
    await uow.commit()


async def claim_update(uow: UnitOfWork, update_id: int, now: datetime, sender_id: int | None = None) -> bool:
    """True the first time an update id is seen; False for a redelivery.

    A member who had blocked the bot and writes again has unblocked it: sending resumes.
    """
    fresh = await uow.updates.claim(update_id)
    if fresh and sender_id is not None:
        await uow.members.unblock(sender_id)
    if fresh and update_id % 500 == 0:
        # Pruning now and then keeps the table small without a job of its own.
        await uow.updates.forget_older_than(now - UPDATE_MEMORY)
    await uow.commit()
    return fresh


async def cancel_current_step(uow: UnitOfWork, telegram_user_id: int) -> ActiveStep | None:
    """Drop whatever flow the user is in; returns what was cancelled."""
    state = await uow.conversations.get(telegram_user_id)
    if state is None:
        return None
    cancelled = ActiveStep(state.flow, state.step)
    await uow.conversations.clear(telegram_user_id)
    await uow.commit()
    return cancelled
