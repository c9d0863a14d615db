"""Where each member of a cluster stands this month, for the chair's /anggota: reported, no
sales, not yet, blocked the bot, paused announcements, waiting for approval. Never an amount."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from bot.dates import Month
from bot.domain import Actor, ClusterInfo
from bot.services.clusters import managed_cluster
from db.models import Member, MonthlyReport
from db.uow import UnitOfWork


class State(StrEnum):
    """A member's state; the value is the short code on the filter buttons."""

    REPORTED = "lapor"
    NO_SALES = "nol"
    NOT_YET = "belum"
    BLOCKED = "blokir"
    PAUSED = "henti"
    PENDING = "tunggu"


STATES: tuple[State, ...] = tuple(State)


@dataclass(frozen=True)
class MemberState:
    member_id: int
    name: str
    business_name: str
    phone: str | None
    telegram_user_id: int | None
    states: tuple[State, ...]


@dataclass(frozen=True)
class MemberStates:
    cluster: ClusterInfo
    month: Month
    members: tuple[MemberState, ...]  # those the filter keeps
    counts: dict[State, int]  # over every member
    total: int
    shown: State | None = None


@dataclass(frozen=True)
class Leaver:
    member_id: int
    name: str
    business_name: str
    cluster: ClusterInfo


@dataclass(frozen=True)
class Removable:
    """A page of the cluster's active members, to pick the one who leaves."""

    cluster: ClusterInfo
    members: tuple[Leaver, ...]
    page: int
    more: bool


async def member_states(
    uow: UnitOfWork, actor: Actor, cluster_id: int, month: Month, shown: State | None = None
) -> MemberStates:
    """The cluster's current members and requests, each with their states for `month`;
    checked against the reader's role at the moment of reading."""
    cluster = await managed_cluster(uow, actor, cluster_id)
    rows = (await uow.session.execute(
        select(
            Member.id, Member.name, Member.business_name, Member.phone, Member.telegram_user_id, Member.status,
            Member.blocked_at, Member.announcements_paused,
        )
        .where(
            Member.cluster_id == cluster_id, Member.telegram_user_id.is_not(None), Member.left_at.is_(None),
            Member.status.in_(("active", "pending")),
        )
        .order_by(Member.name, Member.id)
    )).all()
    reports = dict((await uow.session.execute(
        select(MonthlyReport.member_id, MonthlyReport.no_sales).where(
            MonthlyReport.cluster_id == cluster_id, MonthlyReport.month == str(month), MonthlyReport.member_id.is_not(None)
        )
    )).all())
    members = []
    for member_id, name, business, phone, telegram_id, status, blocked_at, paused in rows:
        states: list[State] = []
        if status == "pending":
            states.append(State.PENDING)
        elif member_id in reports:
            states.append(State.NO_SALES if reports[member_id] else State.REPORTED)
        else:
            states.append(State.NOT_YET)
        if blocked_at is not None:
            states.append(State.BLOCKED)
        if paused:
            states.append(State.PAUSED)
        members.append(MemberState(member_id, name or "", business or "", phone, telegram_id, tuple(states)))
    counts = {s: sum(s in m.states for m in members) for s in STATES}
    kept = tuple(m for m in members if shown is None or shown in m.states)
    return MemberStates(cluster, month, kept, counts, len(members), shown)
