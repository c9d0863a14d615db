"""SQL aggregates for cluster summaries: counts, sums and medians computed in the database.

Runs on SQLite (3.25+, window functions) and PostgreSQL. Summaries read the published amounts
(`monthly_reports.published_amount`, released at publication and in batches). The median is
the lower middle report: PostgreSQL's percentile_disc, on SQLite the row picked with ROW_NUMBER.

Growth since joining needs each member's first three reported months (their baseline): kept
when reports are written (`report_written`: `monthly_reports.baseline_sum`), so a summary reads
one month of reports. The changes against the previous month and last year read those months'
published snapshots. `cluster_month_totals` (also kept on write) gives the live counts shown
before a month is published. Bulk loads call `rebuild_upkeep`.

Growth by cohort (`cohort_groups`) reads the same rows as the month's growth, grouped by
cluster, month joined (in the cluster's zone) and first reported month (kept on the member
row); bot.services.summaries folds the groups into years.

Who counts as a member of a month is defined once, in `member_in_month`, and every count of
members (summaries, regions, comparisons, missing lists, reminders) goes through it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from db.models import Cluster, ClusterMonthTotal, ClusterSummary, Member, MonthlyReport
from db.sql import Prepared, dialect_insert

# Months in a baseline: its mean is the mean of a member's first this-many reported months.
BASELINE_MONTHS = 3
_CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class MonthAggregate:
    """One cluster's (or a region's) month, as published (`monthly_reports.published_amount`).

    `growth_total` is the month's omzet of the `growth_members` whose baseline was complete
    before the month; `growth_baseline_sum` is the sum of those members' baseline months (so
    the sum of their baseline means is that divided by BASELINE_MONTHS). `pending` counts the
    reports not yet released as they stand: late reports and corrections since publication.
    """

    reporters: int
    total: int
    median: Decimal
    growth_members: int
    growth_total: int
    growth_baseline_sum: int
    # Reports whose member row is gone (deleted): their reporters were members of the month,
    # though no member row says so any more (see member_in_month).
    unlinked: int = 0
    pending: int = 0

    @property
    def mean(self) -> Decimal:
        return Decimal(self.total) / Decimal(self.reporters) if self.reporters else Decimal(0)


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


def _unreleased():
    """A report whose amount is not (yet) the published one: a late report or a correction."""
    r = MonthlyReport
    return or_(r.published_amount.is_(None), r.published_amount != r.amount)


def _aggregate_query(
    postgresql: bool, month: str, cluster_ids: Sequence[int] | None, *, per_cluster: bool = True, released_only: bool = False
):
    """The statement behind `month_aggregates`: (k, reporters, total, median, growth members,
    growth total, growth baseline sum, unlinked, pending) per cluster (k) or pooled (k = 0).

    `released_only`: the released rows only, read through ix_monthly_reports_published (which
    holds every column read) instead of the month's every row; pending is then not counted (0)."""
    r = MonthlyReport
    p = r.published_amount
    released = p.is_not(None)
    in_month = and_(r.month == month, released) if released_only else r.month == month
    # Reports whose member was deleted (UU PDP) count in the month, not in anyone's growth.
    baseline = case((and_(released, r.member_id.is_not(None)), r.baseline_sum))
    grown_amount = case((and_(released, r.member_id.is_not(None), r.baseline_sum.is_not(None)), p))
    unlinked = case((and_(released, r.member_id.is_(None)), 1))
    # Counted only over the month's every row: among released rows it would miss late reports.
    pending = literal(None, Integer) if released_only else case((_unreleased(), 1))
    if postgresql:
        query = _filter(
            select(
                (r.cluster_id if per_cluster else literal(0)).label("k"),
                func.count(p),
                func.sum(p),
                func.percentile_disc(0.5).within_group(p),
                func.count(baseline),
                func.sum(grown_amount),
                func.sum(baseline),
                func.count(unlinked),
                func.count(pending),
            ).where(in_month),
            cluster_ids,
        )
        return query.group_by(r.cluster_id) if per_cluster else query
    key = r.cluster_id if per_cluster else literal(0)
    ranked = _filter(
        select(
            key.label("k"),
            p.label("amount"),
            grown_amount.label("grown_amount"),
            baseline.label("baseline"),
            unlinked.label("unlinked"),
            pending.label("pending"),
            # Released rows ranked among themselves (unreleased ones in a partition of their own).
            func.row_number().over(partition_by=[key, p.is_(None)], order_by=p).label("rn"),
            func.count(p).over(partition_by=key).label("cnt"),
        ).where(in_month),
        cluster_ids,
        seek=not released_only,
    ).subquery()
    middle = and_(ranked.c.amount.is_not(None), ranked.c.rn == (ranked.c.cnt + 1) // 2)
    return select(
        ranked.c.k,
        func.count(ranked.c.amount),
        func.sum(ranked.c.amount),
        func.max(case((middle, ranked.c.amount))),
        func.count(ranked.c.baseline),
        func.sum(ranked.c.grown_amount),
        func.sum(ranked.c.baseline),
        func.count(ranked.c.unlinked),
        func.count(ranked.c.pending),
    ).group_by(ranked.c.k)


def _aggregate(n, total, mid, g, g_total, g_base, lost, waiting) -> MonthAggregate | None:
    """A row of `_aggregate_query` (None where the cluster has nothing published or waiting)."""
    if not (n or waiting):
        return None
    return MonthAggregate(
        int(n), int(total or 0), Decimal(str(mid or 0)), int(g), int(g_total or 0), int(g_base or 0), int(lost),
        int(waiting),
    )


async def month_aggregates(
    session: AsyncSession, month: str, cluster_ids: Sequence[int] | None, *, per_cluster: bool = True
) -> dict[int, MonthAggregate]:
    """One pass over `month`'s reports: the published reporters, total, median and growth, and
    the changes waiting to be released, per cluster (or pooled under 0).

    Only released amounts count. Growth reads each report's `baseline_sum` (set when the
    member's first three reported months lie before this one), so nothing but this month's rows
    is read. The median is the lower middle report (PostgreSQL's percentile_disc; on SQLite the
    row by ROW_NUMBER): for an even count the mean of the two middle ones would let whoever holds
    one of them work out the other's exact omzet.
    """
    rows = await session.execute(_aggregate_query(_is_postgresql(session), month, cluster_ids, per_cluster=per_cluster))
    found = {int(k): _aggregate(*values) for k, *values in rows.all()}
    return {k: agg for k, agg in found.items() if agg is not None}


@dataclass(frozen=True)
class PublicationInput:
    """What publishing one cluster's month reads: its name, the month's aggregate (None when
    nothing is published or waiting), its members of the month (`member_in_month`), and the
    (reporters, total) snapshots of the previous month and of a year before (None when absent)."""

    cluster_id: int
    name: str
    aggregate: MonthAggregate | None
    members: int
    previous: tuple[int, int | None] | None
    year_ago: tuple[int, int | None] | None


async def publication_inputs(
    session: AsyncSession, month: str, previous: str, year_ago: str, cluster_ids: Sequence[int] | None
) -> list[PublicationInput]:
    """Everything `compile_published` reads, per cluster (all when None), in one statement:
    the month's aggregate, the member count and both comparison snapshots joined to the
    clusters (one round trip instead of five; the same subqueries as month_aggregates,
    member_counts and snapshot_totals). Over every cluster the aggregate reads the released
    rows only (its `pending` is then 0: publishing shows nothing else), found through
    ix_monthly_reports_published instead of reading the whole table. By cluster id."""
    ids = None if cluster_ids is None else tuple(sorted(set(cluster_ids)))
    query = _publication_statement(_is_postgresql(session), month, previous, year_ago, tuple(await _zones(session)), ids)
    return [
        PublicationInput(
            int(cluster_id), name, _aggregate(*values), int(n or 0),
            None if p_n is None else (int(p_n), p_total), None if y_n is None else (int(y_n), y_total),
        )
        for cluster_id, name, n, p_n, p_total, y_n, y_total, *values in (await session.execute(query)).all()
    ]


@lru_cache(maxsize=32)
def _publication_statement(
    postgresql: bool, month: str, previous: str, year_ago: str, zones: tuple[str, ...], cluster_ids: tuple[int, ...] | None
):
    """The statement of `publication_inputs`, built once per month (Core constructs are
    immutable and shared by every session): building its subqueries and aliases cost more
    Python than the rest of a publication's reading."""
    # Every cluster's released rows from ix_monthly_reports_published; a few clusters' month by
    # (cluster, month), for the reason given in cohort_groups.
    agg = _aggregate_query(postgresql, month, cluster_ids, released_only=cluster_ids is None).subquery("agg")
    members = _member_count_query(month, zones, cluster_ids).subquery("mc")
    before, last_year = aliased(ClusterSummary, name="prev"), aliased(ClusterSummary, name="year_ago")
    query = (
        select(
            Cluster.id, Cluster.name, members.c.n,
            before.reporters, before.total, last_year.reporters, last_year.total,
            *[column for column in agg.c if column.key != "k"],
        )
        .select_from(Cluster)
        .outerjoin(agg, agg.c.k == Cluster.id)
        .outerjoin(members, members.c.cluster_id == Cluster.id)
        .outerjoin(before, and_(before.cluster_id == Cluster.id, before.month == previous))
        .outerjoin(last_year, and_(last_year.cluster_id == Cluster.id, last_year.month == year_ago))
        .order_by(Cluster.id)
    )
    if cluster_ids is not None:
        query = query.where(Cluster.id.in_(list(cluster_ids)))
    return query


async def release(session: AsyncSession, month: str, cluster_ids: Sequence[int]) -> None:
    """Publish these clusters' reports of `month` as they stand now (first publication or a batch)."""
    r = MonthlyReport.__table__.c
    ids = sorted(set(cluster_ids))
    for start in range(0, len(ids), _CHUNK):
        await session.execute(
            update(MonthlyReport.__table__)
            .where(r.month == month, r.cluster_id.in_(ids[start:start + _CHUNK]),
                   or_(r.published_amount.is_(None), r.published_amount != r.amount))
            .values(published_amount=r.amount)
        )


async def published_totals(
    session: AsyncSession, months: Sequence[str], cluster_ids: Sequence[int]
) -> dict[tuple[int, str], tuple[int, int]]:
    """(cluster, month) -> (published reporters, published total), from the released amounts."""
    r = MonthlyReport
    query = (
        select(r.cluster_id, r.month, func.count(r.published_amount), func.sum(r.published_amount))
        .where(r.month.in_(list(months)), r.cluster_id.in_(list(cluster_ids)), r.published_amount.is_not(None))
        .group_by(r.cluster_id, r.month)
    )
    return {(int(c), m): (int(n), int(t or 0)) for c, m, n, t in (await session.execute(query)).all()}


async def snapshot_totals(
    session: AsyncSession, months: Sequence[str], cluster_ids: Sequence[int] | None
) -> dict[tuple[int, str], tuple[int, int | None]]:
    """(cluster, month) -> (reporters, total) as published (total None where not shown), for
    the months a summary compares with; plain rows, no ORM objects."""
    s = ClusterSummary
    query = select(s.cluster_id, s.month, s.reporters, s.total).where(s.month.in_(list(months)))
    if cluster_ids is not None:
        query = query.where(s.cluster_id.in_(sorted(set(cluster_ids))))
    return {(int(c), m): (int(n), t) for c, m, n, t in (await session.execute(query)).all()}


async def snapshots(session: AsyncSession, months: Sequence[str], cluster_ids: Sequence[int] | None) -> dict[tuple[int, str], ClusterSummary]:
    """The published snapshots of these clusters (all when None) for these months."""
    query = select(ClusterSummary).where(ClusterSummary.month.in_(list(months)))
    if cluster_ids is not None:
        ids = sorted(set(cluster_ids))
        result: dict[tuple[int, str], ClusterSummary] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = await session.scalars(query.where(ClusterSummary.cluster_id.in_(ids[start:start + _CHUNK])))
            result.update({(row.cluster_id, row.month): row for row in rows.all()})
        return result
    return {(row.cluster_id, row.month): row for row in (await session.scalars(query)).all()}


_PUBLISHED_MEDIAN = Prepared(lambda _dialect: select(ClusterSummary.reporters, ClusterSummary.median).where(
    ClusterSummary.cluster_id == bindparam("cluster_id"), ClusterSummary.month == bindparam("month")
))


async def published_median(session: AsyncSession, cluster_id: int, month: str) -> tuple[int, int | None] | None:
    """(reporters, median) of the cluster's published snapshot for the month, or None."""
    row = (await session.execute(_PUBLISHED_MEDIAN(session), {"cluster_id": cluster_id, "month": month})).first()
    return (int(row[0]), row[1]) if row is not None else None


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


# Rows that are a request, not a membership: waiting for the chair, or refused.
NOT_YET_MEMBERS = ("pending", "rejected")


def month_bounds(month: str, zone: str) -> tuple[datetime, datetime]:
    """The first instant of `month` ("2026-10") and of the month after, in `zone`, as UTC.

    Months are calendar months in the cluster's own zone, as reports are."""
    year, number = (int(part) for part in month.split("-"))
    following = (year + 1, 1) if number == 12 else (year, number + 1)
    tz = ZoneInfo(zone)
    return (
        datetime.combine(date(year, number, 1), time(0), tzinfo=tz).astimezone(UTC),
        datetime.combine(date(*following, 1), time(0), tzinfo=tz).astimezone(UTC),
    )


def member_in_month(month: str, zone: str | Sequence[str]) -> ColumnElement[bool]:
    """Whether a member row was a member at some point of `month`: the one definition.

    A membership is the interval [joined_at, left_at); a member of the month is one whose
    interval overlaps the month's [start, end): joined before it ended and not gone by its
    start. A request waiting for approval (or refused) is no membership. Past months therefore
    never change when someone leaves later.

    A reporter of the month always satisfies this: saving a report moves joined_at back to
    the start of its month when it was later (reports._write; `refresh_joined` for bulk
    loads), and a member who left can no longer report; reports whose member row was deleted
    are counted by `month_aggregates` as `unlinked`. So reporters never outnumber members.

    `zone` is the cluster's zone (one cluster), or every zone the clusters use: then the
    boundaries are picked by `clusters.timezone`, and the caller joins Cluster.
    """
    if isinstance(zone, str):
        start, end = month_bounds(month, zone)
    else:
        def by_zone(index: int) -> ColumnElement[datetime]:
            # Typed literals: the database must compare timestamps, not text (SQLite) or
            # guess the parameter's type (asyncpg).
            def instant(z: str) -> ColumnElement[datetime]:
                return literal(month_bounds(month, z)[index], Member.joined_at.type)

            if not zone:
                return instant("UTC")
            return case({z: instant(z) for z in zone}, value=Cluster.timezone, else_=instant("UTC"))

        start, end = by_zone(0), by_zone(1)
    return and_(
        # Written out, not bound: with parameters PostgreSQL's generic plan (from the sixth
        # run of a prepared statement) guesses one matching member and loops over every
        # cluster for each, ten times slower.
        Member.status.not_in([literal_column(f"'{status}'") for status in NOT_YET_MEMBERS]),
        Member.joined_at < end,
        or_(Member.left_at.is_(None), Member.left_at > start),
    )


async def _zones(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(Cluster.timezone).distinct())).all())


