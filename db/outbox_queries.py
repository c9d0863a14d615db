"""Query objects for announcements and the outbox (deliveries). They never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    FIRST_IN_LINE,
    Announcement,
    AnnouncementCluster,
    AnnouncementResponse,
    Cluster,
    Delivery,
    MarketPreference,
    Member,
    TelegramUser,
    UtcDateTime,
)
from db.sql import dialect_insert


@dataclass(frozen=True)
class ClaimedDelivery:
    id: int
    chat_id: int
    payload: dict[str, Any]
    attempts: int
    member_id: int | None
    announcement_id: int | None
    first_in_line: bool = False
    kind: str = "announcement"


@dataclass(frozen=True)
class RecipientGroup:
    """Recipients of one cluster who share a language and zone (their copy is the same):
    how many have a chat, how many have none, and the first of them in member order."""

    cluster_id: int
    language: str | None
    zone: str
    reachable: int
    unreachable: int
    first_member_id: int | None


def _recipients(cluster_ids: Sequence[int], product: str | None) -> Any:
    """Active members of the clusters who have not paused announcements nor blocked the bot.
    With `product` (a market opportunity), members who asked for their own products' offers
    only count when it names their main product or their cluster's commodity."""
    query = (
        select(Member.id, Member.chat_id, Member.cluster_id, TelegramUser.language, Cluster.timezone)
        .join(Cluster, Cluster.id == Member.cluster_id)
        .outerjoin(TelegramUser, TelegramUser.telegram_user_id == Member.telegram_user_id)
        .where(
            Member.cluster_id.in_(cluster_ids),
            Member.status == "active",
            Member.announcements_paused.is_(False),
            Member.blocked_at.is_(None),
            Member.telegram_user_id.is_not(None),
        )
    )
    if product is not None:
        text_ = literal(product.casefold())
        query = query.outerjoin(MarketPreference, MarketPreference.member_id == Member.id).where(
            or_(
                MarketPreference.only_my_products.is_not(True),
                and_(func.length(func.trim(Member.main_product)) > 2, text_.contains(func.lower(func.trim(Member.main_product)))),
                text_.contains(func.lower(Cluster.commodity)),
            )
        )
    return query


