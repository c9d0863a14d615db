"""Criteria sets, each koordinator's chosen set, shortlists, and the answer rates to trainings
and market opportunities that two criteria read (counts only, never amounts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Announcement,
    AnnouncementResponse,
    CriteriaChoice,
    CriteriaSet,
    Delivery,
    Member,
    ShortlistEntry,
)
from db.sql import dialect_insert


async def all_sets(session: AsyncSession) -> Sequence[CriteriaSet]:
    """Every version of every set, newest first."""
    return (await session.scalars(select(CriteriaSet).order_by(CriteriaSet.created_at.desc(), CriteriaSet.id.desc()))).all()


async def get_set(session: AsyncSession, set_id: int) -> CriteriaSet | None:
    return await session.get(CriteriaSet, set_id)


async def latest_version(session: AsyncSession, name_key: str) -> int:
    found = await session.scalar(select(func.max(CriteriaSet.version)).where(CriteriaSet.name_key == name_key))
    return int(found or 0)


async def add_set(session: AsyncSession, row: CriteriaSet) -> CriteriaSet:
    session.add(row)
    await session.flush()
    return row


async def choice_of(session: AsyncSession, telegram_user_id: int) -> int | None:
    return await session.scalar(
        select(CriteriaChoice.criteria_set_id).where(CriteriaChoice.telegram_user_id == telegram_user_id)
    )


async def choose(session: AsyncSession, telegram_user_id: int, set_id: int, now: datetime) -> None:
    statement = dialect_insert(session)(CriteriaChoice).values(
        telegram_user_id=telegram_user_id, criteria_set_id=set_id, chosen_at=now
    )
    await session.execute(statement.on_conflict_do_update(
        index_elements=[CriteriaChoice.telegram_user_id],
        set_={"criteria_set_id": statement.excluded.criteria_set_id, "chosen_at": statement.excluded.chosen_at},
    ))


async def clear_choice(session: AsyncSession, telegram_user_id: int) -> None:
    await session.execute(delete(CriteriaChoice).where(CriteriaChoice.telegram_user_id == telegram_user_id))


async def shortlist(session: AsyncSession, owner: int) -> Sequence[ShortlistEntry]:
    return (await session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.owner_telegram_user_id == owner).order_by(ShortlistEntry.added_at, ShortlistEntry.id)
    )).all()


async def add_to_shortlist(session: AsyncSession, owner: int, cluster_id: int, now: datetime) -> bool:
    """Insert once (the unique key decides a double press); False when it was there already."""
    statement = dialect_insert(session)(ShortlistEntry).values(
        owner_telegram_user_id=owner, cluster_id=cluster_id, note=None, added_at=now, updated_at=now
    ).on_conflict_do_nothing(index_elements=[ShortlistEntry.owner_telegram_user_id, ShortlistEntry.cluster_id])
    return ((await session.execute(statement)).rowcount or 0) == 1


async def remove_from_shortlist(session: AsyncSession, owner: int, cluster_id: int) -> bool:
    result = await session.execute(delete(ShortlistEntry).where(
        ShortlistEntry.owner_telegram_user_id == owner, ShortlistEntry.cluster_id == cluster_id
    ))
    return (result.rowcount or 0) == 1


async def set_note(session: AsyncSession, owner: int, cluster_id: int, note: str, now: datetime) -> bool:
    result = await session.execute(
        update(ShortlistEntry)
        .where(ShortlistEntry.owner_telegram_user_id == owner, ShortlistEntry.cluster_id == cluster_id)
        .values(note=note, updated_at=now)
    )
    return (result.rowcount or 0) == 1


async def answer_rates(
    session: AsyncSession, kind: str, answer: str, since: datetime, until: datetime, cluster_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Per cluster: (members reached, of them who answered `answer`) over the announcements of
    `kind` created in [since, until). A reached member is an announcement delivery that was
    sent to a member of the cluster; an answer counts once per member and announcement."""
    if not cluster_ids:
        return {}
    reached = (
        select(Member.cluster_id, func.count())
        .select_from(Delivery)
        .join(Announcement, Announcement.id == Delivery.announcement_id)
        .join(Member, Member.id == Delivery.member_id)
        .where(
            Delivery.kind == "announcement", Delivery.status == "sent", Announcement.kind == kind,
            Announcement.created_at >= since, Announcement.created_at < until, Member.cluster_id.in_(list(cluster_ids)),
        )
        .group_by(Member.cluster_id)
    )
    answered = (
        select(Member.cluster_id, func.count())
        .select_from(AnnouncementResponse)
        .join(Announcement, Announcement.id == AnnouncementResponse.announcement_id)
        .join(Member, Member.id == AnnouncementResponse.member_id)
        .where(
            AnnouncementResponse.answer == answer, Announcement.kind == kind,
            Announcement.created_at >= since, Announcement.created_at < until, Member.cluster_id.in_(list(cluster_ids)),
        )
        .group_by(Member.cluster_id)
    )
    sent = {int(c): int(n) for c, n in (await session.execute(reached)).all()}
    said = {int(c): int(n) for c, n in (await session.execute(answered)).all()}
    # Someone may answer from /info without a delivery row of theirs (imported, resent): never above 100 %.
    return {c: (n, min(said.get(c, 0), n)) for c, n in sent.items()}
