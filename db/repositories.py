"""Small query objects over one session. They never commit: the unit of work does."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload
from sqlalchemy.orm.util import identity_key

from db import summary_queries
from db.models import (
    AuditEntry,
    Cluster,
    ClusterMonthTotal,
    ClusterSummary,
    ConversationState,
    MarketFollowUp,
    Member,
    MonthlyReport,
    ProcessedUpdate,
    ReportVersion,
    RoleGrant,
    TelegramUser,
    utcnow,
)
from db.role_cache import role_epoch
from db.sql import Prepared, dialect_insert


def _insert_ignoring_duplicates(session: AsyncSession, model: Any, values: dict[str, Any]) -> Any:
    return dialect_insert(session)(model).values(**values).on_conflict_do_nothing()


# session.info keys: what admission loaded, for the rest of the update's unit of work.
_SENDER_MEMBER = "klasterbot.sender_member"
_NO_CONVERSATION = "klasterbot.no_conversation"


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class Clusters(_Repository):
    async def get(self, cluster_id: int) -> Cluster | None:
        return await self.session.get(Cluster, cluster_id)

    async def by_invite_code(self, code: str) -> Cluster | None:
        return await self.session.scalar(select(Cluster).where(Cluster.invite_code == code))

    async def by_name_or_code(self, text: str) -> Cluster | None:
        text = " ".join(text.split())
        found = await self.by_invite_code(text)
        if found is not None:
            return found
        return await self.session.scalar(
            select(Cluster).where(func.lower(Cluster.name) == text.lower())
        )

    async def name_taken(self, name: str) -> bool:
        found = await self.session.scalar(
            select(Cluster.id).where(func.lower(Cluster.name) == " ".join(name.split()).lower())
        )
        return found is not None

    async def add(self, cluster: Cluster) -> Cluster:
        self.session.add(cluster)
        await self.session.flush()
        return cluster

    async def all(self) -> Sequence[Cluster]:
        return (await self.session.scalars(select(Cluster).order_by(Cluster.name))).all()

    async def in_kabupaten(self, kabupaten: str) -> Sequence[Cluster]:
        query = select(Cluster).where(func.lower(Cluster.kabupaten) == kabupaten.lower())
        return (await self.session.scalars(query.order_by(Cluster.name))).all()

    async def kabupaten_names(self) -> list[str]:
        rows = await self.session.scalars(
            select(Cluster.kabupaten).distinct().order_by(Cluster.kabupaten)
        )
        return list(rows.all())


def _sender_statement(_dialect: str) -> Any:
    sender = select(bindparam("telegram_user_id", type_=BigInteger).label("id")).subquery("sender")
    # Whether the person holds any grant: most senders are members with none, whose empty
    # grants are then known without a second statement when the process has not kept them.
    granted = exists().where(RoleGrant.telegram_user_id == sender.c.id).label("granted")
    return (
        select(Member, TelegramUser.language, ConversationState, role_epoch(), granted)
        .select_from(sender)
        .outerjoin(Member, Member.telegram_user_id == sender.c.id)
        .outerjoin(TelegramUser, TelegramUser.telegram_user_id == sender.c.id)
        .outerjoin(ConversationState, ConversationState.telegram_user_id == sender.c.id)
        .options(joinedload(Member.cluster))
        .limit(1)
    )


_SENDER = Prepared(_sender_statement)


class Members(_Repository):
    async def get(self, member_id: int) -> Member | None:
        return await self.session.scalar(
            select(Member).options(selectinload(Member.cluster)).where(Member.id == member_id)
        )

    async def by_telegram_id(self, telegram_user_id: int) -> Member | None:
        # The sender, loaded by admission in this same transaction, is not read again.
        known = self.session.info.get(_SENDER_MEMBER)
        if known is not None and known.telegram_user_id == telegram_user_id and known in self.session:
            return known
        # Joined, not a second query: this runs for every incoming update.
        return await self.session.scalar(
            select(Member)
            .options(joinedload(Member.cluster))
            .where(Member.telegram_user_id == telegram_user_id)
        )

    async def sender(
        self, telegram_user_id: int
    ) -> tuple[Member | None, str | None, tuple[str, str] | None, int | None, bool]:
        """The sender's member row (with cluster), chosen language, current step, the role
        epoch (db.role_cache) and whether they hold any role grant, in one statement: this
        runs for every incoming update, and any of the first three may be missing. The member
        and the conversation row stay in this unit of work for the handler (`by_telegram_id`,
        `Conversations.get`)."""
        row = (await self.session.execute(_SENDER(self.session), {"telegram_user_id": telegram_user_id})).first()
        if row is None:
            return None, None, None, None, True
        member, language, state, epoch, granted = row
        if member is not None:
            self.session.info[_SENDER_MEMBER] = member
        if state is None:
            self.session.info.setdefault(_NO_CONVERSATION, set()).add(telegram_user_id)
        return member, language, (state.flow, state.step) if state is not None else None, epoch, bool(granted)

    async def add(self, member: Member) -> Member:
        self.session.add(member)
        await self.session.flush()
        await self.session.refresh(member, ["cluster"])
        return member

    async def delete(self, member: Member) -> None:
        if self.session.info.get(_SENDER_MEMBER) is member:
            del self.session.info[_SENDER_MEMBER]
        await self.session.delete(member)

    async def settle_pending(self, member_id: int, status: str, *, now: datetime, by: int) -> bool:
        """Decide a join request once: False when it is no longer pending (decided meanwhile)."""
        result = await self.session.execute(
            update(Member)
            .where(Member.id == member_id, Member.status == "pending")
            .values(status=status, decided_at=now, decided_by=by)
        )
        return result.rowcount == 1

    async def of_cluster(self, cluster_id: int) -> Sequence[Member]:
        query = (
            select(Member)
            .options(selectinload(Member.cluster))
            .where(Member.cluster_id == cluster_id, Member.telegram_user_id.is_not(None))
            .order_by(Member.name)
        )
        return (await self.session.scalars(query)).all()


class TelegramUsers(_Repository):
    async def get(self, telegram_user_id: int) -> TelegramUser | None:
        return await self.session.get(TelegramUser, telegram_user_id)

    async def set_language(self, telegram_user_id: int, language: str) -> None:
        user = await self.get(telegram_user_id)
        if user is None:
            self.session.add(TelegramUser(telegram_user_id=telegram_user_id, language=language))
        else:
            user.language = language
        await self.session.flush()

    async def remember_invite(self, telegram_user_id: int, cluster_id: int | None) -> None:
        """The cluster of the invite last opened (None: forget it)."""
        user = await self.get(telegram_user_id)
        if user is None:
            if cluster_id is None:
                return
            self.session.add(TelegramUser(telegram_user_id=telegram_user_id, invite_cluster_id=cluster_id))
        else:
            user.invite_cluster_id = cluster_id
        await self.session.flush()


class Roles(_Repository):
    async def of_user_with_cluster_names(self, telegram_user_id: int) -> list[tuple[RoleGrant, str | None]]:
        """The user's grants, each with its cluster's name (None for kabupaten or province)."""
        query = (
            select(RoleGrant, Cluster.name)
            .outerjoin(Cluster, Cluster.id == RoleGrant.cluster_id)
            .where(RoleGrant.telegram_user_id == telegram_user_id)
            .order_by(RoleGrant.id)
        )
        return [(grant, name) for grant, name in (await self.session.execute(query)).all()]

    async def of_user(self, telegram_user_id: int) -> Sequence[RoleGrant]:
        query = (
            select(RoleGrant)
            .where(RoleGrant.telegram_user_id == telegram_user_id)
            .order_by(RoleGrant.id)
        )
        return (await self.session.scalars(query)).all()

    async def find(
        self,
        telegram_user_id: int,
        role: str,
        *,
        cluster_id: int | None,
        kabupaten: str | None,
    ) -> Sequence[RoleGrant]:
        query = select(RoleGrant).where(
            RoleGrant.telegram_user_id == telegram_user_id, RoleGrant.role == role
        )
        query = query.where(
            RoleGrant.cluster_id == cluster_id if cluster_id is not None
            else RoleGrant.cluster_id.is_(None)
        )
        query = query.where(
            func.lower(RoleGrant.kabupaten) == kabupaten.lower() if kabupaten is not None
            else RoleGrant.kabupaten.is_(None)
        )
        return (await self.session.scalars(query)).all()

    async def add(self, grant: RoleGrant) -> RoleGrant:
        self.session.add(grant)
        await self.session.flush()
        return grant

    async def remove(self, grants: Sequence[RoleGrant]) -> None:
        for grant in grants:
            await self.session.delete(grant)
        await self.session.flush()

    async def add_chair(self, telegram_user_id: int, cluster_id: int, *, granted_by: int | None) -> bool:
        """Appoint a chair once: False when the grant exists (uq_role_grants_chair decides, so
        two koordinators, or two instances, at the same moment add one row)."""
        result = await self.session.execute(
            _insert_ignoring_duplicates(
                self.session,
                RoleGrant,
                {
                    "telegram_user_id": telegram_user_id,
                    "role": "ketua",
                    "cluster_id": cluster_id,
                    "granted_by": granted_by,
                },
            )
        )
        return result.rowcount == 1

    async def remove_chair(self, telegram_user_id: int, cluster_id: int) -> bool:
        """Remove a chair once: False when there was no such grant (removed meanwhile)."""
        result = await self.session.execute(
            delete(RoleGrant).where(
                RoleGrant.telegram_user_id == telegram_user_id,
                RoleGrant.role == "ketua",
                RoleGrant.cluster_id == cluster_id,
            )
        )
        return (result.rowcount or 0) > 0

    async def all(self) -> Sequence[RoleGrant]:
        query = select(RoleGrant).order_by(RoleGrant.role, RoleGrant.telegram_user_id)
        return (await self.session.scalars(query)).all()

    async def chairs_of(self, cluster_id: int) -> list[int]:
        query = select(RoleGrant.telegram_user_id).where(
            RoleGrant.role == "ketua", RoleGrant.cluster_id == cluster_id
        )
        return list((await self.session.scalars(query)).all())

    async def koordinators_for(self, cluster: Cluster) -> list[int]:
        query = select(RoleGrant.telegram_user_id).where(
            RoleGrant.role == "koordinator",
            or_(
                RoleGrant.cluster_id == cluster.id,
                func.lower(RoleGrant.kabupaten) == cluster.kabupaten.lower(),
                (RoleGrant.cluster_id.is_(None) & RoleGrant.kabupaten.is_(None)),
            ),
        )
        return sorted(set((await self.session.scalars(query)).all()))


class AuditLog(_Repository):
    async def record(
        self,
        action: str,
        *,
        actor: int | None,
        subject: str | None = None,
        **details: Any,
    ) -> None:
        self.session.add(
            AuditEntry(
                action=action, actor_telegram_user_id=actor, subject=subject, details=details
            )
        )
        await self.session.flush()

    async def entries_about(self, subject: str, actions: Sequence[str]) -> Sequence[AuditEntry]:
        query = select(AuditEntry).where(AuditEntry.subject == subject, AuditEntry.action.in_(list(actions)))
        return (await self.session.scalars(query.order_by(AuditEntry.id))).all()

    async def entries(self, action: str | None = None) -> Sequence[AuditEntry]:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return (await self.session.scalars(query)).all()


def _claim_statement(dialect: str) -> Any:
    table = ProcessedUpdate.__table__
    columns = ["update_id", "fingerprint", "processed_at"]
    values = {name: bindparam(name, type_=table.c[name].type) for name in columns}
    if dialect == "postgresql":
        turn = select(func.pg_advisory_xact_lock(bindparam("person", type_=BigInteger)).label("turn")).subquery("turn")
        insert = postgresql.insert(table).from_select(columns, select(*values.values()).select_from(turn))
    else:
        insert = sqlite.insert(table).values(**values)
    return insert.on_conflict_do_update(
        index_elements=[table.c.update_id],
        set_={"fingerprint": insert.excluded.fingerprint, "processed_at": insert.excluded.processed_at},
        where=table.c.fingerprint != insert.excluded.fingerprint,
    )


_CLAIM = Prepared(_claim_statement)


class ProcessedUpdates(_Repository):
    async def claim(self, update_id: int, fingerprint: str, now: datetime, *, person: int | None = None) -> bool:
        """Record the update; False when this very update (id and fingerprint) was handled.

        One statement on the hot path: an id seen with another fingerprint is a new update
        after Telegram started its ids again, so the old row is replaced and the update admitted.

        On PostgreSQL the same statement first takes `pg_advisory_xact_lock(person)`: it waits
        for any other transaction handling this person's update, here or in another instance,
        and holds the turn until this transaction ends. SQLite has one writer at a time already
        (and one process).
        """
        result = await self.session.execute(
            _CLAIM(self.session),
            {"update_id": update_id, "fingerprint": fingerprint, "processed_at": now, "person": person or 0},
        )
        return result.rowcount == 1


class Conversations(_Repository):
    async def get(self, telegram_user_id: int) -> ConversationState | None:
        # Admission loaded the row, or found none, in this unit of work: not read again.
        if telegram_user_id in self.session.info.get(_NO_CONVERSATION, ()):
            return None
        return await self.session.get(ConversationState, telegram_user_id)

    async def save(
        self, telegram_user_id: int, flow: str, step: str, data: dict[str, Any]
    ) -> None:
        """Put the person at (flow, step) with `data`: one upsert, built once."""
        await self.session.execute(_SAVE_STATE(self.session), {
            "telegram_user_id": telegram_user_id, "flow": flow, "step": step, "data": dict(data), "updated_at": utcnow(),
        })
        self.session.info.get(_NO_CONVERSATION, set()).discard(telegram_user_id)
        self._forget_loaded(telegram_user_id)

    async def clear(self, telegram_user_id: int) -> None:
        await self.session.execute(
            delete(ConversationState).where(ConversationState.telegram_user_id == telegram_user_id)
        )

    async def take(
        self, telegram_user_id: int, flow: str, steps: Sequence[str]
    ) -> tuple[str, dict[str, Any]] | None:
        """Claim the user's state at one of `steps` by deleting it: (step, data), or None when
        another transaction took it first (or it is elsewhere). The condition is in the DELETE,
        so on PostgreSQL a second taker waits for the first and then finds nothing; a reading
        before it would race (READ COMMITTED). A caller that refuses afterwards raises, and the
        rollback puts the state back."""
        claim = StateClaim(telegram_user_id, flow, tuple(steps))
        row = (await self.session.execute(_TAKE_STATE(self.session), claim.parameters())).first()
        return _state_taken(self.session, claim, row[0] if row else None, row[1] if row else None)

    def _forget_loaded(self, telegram_user_id: int) -> None:
        _forget_loaded_state(self.session, telegram_user_id)


@dataclass(frozen=True)
class StateClaim:
    """A take of a person's state at one of `steps` of `flow` (Conversations.take), for a
    repository that runs it inside a statement of its own (Reports.year_for_report)."""

    telegram_user_id: int
    flow: str
    steps: tuple[str, ...]

    def parameters(self) -> dict[str, Any]:
        return {"b_user": self.telegram_user_id, "b_flow": self.flow, "b_steps": list(self.steps)}


def _forget_loaded_state(session: AsyncSession, telegram_user_id: int) -> None:
    """The row changed under a loaded copy (admission's): the next get() reads it again."""
    loaded = session.sync_session.identity_map.get(identity_key(ConversationState, telegram_user_id))
    if loaded is not None:
        session.expunge(loaded)


def _state_taken(
    session: AsyncSession, claim: StateClaim, step: str | None, data: dict[str, Any] | None
) -> tuple[str, dict[str, Any]] | None:
    """What a take returned, and what this unit of work then knows: the person has no state."""
    if step is None:
        return None
    _forget_loaded_state(session, claim.telegram_user_id)
    session.info.setdefault(_NO_CONVERSATION, set()).add(claim.telegram_user_id)
    return step, dict(data or {})


def _save_state_statement(dialect: str) -> Any:
    table = ConversationState.__table__
    columns = ("telegram_user_id", "flow", "step", "data", "updated_at")
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        **{name: bindparam(name, type_=table.c[name].type) for name in columns}
    )
    return insert.on_conflict_do_update(
        index_elements=[table.c.telegram_user_id],
        set_={name: insert.excluded[name] for name in columns[1:]},
    )