def _member_count_query(month: str, zones: Sequence[str], cluster_ids: Sequence[int] | None):
    """(cluster_id, n): members of `month` per cluster (`member_in_month`)."""
    if len(zones) == 1:
        # Every cluster in one zone (a province's usual case): plain bounds, no join.
        query = select(Member.cluster_id, func.count().label("n")).where(member_in_month(month, zones[0]))
    else:
        query = (
            select(Member.cluster_id, func.count().label("n"))
            .join(Cluster, Cluster.id == Member.cluster_id)
            .where(member_in_month(month, zones))
        )
    if cluster_ids is not None:
        query = query.where(Member.cluster_id.in_(cluster_ids))
    return query.group_by(Member.cluster_id)


async def member_counts(session: AsyncSession, month: str, cluster_ids: Sequence[int] | None) -> dict[int, int]:
    """Members of `month` per cluster (`member_in_month`), from the member rows.

    Add `MonthAggregate.unlinked` for reporters whose row was deleted."""
    query = _member_count_query(month, await _zones(session), cluster_ids)
    return {c: int(n) for c, n in (await session.execute(query)).all()}


async def cluster_names(session: AsyncSession, cluster_ids: Sequence[int] | None = None) -> dict[int, str]:
    """Cluster id -> name, for the given clusters (all when None)."""
    query = select(Cluster.id, Cluster.name).order_by(Cluster.id)
    if cluster_ids is not None:
        query = query.where(Cluster.id.in_(cluster_ids))
    return {int(i): name for i, name in (await session.execute(query)).all()}


