"""Market requests, pledges, follow-ups and preferences: small query objects (no commits) and
the set-based sums behind the "Peluang pasar" figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import (
    Announcement,
    AnnouncementCluster,
    AnnouncementResponse,
    MarketFollowUp,
    MarketPledge,
    MarketPreference,
    MarketRequest,
    MarketRequestCluster,
    Member,
)
from db.sql import Prepared, dialect_insert

ACTIVE = "active"
WITHDRAWN = "withdrawn"



# Asked after every report: built once (db.sql.Prepared).
_PAID_UNSETTLED = Prepared(lambda _dialect: select(MarketFollowUp).where(
    MarketFollowUp.member_id == bindparam("member_id"), MarketFollowUp.month == bindparam("month"),
    MarketFollowUp.role == "member", MarketFollowUp.value > 0, MarketFollowUp.omzet_answer.is_(None),
).order_by(MarketFollowUp.id))

class Requests:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- requests ---------------------------------------------------------------------------

    async def add(self, request: MarketRequest, cluster_ids: Sequence[int]) -> MarketRequest:
        self.session.add(request)
        await self.session.flush()
        for cluster_id in cluster_ids:
            self.session.add(MarketRequestCluster(request_id=request.id, cluster_id=cluster_id, recipients=0))
        await self.session.flush()
        return request

    async def get(self, request_id: int) -> MarketRequest | None:
        return await self.session.get(MarketRequest, request_id)

    async def from_draft(self, key: str) -> MarketRequest | None:
        return await self.session.scalar(select(MarketRequest).where(MarketRequest.draft_key == key))

    async def cluster_ids(self, request_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(MarketRequestCluster.cluster_id).where(MarketRequestCluster.request_id == request_id)
        )
        return list(rows.all())

    async def set_recipients(self, request_id: int, counts: dict[int, int]) -> None:
        for cluster_id, n in counts.items():
            await self.session.execute(
                update(MarketRequestCluster)
                .where(MarketRequestCluster.request_id == request_id, MarketRequestCluster.cluster_id == cluster_id)
                .values(recipients=n)
            )

    async def close(self, request_id: int, now: datetime, month: str) -> bool:
        """open -> closed, once (the condition is the claim)."""
        result = await self.session.execute(
            update(MarketRequest)
            .where(MarketRequest.id == request_id, MarketRequest.status == "open")
            .values(status="closed", closed_at=now, closed_month=month)
        )
        return result.rowcount == 1

    async def allocate(self, request_id: int, now: datetime, month: str) -> bool:
        """open or closed -> allocated, once; an open request is closed by it at the same moment."""
        result = await self.session.execute(
            update(MarketRequest)
            .where(MarketRequest.id == request_id, MarketRequest.status.in_(("open", "closed")))
            .values(
                status="allocated", allocated_at=now, allocated_month=month,
                closed_at=func.coalesce(MarketRequest.closed_at, now),
                closed_month=func.coalesce(MarketRequest.closed_month, month),
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    # --- pledges ----------------------------------------------------------------------------

    async def pledge_of(self, request_id: int, member_id: int) -> MarketPledge | None:
        # populate_existing: the row may have been changed by a statement since it was loaded.
        return await self.session.scalar(
            select(MarketPledge)
            .where(MarketPledge.request_id == request_id, MarketPledge.member_id == member_id)
            .execution_options(populate_existing=True)
        )

    async def upsert_pledge(
        self, request_id: int, member_id: int, cluster_id: int, quantity: int, ready_by: date | None, now: datetime
    ) -> int | None:
        """One pledge per member: insert, or change the one there. The unique constraint decides,
        so a double press or a second instance never adds a second; the same quantity again
        changes nothing (its condition). Returns the new version, or None when nothing changed."""
        insert = dialect_insert(self.session)(MarketPledge).values(
            request_id=request_id, member_id=member_id, cluster_id=cluster_id, quantity=quantity,
            ready_by=ready_by, status=ACTIVE, version=1, created_at=now, updated_at=now,
        )
        statement = insert.on_conflict_do_update(
            index_elements=["request_id", "member_id"],
            set_={
                "quantity": insert.excluded.quantity,
                "ready_by": insert.excluded.ready_by,
                "status": ACTIVE,
                "version": MarketPledge.version + 1,
                "updated_at": now,
            },
            where=(MarketPledge.quantity != insert.excluded.quantity) | (MarketPledge.status != ACTIVE),
        ).returning(MarketPledge.version)
        version = (await self.session.execute(statement)).scalar_one_or_none()
        return int(version) if version is not None else None

    async def withdraw(self, request_id: int, member_id: int, now: datetime) -> int | None:
        """active -> withdrawn, once; the new version, or None when there was nothing to withdraw."""
        row = (await self.session.execute(
            update(MarketPledge)
            .where(MarketPledge.request_id == request_id, MarketPledge.member_id == member_id, MarketPledge.status == ACTIVE)
            .values(status=WITHDRAWN, version=MarketPledge.version + 1, updated_at=now)
            .returning(MarketPledge.version)
            .execution_options(synchronize_session=False)
        )).first()
        return int(row[0]) if row is not None else None

    async def fill(self, request_id: int) -> tuple[int, int]:
        """(total pledged, members pledging), from the pledges themselves: always right."""
        row = (await self.session.execute(
            select(func.coalesce(func.sum(MarketPledge.quantity), 0), func.count())
            .where(MarketPledge.request_id == request_id, MarketPledge.status == ACTIVE)
        )).one()
        return int(row[0]), int(row[1])

    async def pledges(self, request_id: int) -> list[tuple[MarketPledge, Member | None]]:
        """Active pledges, oldest first, with their member (None once erased)."""
        rows = await self.session.execute(
            select(MarketPledge, Member)
            .outerjoin(Member, Member.id == MarketPledge.member_id)
            .options(selectinload(Member.cluster))
            .where(MarketPledge.request_id == request_id, MarketPledge.status == ACTIVE)
            .order_by(MarketPledge.created_at, MarketPledge.id)
            .execution_options(populate_existing=True)
        )
        return [(p, m) for p, m in rows.all()]

    async def set_part(self, pledge_id: int, part: int) -> None:
        await self.session.execute(update(MarketPledge).where(MarketPledge.id == pledge_id).values(allocated=part))

    async def confirm_part(self, request_id: int, member_id: int, answer: str, now: datetime) -> bool:
        """The member's answer to their part, once."""
        result = await self.session.execute(
            update(MarketPledge)
            .where(
                MarketPledge.request_id == request_id, MarketPledge.member_id == member_id,
                MarketPledge.status == ACTIVE, MarketPledge.allocated > 0, MarketPledge.confirmation.is_(None),
            )
            .values(confirmation=answer, confirmed_at=now)
        )
        return result.rowcount == 1

    # --- follow-ups -------------------------------------------------------------------------

    async def due_requests(self, deadline_before: date, round_: int) -> Sequence[MarketRequest]:
        """Requests whose deadline is on or before the day given and whose round is not asked yet."""
        asked = exists().where(
            MarketFollowUp.request_id == MarketRequest.id, MarketFollowUp.round == round_, MarketFollowUp.role == "author"
        )
        query = select(MarketRequest).where(MarketRequest.deadline <= deadline_before, ~asked).order_by(MarketRequest.id)
        return (await self.session.scalars(query)).all()

    async def due_opportunities(self, sent_before: datetime, round_: int) -> Sequence[Announcement]:
        """Plain *peluang pasar* sent before the moment given, with interest, not asked this round."""
        asked = exists().where(
            MarketFollowUp.announcement_id == Announcement.id, MarketFollowUp.round == round_, MarketFollowUp.role == "author"
        )
        interest = exists().where(AnnouncementResponse.announcement_id == Announcement.id, AnnouncementResponse.answer == "tertarik")
        query = select(Announcement).where(
            Announcement.kind == "peluang", Announcement.status.in_(("sending", "done")),
            Announcement.created_at <= sent_before, interest, ~asked,
        ).order_by(Announcement.id)
        return (await self.session.scalars(query)).all()

    async def interested(self, announcement_id: int) -> list[Member]:
        rows = await self.session.scalars(
            select(Member)
            .options(selectinload(Member.cluster))
            .join(AnnouncementResponse, AnnouncementResponse.member_id == Member.id)
            .where(AnnouncementResponse.announcement_id == announcement_id, AnnouncementResponse.answer == "tertarik")
            .order_by(Member.id)
        )
        return list(rows.all())

    async def announcement_cluster_ids(self, announcement_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(AnnouncementCluster.cluster_id).where(AnnouncementCluster.announcement_id == announcement_id)
        )
        return list(rows.all())

    async def followups_of(self, *, request_id: int | None = None, announcement_id: int | None = None) -> Sequence[MarketFollowUp]:
        condition = MarketFollowUp.request_id == request_id if request_id is not None else MarketFollowUp.announcement_id == announcement_id
        return (await self.session.scalars(select(MarketFollowUp).where(condition).order_by(MarketFollowUp.id))).all()

    async def add_followups(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert the questions not asked yet (by key); the ids of those added."""
        if not rows:
            return []
        statement = (
            dialect_insert(self.session)(MarketFollowUp).values(rows)
            .on_conflict_do_nothing(index_elements=["key"]).returning(MarketFollowUp.id, MarketFollowUp.key)
        )
        return [row[0] for row in (await self.session.execute(statement)).all()]

    async def followup(self, followup_id: int) -> MarketFollowUp | None:
        return await self.session.get(MarketFollowUp, followup_id)

    async def answer_followup(self, followup_id: int, values: dict[str, Any]) -> bool:
        """Record the answer once: a second press or instance finds it answered."""
        result = await self.session.execute(
            update(MarketFollowUp)
            .where(MarketFollowUp.id == followup_id, MarketFollowUp.answer.is_(None))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def paid_unsettled(self, member_id: int, month: str) -> Sequence[MarketFollowUp]:
        """Payments the member reported for the month whose place in the omzet is not known yet."""
        return (await self.session.scalars(
            _PAID_UNSETTLED(self.session), {"member_id": member_id, "month": month}
        )).all()

    async def set_omzet_answer(self, followup_id: int, member_id: int, answer: str) -> bool:
        """The answer to "is it included in your omzet?", once."""
        result = await self.session.execute(
            update(MarketFollowUp)
            .where(MarketFollowUp.id == followup_id, MarketFollowUp.member_id == member_id, MarketFollowUp.omzet_answer.is_(None))
            .values(omzet_answer=answer)
        )
        return result.rowcount == 1

    # --- preferences ------------------------------------------------------------------------

    async def only_my_products(self, member_id: int) -> bool:
        return bool(await self.session.scalar(
            select(MarketPreference.only_my_products).where(MarketPreference.member_id == member_id)
        ))

    async def set_only_my_products(self, member_id: int, value: bool, now: datetime) -> None:
        insert = dialect_insert(self.session)(MarketPreference).values(member_id=member_id, only_my_products=value, updated_at=now)
        await self.session.execute(
            insert.on_conflict_do_update(index_elements=["member_id"], set_={"only_my_products": value, "updated_at": now})
        )


# --- the "Peluang pasar" figures ------------------------------------------------------------


async def month_figures(session: AsyncSession, month: str, cluster_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per cluster, the month's sums: requests posted and members reached, pledges at closing,
    parts at allocation, deliveries and payments answered, deals recorded (with the members
    allocated behind each). Each counts in the month of its event, written once."""
    ids = list(cluster_ids)
    out: dict[int, dict[str, Any]] = {
        c: {"requests": 0, "reached": 0, "pledged": {}, "pledgers": 0, "allocated": {}, "allocated_members": 0,
            "delivered": {}, "answered": 0, "paid": 0, "paid_in_omzet": 0, "deals": 0, "deal_value": 0, "deal_members": 0}
        for c in ids
    }
    if not ids:
        return out
    rows = await session.execute(
        select(MarketRequestCluster.cluster_id, func.count(), func.coalesce(func.sum(MarketRequestCluster.recipients), 0))
        .join(MarketRequest, MarketRequest.id == MarketRequestCluster.request_id)
        .where(MarketRequest.created_month == month, MarketRequestCluster.cluster_id.in_(ids))
        .group_by(MarketRequestCluster.cluster_id)
    )
    for cluster_id, n, reached in rows.all():
        out[cluster_id]["requests"], out[cluster_id]["reached"] = int(n), int(reached)
    closed = await session.execute(
        select(MarketPledge.cluster_id, MarketRequest.unit, func.sum(MarketPledge.quantity), func.count())
        .join(MarketRequest, MarketRequest.id == MarketPledge.request_id)
        .where(MarketRequest.closed_month == month, MarketPledge.status == ACTIVE, MarketPledge.cluster_id.in_(ids))
        .group_by(MarketPledge.cluster_id, MarketRequest.unit)
    )
    for cluster_id, unit, total, n in closed.all():
        out[cluster_id]["pledged"][unit] = int(total)
        out[cluster_id]["pledgers"] += int(n)
    parts = await session.execute(
        select(MarketPledge.cluster_id, MarketRequest.unit, func.sum(MarketPledge.allocated), func.count())
        .join(MarketRequest, MarketRequest.id == MarketPledge.request_id)
        .where(MarketRequest.allocated_month == month, MarketPledge.status == ACTIVE, MarketPledge.allocated > 0,
               MarketPledge.cluster_id.in_(ids))
        .group_by(MarketPledge.cluster_id, MarketRequest.unit)
    )
    for cluster_id, unit, total, n in parts.all():
        out[cluster_id]["allocated"][unit] = int(total)
        out[cluster_id]["allocated_members"] += int(n)
    answers = await session.execute(
        select(
            MarketFollowUp.cluster_id, MarketRequest.unit, func.count(),
            func.coalesce(func.sum(MarketFollowUp.delivered), 0), func.coalesce(func.sum(MarketFollowUp.value), 0),
            func.coalesce(func.sum(case((MarketFollowUp.omzet_answer == "included", MarketFollowUp.value), else_=0)), 0),
        )
        .outerjoin(MarketRequest, MarketRequest.id == MarketFollowUp.request_id)
        .where(MarketFollowUp.role == "member", MarketFollowUp.answer == "answered", MarketFollowUp.month == month,
               MarketFollowUp.cluster_id.in_(ids))
        .group_by(MarketFollowUp.cluster_id, MarketRequest.unit)
    )
    for cluster_id, unit, n, delivered, paid, included in answers.all():
        entry = out[cluster_id]
        entry["answered"] += int(n)
        entry["paid"] += int(paid)
        entry["paid_in_omzet"] += int(included)
        if unit is not None and delivered:
            entry["delivered"][unit] = entry["delivered"].get(unit, 0) + int(delivered)
    # Deals: the value shared among the clusters by what their members were allocated (or, for
    # a plain peluang, by how many of their members were interested).
    deals = (await session.execute(
        select(MarketFollowUp.request_id, MarketFollowUp.announcement_id, MarketFollowUp.value)
        .where(MarketFollowUp.role == "author", MarketFollowUp.answer == "deal", MarketFollowUp.month == month)
    )).all()
    for request_id, announcement_id, value in deals:
        if request_id is not None:
            weights = (await session.execute(
                select(MarketPledge.cluster_id, func.sum(MarketPledge.allocated), func.count())
                .where(MarketPledge.request_id == request_id, MarketPledge.status == ACTIVE, MarketPledge.allocated > 0)
                .group_by(MarketPledge.cluster_id)
            )).all()
        else:
            weights = (await session.execute(
                select(Member.cluster_id, func.count(), func.count())
                .join(AnnouncementResponse, AnnouncementResponse.member_id == Member.id)
                .where(AnnouncementResponse.announcement_id == announcement_id, AnnouncementResponse.answer == "tertarik")
                .group_by(Member.cluster_id)
            )).all()
        shares = share_out(int(value or 0), {int(c): int(w) for c, w, _ in weights})
        for cluster_id, _, n in weights:
            if cluster_id in out:
                out[cluster_id]["deals"] += 1
                out[cluster_id]["deal_value"] += shares.get(cluster_id, 0)
                out[cluster_id]["deal_members"] += int(n)
    return out


def share_out(total: int, weights: dict[int, int]) -> dict[int, int]:
    """`total` split by `weights` in whole units (largest remainder; ties to the smaller key)."""
    whole = sum(weights.values())
    if whole <= 0:
        return {}
    floors = {k: total * w // whole for k, w in weights.items()}
    left = total - sum(floors.values())
    order = sorted(weights, key=lambda k: (-(total * weights[k] % whole), k))
    for k in order[:left]:
        floors[k] += 1
    return floors


# --- one person's rows (/dataku, /hapusdata) ----------------------------------------------


async def pledges_of_member(session: AsyncSession, member_id: int) -> list[tuple[MarketPledge, MarketRequest]]:
    rows = await session.execute(
        select(MarketPledge, MarketRequest)
        .join(MarketRequest, MarketRequest.id == MarketPledge.request_id)
        .where(MarketPledge.member_id == member_id)
        .order_by(MarketPledge.id)
    )
    return [(p, r) for p, r in rows.all()]


async def followups_of_person(session: AsyncSession, telegram_user_id: int, member_id: int | None) -> Sequence[MarketFollowUp]:
    condition = MarketFollowUp.telegram_user_id == telegram_user_id
    if member_id is not None:
        condition = condition | (MarketFollowUp.member_id == member_id)
    return (await session.scalars(select(MarketFollowUp).where(condition).order_by(MarketFollowUp.id))).all()


async def requests_by(session: AsyncSession, telegram_user_id: int) -> Sequence[MarketRequest]:
    return (await session.scalars(
        select(MarketRequest).where(MarketRequest.author_telegram_user_id == telegram_user_id).order_by(MarketRequest.id)
    )).all()


__all__ = ["Requests", "month_figures", "share_out", "pledges_of_member", "followups_of_person", "requests_by"]