def _take_state_statement(_dialect: str) -> Any:
    table = ConversationState.__table__
    return (
        delete(table)
        .where(
            table.c.telegram_user_id == bindparam("b_user"),
            table.c.flow == bindparam("b_flow"),
            table.c.step.in_(bindparam("b_steps", expanding=True)),
        )
        .returning(table.c.step, table.c.data)
    )


_SAVE_STATE = Prepared(_save_state_statement)
_TAKE_STATE = Prepared(_take_state_statement)


def _month_and_sales_statement(_dialect: str) -> Any:
    month = bindparam("month", type_=MonthlyReport.month.type)
    return (
        select(MonthlyReport)
        .where(
            MonthlyReport.member_id == bindparam("member_id"),
            or_(MonthlyReport.month == month, MonthlyReport.no_sales.is_(False)),
        )
        .order_by((MonthlyReport.month == month).desc(), MonthlyReport.month.desc())
        .limit(bindparam("limit"))
    )


def _of_member_statement(_dialect: str) -> Any:
    return (
        select(MonthlyReport)
        .where(
            MonthlyReport.member_id == bindparam("member_id"),
            MonthlyReport.month.between(bindparam("first"), bindparam("last")),
        )
        .order_by(MonthlyReport.month)
    )


def _year_in_context_statement(_dialect: str, *, taking: bool = False) -> Any:
    """The member's reports from `first` to `last` and, in the same statement, what saving the
    report of `month` goes on to ask: whether a payment through a request waits for its place
    in the omzet (db.request_queries `paid_unsettled`) and the cluster's published snapshot
    (db.summary_queries `published_median`). One row at least (the context), joined to the
    reports when there are any.

    `taking` (PostgreSQL): the person's conversation state is also taken (deleted, returned as
    taken_step and taken_data) in a data-modifying CTE of the same statement (Conversations.take)."""
    month = bindparam("month", type_=MonthlyReport.month.type)
    f = MarketFollowUp
    paid = exists().where(
        f.member_id == bindparam("member_id"), f.month == month, f.role == "member", f.value > 0,
        f.omzet_answer.is_(None),
    )
    snapshot = [
        select(column).where(ClusterSummary.cluster_id == bindparam("cluster_id"), ClusterSummary.month == month)
        .scalar_subquery().label(name)
        for column, name in ((ClusterSummary.reporters, "published_reporters"), (ClusterSummary.median, "published_median"))
    ]
    taken_columns = []
    if taking:
        taken = _take_state_statement(_dialect).cte("taken_state")
        taken_columns = [
            select(taken.c.step).scalar_subquery().label("taken_step"),
            select(taken.c.data).scalar_subquery().label("taken_data"),
        ]
    context = select(paid.label("paid_unsettled"), *snapshot, *taken_columns).subquery("report_context")
    return (
        select(
            MonthlyReport, context.c.paid_unsettled, context.c.published_reporters, context.c.published_median,
            *([context.c.taken_step, context.c.taken_data] if taking else []),
        )
        .select_from(context)
        .outerjoin(MonthlyReport, and_(
            MonthlyReport.member_id == bindparam("member_id"),
            MonthlyReport.month.between(bindparam("first"), bindparam("last")),
        ))
        .order_by(MonthlyReport.month)
    )


