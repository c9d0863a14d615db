"""What one person's data is, where it lies, and how it goes: the copy (/dataku), the erasure
(/hapusdata, withdrawn consent) and the retention periods, as set-based statements.

A person is known by their Telegram id and, once registered, by their member row. Erasure keeps
the member row as an anonymous tombstone (no name, business, product, phone, Telegram id or
chat) when it counts in some month's figures: its joined_at and left_at keep the month's
member counts (`summary_queries.member_in_month`) and its reports keep their baselines, so no
past month's published figure changes. Where a Telegram id must stay in a NOT NULL column (an
announcement's author, a delivery's chat) it becomes ERASED_TELEGRAM_ID, which is nobody.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, case, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Announcement,
    AnnouncementResponse,
    AuditEntry,
    CatalogueWord,
    Cluster,
    ConversationState,
    CriteriaChoice,
    CriteriaSet,
    Delivery,
    Enquiry,
    MarketFollowUp,
    MarketPledge,
    MarketPreference,
    MarketRequest,
    Member,
    MonthlyReport,
    ProcessedUpdate,
    Product,
    ProductPhoto,
    ProductWord,
    ReportVersion,
    RoleGrant,
    RosterEntry,
    ShortlistEntry,
    TelegramUser,
)

# No Telegram account has id 0: it stands for "a person whose data was deleted" in the audit
# log (as actor), in announcements (as author) and in deliveries (as chat).
ERASED_TELEGRAM_ID = 0

# What a delivery's payload becomes once nobody needs its text (sent, or for an erased person).
BLANK_PAYLOAD = {"text": ""}
# Deliveries the outbox may still send (their payload is needed) are in these states.
UNSENT = ("pending", "sending")


# --- the copy ------------------------------------------------------------------------------


async def reports_with_versions(session: AsyncSession, member_id: int) -> list[tuple[MonthlyReport, list[ReportVersion]]]:
    """Every report of the member, oldest month first, each with all its versions."""
    reports = (await session.scalars(
        select(MonthlyReport).where(MonthlyReport.member_id == member_id).order_by(MonthlyReport.month)
    )).all()
    if not reports:
        return []
    versions: dict[int, list[ReportVersion]] = {r.id: [] for r in reports}
    rows = await session.scalars(
        select(ReportVersion)
        .where(ReportVersion.report_id.in_(list(versions)))
        .order_by(ReportVersion.report_id, ReportVersion.version)
    )
    for version in rows.all():
        versions[version.report_id].append(version)
    return [(r, versions[r.id]) for r in reports]


async def answers_of(session: AsyncSession, member_id: int) -> list[tuple[AnnouncementResponse, Announcement]]:
    """The member's answers to announcements (interest, attendance), with the announcement."""
    rows = await session.execute(
        select(AnnouncementResponse, Announcement)
        .join(Announcement, Announcement.id == AnnouncementResponse.announcement_id)
        .where(AnnouncementResponse.member_id == member_id)
        .order_by(AnnouncementResponse.answered_at, AnnouncementResponse.id)
    )
    return [(response, announcement) for response, announcement in rows.all()]


def _about(telegram_user_id: int, member_id: int | None) -> Any:
    subjects = [str(telegram_user_id)] + ([f"member:{member_id}"] if member_id is not None else [])
    return or_(AuditEntry.actor_telegram_user_id == telegram_user_id, AuditEntry.subject.in_(subjects))


async def audit_about(session: AsyncSession, telegram_user_id: int, member_id: int | None) -> Sequence[AuditEntry]:
    """Audit entries the person did or that are about them (their member row, their roles)."""
    query = select(AuditEntry).where(_about(telegram_user_id, member_id)).order_by(AuditEntry.id)
    return (await session.scalars(query)).all()


