"""SQLAlchemy 2 models: the schema Alembic migrates to."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names make migrations reproducible on SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite keeps no zone, so values come back naive; we store UTC and re-attach it on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kabupaten: Mapped[str] = mapped_column(String(80), index=True)
    province: Mapped[str] = mapped_column(String(80), default="Jawa Tengah")
    commodity: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    members: Mapped[list[Member]] = relationship(back_populates="cluster")


class TelegramUser(Base):
    """Anyone who talks to the bot: only the Telegram id and the chosen language.

    Members, chairs and koordinator all have one; it holds nothing personal beyond the id,
    so it may exist before consent (the language must be remembered before registration).
    """

    __tablename__ = "telegram_users"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The cluster of the invite link last opened: kept after "Tidak setuju" or /batal, so the
    # next /daftar goes to it, until the person joins or picks another cluster.
    # No foreign key: a cluster removed meanwhile is simply not found (see registration.begin).
    invite_cluster_id: Mapped[int | None] = mapped_column(Integer)


class Member(Base):
    __tablename__ = "members"
    # An id is never given twice (SQLite would reuse the highest after a deletion): notices
    # and buttons keyed by a member id must never reach the next person.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Nullable: deletion (UU PDP) removes the Telegram identity but keeps anonymous rows.
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(100))
    business_name: Mapped[str | None] = mapped_column(String(100))
    main_product: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    # False for a number the member typed; True (or NULL, from before typed numbers were taken)
    # for one shared with Telegram's contact button, which is the member's own.
    phone_verified: Mapped[bool | None] = mapped_column(Boolean)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    # A membership runs from joined_at until left_at (None: still a member); a month's members
    # are read from these two (db.summary_queries.member_in_month), never from the status alone,
    # so past months keep whoever was a member then. joined_at is moved back to the start of
    # the earliest month the member reports: a reporter of a month was a member in it.
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when the membership ends; the row stays so that past months still count the member.
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The member's earliest reported month ("YYYY-MM"; None before their first report), which
    # growth by cohort groups by. Kept by triggers on monthly_reports (migration
    # 0024_first_month) on every insert, delete or move of a report, whichever path writes.
    first_month: Mapped[str | None] = mapped_column(String(7))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    consent_version: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    # /berhenti: no announcements (omzet reminders still come). Set by the member only.
    announcements_paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Telegram answered 403 (blocked, deactivated): stop sending until they write again.
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    # The member stopped buyers' enquiries about their products (Katalog); NULL: never set.
    enquiries_stopped: Mapped[bool | None] = mapped_column(Boolean)

    cluster: Mapped[Cluster] = relationship(back_populates="members")


CHAIR_GRANT = "role = 'ketua'"


class RoleEpoch(Base):
    """One row: a counter that triggers bump on every change of role_grants and of a cluster's
    name, so each process may keep role grants until it moves (db/role_cache.py)."""

    __tablename__ = "role_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    epoch: Mapped[int] = mapped_column(BigInteger)


class RoleGrant(Base):
    """A role with its scope.

    ketua: cluster_id set. koordinator: cluster_id set (that cluster), kabupaten set (all
    clusters of that kabupaten) or neither (the whole province).
    """

    __tablename__ = "role_grants"
    __table_args__ = (
        Index("ix_role_grants_user_role", "telegram_user_id", "role"),
        # One chair grant per person and cluster: appointing is an insert this index decides,
        # so a double press or a second instance cannot appoint twice.
        Index(
            "uq_role_grants_chair",
            "telegram_user_id",
            "cluster_id",
            unique=True,
            sqlite_where=text(CHAIR_GRANT),
            postgresql_where=text(CHAIR_GRANT),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    kabupaten: Mapped[str | None] = mapped_column(String(80))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    granted_by: Mapped[int | None] = mapped_column(BigInteger)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    # None when the operator acted from the command line; 0 (db.privacy_queries.ERASED_TELEGRAM_ID)
    # for a person whose data was deleted since.
    actor_telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str | None] = mapped_column(String(120))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessedUpdate(Base):
    """Updates already handled; Telegram may deliver one twice.

    The id alone is not enough: Telegram starts ids again after a quiet week. The fingerprint
    (what identifies the content: chat, message id and date, or the button press's id) is
    repeated exactly by a redelivery and never by a new update.
    """

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64), server_default="")
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class ConversationState(Base):
    """The step a user is at in a multi-message flow, and what they entered so far."""

    __tablename__ = "conversation_states"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


# A report whose amount is not (yet) the published one: a late report or a correction. Spelled
# as summary_queries._unreleased builds it, so both databases use the partial index below.
UNRELEASED = "published_amount IS NULL OR published_amount != amount"
RELEASED = "published_amount IS NOT NULL"


class MonthlyReport(Base):
    """A member's omzet for one calendar month: the current value, one row per (member, month).

    `member_id` is nullable so that deleting a person's data (UU PDP) can keep the figure for
    the cluster's aggregates without linking it to anyone; `cluster_id` keeps it countable.
    """

    __tablename__ = "monthly_reports"
    __table_args__ = (
        UniqueConstraint("member_id", "month", name="uq_monthly_reports_member_month"),
        Index("ix_monthly_reports_cluster_month", "cluster_id", "month"),
        # The summary's staleness check counts only the reports waiting to be released (a few
        # after publication) instead of reading the whole cluster-month (summary_queries.pending_changes).
        Index(
            "ix_monthly_reports_unreleased", "cluster_id", "month",
            sqlite_where=text(UNRELEASED), postgresql_where=text(UNRELEASED),
        ),
        # Publishing reads a month's released amounts (summary_queries.publication_inputs,
        # cohort_groups) from here alone: every column they read is in it (SQLite reads no row;
        # PostgreSQL none once vacuumed), and only released rows, so right after a release it
        # holds the new row versions and not the dead ones the release left behind.
        Index(
            "ix_monthly_reports_published", "month", "cluster_id", "published_amount", "baseline_sum", "member_id",
            sqlite_where=text(RELEASED), postgresql_where=text(RELEASED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"))
    # "2026-10": sorts like the calendar, reads the same in SQLite and PostgreSQL.
    month: Mapped[str] = mapped_column(String(7))
    # Whole rupiah; 0 with no_sales set is "reported: no sales", never "not reported".
    amount: Mapped[int] = mapped_column(BigInteger)
    no_sales: Mapped[bool] = mapped_column(Boolean, default=False)
    # The member's own words for a month without sales ("tutup karena banjir"); personal.
    note: Mapped[str | None] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # 1 for the first report; every correction adds one (and a ReportVersion row).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Growth since joining: the sum of the member's first three reported months (their
    # baseline) when this month comes after those three; None otherwise. Kept by
    # `db.summary_queries.report_written`, so a summary reads this month's rows and no history.
    baseline_sum: Mapped[int | None] = mapped_column(BigInteger)
    # The amount as it stands in the month's published figures; None until released. Late
    # reports and corrections wait in `amount` until a batch is released (bot.services.summaries),
    # so published figures never change by one member's report.
    published_amount: Mapped[int | None] = mapped_column(BigInteger)

    versions: Mapped[list[ReportVersion]] = relationship(
        back_populates="report", order_by="ReportVersion.version"
    )

    @property
    def corrected(self) -> bool:
        return self.version > 1


class ReportVersion(Base):
    """Every value a monthly report ever had: what it replaced, what it became, and when."""

    __tablename__ = "report_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("monthly_reports.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    # None for the first version: nothing was replaced.
    old_amount: Mapped[int | None] = mapped_column(BigInteger)
    old_no_sales: Mapped[bool | None] = mapped_column(Boolean)
    new_amount: Mapped[int] = mapped_column(BigInteger)
    new_no_sales: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    report: Mapped[MonthlyReport] = relationship(back_populates="versions")



class ClusterMonthTotal(Base):
    """How many reported a cluster's month and their total omzet, kept when reports are written.

    Lets a summary compare with the previous month and last year without reading those months'
    reports again (`db.summary_queries.refresh_month_totals`).
    """

    __tablename__ = "cluster_month_totals"

    # Month first: a summary reads every cluster's row of one or two months.
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    reporters: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)


class Announcement(Base):
    """A message from a chair or koordinator to the members of one or more clusters."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    author_language: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))  # peluang / pelatihan / umum
    text: Mapped[str] = mapped_column(String(4000))
    attachment_type: Mapped[str | None] = mapped_column(String(16))  # photo / document
    attachment_file_id: Mapped[str | None] = mapped_column(String(255))
    training_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    training_place: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    scheduled_for: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # scheduled -> sending -> done, or cancelled before anything was sent.
    status: Mapped[str] = mapped_column(String(16), default="sending", index=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    # Members of the chosen clusters who never opened the bot (imported rosters): not sendable.
    unreachable: Mapped[int] = mapped_column(Integer, default=0)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_sent: Mapped[int] = mapped_column(Integer, default=0)
    # The lease of the one progress edit in flight (bot.services.announcements.progress_updates):
    # while it holds, nobody else edits the message nor finishes the send.
    progress_edit_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Results so far, counted in the outbox's transaction that writes each one (bot.outbox
    # _record): progress reads this row, never a count over a million deliveries.
    sent_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    blocked_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Not sent because the person erased their data meanwhile (db.privacy_queries).
    cancelled_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    training_reminder_queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The draft it was published from: publishing claims the draft, and a second press of
    # its "Kirim sekarang" finds the announcement by this key and is told it was sent.
    draft_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The role it was sent in and its cluster or kabupaten, as its copies said "Dari: ..."
    # (bot.domain.Sender; NULL on announcements older than 0020). The name is not kept here:
    # it is read from the author's member row, so erasing their data removes it.
    sender_role: Mapped[str | None] = mapped_column(String(16))
    sender_place: Mapped[str | None] = mapped_column(String(200))
    sender_region: Mapped[bool | None] = mapped_column(Boolean)


class AnnouncementCluster(Base):
    __tablename__ = "announcement_clusters"

    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), primary_key=True
    )
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True)