class Deliveries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, rows: Iterable[dict[str, Any]]) -> int:
        rows = list(rows)
        if rows:
            # Core insert in chunks: 10,000 recipients must not build 10,000 ORM objects.
            for start in range(0, len(rows), 1000):
                await self.session.execute(insert(Delivery), rows[start : start + 1000])
        return len(rows)

    async def recipient_groups(self, cluster_ids: Sequence[int], product: str | None = None) -> list[RecipientGroup]:
        """Who a copy to the clusters' members would reach, counted per cluster, language and
        zone: a few rows however many members there are."""
        found = _recipients(cluster_ids, product).subquery("recipients")
        reachable = found.c.chat_id.is_not(None)
        query = select(
            found.c.cluster_id, found.c.language, found.c.timezone,
            func.count(found.c.chat_id), func.count() - func.count(found.c.chat_id),
            func.min(case((reachable, found.c.id))),
        ).group_by(found.c.cluster_id, found.c.language, found.c.timezone)
        return [RecipientGroup(*row) for row in (await self.session.execute(query)).all()]

    async def queue_member_copies(
        self, cluster_ids: Sequence[int], product: str | None, *, kind: str, key_prefix: str, now: datetime,
        announcement_id: int | None, payloads: Mapping[tuple[str | None, str], dict[str, Any]],
        not_before: Mapping[str, datetime],
    ) -> int:
        """One pending delivery per reachable recipient (see `recipient_groups`), keyed
        `key_prefix:member id`, written by the database from the members' rows in one
        INSERT ... SELECT: a million recipients never pass through this process, so publishing
        takes as long as the database needs to write the rows and memory stays flat. Each row
        takes its language's and zone's payload (one bound value per pair) and its zone's
        earliest moment. Returns how many rows were written."""
        found = _recipients(cluster_ids, product).where(Member.chat_id.is_not(None)).subquery("recipients")
        payload_type, moment_type = Delivery.payload.type, Delivery.not_before.type

        def same(language: str | None, zone: str) -> Any:
            spoken = found.c.language.is_(None) if language is None else found.c.language == language
            return and_(spoken, found.c.timezone == zone)

        payload = case(*[
            (same(language, zone), bindparam(f"payload_{i}", value, type_=payload_type))
            for i, ((language, zone), value) in enumerate(payloads.items())
        ])
        moment = case(*[
            (found.c.timezone == zone, bindparam(f"not_before_{i}", value, type_=moment_type))
            for i, (zone, value) in enumerate(not_before.items())
        ])
        # Only the pairs counted a moment ago: a member who joined since in a language not
        # rendered waits for the next announcement rather than getting an empty row.
        rendered = or_(*[same(language, zone) for language, zone in payloads])
        rows = select(
            literal(kind, String), literal(f"{key_prefix}:", String) + cast(found.c.id, String),
            bindparam("announcement_id", announcement_id, type_=Delivery.announcement_id.type),
            found.c.id, found.c.chat_id, payload, literal("pending", String), literal(0), moment,
            bindparam("created_at", now, type_=Delivery.created_at.type),
        ).where(rendered).order_by(found.c.id)
        columns = ["kind", "dedupe_key", "announcement_id", "member_id", "chat_id", "payload", "status", "attempts",
                   "not_before", "created_at"]
        result = await self.session.execute(insert(Delivery).from_select(columns, rows))
        return result.rowcount

    async def add_new(self, rows: Iterable[dict[str, Any]]) -> int:
        """Insert the rows whose dedupe_key is not there yet; returns how many were added.

        The unique key decides, not a reading before the insert: two transactions queueing
        the same messages at once (a double tap, a second instance) add each row once, and
        the second finds nothing left to add instead of failing on the constraint.
        """
        rows = list(rows)
        added = 0
        # Multi-row VALUES: 500 rows x 10 columns stays far below either driver's bind limit.
        for start in range(0, len(rows), 500):
            statement = (
                dialect_insert(self.session)(Delivery)
                .values(rows[start : start + 500])
                .on_conflict_do_nothing(index_elements=["dedupe_key"])
                .returning(Delivery.id)
            )
            added += len((await self.session.execute(statement)).all())
        return added

    async def existing_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            found.update(
                (await self.session.scalars(select(Delivery.dedupe_key).where(Delivery.dedupe_key.in_(chunk)))).all()
            )
        return found

    async def claim_due(self, now: datetime, limit: int, worker: str) -> list[ClaimedDelivery]:
        """Take up to `limit` due rows for this worker; other workers skip them (PostgreSQL).

        Due retries and notices come first: in due order alone they would wait behind every
        first attempt of a big send (those are all due since it was sent), and a member whose
        message met a 5xx, or a chair asked to approve a joiner, would hear of it only at the
        end, maybe an hour later at 30 messages a second.
        """
        dialect = self.session.bind.dialect.name
        if dialect == "sqlite":
            # SQLite keeps no statistics to prefer the small partial index over the big one: name it.
            retries = (
                select(literal_column("id"))
                .select_from(text("deliveries INDEXED BY ix_deliveries_first_in_line"))
                .where(text(FIRST_IN_LINE), literal_column("not_before") <= bindparam("now", now, type_=UtcDateTime))
                .order_by(literal_column("not_before"), literal_column("id"))
                .limit(limit)
            )
        else:
            retries = (
                select(Delivery.id)
                .where(text(FIRST_IN_LINE), Delivery.not_before <= now)
                .order_by(Delivery.not_before, Delivery.id)
                .limit(limit)
            )
        due = (
            select(Delivery.id)
            .where(Delivery.status == "pending", Delivery.not_before <= now)
            .order_by(Delivery.not_before, Delivery.id)
            .limit(limit)
        )
        if dialect == "postgresql":
            retries = retries.with_for_update(skip_locked=True)
            due = due.with_for_update(skip_locked=True)
        ids = list((await self.session.scalars(retries)).all())
        if len(ids) < limit:
            taken = set(ids)
            ids += [i for i in (await self.session.scalars(due)).all() if i not in taken][: limit - len(ids)]
        if not ids:
            return []
        await self.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.status == "pending")
            .values(status="sending", claimed_at=now, claimed_by=worker)
        )
        rows = await self.session.execute(
            select(
                Delivery.id, Delivery.chat_id, Delivery.payload, Delivery.attempts,
                Delivery.member_id, Delivery.announcement_id, Delivery.first_in_line, Delivery.kind,
            )
            .where(Delivery.id.in_(ids), Delivery.claimed_by == worker, Delivery.status == "sending")
        )
        by_id = {row[0]: ClaimedDelivery(*row) for row in rows.all()}
        return [by_id[i] for i in ids if i in by_id]  # retries first, then in due order

    async def mark_sent(self, results: Sequence[tuple[int, int | None]], now: datetime) -> None:
        """One statement for the whole batch (executemany), not one round trip per row."""
        if not results:
            return
        table = Delivery.__table__
        await self.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(status="sent", sent_at=now, telegram_message_id=bindparam("b_message_id"), last_error=None),
            [{"b_id": delivery_id, "b_message_id": message_id} for delivery_id, message_id in results],
        )

    async def release_claimed(self, ids: Sequence[int], worker: str) -> int:
        """Rows this worker claimed but will not send (it is stopping): pending again, now."""
        released = 0
        for start in range(0, len(ids), 500):
            result = await self.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids[start : start + 500]), Delivery.claimed_by == worker, Delivery.status == "sending")
                .values(status="pending", claimed_by=None)
            )
            released += result.rowcount or 0
        return released

    async def mark(self, delivery_id: int, **values: Any) -> None:
        await self.session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))

    async def block_chat(
        self, delivery_id: int, chat_id: int, member_id: int | None, now: datetime, reason: str
    ) -> list[int]:
        """403: this message and the chat's pending ones are not sent, and the member is marked.

        Returns the announcement of each announcement delivery it stopped (for the counters).
        Rows of the chat that another batch is sending right now are left to that batch: it
        records their result, so nothing is counted twice.
        """
        stopped = await self.session.execute(
            update(Delivery)
            .where(
                Delivery.chat_id == chat_id,
                or_(Delivery.status == "pending", and_(Delivery.id == delivery_id, Delivery.status == "sending")),
            )
            .values(status="blocked", last_error=reason[:200])
            .returning(Delivery.announcement_id, Delivery.kind)
            .execution_options(synchronize_session=False)
        )
        blocked = [a for a, kind in stopped.all() if a is not None and kind == "announcement"]
        if member_id is not None:
            await self.session.execute(update(Member).where(Member.id == member_id).values(blocked_at=now))
        return blocked

    async def count_results(self, tally: Mapping[int, Mapping[str, int]]) -> None:
        """Add a batch's results to each announcement's counters: one UPDATE per announcement
        per batch, in the transaction that writes the results (so the two never disagree)."""
        for announcement_id, counts in sorted(tally.items()):
            values = {f"{k}_count": getattr(Announcement, f"{k}_count") + n for k, n in counts.items() if n}
            if values:
                await self.session.execute(
                    update(Announcement).where(Announcement.id == announcement_id).values(**values)
                    .execution_options(synchronize_session=False)
                )

    async def release_stale(self, older_than: datetime) -> int:
        """Rows a crashed worker left 'sending': back to pending (at-least-once)."""
        result = await self.session.execute(
            update(Delivery)
            .where(Delivery.status == "sending", Delivery.claimed_at <= older_than)
            .values(status="pending", claimed_by=None)
        )
        return result.rowcount or 0

    async def counts_for(self, announcement_id: int) -> dict[str, int]:
        """Every status of an announcement's deliveries, counted (O(recipients): for checks and
        tests; progress reads the announcement's counters instead)."""
        rows = await self.session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.announcement_id == announcement_id, Delivery.kind == "announcement")
            .group_by(Delivery.status)
        )
        return {status: count for status, count in rows.all()}

    async def cancel_pending(self, announcement_id: int) -> int:
        result = await self.session.execute(
            update(Delivery)
            .where(Delivery.announcement_id == announcement_id, Delivery.status == "pending")
            .values(status="cancelled")
        )
        return result.rowcount or 0

    async def due_now(self, dedupe_key: str, now: datetime) -> int:
        """A pending notice that waited for something becomes due now."""
        result = await self.session.execute(
            update(Delivery).where(Delivery.dedupe_key == dedupe_key, Delivery.status == "pending").values(not_before=now)
        )
        return result.rowcount or 0

    async def cancel_announcements_to(self, member_id: int) -> int:
        """A member who left: announcement copies still waiting for them are not sent, counted
        as cancelled so each announcement's progress (read from its counters) still ends."""
        waiting = (Delivery.member_id == member_id, Delivery.status == "pending", Delivery.kind == "announcement",
                   Delivery.announcement_id.is_not(None))
        counts = await self.session.execute(
            select(Delivery.announcement_id, func.count()).where(*waiting).group_by(Delivery.announcement_id)
        )
        for announcement_id, count in counts.all():
            await self.session.execute(
                update(Announcement).where(Announcement.id == announcement_id)
                .values(cancelled_count=Announcement.cancelled_count + count)
            )
        result = await self.session.execute(
            update(Delivery).where(*waiting).values(status="cancelled").execution_options(synchronize_session=False)
        )
        return result.rowcount or 0

    async def cancel_key(self, dedupe_key: str) -> int:
        """A notice not yet sent that is no longer wanted."""
        result = await self.session.execute(
            update(Delivery).where(Delivery.dedupe_key == dedupe_key, Delivery.status == "pending").values(status="cancelled")
        )
        return result.rowcount or 0

    async def sent_message_id(self, dedupe_key: str) -> int | None:
        """The Telegram message id of a notice once it was sent (to edit it later)."""
        return await self.session.scalar(
            select(Delivery.telegram_message_id).where(Delivery.dedupe_key == dedupe_key, Delivery.status == "sent")
        )

    async def reminder_month(self, chat_id: int, message_id: int) -> str | None:
        """The month ("2026-10") of the omzet reminder or nudge that became this message.

        Both kinds carry the month second in their dedupe key ("remind:2026-10:d1:7",
        "nudge:2026-10:3:2026-11-12:7"; see services.summaries.queue_to_unreported)."""
        key = await self.session.scalar(
            select(Delivery.dedupe_key).where(
                Delivery.chat_id == chat_id,
                Delivery.telegram_message_id == message_id,
                Delivery.kind.in_(("omzet_reminder", "omzet_nudge")),
            ).limit(1)
        )
        parts = (key or "").split(":")
        return parts[1] if len(parts) > 2 else None

    async def next_due(self) -> datetime | None:
        return await self.session.scalar(select(func.min(Delivery.not_before)).where(Delivery.status == "pending"))