_REPORT_COLUMNS = ("member_id", "cluster_id", "month", "amount", "no_sales", "note", "reported_at", "updated_at", "version")


# SQLite's view whose INSTEAD OF trigger adds a first report with its first version and the
# cluster-month's total (migration 0026_first_report_entries). Not in the models' metadata:
# no table of that name is created.
_FIRST_ENTRIES = Table(
    "report_first_entries", MetaData(),
    *(Column(c.name, c.type) for c in MonthlyReport.__table__.c if c.name in (*_REPORT_COLUMNS, "baseline_sum")),
    Column("earlier", Integer),
)


def _first_report_statement(dialect: str) -> Any:
    """A member's first report of a month with its baseline (summary_queries.first_report_baseline),
    its first version and the cluster-month's total, in one statement, returning its id, that
    baseline and how many of the member's first months came before.

    PostgreSQL: data-modifying CTEs (the version takes the report's id from RETURNING). SQLite:
    an insert into the view report_first_entries, whose trigger writes the three. A baseline
    UPDATE that is still needed reads the new row, so it stays a statement of its own: a CTE's
    parts share one snapshot."""
    reports, versions, totals = MonthlyReport.__table__, ReportVersion.__table__, ClusterMonthTotal.__table__
    values = {name: bindparam(name, type_=reports.c[name].type) for name in _REPORT_COLUMNS}
    baseline, earlier = summary_queries.first_report_baseline(values["member_id"], values["month"])
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(reports).values(
        **values, baseline_sum=baseline
    )
    returned = (reports.c.id, reports.c.baseline_sum, earlier.label("earlier"))
    if dialect != "postgresql":
        entry = _FIRST_ENTRIES.insert().values(**values, baseline_sum=baseline, earlier=earlier)
        # The view's trigger has added the row when RETURNING is read: its id by its key.
        added = (
            select(reports.c.id)
            .where(reports.c.member_id == values["member_id"], reports.c.month == values["month"])
            .scalar_subquery()
        )
        return entry.returning(added, _FIRST_ENTRIES.c.baseline_sum, _FIRST_ENTRIES.c.earlier)
    added = insert.returning(*returned).cte("added")
    version = versions.insert().from_select(
        ["report_id", "version", "old_amount", "old_no_sales", "new_amount", "new_no_sales", "recorded_at"],
        select(added.c.id, values["version"], null(), null(), values["amount"], values["no_sales"], values["updated_at"]),
    ).cte("first_version")
    total = postgresql.insert(totals).values(
        cluster_id=values["cluster_id"], month=values["month"], reporters=literal(1), total=values["amount"]
    )
    total = total.on_conflict_do_update(
        index_elements=[totals.c.cluster_id, totals.c.month],
        set_={"reporters": totals.c.reporters + total.excluded.reporters, "total": totals.c.total + total.excluded.total},
    ).cte("month_total")
    return select(added.c.id, added.c.baseline_sum, added.c.earlier).add_cte(version, total)