async def cluster_zones(session: AsyncSession, cluster_ids: Sequence[int] | None = None) -> dict[int, tuple[str, str]]:
    """Cluster id -> (name, zone), for the given clusters (all when None), by id."""
    query = select(Cluster.id, Cluster.name, Cluster.timezone).order_by(Cluster.id)
    if cluster_ids is not None:
        query = query.where(Cluster.id.in_(list(cluster_ids)))
    return {int(i): (name, zone) for i, name, zone in (await session.execute(query)).all()}


async def pending_changes(session: AsyncSession, month: str, cluster_ids: Sequence[int] | None) -> dict[int, int]:
    """Cluster -> reports of `month` not released as they stand (late reports, corrections)."""
    r = MonthlyReport
    query = _filter(
        select(r.cluster_id, func.count()).where(r.month == month, _unreleased()), cluster_ids, seek=True
    ).group_by(r.cluster_id)
    return {int(c): int(n) for c, n in (await session.execute(query)).all()}


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


async def refresh_joined(session: AsyncSession | AsyncConnection) -> None:
    """Move each member's joined_at back to the start of their first reported month where it
    is later (in their cluster's zone): what saving a report does, for reports loaded in bulk.

    One UPDATE per (zone, first month) pair: a few dozen statements, each set-based.
    """
    reports, members, clusters = MonthlyReport.__table__, Member.__table__, Cluster.__table__
    firsts = (
        select(reports.c.member_id, func.min(reports.c.month).label("first_month"))
        .where(reports.c.member_id.is_not(None))
        .group_by(reports.c.member_id)
        .subquery()
    )
    pairs = (await session.execute(
        select(clusters.c.timezone, firsts.c.first_month)
        .select_from(firsts.join(members, members.c.id == firsts.c.member_id).join(clusters, clusters.c.id == members.c.cluster_id))
        .distinct()
    )).all()
    for zone, first_month in pairs:
        start, _ = month_bounds(first_month, zone)
        await session.execute(
            update(members)
            .where(
                members.c.joined_at > start,
                members.c.cluster_id.in_(select(clusters.c.id).where(clusters.c.timezone == zone)),
                members.c.id.in_(select(firsts.c.member_id).where(firsts.c.first_month == first_month)),
            )
            .values(joined_at=start)
        )