class Announcements:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, announcement: Announcement, cluster_ids: Sequence[int]) -> Announcement:
        self.session.add(announcement)
        await self.session.flush()
        for cluster_id in cluster_ids:
            self.session.add(AnnouncementCluster(announcement_id=announcement.id, cluster_id=cluster_id))
        await self.session.flush()
        return announcement

    async def get(self, announcement_id: int) -> Announcement | None:
        return await self.session.get(Announcement, announcement_id)

    async def from_draft(self, draft_key: str) -> Announcement | None:
        return await self.session.scalar(select(Announcement).where(Announcement.draft_key == draft_key))

    async def move(self, announcement_id: int, from_status: str, to_status: str) -> bool:
        """Change the status only from `from_status`: False when another transaction moved it."""
        result = await self.session.execute(
            update(Announcement)
            .where(Announcement.id == announcement_id, Announcement.status == from_status)
            .values(status=to_status)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def status_of(self, announcement_id: int) -> str | None:
        """The committed status (not the copy this session read before waiting for a lock)."""
        return await self.session.scalar(select(Announcement.status).where(Announcement.id == announcement_id))

    async def start_due(self, now: datetime) -> list[int]:
        """Scheduled announcements that are due become 'sending', each by one transaction."""
        result = await self.session.execute(
            update(Announcement)
            .where(Announcement.status == "scheduled", Announcement.scheduled_for <= now)
            .values(status="sending")
            .returning(Announcement.id)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars().all())

    async def not_answered(self, announcement_id: int, cluster_ids: Sequence[int]) -> list[tuple[str | None, str | None, str | None]]:
        """(name, business, phone) of the members of these clusters the announcement reached
        who have not answered it, by name."""
        answered = select(AnnouncementResponse.member_id).where(AnnouncementResponse.announcement_id == announcement_id)
        rows = await self.session.execute(
            select(Member.name, Member.business_name, Member.phone)
            .join(Delivery, Delivery.member_id == Member.id)
            .where(
                Delivery.announcement_id == announcement_id, Delivery.kind == "announcement", Delivery.status == "sent",
                Member.cluster_id.in_(list(cluster_ids)), Member.id.not_in(answered),
            )
            .order_by(Member.name)
        )
        return [tuple(r) for r in rows.all()]

    async def scheduled_by(self, author_telegram_user_id: int) -> Sequence[Announcement]:
        """An author's announcements waiting for their time, soonest first."""
        query = select(Announcement).where(
            Announcement.author_telegram_user_id == author_telegram_user_id, Announcement.status == "scheduled"
        )
        return (await self.session.scalars(query.order_by(Announcement.scheduled_for, Announcement.id))).all()

    async def cluster_ids(self, announcement_id: int) -> list[int]:
        rows = await self.session.scalars(
            select(AnnouncementCluster.cluster_id).where(AnnouncementCluster.announcement_id == announcement_id)
        )
        return list(rows.all())

    async def in_progress(self) -> Sequence[Announcement]:
        query = select(Announcement).where(Announcement.status.in_(("sending", "scheduled")))
        return (await self.session.scalars(query.order_by(Announcement.id))).all()

    async def recent_for_cluster(self, cluster_id: int, limit: int) -> Sequence[Announcement]:
        query = (
            select(Announcement)
            .join(AnnouncementCluster, AnnouncementCluster.announcement_id == Announcement.id)
            .where(AnnouncementCluster.cluster_id == cluster_id, Announcement.status.in_(("sending", "done")))
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def respond(self, announcement_id: int, member_id: int, answer: str, now: datetime) -> str | None:
        """Record or change a member's answer; returns the previous answer."""
        existing = await self.session.scalar(
            select(AnnouncementResponse).where(
                and_(AnnouncementResponse.announcement_id == announcement_id, AnnouncementResponse.member_id == member_id)
            )
        )
        if existing is None:
            self.session.add(
                AnnouncementResponse(announcement_id=announcement_id, member_id=member_id, answer=answer, answered_at=now)
            )
            await self.session.flush()
            return None
        previous = existing.answer
        existing.answer, existing.answered_at = answer, now
        await self.session.flush()
        return previous

    async def answer_of(self, announcement_id: int, member_id: int) -> str | None:
        return await self.session.scalar(
            select(AnnouncementResponse.answer).where(
                AnnouncementResponse.announcement_id == announcement_id, AnnouncementResponse.member_id == member_id
            )
        )

    async def remove_answer(self, announcement_id: int, member_id: int, answer: str) -> bool:
        """Withdraw a member's answer, once (the DELETE's row count is the claim)."""
        result = await self.session.execute(
            delete(AnnouncementResponse).where(
                AnnouncementResponse.announcement_id == announcement_id,
                AnnouncementResponse.member_id == member_id,
                AnnouncementResponse.answer == answer,
            )
        )
        return result.rowcount == 1

    async def set_phone_to_buyer(
        self, announcement_id: int, member_id: int, consent: tuple[datetime, str] | None
    ) -> bool:
        """Record (or clear, None) the member's consent that their phone goes to the buyer, on
        their "tertarik" answer; False when there is no such answer."""
        at, version = consent if consent is not None else (None, None)
        result = await self.session.execute(
            update(AnnouncementResponse)
            .where(
                AnnouncementResponse.announcement_id == announcement_id,
                AnnouncementResponse.member_id == member_id,
                AnnouncementResponse.answer == "tertarik",
            )
            .values(phone_to_buyer_at=at, phone_to_buyer_version=version)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def answers_with_members(self, announcement_id: int, answer: str) -> list[tuple[AnnouncementResponse, Member]]:
        """The responses with this answer and their members, by name."""
        rows = await self.session.execute(
            select(AnnouncementResponse, Member)
            .join(Member, Member.id == AnnouncementResponse.member_id)
            .where(AnnouncementResponse.announcement_id == announcement_id, AnnouncementResponse.answer == answer)
            .order_by(Member.name, Member.id)
        )
        return [(response, member) for response, member in rows.all()]

    async def responses(self, announcement_id: int) -> list[tuple[str, Member]]:
        rows = await self.session.execute(
            select(AnnouncementResponse.answer, Member)
            .join(Member, Member.id == AnnouncementResponse.member_id)
            .where(AnnouncementResponse.announcement_id == announcement_id)
            .order_by(Member.name)
        )
        return [(answer, member) for answer, member in rows.all()]

    @staticmethod
    def _no_edit_in_flight(now: datetime):
        return or_(Announcement.progress_edit_until.is_(None), Announcement.progress_edit_until <= now)

    async def finish(self, announcement_id: int, sent: int, now: datetime, lease_until: datetime | None = None) -> bool:
        """Claim the end of a send: True for the one caller that moved it to "done" (never while
        another's progress edit is in flight); `lease_until` holds the final edit's lease."""
        result = await self.session.execute(
            update(Announcement)
            .where(Announcement.id == announcement_id, Announcement.status == "sending", self._no_edit_in_flight(now))
            .values(status="done", reported_at=now, progress_sent=sent, progress_edit_until=lease_until)
        )
        return result.rowcount == 1

    async def advance_progress(self, announcement_id: int, sent: int, now: datetime, lease_until: datetime) -> bool:
        """Claim showing `sent` and the lease of that edit: True for the one caller that raised
        the shown number while no other edit was in flight."""
        result = await self.session.execute(
            update(Announcement)
            .where(
                Announcement.id == announcement_id, Announcement.status == "sending", Announcement.progress_sent < sent,
                self._no_edit_in_flight(now),
            )
            .values(progress_sent=sent, progress_edit_until=lease_until)
        )
        return result.rowcount == 1

    async def release_progress_edit(self, announcement_id: int, lease_until: datetime) -> bool:
        """End the caller's own lease (a later lease, after this one expired, stays)."""
        result = await self.session.execute(
            update(Announcement)
            .where(Announcement.id == announcement_id, Announcement.progress_edit_until == lease_until)
            .values(progress_edit_until=None)
        )
        return result.rowcount == 1

    async def ikut_not_yet_reminded(self, announcement_id: int) -> list[tuple[int, int, str | None, str]]:
        """(member id, chat id, language, cluster zone) of each reachable member who said Ikut
        and has no reminder row yet: one query, however many answered."""
        reminded = (
            select(Delivery.id)
            .where(
                Delivery.announcement_id == announcement_id,
                Delivery.kind == "training_reminder",
                Delivery.member_id == Member.id,
            )
            .exists()
        )
        rows = await self.session.execute(
            select(Member.id, Member.chat_id, TelegramUser.language, Cluster.timezone)
            .join(AnnouncementResponse, AnnouncementResponse.member_id == Member.id)
            .join(Cluster, Cluster.id == Member.cluster_id)
            .outerjoin(TelegramUser, TelegramUser.telegram_user_id == Member.telegram_user_id)
            .where(
                AnnouncementResponse.announcement_id == announcement_id,
                AnnouncementResponse.answer == "ikut",
                Member.chat_id.is_not(None),
                Member.blocked_at.is_(None),
                ~reminded,
            )
            .order_by(Member.id)
        )
        return [tuple(row) for row in rows.all()]

    async def trainings_needing_reminder(self, window_start: datetime, window_end: datetime) -> Sequence[Announcement]:
        """Trainings that start within the window (their reminders may still be due)."""
        query = select(Announcement).where(
            Announcement.kind == "pelatihan",
            Announcement.status.in_(("sending", "done")),
            Announcement.training_at >= window_start,
            Announcement.training_at < window_end,
        )
        return (await self.session.scalars(query)).all()
