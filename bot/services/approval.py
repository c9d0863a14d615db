"""A chair (or koordinator in scope) accepts or refuses a member who asked to join."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import Actor, AlreadyDone, MemberProfile, MemberStatus, NotAllowed, StaleAction
from bot.i18n import I18n
from bot.messages import people
from bot.services import notices
from bot.services.converters import cluster_info, member_profile
from db.uow import UnitOfWork


@dataclass(frozen=True)
class Decision:
    member: MemberProfile
    accepted: bool
    member_chat_id: int | None
    member_language: str | None


async def decide(
    uow: UnitOfWork, actor: Actor, member_id: int, *, accept: bool, now: datetime, i18n: I18n
) -> Decision:
    """Settle a pending request once; a second press (or another chair's) is told it is decided.
    The member is told through the outbox, in this transaction."""
    member = await uow.members.get(member_id)
    if member is None or member.telegram_user_id is None:
        # Refused requests are deleted: the audit log still says it was decided.
        if await uow.audit.entries_about(f"member:{member_id}", ("member.approve", "member.reject")):
            raise AlreadyDone("request_decided")
        raise StaleAction("request_gone")
    if not actor.can_manage(cluster_info(member.cluster)):
        raise NotAllowed("approve")
    status = MemberStatus.ACTIVE if accept else MemberStatus.REJECTED
    # The condition is in the UPDATE: two chairs (or two instances) at once decide once; the
    # second waits for the first's row lock on PostgreSQL and then matches nothing.
    if not await uow.members.settle_pending(member.id, status.value, now=now, by=actor.telegram_user_id):
        raise AlreadyDone("request_decided")
    user = await uow.users.get(member.telegram_user_id)
    await uow.audit.record(
        "member.approve" if accept else "member.reject",
        actor=actor.telegram_user_id,
        subject=f"member:{member.id}",
        cluster_id=member.cluster_id,
    )
    profile = member_profile(member)
    chat_id = member.chat_id
    language = user.language if user else None
    if chat_id is not None:
        await notices.enqueue(uow, [
            notices.Notice("join_decision", f"decision:{member.id}", chat_id,
                           people.join_decision(i18n.translator(language), profile, accept))
        ], now)
    if not accept:
        # Closed as well as refused (a refused request never counts as a membership anyway),
        # should the row ever outlive this transaction.
        member.left_at = now
        # A refused request keeps no personal data: the person may ask again later.
        await uow.members.delete(member)
    await uow.commit()
    return Decision(profile, accept, chat_id, language)