async def messages_sent_to(session: AsyncSession, chat_id: int | None, member_id: int | None) -> dict[str, int]:
    """How many outbox messages of each kind were addressed to the person."""
    conditions = []
    if chat_id is not None:
        conditions.append(Delivery.chat_id == chat_id)
    if member_id is not None:
        conditions.append(Delivery.member_id == member_id)
    if not conditions:
        return {}
    rows = await session.execute(
        select(Delivery.kind, func.count()).where(or_(*conditions)).group_by(Delivery.kind).order_by(Delivery.kind)
    )
    return {kind: int(n) for kind, n in rows.all()}


async def roster_rows_for(session: AsyncSession, phone: str | None, member_id: int | None) -> Sequence[tuple[RosterEntry, str]]:
    """Rows of the Dinas's imported lists about the person (the same phone, or claimed by them)."""
    conditions = []
    if phone:
        conditions.append(RosterEntry.phone == phone)
    if member_id is not None:
        conditions.append(RosterEntry.claimed_member_id == member_id)
    if not conditions:
        return []
    rows = await session.execute(
        select(RosterEntry, Cluster.name)
        .join(Cluster, Cluster.id == RosterEntry.cluster_id)
        .where(or_(*conditions))
        .order_by(RosterEntry.id)
    )
    return [(entry, name) for entry, name in rows.all()]


async def catalogue_of(
    session: AsyncSession, member_id: int | None, telegram_user_id: int
) -> tuple[Sequence[Product], dict[int, int], Sequence[Enquiry]]:
    """The person's products (with how many photos each) and every enquiry they are a party
    to, as the member asked or as the buyer who asked."""
    products: Sequence[Product] = []
    photos: dict[int, int] = {}
    if member_id is not None:
        products = (await session.execute(select(Product).where(Product.member_id == member_id).order_by(Product.id))).scalars().all()
        counted = await session.execute(
            select(ProductPhoto.product_id, func.count()).where(ProductPhoto.product_id.in_([p.id for p in products]))
            .group_by(ProductPhoto.product_id)
        )
        photos = {pid: n for pid, n in counted.all()}
    parties = [Enquiry.buyer_telegram_id == telegram_user_id]
    if member_id is not None:
        parties.append(Enquiry.member_id == member_id)
    enquiries = (await session.execute(select(Enquiry).where(or_(*parties)).order_by(Enquiry.id))).scalars().all()
    return products, photos, enquiries


async def erase_catalogue(session: AsyncSession, member_id: int | None, telegram_user_id: int) -> int:
    """Delete the person's products (photos and index rows with them), every enquiry they are
    a party to, and the enquiry notices still held about those; returns rows deleted."""
    async def run(statement: Any) -> int:
        return (await session.execute(statement.execution_options(synchronize_session=False))).rowcount or 0

    _, _, enquiries = await catalogue_of(session, member_id, telegram_user_id)
    deleted = 0
    for enquiry in enquiries:
        deleted += await run(delete(Delivery).where(Delivery.dedupe_key.like(f"enq:{enquiry.id}:%")))
    deleted += await run(delete(Enquiry).where(Enquiry.id.in_([e.id for e in enquiries])))
    # A chair who opened the draft of a larger enquiry: it waits for another chair, unnamed.
    await run(update(Enquiry).where(Enquiry.draft_by == telegram_user_id, Enquiry.draft_state == "opened")
              .values(draft_state="waiting", draft_by=None))
    await run(update(Enquiry).where(Enquiry.draft_by == telegram_user_id).values(draft_by=None))
    if member_id is not None:
        ids = [p for p in (await session.execute(select(Product.id).where(Product.member_id == member_id))).scalars()]
        if ids:
            held = (await session.execute(select(ProductWord.word).where(ProductWord.product_id.in_(ids)))).scalars().all()
            await run(delete(ProductWord).where(ProductWord.product_id.in_(ids)))
            for word in held:
                await run(update(CatalogueWord).where(CatalogueWord.word == word).values(products=CatalogueWord.products - 1))
            await run(delete(CatalogueWord).where(CatalogueWord.products <= 0))
            deleted += await run(delete(ProductPhoto).where(ProductPhoto.product_id.in_(ids)))
            deleted += await run(delete(Product).where(Product.id.in_(ids)))
    return deleted