async def rebuild_upkeep(session: AsyncSession | AsyncConnection) -> None:
    """Baselines, monthly totals and join dates from every report: after a bulk load."""
    await refresh_baselines(session)
    await refresh_month_totals(session)
    await refresh_joined(session)


def _month_total_statement(dialect: str) -> Any:
    table = ClusterMonthTotal.__table__
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        cluster_id=bindparam("cluster_id"), month=bindparam("month"),
        reporters=bindparam("reporters"), total=bindparam("total"),
    )
    return upsert.on_conflict_do_update(
        index_elements=[table.c.cluster_id, table.c.month],
        set_={"reporters": table.c.reporters + upsert.excluded.reporters, "total": table.c.total + upsert.excluded.total},
    )


def _baseline_statement(_dialect: str) -> Any:
    reports = MonthlyReport.__table__
    # An alias, so the subqueries read the member's rows and are not correlated to the UPDATE.
    source = reports.alias("firsts_source")
    firsts = (
        select(source.c.month, source.c.amount)
        .where(source.c.member_id == bindparam("b_member"))
        .order_by(source.c.month)
        .limit(BASELINE_MONTHS)
        .subquery("firsts")
    )
    third = select(func.max(firsts.c.month)).scalar_subquery()
    complete = select(func.count()).select_from(firsts).scalar_subquery() == BASELINE_MONTHS
    amount_sum = select(func.sum(firsts.c.amount)).scalar_subquery()
    month = bindparam("b_month", type_=reports.c.month.type)
    return (
        update(reports)
        .where(reports.c.member_id == bindparam("b_member"), or_(reports.c.month == month, month <= third))
        .values(baseline_sum=case((and_(complete, reports.c.month > third), amount_sum)))
    )


