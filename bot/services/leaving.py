"""A member leaves the cluster: its chair, or a koordinator in scope, removes them
("Keluarkan dari klaster" under /anggota; `klasterbot member remove` for the operator).

The membership period ends (left_at): months they were a member in keep counting them
(db.summary_queries.member_in_month), later ones do not. Their status becomes "left", so
announcements, market requests and reminders stop and they can no longer report or keep
products; every product of theirs is unpublished in the same transaction (inline search and
deep links stop finding it at once). The member is told politely through the outbox; the
action is audited. Claimed by a conditional update: a double press or a second chair removes
once and is told it was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from bot.domain import Actor, AlreadyDone, ClusterInfo, MemberStatus, NotAllowed, StaleAction
from bot.i18n import I18n
from bot.messages import people
from bot.services import catalogue, notices
from bot.services.clusters import managed_cluster
from bot.services.converters import cluster_info
from bot.services.member_states import Leaver, Removable
from db.models import Member
from db.uow import UnitOfWork

PAGE = 20


def _active(cluster_id: int):
    return (
        Member.cluster_id == cluster_id, Member.status == MemberStatus.ACTIVE.value,
        Member.left_at.is_(None), Member.telegram_user_id.is_not(None),
    )


async def removable(uow: UnitOfWork, actor: Actor, cluster_id: int, page: int = 0) -> Removable:
    """The cluster's active members by name, PAGE at a time; checked against the reader's role."""
    info = await managed_cluster(uow, actor, cluster_id)
    rows = (await uow.session.execute(
        select(Member.id, Member.name, Member.business_name).where(*_active(cluster_id))
        .order_by(Member.name, Member.id).offset(page * PAGE).limit(PAGE + 1)
    )).all()
    members = tuple(Leaver(mid, name or "", business or "", info) for mid, name, business in rows[:PAGE])
    return Removable(info, members, page, len(rows) > PAGE)


async def _leaver(uow: UnitOfWork, actor: Actor | None, member_id: int) -> tuple[Member, ClusterInfo]:
    member = await uow.members.get(member_id)
    if member is None or member.telegram_user_id is None:
        raise StaleAction("member_gone")
    info = cluster_info(member.cluster)
    if actor is not None and not actor.can_manage(info):
        raise NotAllowed("cluster_scope")
    if member.status == MemberStatus.LEFT.value or member.left_at is not None:
        raise AlreadyDone("member_removed", nama=member.name or "", klaster=info.name)
    if member.status != MemberStatus.ACTIVE.value:
        raise StaleAction("member_gone")
    return member, info


async def to_remove(uow: UnitOfWork, actor: Actor, member_id: int) -> Leaver:
    """The member a chair is about to remove, for the confirmation."""
    member, info = await _leaver(uow, actor, member_id)
    return Leaver(member.id, member.name or "", member.business_name or "", info)


@dataclass(frozen=True)
class Removed:
    member_id: int
    name: str
    cluster: ClusterInfo
    unpublished: int


class ChairCannotLeave(NotAllowed):
    """The member is the cluster's chair: the koordinator removes the role first (/ketua)."""


async def remove_member(uow: UnitOfWork, actor: Actor | None, member_id: int, now: datetime, i18n: I18n) -> Removed:
    """End the member's membership once (actor None: the operator, from the command line)."""
    member, info = await _leaver(uow, actor, member_id)
    if member.telegram_user_id in await uow.roles.chairs_of(info.id):
        raise ChairCannotLeave("remove_chair")
    claimed = await uow.session.execute(
        update(Member)
        .where(Member.id == member.id, Member.status == MemberStatus.ACTIVE.value, Member.left_at.is_(None))
        .values(status=MemberStatus.LEFT.value, left_at=now)
    )
    if claimed.rowcount != 1:
        raise AlreadyDone("member_removed", nama=member.name or "", klaster=info.name)
    unpublished = await catalogue.member_left(uow, member.id)
    # An announcement being sent right now does not reach them either.
    await uow.deliveries.cancel_announcements_to(member.id)
    await uow.audit.record(
        "member.remove", actor=actor.telegram_user_id if actor is not None else None, subject=f"member:{member.id}",
        cluster_id=info.id, unpublished=unpublished,
    )
    if member.chat_id is not None:
        user = await uow.users.get(member.telegram_user_id)
        t = i18n.translator(user.language if user else None)
        await notices.enqueue(uow, [notices.Notice(
            "member_removed", f"leave:{member.id}", member.chat_id, people.member_removed(t, info.name),
        )], now)
    name = member.name or ""
    await uow.commit()
    return Removed(member_id, name, info, unpublished)
