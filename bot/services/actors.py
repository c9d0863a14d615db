"""Who is talking: role, scope, language and the step they are at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import flows
from bot.domain import SUPPORTED_LANGUAGES, Actor, InvalidInput
from bot.services.converters import member_profile, role_scope
from db.uow import UnitOfWork

# Telegram keeps undelivered updates for 24 hours; older ones cannot come back, so their rows
# only take space.
UPDATE_MEMORY = timedelta(days=2)


@dataclass(frozen=True)
class ActiveStep:
    """The flow and step a user is in the middle of, if any."""

    flow: str
    step: str


async def resolve_actor(uow: UnitOfWork, telegram_user_id: int) -> tuple[Actor, ActiveStep | None]:
    """Load everything a handler needs to know about the sender, in two reads."""
    _, actor, step = await _load_sender(uow, telegram_user_id)
    return actor, step


async def _load_sender(uow: UnitOfWork, telegram_user_id: int) -> tuple[Any, Actor, ActiveStep | None]:
    member, language, step, epoch, granted = await uow.members.sender(telegram_user_id)
    # Role grants change rarely: kept by the process while the database's role epoch stays.
    roles = uow.role_cache.get(telegram_user_id, epoch)
    if roles is None:
        grants = await uow.roles.of_user_with_cluster_names(telegram_user_id) if granted else []
        roles = tuple(role_scope(grant, name) for grant, name in grants)
        uow.role_cache.put(telegram_user_id, epoch, roles)
    actor = Actor(
        telegram_user_id=telegram_user_id,
        language=language,
        member=member_profile(member) if member else None,
        roles=roles,
    )
    return member, actor, ActiveStep(*step) if step else None


async def admit_update(
    uow: UnitOfWork,
    update_id: int,
    fingerprint: str,
    telegram_user_id: int,
    now: datetime,
    *,
    commit: bool = True,
) -> tuple[Actor, ActiveStep | None] | None:
    """One transaction per incoming update: drop a redelivery, else load the sender.

    A redelivery repeats the id and the fingerprint (what identifies its content); the same id
    with another fingerprint is a new update after Telegram started its ids again (F17).
    With `commit=False` the transaction stays open for the handler's work: one transaction
    per update. On PostgreSQL the person's updates take turns across instances: a
    transaction-scoped advisory lock on the person, taken first, makes a second instance
    wait until this update's transaction ends (README, "When one machine is not enough").
    A member who had blocked the bot and writes again has unblocked it.
    """
    if not await uow.updates.claim(update_id, fingerprint, now, person=telegram_user_id):
        await uow.rollback()
        return None
    # Old update ids are deleted by the retention job (privacy.apply_retention), not here.
    member, actor, step = await _load_sender(uow, telegram_user_id)
    if member is not None and member.blocked_at is not None:
        member.blocked_at = None
    if commit:
        await uow.commit()
    return actor, step


async def choose_language(uow: UnitOfWork, telegram_user_id: int, language: str) -> None:
    """Remember the language the user picked."""
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput("unknown_language")
    await uow.users.set_language(telegram_user_id, language)
    await uow.commit()


async def cancel_current_step(uow: UnitOfWork, telegram_user_id: int) -> ActiveStep | None:
    """Drop whatever flow the user is in; returns what was cancelled."""
    dropped = await flows.cancel_any(uow, telegram_user_id)
    await uow.commit()
    return ActiveStep(*dropped) if dropped is not None else None