def first_report_baseline(member: Any, month: Any) -> tuple[ColumnElement[Any], ColumnElement[int]]:
    """For a report of `month` being added (not yet a row): its `baseline_sum` from the
    member's other reports, and how many of their first three months there are besides it.

    The new row's baseline is the sum of the member's first three months when it comes after
    them. No other row changes unless the new month is among the first three of at least
    three: with `earlier` >= 2 and no baseline for the new row, `report_written` must still
    run the baseline UPDATE; otherwise the one INSERT did it all (a first report, B1)."""
    source = MonthlyReport.__table__.alias("others")
    firsts = (
        select(source.c.month, source.c.amount)
        .where(source.c.member_id == member, source.c.month != month)
        .order_by(source.c.month)
        .limit(BASELINE_MONTHS)
        .subquery("other_firsts")
    )
    complete = select(func.count()).select_from(firsts).scalar_subquery()
    third = select(func.max(firsts.c.month)).scalar_subquery()
    amount_sum = select(func.sum(firsts.c.amount)).scalar_subquery()
    baseline = case((and_(complete == BASELINE_MONTHS, month > third), amount_sum))
    return baseline, complete


_MONTH_TOTAL = Prepared(_month_total_statement)
_BASELINE = Prepared(_baseline_statement)


async def report_written(
    session: AsyncSession, member_id: int, cluster_id: int, month: str, *, added: bool, amount_change: int,
    baseline_kept: bool = False,
) -> None:
    """Keep what summaries read right after a member's report for `month` was added or changed,
    in at most two statements and without recounting anything.

    The cluster's total for the month: a report `added` moved it in the statement that added
    it (db.repositories.Reports.add_first); a changed one moves it here by the amount's change.
    The baseline: a month after the member's first three carries their sum (one row updated);
    a first, late or corrected month among the first three sets it again on all of the
    member's reports. The first three are looked up inside the UPDATE. `baseline_kept`: the
    INSERT that added the report set every baseline this report changes (`first_report_baseline`).
    """
    if not added:
        await session.execute(
            _MONTH_TOTAL(session), {"cluster_id": cluster_id, "month": month, "reporters": 0, "total": amount_change}
        )
    if not baseline_kept:
        await session.execute(_BASELINE(session), {"b_member": member_id, "b_month": month})


