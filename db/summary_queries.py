"""SQL aggregates for cluster summaries: counts, sums and medians computed in the database.

Runs on SQLite (3.25+, window functions) and PostgreSQL. The median is PostgreSQL's
percentile_cont, and on SQLite the mean of the middle row(s) picked with ROW_NUMBER.

Growth since joining needs each member's first three reported months (their baseline), and
the changes need the previous month's and last year's totals. Both are kept when reports are
written (`report_written`: `monthly_reports.baseline_sum`, `cluster_month_totals`), so a
summary reads one month of reports and nothing older. Bulk loads call `rebuild_upkeep`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import Cluster, ClusterMonthTotal, ClusterSummary, Member, MonthlyReport
from db.sql import dialect_insert

# Months in a baseline: its mean is the mean of a member's first this-many reported months.
BASELINE_MONTHS = 3
_CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class MonthAggregate:
    """One cluster's (or a region's) month.

    `growth_total` is the month's omzet of the `growth_members` whose baseline was complete
    before the month; `growth_baseline_sum` is the sum of those members' baseline months (so
    the sum of their baseline means is that divided by BASELINE_MONTHS).
    """

    reporters: int
    total: int
    median: Decimal
    growth_members: int
    growth_total: int
    growth_baseline_sum: int

    @property
    def mean(self) -> Decimal:
        return Decimal(self.total) / Decimal(self.reporters)


def _filter(query, cluster_ids: Sequence[int] | None, *, seek: bool = False):
    """Only these clusters' reports (every cluster's when None).

    `seek` (SQLite): every cluster's still as `cluster_id IN (SELECT id FROM clusters)`, so that
    SQLite seeks (cluster, month) in ix_monthly_reports_cluster_month instead of scanning the
    whole index for one month. PostgreSQL plans better without it.
    """
    if cluster_ids is None:
        return query.where(MonthlyReport.cluster_id.in_(select(Cluster.id).scalar_subquery())) if seek else query
    return query.where(MonthlyReport.cluster_id.in_(list(cluster_ids)))


def _is_postgresql(session: AsyncSession | AsyncConnection) -> bool:
    bind = session.get_bind() if isinstance(session, AsyncSession) else session
    return bind.dialect.name == "postgresql"


async def month_aggregates(
    session: AsyncSession, month: str, cluster_ids: Sequence[int] | None, *, per_cluster: bool = True
) -> dict[int, MonthAggregate]:
    """One pass over `month`'s reports: reporters, total, median and growth, per cluster (or 0).

    Growth reads each report's `baseline_sum` (set when the member's first three reported
    months lie before this one), so nothing but this month's rows is read. The median:
    PostgreSQL's percentile_cont; on SQLite (no percentile function) the mean of the middle
    row(s) by ROW_NUMBER. Both give the exact middle of whole rupiah.
    """
    r = MonthlyReport
    # Reports whose member was deleted (UU PDP) count in the month, not in anyone's growth.
    baseline = case((r.member_id.is_not(None), r.baseline_sum))
    grown_amount = case((and_(r.member_id.is_not(None), r.baseline_sum.is_not(None)), r.amount))
    if _is_postgresql(session):
        query = _filter(
            select(
                r.cluster_id if per_cluster else literal(0),
                func.count(),
                func.sum(r.amount),
                func.percentile_cont(0.5).within_group(r.amount),
                func.count(baseline),
                func.sum(grown_amount),
                func.sum(baseline),
            ).where(r.month == month),
            cluster_ids,
        )
        if per_cluster:
            query = query.group_by(r.cluster_id)
    else:
        partition = r.cluster_id if per_cluster else None
        ranked = _filter(
            select(
                (r.cluster_id if per_cluster else literal(0)).label("k"),
                r.amount.label("amount"),
                grown_amount.label("grown_amount"),
                baseline.label("baseline"),
                func.row_number().over(partition_by=partition, order_by=r.amount).label("rn"),
                func.count().over(partition_by=partition).label("cnt"),
            ).where(r.month == month),
            cluster_ids,
            seek=True,
        ).subquery()
        middle = ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2])
        query = select(
            ranked.c.k,
            func.count(),
            func.sum(ranked.c.amount),
            func.avg(case((middle, ranked.c.amount))),
            func.count(ranked.c.baseline),
            func.sum(ranked.c.grown_amount),
            func.sum(ranked.c.baseline),
        ).group_by(ranked.c.k)
    rows = await session.execute(query)
    return {
        int(k): MonthAggregate(int(n), int(total or 0), Decimal(str(mid or 0)), int(g), int(g_total or 0), int(g_base or 0))
        for k, n, total, mid, g, g_total, g_base in rows.all()
        if n
    }


async def totals(session: AsyncSession, months: Sequence[str], cluster_ids: Sequence[int] | None) -> dict[tuple[int, str], tuple[int, int]]:
    """(cluster, month) -> (reporters, total) for the months compared against.

    Read from cluster_month_totals (kept when reports are written): those months' reports
    are not read again.
    """
    t = ClusterMonthTotal
    query = select(t.cluster_id, t.month, t.reporters, t.total).where(t.month.in_(list(months)))
    if cluster_ids is not None:
        query = query.where(t.cluster_id.in_(list(cluster_ids)))
    return {(c, m): (int(n), int(total)) for c, m, n, total in (await session.execute(query)).all() if n}


async def member_counts(session: AsyncSession, joined_before: datetime, cluster_ids: Sequence[int] | None) -> dict[int, int]:
    """Active members who had joined by the end of the month, per cluster."""
    query = select(Member.cluster_id, func.count()).where(
        Member.status == "active", Member.joined_at < joined_before
    )
    if cluster_ids is not None:
        query = query.where(Member.cluster_id.in_(cluster_ids))
    return {c: int(n) for c, n in (await session.execute(query.group_by(Member.cluster_id))).all()}


async def cluster_names(session: AsyncSession, cluster_ids: Sequence[int] | None = None) -> dict[int, str]:
    """Cluster id -> name, for the given clusters (all when None)."""
    query = select(Cluster.id, Cluster.name).order_by(Cluster.id)
    if cluster_ids is not None:
        query = query.where(Cluster.id.in_(cluster_ids))
    return {int(i): name for i, name in (await session.execute(query)).all()}


_SNAPSHOT_COLUMNS = ("members", "reporters", "total", "median", "mean", "figures", "computed_at")

# PostgreSQL: one array per column instead of eight parameters per row; a third faster than a
# multi-row VALUES for a thousand clusters. Same upsert as the portable statement below.
_PG_SNAPSHOTS = text(
    "INSERT INTO cluster_summaries (cluster_id, month, members, reporters, total, median, mean, figures, computed_at) "
    "SELECT c, :month, m, r, t, md, mn, CAST(f AS json), :computed_at FROM unnest("
    "CAST(:cluster_id AS integer[]), CAST(:members AS integer[]), CAST(:reporters AS integer[]), "
    "CAST(:total AS bigint[]), CAST(:median AS bigint[]), CAST(:mean AS bigint[]), CAST(:figures AS text[])"
    ") AS u(c, m, r, t, md, mn, f) "
    "ON CONFLICT (cluster_id, month) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _SNAPSHOT_COLUMNS)
)


async def store_snapshots(session: AsyncSession, month: str, rows: Sequence[dict[str, Any]], computed_at: datetime) -> None:
    """Insert or replace the (cluster, month) snapshots in one statement (no ORM round trips).

    Each row has cluster_id, members, reporters, total, median, mean and figures (a dict).
    """
    if not rows:
        return
    if _is_postgresql(session):
        columns = ("cluster_id", "members", "reporters", "total", "median", "mean")
        await session.execute(_PG_SNAPSHOTS, {
            "month": month, "computed_at": computed_at,
            **{c: [row[c] for row in rows] for c in columns},
            "figures": [json.dumps(row["figures"]) for row in rows],
        })
        return
    statement = dialect_insert(session)(ClusterSummary)
    statement = statement.on_conflict_do_update(
        index_elements=[ClusterSummary.cluster_id, ClusterSummary.month],
        set_={c: statement.excluded[c] for c in _SNAPSHOT_COLUMNS},
    )
    await session.execute(statement, [{**row, "month": month, "computed_at": computed_at} for row in rows])


def _first_months(member_ids: Sequence[int] | None):
    """Per member with reports: the sum of their first (up to) three reported months, and the
    third month (None while fewer than three are reported)."""
    ordered = select(
        MonthlyReport.member_id,
        MonthlyReport.month,
        MonthlyReport.amount,
        func.row_number().over(partition_by=MonthlyReport.member_id, order_by=MonthlyReport.month).label("rn"),
    ).where(MonthlyReport.member_id.is_not(None))
    if member_ids is not None:
        ordered = ordered.where(MonthlyReport.member_id.in_(member_ids))
    first = ordered.subquery()
    return (
        select(
            first.c.member_id,
            func.sum(first.c.amount).label("amount_sum"),
            case((func.count() >= BASELINE_MONTHS, func.max(first.c.month))).label("complete_month"),
        )
        .where(first.c.rn <= BASELINE_MONTHS)
        .group_by(first.c.member_id)
        .subquery("firsts")
    )


async def refresh_baselines(session: AsyncSession | AsyncConnection, member_ids: Iterable[int] | None = None) -> None:
    """Set `baseline_sum` on every report of these members (all when None) from their reports.

    One set-based UPDATE ... FROM: a few dozen rows per member, or every report after a bulk
    load (a session, or a bare connection when seeding).
    """
    reports = MonthlyReport.__table__  # Core: no ORM bookkeeping for a bulk update

    def statement(ids: Sequence[int] | None):
        firsts = _first_months(ids)
        return (
            update(reports)
            .where(reports.c.member_id == firsts.c.member_id)
            .values(baseline_sum=case((reports.c.month > firsts.c.complete_month, firsts.c.amount_sum)))
        )

    if member_ids is None:
        await session.execute(statement(None))
        return
    ids = sorted(set(member_ids))
    for start in range(0, len(ids), _CHUNK):
        await session.execute(statement(ids[start:start + _CHUNK]))


async def refresh_month_totals(
    session: AsyncSession | AsyncConnection, keys: Iterable[tuple[int, str]] | None = None
) -> None:
    """Recount these (cluster, month) totals (all when None) from the reports, in one statement each.

    Upserted, so it is right whether or not the row existed; a few index rows per key.
    """
    columns = ["cluster_id", "month", "reporters", "total"]
    if keys is None:
        await session.execute(delete(ClusterMonthTotal))
        counted = select(MonthlyReport.cluster_id, MonthlyReport.month, func.count(), func.sum(MonthlyReport.amount))
        await session.execute(insert(ClusterMonthTotal).from_select(columns, counted.group_by(
            MonthlyReport.cluster_id, MonthlyReport.month
        )))
        return
    upsert = dialect_insert(session)
    for cluster_id, month in sorted(set(keys)):
        counted = (
            select(MonthlyReport.cluster_id, MonthlyReport.month, func.count(), func.sum(MonthlyReport.amount))
            .where(MonthlyReport.cluster_id == cluster_id, MonthlyReport.month == month)
            .group_by(MonthlyReport.cluster_id, MonthlyReport.month)
        )
        statement = upsert(ClusterMonthTotal).from_select(columns, counted)
        await session.execute(statement.on_conflict_do_update(
            index_elements=[ClusterMonthTotal.cluster_id, ClusterMonthTotal.month],
            set_={"reporters": statement.excluded.reporters, "total": statement.excluded.total},
        ))


async def rebuild_upkeep(session: AsyncSession | AsyncConnection) -> None:
    """Baselines and monthly totals from every report: after reports were loaded in bulk."""
    await refresh_baselines(session)
    await refresh_month_totals(session)


async def report_written(session: AsyncSession, member_id: int, cluster_id: int, month: str) -> None:
    """Keep what summaries read right after a member's report for `month` was added or changed.

    The cluster's total for the month is recounted. The baseline: a month after the member's
    first three carries their sum (one lookup of three rows, one row updated); a first, late
    or corrected month among the first three sets it again on all of the member's reports.
    """
    await refresh_month_totals(session, [(cluster_id, month)])
    reports = MonthlyReport.__table__
    firsts = (await session.execute(
        select(reports.c.month, reports.c.amount)
        .where(reports.c.member_id == member_id)
        .order_by(reports.c.month)
        .limit(BASELINE_MONTHS)
    )).all()
    mine = reports.c.member_id == member_id
    if len(firsts) < BASELINE_MONTHS:
        await session.execute(update(reports).where(mine).values(baseline_sum=None))
        return
    third, amount_sum = firsts[-1][0], sum(amount for _, amount in firsts)
    if month > third:
        await session.execute(update(reports).where(mine, reports.c.month == month).values(baseline_sum=amount_sum))
    else:
        await session.execute(
            update(reports).where(mine).values(baseline_sum=case((reports.c.month > third, amount_sum)))
        )


async def reporters_of(session: AsyncSession, month: str, cluster_id: int) -> set[int]:
    """Member ids who reported the month (figures are never returned, only who)."""
    rows = await session.scalars(
        select(MonthlyReport.member_id).where(
            MonthlyReport.month == month, MonthlyReport.cluster_id == cluster_id, MonthlyReport.member_id.is_not(None)
        )
    )
    return set(rows.all())