class AnnouncementResponse(Base):
    """A member's one-tap answer: ikut / tidak (pelatihan) or tertarik (peluang pasar)."""

    __tablename__ = "announcement_responses"
    __table_args__ = (
        UniqueConstraint("announcement_id", "member_id", name="uq_announcement_responses_member"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # "Saya tertarik" only: the member agreed that the sender passes their phone to the buyer
    # (and the version of that text); NULL: the buyer's list carries no phone.
    phone_to_buyer_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    phone_to_buyer_version: Mapped[str | None] = mapped_column(String(16))


# Rows that must not wait behind a big send: retries waiting for their backoff, and notices to
# one person (a join request, "Peminat baru", a decision). Few rows, so a partial index finds
# the due ones at once. Written out as SQL (not bound parameters) so that both SQLite and
# PostgreSQL see that a query with this condition may use that index.
REMINDER_KINDS = "kind IN ('omzet_reminder', 'omzet_nudge')"
FIRST_IN_LINE = "status = 'pending' AND (attempts > 0 OR first_in_line)"


class Delivery(Base):
    """One message to one chat in the outbox, written in the transaction that created it."""

    __tablename__ = "deliveries"
    __table_args__ = (
        # id last: the sender claims in (not_before, id) order, and a big send's rows all share
        # one not_before; without id PostgreSQL sorts every pending row for each batch.
        Index("ix_deliveries_due", "status", "not_before", "id"),
        # A 403 stops every pending message of the chat (Deliveries.block_chat): a seek, not a scan.
        Index("ix_deliveries_chat_id", "chat_id"),
        # The sender finds due retries and notices at once instead of behind every first
        # attempt of a big send (see Deliveries.claim_due).
        Index(
            "ix_deliveries_first_in_line", "not_before",
            sqlite_where=text(FIRST_IN_LINE), postgresql_where=text(FIRST_IN_LINE),
        ),
        # A member's reply to an omzet reminder is a report for that reminder's month: the
        # reminder is found by the message it became (Deliveries.reminder_month).
        Index(
            "ix_deliveries_reminder_message", "chat_id", "telegram_message_id",
            sqlite_where=text(REMINDER_KINDS), postgresql_where=text(REMINDER_KINDS),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # announcement, training_reminder, ...
    # Makes enqueueing idempotent: a job run twice finds its rows already there.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Fully rendered (text, buttons, media) in the recipient's language at enqueue time.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending -> sending -> sent | blocked | failed; cancelled before sending.
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A notice to one person: sent ahead of bulk rows in the same rate budget.
    first_in_line: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class RosterEntry(Base):
    """A person the Dinas already knows (imported from its lists), waiting to join in the chat.

    Matched by phone when they share their contact during registration; consent is still
    asked. `claimed_member_id` is set once they have registered.
    """

    __tablename__ = "roster_entries"
    __table_args__ = (UniqueConstraint("cluster_id", "phone", name="uq_roster_entries_cluster_phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    business_name: Mapped[str] = mapped_column(String(100))
    main_product: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the person joined the programme, if the Dinas's list says (its "bergabung" column);
    # becomes the member's joined_at when they register.
    joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class JobRun(Base):
    """A scheduled run claimed before it starts: (job, period, cluster, step) runs once.

    Claiming is an insert; the unique constraint makes a restart, a catch-up or a second
    instance on the same PostgreSQL find the run already taken.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", "cluster_id", "step", name="uq_job_runs_run"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7))
    # 0 for runs that are not per cluster (NULL would not collide in a unique constraint).
    cluster_id: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    worker: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ClusterSummary(Base):
    """A cluster's figures for one month, compiled from SQL aggregates and kept as a snapshot."""

    __tablename__ = "cluster_summaries"
    __table_args__ = (UniqueConstraint("cluster_id", "month", name="uq_cluster_summaries_cluster_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    members: Mapped[int] = mapped_column(Integer)
    reporters: Mapped[int] = mapped_column(Integer)
    # None when the month's money figures are not publishable (bot.services.summaries.MIN_REPORTERS).
    total: Mapped[int | None] = mapped_column(BigInteger)
    median: Mapped[int | None] = mapped_column(BigInteger)
    mean: Mapped[int | None] = mapped_column(BigInteger)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MarketRequest(Base):
    """A buyer's order described by a chair or koordinator (/permintaan), too big for one member:
    members pledge parts of it, the author allocates, and both are asked how it ended."""

    __tablename__ = "market_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    author_language: Mapped[str | None] = mapped_column(String(8))
    product: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(String(1500), default="")
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit: Mapped[str] = mapped_column(String(24))
    price_per_unit: Mapped[int | None] = mapped_column(BigInteger)
    # The last day goods are taken, in `zone` (the first cluster's): pledges and the follow-up
    # count from it.
    deadline: Mapped[date] = mapped_column(Date)
    zone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    place: Mapped[str] = mapped_column(String(200))
    requirements: Mapped[str | None] = mapped_column(String(500))
    # open -> closed -> allocated (an allocation closes an open request too).
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    allocated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The months (in `zone`) of the events the "Peluang pasar" figures count: each is written
    # once, so a published month never changes by a later action.
    created_month: Mapped[str] = mapped_column(String(7))
    closed_month: Mapped[str | None] = mapped_column(String(7))
    allocated_month: Mapped[str | None] = mapped_column(String(7))
    # The draft it was posted from: posting claims the draft; a second press finds it here.
    draft_key: Mapped[str | None] = mapped_column(String(32), unique=True)


class MarketRequestCluster(Base):
    """A cluster a request was sent to, and how many of its members it reached."""

    __tablename__ = "market_request_clusters"

    request_id: Mapped[int] = mapped_column(ForeignKey("market_requests.id", ondelete="CASCADE"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)


class MarketPledge(Base):
    """What one member said they can supply of a request ("Sanggup"), and their allocated part.

    One row per (request, member): the unique constraint is the claim that keeps one pledge per
    member whatever presses and instances race. `member_id` becomes NULL when the member's data
    is erased; the quantities stay in the figures, linked to nobody."""

    __tablename__ = "market_pledges"
    __table_args__ = (UniqueConstraint("request_id", "member_id", name="uq_market_pledges_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("market_requests.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(BigInteger)
    ready_by: Mapped[date | None] = mapped_column(Date)
    # active or withdrawn; a withdrawn pledge counts nowhere.
    status: Mapped[str] = mapped_column(String(16), default="active")
    # One more for every change: names the author's notice of each change.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    allocated: Mapped[int | None] = mapped_column(BigInteger)
    # confirmed or declined, the member's answer to their allocated part.
    confirmation: Mapped[str | None] = mapped_column(String(16))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MarketFollowUp(Base):
    """One follow-up question to one person about how a request or a plain *peluang pasar*
    ended: the author ("Jadi transaksi?") or a member (what they delivered and were paid).

    `key` names the question (subject, round, person) and is unique: the job that asks claims
    it by inserting it, so two instances ask once."""

    __tablename__ = "market_followups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("market_requests.id", ondelete="CASCADE"), index=True)
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(8))  # author / member
    # Who is asked; NULL once their data is erased (the answer stays in the figures).
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # author: deal / nego / no / declined; member: answered / declined.
    answer: Mapped[str | None] = mapped_column(String(16))
    # The deal's value (author) or what the member was paid, whole rupiah.
    value: Mapped[int | None] = mapped_column(BigInteger)
    delivered: Mapped[int | None] = mapped_column(BigInteger)
    # The month (in the cluster's or request's zone) the answer was given: the month it counts in.
    month: Mapped[str | None] = mapped_column(String(7))
    # The member's answer to "is this amount included in your omzet for the month?":
    # included / not_included / declined; None until asked and answered.
    omzet_answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class MarketPreference(Base):
    """A member who wants only the opportunities for their own product or commodity."""

    __tablename__ = "market_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    only_my_products: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

class Product(Base):
    """A member's product in the cluster's catalogue; shown to buyers only while published."""

    __tablename__ = "products"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # For batik: tulis, cap, kombinasi, printing; for produce: the grade.
    kind: Mapped[str | None] = mapped_column(String(60))
    unit: Mapped[str] = mapped_column(String(30), default="pcs")
    retail_price: Mapped[int | None] = mapped_column(BigInteger)
    wholesale_price: Mapped[int | None] = mapped_column(BigInteger)
    min_order: Mapped[int | None] = mapped_column(Integer)
    capacity_per_month: Mapped[int | None] = mapped_column(Integer)
    lead_days: Mapped[int | None] = mapped_column(Integer)
    # {"halal": "ID3311...", "pirt": ""}: held or not, with an optional number; never images.
    certificates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The member chose to show their phone number on the card (default: never).
    show_phone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ProductPhoto(Base):
    """A product photo: Telegram's file id (to send it again) and our resized copy with no EXIF
    or location (for the printed catalogue and inline cards)."""

    __tablename__ = "product_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    telegram_file_id: Mapped[str] = mapped_column(String(200))
    jpeg: Mapped[bytes | None] = mapped_column(LargeBinary)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)


class ProductWord(Base):
    """The search index of published products: one row per (word, product). Rows exist only
    while the product is published, so unpublishing removes it from every search at once."""

    __tablename__ = "product_words"

    word: Mapped[str] = mapped_column(String(40), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CatalogueWord(Base):
    """Every indexed word with how many published products hold it: what a misspelt word is
    corrected to, and which word of a query to look up first (the rarest)."""

    __tablename__ = "catalogue_words"

    word: Mapped[str] = mapped_column(String(40), primary_key=True)
    products: Mapped[int] = mapped_column(Integer, default=0)
    length: Mapped[int] = mapped_column(Integer, index=True)


class Enquiry(Base):
    """A buyer's question about one product, relayed by the bot between buyer and member."""

    __tablename__ = "enquiries"
    __table_args__ = (Index("ix_enquiries_buyer_created", "buyer_telegram_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    buyer_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    buyer_name: Mapped[str | None] = mapped_column(String(100))
    buyer_username: Mapped[str | None] = mapped_column(String(64))
    what: Mapped[str | None] = mapped_column(String(300))
    quantity: Mapped[int | None] = mapped_column(Integer)
    needed_by: Mapped[str | None] = mapped_column(String(100))
    deliver_to: Mapped[str | None] = mapped_column(String(200))
    # "member": relayed to the product's member; "ketua": larger than the member can make.
    routed_to: Mapped[str] = mapped_column(String(16), default="member")
    buyer_shares_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    member_shares_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    messages: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # A larger enquiry is a draft market request for the cluster's chair: its key (the request
    # posted from it carries the same draft_key), where it stands (waiting -> opened -> posted,
    # or discarded) and the chair who opened it (claimed by a conditional update).
    draft_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    draft_state: Mapped[str | None] = mapped_column(String(16))
    draft_by: Mapped[int | None] = mapped_column(BigInteger)


class CriteriaSet(Base):
    """Criteria to rank clusters by, with weights, agreed among koordinator: named and versioned.

    Saving a set under a name that exists adds the next version; earlier versions stay, so a
    ranking can always say which version it used. `created_by` is the koordinator's Telegram
    id (ERASED_TELEGRAM_ID after they erased their data: the set stays for the others).
    """

    __tablename__ = "criteria_sets"
    __table_args__ = (UniqueConstraint("name_key", "version", name="uq_criteria_sets_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # The name folded (case, spaces): "Pilihan 2027" and "pilihan  2027" are one set.
    name_key: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    # criterion code -> weight (a whole number); see bot.services.criteria.Criterion.
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CriteriaChoice(Base):
    """The criteria set a koordinator ranks by (the one they saved or chose last)."""

    __tablename__ = "criteria_choices"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    criteria_set_id: Mapped[int] = mapped_column(ForeignKey("criteria_sets.id", ondelete="CASCADE"))
    chosen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ShortlistEntry(Base):
    """A cluster on a koordinator's shortlist of development projects (3 to 5), with a note."""

    __tablename__ = "shortlist_entries"
    __table_args__ = (UniqueConstraint("owner_telegram_user_id", "cluster_id", name="uq_shortlist_entries_owner_cluster"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_telegram_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(String(500))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


__all__ = [
    "MarketFollowUp",
    "MarketPledge",
    "MarketPreference",
    "MarketRequest",
    "MarketRequestCluster",
    "CatalogueWord",
    "Enquiry",
    "Product",
    "ProductPhoto",
    "ProductWord",
    "CriteriaChoice",
    "CriteriaSet",
    "ShortlistEntry",
    "ClusterMonthTotal",
    "ClusterSummary",
    "JobRun",
    "RosterEntry",
    "Announcement",
    "AnnouncementCluster",
    "AnnouncementResponse",
    "Delivery",
    "AuditEntry",
    "Base",
    "Cluster",
    "ConversationState",
    "Member",
    "MonthlyReport",
    "ProcessedUpdate",
    "ReportVersion",
    "RoleGrant",
    "TelegramUser",
    "utcnow",
]