async def reporters_of(session: AsyncSession, month: str, cluster_id: int) -> set[int]:
    """Member ids who reported the month (figures are never returned, only who)."""
    rows = await session.scalars(
        select(MonthlyReport.member_id).where(
            MonthlyReport.month == month, MonthlyReport.cluster_id == cluster_id, MonthlyReport.member_id.is_not(None)
        )
    )
    return set(rows.all())


def _joined_month(session: AsyncSession | AsyncConnection, zones: Sequence[str]) -> ColumnElement[str]:
    """The member's joined_at as "YYYY-MM" in their report's cluster zone (Cluster joined).

    PostgreSQL converts with the zone itself; SQLite (no zone database) adds the zone's offset,
    which is fixed for the Indonesian zones (no daylight saving: WIB, WITA, WIT)."""
    if _is_postgresql(session):
        return func.to_char(func.timezone(Cluster.timezone, Member.joined_at), "YYYY-MM")
    reference = datetime(2026, 1, 1)

    def shift(zone: str) -> str:
        offset = ZoneInfo(zone).utcoffset(reference)
        return f"{int(offset.total_seconds() // 60):+d} minutes" if offset else "+0 minutes"

    modifier = case({z: literal(shift(z)) for z in zones}, value=Cluster.timezone, else_=literal("+0 minutes")) if zones else literal("+0 minutes")
    return func.strftime("%Y-%m", Member.joined_at, modifier)