async def criteria_of(session: AsyncSession, telegram_user_id: int) -> dict[str, Any]:
    """A koordinator's own criteria work: the sets they saved, the set they rank by, their shortlist."""
    made = (await session.scalars(
        select(CriteriaSet).where(CriteriaSet.created_by == telegram_user_id).order_by(CriteriaSet.id)
    )).all()
    chosen = await session.scalar(
        select(CriteriaSet).join(CriteriaChoice, CriteriaChoice.criteria_set_id == CriteriaSet.id)
        .where(CriteriaChoice.telegram_user_id == telegram_user_id)
    )
    listed = (await session.execute(
        select(ShortlistEntry, Cluster.name).join(Cluster, Cluster.id == ShortlistEntry.cluster_id)
        .where(ShortlistEntry.owner_telegram_user_id == telegram_user_id).order_by(ShortlistEntry.id)
    )).all()
    return {
        "made": [(s.name, s.version, dict(s.weights or {}), s.created_at) for s in made],
        "chosen": (chosen.name, chosen.version) if chosen is not None else None,
        "shortlist": [(name, e.note, e.added_at) for e, name in listed],
    }


async def count_reports(session: AsyncSession, member_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(MonthlyReport).where(MonthlyReport.member_id == member_id)
    ) or 0)


async def count_answers(session: AsyncSession, member_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(AnnouncementResponse).where(AnnouncementResponse.member_id == member_id)
    ) or 0)


# --- the erasure ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed and kept (counts only: the audit log records these)."""

    member_kept_anonymous: bool
    member_deleted: bool
    reports_kept: int
    answers_deleted: int
    roles_removed: int
    roster_rows_deleted: int
    other_rows: int

    @property
    def anything(self) -> bool:
        return bool(
            self.member_kept_anonymous or self.member_deleted or self.answers_deleted
            or self.roles_removed or self.roster_rows_deleted or self.other_rows
        )


