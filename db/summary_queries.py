"""SQL aggregates for cluster summaries: counts, sums and medians computed in the database.

Portable between SQLite (3.25+, window functions) and PostgreSQL: the median is the mean of
the middle row(s) picked with ROW_NUMBER, not a dialect-specific percentile function.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Member, MonthlyReport


@dataclass(frozen=True)
class Aggregate:
    reporters: int
    total: int
    mean: Decimal
    median: Decimal


def _filter(query, cluster_ids: Sequence[int] | None):
    return query if cluster_ids is None else query.where(MonthlyReport.cluster_id.in_(cluster_ids))


async def aggregates(
    session: AsyncSession, month: str, cluster_ids: Sequence[int] | None, *, per_cluster: bool = True
) -> dict[int, Aggregate]:
    """Reporters, total, mean and median of one month, per cluster (or all together under 0)."""
    base = _filter(
        select(MonthlyReport.cluster_id, MonthlyReport.amount).where(MonthlyReport.month == month), cluster_ids
    ).subquery()
    group = base.c.cluster_id if per_cluster else literal(0)
    partition = base.c.cluster_id if per_cluster else None
    stats_query = select(group.label("k"), func.count(), func.sum(base.c.amount), func.avg(base.c.amount))
    if per_cluster:
        stats_query = stats_query.group_by(base.c.cluster_id)
    ranked = select(
        group.label("k"),
        base.c.amount,
        func.row_number().over(partition_by=partition, order_by=base.c.amount).label("rn"),
        func.count().over(partition_by=partition).label("cnt"),
    ).subquery()
    middle = await session.execute(
        select(ranked.c.k, func.avg(ranked.c.amount))
        .where(ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2]))
        .group_by(ranked.c.k)
    )
    medians = {int(k): Decimal(str(v)) for k, v in middle.all()}
    result = {}
    for k, count, total, mean in (await session.execute(stats_query)).all():
        if count:
            result[int(k)] = Aggregate(int(count), int(total or 0), Decimal(str(mean or 0)), medians.get(int(k), Decimal(0)))
    return result


async def totals(session: AsyncSession, months: Sequence[str], cluster_ids: Sequence[int] | None) -> dict[tuple[int, str], tuple[int, int]]:
    """(cluster, month) -> (reporters, total) for the months compared against."""
    query = _filter(
        select(MonthlyReport.cluster_id, MonthlyReport.month, func.count(), func.sum(MonthlyReport.amount))
        .where(MonthlyReport.month.in_(list(months)))
        .group_by(MonthlyReport.cluster_id, MonthlyReport.month),
        cluster_ids,
    )
    return {(c, m): (int(n), int(t or 0)) for c, m, n, t in (await session.execute(query)).all()}


async def member_counts(session: AsyncSession, joined_before: datetime, cluster_ids: Sequence[int] | None) -> dict[int, int]:
    """Active members who had joined by the end of the month, per cluster."""
    query = select(Member.cluster_id, func.count()).where(
        Member.status == "active", Member.joined_at < joined_before
    )
    if cluster_ids is not None:
        query = query.where(Member.cluster_id.in_(cluster_ids))
    return {c: int(n) for c, n in (await session.execute(query.group_by(Member.cluster_id))).all()}


async def growth_since_joining(
    session: AsyncSession, month: str, cluster_ids: Sequence[int] | None, *, min_reports: int = 6
) -> dict[int, tuple[Decimal, Decimal, int]]:
    """Per cluster: sum of members' first-3-month means, of last-3-month means, and how many.

    Only members with at least `min_reports` months up to `month`, so first and last differ.
    """
    ranked = _filter(
        select(
            MonthlyReport.member_id,
            MonthlyReport.cluster_id,
            MonthlyReport.amount,
            func.row_number().over(partition_by=MonthlyReport.member_id, order_by=MonthlyReport.month).label("up"),
            func.count().over(partition_by=MonthlyReport.member_id).label("n"),
        ).where(MonthlyReport.month <= month, MonthlyReport.member_id.is_not(None)),
        cluster_ids,
    ).subquery()
    per_member = (
        select(
            ranked.c.member_id,
            func.max(ranked.c.cluster_id).label("cluster_id"),
            func.avg(case((ranked.c.up <= 3, ranked.c.amount))).label("first"),
            # Position from the end is n - up + 1: one sort instead of two.
            func.avg(case((ranked.c.n - ranked.c.up < 3, ranked.c.amount))).label("last"),
        )
        .where(and_(ranked.c.n >= min_reports))
        .group_by(ranked.c.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(per_member.c.cluster_id, func.sum(per_member.c.first), func.sum(per_member.c.last), func.count()).group_by(
            per_member.c.cluster_id
        )
    )
    return {int(c): (Decimal(str(f or 0)), Decimal(str(last or 0)), int(n)) for c, f, last, n in rows.all()}


async def reporters_of(session: AsyncSession, month: str, cluster_id: int) -> set[int]:
    """Member ids who reported the month (figures are never returned, only who)."""
    rows = await session.scalars(
        select(MonthlyReport.member_id).where(
            MonthlyReport.month == month, MonthlyReport.cluster_id == cluster_id, MonthlyReport.member_id.is_not(None)
        )
    )
    return set(rows.all())