@dataclass(frozen=True)
class CohortGroup:
    """Members behind a month's growth since joining who joined in `joined_month` and reported
    first in `first_month`: how many, their omzet this month, the sum of their baseline months."""

    cluster_id: int
    joined_month: str
    first_month: str
    members: int
    total: int
    baseline_sum: int


async def cohort_groups(session: AsyncSession, month: str, cluster_ids: Sequence[int] | None) -> list[CohortGroup]:
    """The rows of `month_aggregates`' growth (released, linked to a member, baseline complete
    before the month), grouped by cluster, month of joining and first reported month: a few
    dozen groups per cluster, summed in SQL. The first reported month is read from the member
    row (`members.first_month`, kept by triggers when reports are written: migration
    0024_first_month), not looked up in each member's reports."""
    r = MonthlyReport
    postgresql = _is_postgresql(session)
    zones = [] if postgresql else (await session.scalars(select(Cluster.timezone).distinct())).all()
    released = r.published_amount.is_not(None)
    growth = (
        select(
            r.cluster_id.label("cluster_id"), _joined_month(session, zones).label("joined_month"),
            Member.first_month.label("first_month"), r.published_amount.label("amount"),
            case((released, r.baseline_sum)).label("baseline"),
        )
        .join(Member, Member.id == r.member_id)
        .join(Cluster, Cluster.id == r.cluster_id)
        .where(r.month == month, r.baseline_sum.is_not(None))
    )
    # Only released rows count (the sums below skip the others). Every cluster's are read from
    # ix_monthly_reports_published (month first); a few clusters' month is sought by (cluster,
    # month), with the released test left to the sums: in WHERE it would let PostgreSQL, which
    # right after a release expects no released row, pick the partial index and read the whole
    # month's entries for them.
    rows = (growth.where(released) if cluster_ids is None else _filter(growth, cluster_ids)).subquery("growth_rows")
    keys = (rows.c.cluster_id, rows.c.joined_month, rows.c.first_month)
    query = (
        select(*keys, func.count(rows.c.amount), func.sum(rows.c.amount), func.sum(rows.c.baseline))
        .group_by(*keys)
        .having(func.count(rows.c.amount) > 0)
    )
    # Every cluster's month is tens of thousands of rows; right after its release (publishing
    # calls this in the same transaction) PostgreSQL's statistics still say none is released,
    # so it plans for one row and probes members by primary key once per report (80,000
    # probes: 0.37 s at 1,000 clusters x 100,000 members) instead of reading members once into
    # a hash (0.2 s). A few clusters' rows are few: there the probes are right.
    # The setting is local to the transaction (a failure rolls it back with everything else).
    many = postgresql and cluster_ids is None
    if many:
        previous = (await session.execute(text("SELECT current_setting('enable_nestloop')"))).scalar_one()
        await session.execute(text("SELECT set_config('enable_nestloop', 'off', true)"))
    found = (await session.execute(query)).all()
    if many:
        await session.execute(text("SELECT set_config('enable_nestloop', :value, true)"), {"value": previous})
    return [
        CohortGroup(int(c), str(j), str(f), int(n), int(total or 0), int(base or 0))
        for c, j, f, n, total, base in found
    ]
