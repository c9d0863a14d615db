"""A chair (or koordinator in scope) accepts or refuses a member who asked to join."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import Actor, MemberProfile, MemberStatus, NotAllowed, StaleAction
from bot.services.converters import cluster_info, member_profile
from db.uow import UnitOfWork


@dataclass(frozen=True)
class Decision:
    member: MemberProfile
    accepted: bool
    member_chat_id: int | None
    member_language: str | None


async def decide(
    uow: UnitOfWork, actor: Actor, member_id: int, *, accept: bool, now: datetime
) -> Decision:
    """Settle a pending request once; a second press (or another chair's) is stale."""
    member = await uow.members.get(member_id)
    if member is None or member.telegram_user_id is None:
        raise StaleAction("request_gone")
    if not actor.can_manage(cluster_info(member.cluster)):
        raise NotAllowed("approve")
    if member.status != MemberStatus.PENDING:
        raise StaleAction("already_decided")
    member.status = (MemberStatus.ACTIVE if accept else MemberStatus.REJECTED).value
    member.decided_at = now
    member.decided_by = actor.telegram_user_id
    user = await uow.users.get(member.telegram_user_id)
    await uow.audit.record(
        "member.approve" if accept else "member.reject",
        actor=actor.telegram_user_id,
        subject=f"member:{member.id}",
        cluster_id=member.cluster_id,
    )
    profile = member_profile(member)
    chat_id = member.chat_id
    if not accept:
        # Closed as well as refused (a refused request never counts as a membership anyway),
        # should the row ever outlive this transaction.
        member.left_at = now
        # A refused request keeps no personal data: the person may ask again later.
        await uow.members.delete(member)
    await uow.commit()
    return Decision(profile, accept, chat_id, user.language if user else None)