_FIRST_REPORT = Prepared(_first_report_statement)
_MONTH_AND_SALES = Prepared(_month_and_sales_statement)
_YEAR_IN_CONTEXT = Prepared(_year_in_context_statement)
_YEAR_TAKING_STATE = Prepared(functools.partial(_year_in_context_statement, taking=True))
_ADD_VERSION = Prepared(lambda _dialect: ReportVersion.__table__.insert())
_OF_MEMBER = Prepared(_of_member_statement)


class Reports(_Repository):
    """Monthly omzet reports and their versions, addressed by member and "YYYY-MM" month.

    What one unit of work has read is kept for it (`_known`, `_sales`): a report's steps read
    the same rows more than once (the month, the member's recent months), and one statement
    serves them all."""

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._known: dict[tuple[int, str], MonthlyReport | None] = {}
        self._sales: dict[tuple[int, str], tuple[int, list[int]]] = {}
        self._ranges: dict[tuple[int, str, str], Sequence[MonthlyReport]] = {}
        self._paid_unsettled: dict[tuple[int, str], bool] = {}
        self._snapshots: dict[tuple[int, str], tuple[int, int | None] | None] = {}

    async def get(self, member_id: int, month: str) -> MonthlyReport | None:
        if (member_id, month) in self._known:
            return self._known[(member_id, month)]
        row = await self.session.scalar(
            select(MonthlyReport).where(
                MonthlyReport.member_id == member_id, MonthlyReport.month == month
            )
        )
        self._known[(member_id, month)] = row
        return row

    async def with_recent_sales(self, member_id: int, month: str, limit: int) -> None:
        """Read the month's report and the member's `limit` latest months with sales besides
        it in one statement, for `get` and `recent_sales` to answer from."""
        rows = (await self.session.scalars(
            _MONTH_AND_SALES(self.session), {"member_id": member_id, "month": month, "limit": limit + 1}
        )).all()
        self._known[(member_id, month)] = next((r for r in rows if r.month == month), None)
        self._sales[(member_id, month)] = (limit, [r.amount for r in rows if r.month != month and not r.no_sales][:limit])

    async def add(self, report: MonthlyReport) -> MonthlyReport:
        self.session.add(report)
        await self.session.flush()
        self._remember_added(report)
        return report

    def _remember_added(self, report: MonthlyReport) -> None:
        self._known[(report.member_id, report.month)] = report
        # A new month is not "another" month for the sales already read, but belongs in a range.
        for (member_id, first, last), rows in self._ranges.items():
            if member_id == report.member_id and first <= report.month <= last:
                self._ranges[(member_id, first, last)] = sorted([*rows, report], key=lambda r: r.month)

    async def add_first(self, report: MonthlyReport) -> bool:
        """Add the member's first report of its month (version 1) with its baseline, its first
        version and the cluster-month's total, in one statement. Returns baseline_done: False
        when other reports' baselines change too (summary_queries.first_report_baseline)."""
        if self.session.dirty:
            await self.session.flush()  # changes already made go first, as with the ORM's own insert
        values = {name: getattr(report, name) for name in _REPORT_COLUMNS}
        row = (await self.session.execute(_FIRST_REPORT(self.session), values)).one()
        report.id, report.baseline_sum = row[0], row[1]
        # Known to the unit of work as the row it is, without an INSERT of its own.
        make_transient_to_detached(report)
        self.session.add(report)
        self._remember_added(report)
        return not (row[2] >= summary_queries.BASELINE_MONTHS - 1 and row[1] is None)

    async def add_version(self, **values: Any) -> None:
        """Keep a version of a report (ReportVersion's columns): one insert built once."""
        if self.session.dirty:
            await self.session.flush()  # the report's own change goes first (what the totals read)
        await self.session.execute(_ADD_VERSION(self.session), values)

    async def versions(self, report_id: int) -> Sequence[ReportVersion]:
        query = (
            select(ReportVersion)
            .where(ReportVersion.report_id == report_id)
            .order_by(ReportVersion.version)
        )
        return (await self.session.scalars(query)).all()

    async def of_member(self, member_id: int, first: str, last: str) -> Sequence[MonthlyReport]:
        """The member's reports from `first` to `last` (both "YYYY-MM", inclusive), oldest first."""
        if (member_id, first, last) in self._ranges:
            return self._ranges[(member_id, first, last)]
        rows = (await self.session.scalars(
            _OF_MEMBER(self.session), {"member_id": member_id, "first": first, "last": last}
        )).all()
        self._ranges[(member_id, first, last)] = rows
        found = {row.month: row for row in rows}
        for month in _months_between(first, last):
            self._known[(member_id, month)] = found.get(month)
        return rows

    async def year_for_report(
        self, member_id: int, cluster_id: int, first: str, month: str, *, taking: StateClaim | None = None
    ) -> tuple[str, dict[str, Any]] | None:
        """`of_member(member_id, first, month)`, and what the give-back after saving `month`
        reads (`paid_unsettled_known`, `published_snapshot`), in one statement.

        `taking`: the person's state is taken too (Conversations.take), and what was taken is
        returned: on PostgreSQL in the same statement (the answer to "Benar" claims its question
        and reads the year in one round trip), on SQLite (no writing CTEs) just before."""
        parameters = {"member_id": member_id, "cluster_id": cluster_id, "first": first, "last": month, "month": month}
        in_one = taking is not None and self.session.get_bind().dialect.name == "postgresql"
        taken = None
        if taking is not None and not in_one:
            taken = await Conversations(self.session).take(taking.telegram_user_id, taking.flow, taking.steps)
        statement = _YEAR_TAKING_STATE(self.session) if in_one else _YEAR_IN_CONTEXT(self.session)
        rows = (await self.session.execute(statement, {**parameters, **(taking.parameters() if in_one else {})})).all()
        reports = [row[0] for row in rows if row[0] is not None]
        self._ranges[(member_id, first, month)] = reports
        found = {row.month: row for row in reports}
        for each in _months_between(first, month):
            self._known[(member_id, each)] = found.get(each)
        _, paid, reporters, median, *taken_state = rows[0]
        self._paid_unsettled[(member_id, month)] = bool(paid)
        self._snapshots[(cluster_id, month)] = None if reporters is None else (int(reporters), median)
        if in_one:
            taken = _state_taken(self.session, taking, *taken_state)
        return taken

    def paid_unsettled_known(self, member_id: int, month: str) -> bool | None:
        """Whether a payment waits for its place in the month's omzet, as read in this unit of
        work (None: not read)."""
        return self._paid_unsettled.get((member_id, month))

    def published_snapshot(self, cluster_id: int, month: str) -> tuple[int, int | None] | None | bool:
        """(reporters, median) of the published snapshot as read in this unit of work; None
        when there is none; False when not read."""
        return self._snapshots.get((cluster_id, month), False)

    async def recent_sales(self, member_id: int, *, excluding: str, limit: int) -> list[int]:
        """Amounts of the member's latest months with sales, newest first, one month left out."""
        known = self._sales.get((member_id, excluding))
        if known is not None and (limit <= known[0] or len(known[1]) < known[0]):
            return known[1][:limit]
        query = (
            select(MonthlyReport.amount)
            .where(
                MonthlyReport.member_id == member_id,
                MonthlyReport.month != excluding,
                MonthlyReport.no_sales.is_(False),
            )
            .order_by(MonthlyReport.month.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())


def _months_between(first: str, last: str) -> list[str]:
    """ "YYYY-MM" months from `first` to `last`, inclusive."""
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