async def anonymise_member(session: AsyncSession, member_id: int, telegram_user_id: int, now: datetime) -> bool:
    """Strip the member row of everything that names the person, once: the condition on the
    Telegram id is the claim (a second press, or a second instance, changes no row)."""
    result = await session.execute(
        update(Member)
        .where(Member.id == member_id, Member.telegram_user_id == telegram_user_id)
        .values(
            telegram_user_id=None, chat_id=None, name=None, business_name=None, main_product=None, phone=None,
            # The membership ends now: past months keep counting the member, later ones do not.
            left_at=func.coalesce(Member.left_at, now),
            announcements_paused=True, blocked_at=None, updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def erase_person(
    session: AsyncSession,
    telegram_user_id: int,
    *,
    member_id: int | None,
    chat_id: int | None,
    phone: str | None,
    name: str | None,
    keep_member: bool,
    now: datetime,
) -> Erasure:
    """Delete or unlink every row that names the person; the member row (already anonymised
    by `anonymise_member` when `keep_member`) is deleted outright when nothing counts it."""
    tg = telegram_user_id
    chats = {c for c in (chat_id, tg) if c is not None}
    answers = roster = other = 0
    reports_kept = 0
    member_deleted = False

    async def run(statement: Any) -> int:
        return (await session.execute(statement.execution_options(synchronize_session=False))).rowcount or 0

    # Products, photos and enquiries (as member or as buyer) go first and entirely.
    other += await erase_catalogue(session, member_id, tg)
    if member_id is not None:
        reports_kept = await count_reports(session, member_id)
        # The reports stay in the aggregates; the member's own words about a month do not.
        await run(update(MonthlyReport).where(MonthlyReport.member_id == member_id).values(note=None))
        answers = await run(delete(AnnouncementResponse).where(AnnouncementResponse.member_id == member_id))
        # Notices to other people that carry the person's name or phone: a join request to
        # the approvers, "Peminat baru" to an author, the decision on their request.
        other += await run(delete(Delivery).where(or_(
            Delivery.dedupe_key.like(f"joinreq:{member_id}:%"),
            Delivery.dedupe_key.like(f"interest:%:{member_id}"),
            Delivery.dedupe_key == f"decision:{member_id}",
            # Every notice to an author naming the member (a pledge, a change, a withdrawn interest).
            Delivery.dedupe_key.like(f"lead:{member_id}:%"),
        )))
        # Market requests: a pledge on a request still open is withdrawn (the author could not
        # reach anyone behind it); pledges, parts and answers of closed requests stay in the
        # figures, linked to nobody. The preference goes.
        open_requests = select(MarketRequest.id).where(MarketRequest.status == "open")
        other += await run(
            update(MarketPledge)
            .where(MarketPledge.member_id == member_id, MarketPledge.status == "active", MarketPledge.request_id.in_(open_requests))
            .values(status="withdrawn", updated_at=now)
        )
        other += await run(update(MarketPledge).where(MarketPledge.member_id == member_id).values(member_id=None))
        other += await run(delete(MarketPreference).where(MarketPreference.member_id == member_id))
    listed = [RosterEntry.phone == phone] if phone else []
    if member_id is not None:
        listed.append(RosterEntry.claimed_member_id == member_id)
    if listed:
        roster = await run(delete(RosterEntry).where(or_(*listed)))
    # Messages to the person: the row stays (an announcement's counts read it) but says
    # nothing and goes nowhere; what was still waiting is not sent.
    to_them = [Delivery.chat_id.in_(sorted(chats))]
    if member_id is not None:
        to_them.append(Delivery.member_id == member_id)
    # An announcement's copy not yet sent is counted as cancelled, so its progress (which reads
    # the counters, not the deliveries) still ends.
    waiting = await session.execute(
        select(Delivery.announcement_id, func.count())
        .where(or_(*to_them), Delivery.status == "pending", Delivery.kind == "announcement",
               Delivery.announcement_id.is_not(None))
        .group_by(Delivery.announcement_id)
    )
    for announcement_id, count in waiting.all():
        await run(update(Announcement).where(Announcement.id == announcement_id)
                  .values(cancelled_count=Announcement.cancelled_count + count))
    other += await run(
        update(Delivery).where(or_(*to_them)).values(
            chat_id=ERASED_TELEGRAM_ID, member_id=None, payload=BLANK_PAYLOAD, telegram_message_id=None,
            last_error=None, status=case((Delivery.status == "pending", "cancelled"), else_=Delivery.status),
        )
    )
    # Copies of messages already sent to others that name the person (a missing list, an
    # interest notice): the text is no longer needed by anyone.
    mentions = [m for m in (name, phone) if m and len(m) >= 3]
    if mentions:
        as_text = cast(Delivery.payload, Text)
        patterns = {p for m in mentions for p in (m, json.dumps(m)[1:-1])}  # raw and JSON-escaped
        other += await run(
            update(Delivery)
            .where(Delivery.status.not_in(UNSENT), or_(*[as_text.contains(p, autoescape=True) for p in sorted(patterns)]))
            .values(payload=BLANK_PAYLOAD)
        )
    # A chair's appointment notice is keyed by the chair's Telegram id.
    await run(update(Delivery).where(Delivery.dedupe_key.like(f"chair:%:{tg}:%")).values(dedupe_key=None))
    other += await run(
        update(Announcement).where(Announcement.author_telegram_user_id == tg)
        .values(author_telegram_user_id=ERASED_TELEGRAM_ID, author_language=None)
    )
    other += await run(
        update(MarketRequest).where(MarketRequest.author_telegram_user_id == tg)
        .values(author_telegram_user_id=ERASED_TELEGRAM_ID, author_language=None)
    )
    # Follow-up answers stay in the figures; who gave them does not.
    asked = [MarketFollowUp.telegram_user_id == tg]
    if member_id is not None:
        asked.append(MarketFollowUp.member_id == member_id)
    other += await run(update(MarketFollowUp).where(or_(*asked)).values(telegram_user_id=None, member_id=None))
    # A koordinator's shortlist and chosen set are theirs alone; the sets they saved stay for the
    # other koordinator, made by nobody.
    other += await run(delete(ShortlistEntry).where(ShortlistEntry.owner_telegram_user_id == tg))
    other += await run(delete(CriteriaChoice).where(CriteriaChoice.telegram_user_id == tg))
    other += await run(update(CriteriaSet).where(CriteriaSet.created_by == tg).values(created_by=ERASED_TELEGRAM_ID))
    roles = await run(delete(RoleGrant).where(RoleGrant.telegram_user_id == tg))
    other += await run(update(RoleGrant).where(RoleGrant.granted_by == tg).values(granted_by=None))
    other += await run(update(Member).where(Member.decided_by == tg).values(decided_by=None))
    other += await run(delete(TelegramUser).where(TelegramUser.telegram_user_id == tg))
    other += await run(delete(ConversationState).where(ConversationState.telegram_user_id == tg))
    # The memory of handled updates names the chat (a message) or the presser (a button).
    await run(delete(ProcessedUpdate).where(or_(
        *[ProcessedUpdate.fingerprint.like(f"m{c}:%") for c in sorted(chats)],
        ProcessedUpdate.fingerprint.like(f"q%:{tg}"),
    )))
    # The audit trail stays, without the person's Telegram id: what they did is done by the
    # erased person, what was about their roles is about the anonymous member row.
    await run(update(AuditEntry).where(AuditEntry.actor_telegram_user_id == tg)
              .values(actor_telegram_user_id=ERASED_TELEGRAM_ID))
    await run(update(AuditEntry).where(AuditEntry.subject == str(tg))
              .values(subject=f"member:{member_id}" if member_id is not None and keep_member else None))
    if member_id is not None and not keep_member:
        member_deleted = await run(delete(Member).where(Member.id == member_id)) == 1
    return Erasure(
        member_kept_anonymous=member_id is not None and keep_member,
        member_deleted=member_deleted,
        reports_kept=reports_kept if keep_member else 0,
        answers_deleted=answers,
        roles_removed=roles,
        roster_rows_deleted=roster,
        other_rows=other,
    )


# --- retention -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Forgotten:
    updates: int
    drafts: int
    roster_rows: int
    message_copies: int


async def forget_expired(
    session: AsyncSession,
    *,
    updates_before: datetime,
    drafts_before: datetime,
    roster_before: datetime,
    copies_before: datetime,
) -> Forgotten:
    """Delete handled-update ids, unfinished conversation drafts and never-claimed roster rows
    older than their moments, and blank the text of messages sent (or given up) before theirs:
    the row stays for the counts, the copy of the text (names in a missing list, a phone in an
    interest notice) does not."""
    updates = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < updates_before))
    drafts = await session.execute(delete(ConversationState).where(ConversationState.updated_at < drafts_before))
    roster = await session.execute(delete(RosterEntry).where(and_(
        RosterEntry.claimed_member_id.is_(None), RosterEntry.imported_at < roster_before
    )))
    copies = await session.execute(
        update(Delivery)
        .where(
            Delivery.status.not_in(UNSENT),
            Delivery.created_at < copies_before,
            cast(Delivery.payload, Text) != json.dumps(BLANK_PAYLOAD),
        )
        .values(payload=BLANK_PAYLOAD)
    )
    return Forgotten(updates.rowcount or 0, drafts.rowcount or 0, roster.rowcount or 0, copies.rowcount or 0)
