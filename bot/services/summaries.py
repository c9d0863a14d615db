"""Cluster summaries: members, reporters, totals, medians, changes and growth since joining.

Figures come from SQL aggregates (never by loading every report), are kept as a snapshot per
(cluster, month) and recompiled when a late report arrives. Fewer than 3 reporters: the money
figures are suppressed, because small groups make individual omzet guessable.

Growth since joining, for month M: the members who reported M and whose first three reported
months all lie before M (their baseline; its sum is kept on each later report); their total
omzet in M against the sum of their baseline means. Shown when at least 3 such members.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.dates import Month
from bot.domain import Actor, ClusterInfo, NotAllowed, NotFound
from bot.i18n import I18n
from bot.messages import reminders
from bot.quiet_hours import first_allowed
from bot.services.clusters import managed_cluster
from bot.services.converters import cluster_info
from db import summary_queries as q
from db.models import ClusterSummary, Member, MonthlyReport, TelegramUser
from db.sql import keyset_pages
from db.uow import UnitOfWork

MIN_REPORTERS = 3


def _rupiah(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ratio(new: int | Decimal | None, old: int | Decimal | None) -> Decimal | None:
    if new is None or old is None or old == 0:
        return None
    return Decimal(new) / Decimal(old) - 1


@dataclass(frozen=True)
class Figures:
    """One summary: a cluster's (or a region's) month."""

    title: str
    month: Month
    members: int
    reporters: int
    total: int | None
    median: int | None
    mean: int | None
    change_previous: Decimal | None
    change_year: Decimal | None
    growth_since_joining: Decimal | None
    growth_members: int
    cluster_id: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.reporters < MIN_REPORTERS

    @property
    def reporting_rate(self) -> Decimal | None:
        return Decimal(self.reporters) / Decimal(self.members) if self.members else None


async def _figures(
    uow: UnitOfWork, month: Month, cluster_ids: Sequence[int] | None, *, per_cluster: bool, titles: dict[int, str]
) -> dict[int, Figures]:
    """Figures of the given clusters (every cluster when None), one per cluster or pooled under 0."""
    session = uow.session
    now_agg = await q.month_aggregates(session, str(month), cluster_ids, per_cluster=per_cluster)
    previous, year_ago = str(month.previous()), str(month.months_back(12))
    compare = await q.totals(session, [previous, year_ago], cluster_ids)
    members = await q.member_counts(session, str(month), cluster_ids)
    ids_all = list(titles) if cluster_ids is None else list(cluster_ids)
    keys = ids_all if per_cluster else [0]
    result = {}
    for key in keys:
        ids = [key] if per_cluster else ids_all
        agg = now_agg.get(key)
        reporters = agg.reporters if agg else 0
        prev = [compare.get((c, previous)) for c in ids]
        year = [compare.get((c, year_ago)) for c in ids]
        prev_reporters = sum(p[0] for p in prev if p)
        year_reporters = sum(y[0] for y in year if y)
        grown = agg.growth_members if agg else 0
        suppressed = reporters < MIN_REPORTERS
        result[key] = Figures(
            title=titles.get(key, ""),
            month=month,
            # Who was a member that month (q.member_in_month), and reporters whose member row
            # was deleted since: every reporter is a member, so the rate stays at most 100 %.
            members=sum(members.get(c, 0) for c in ids) + (agg.unlinked if agg else 0),
            reporters=reporters,
            total=None if suppressed else agg.total,
            median=None if suppressed else _rupiah(agg.median),
            mean=None if suppressed else _rupiah(agg.mean),
            change_previous=None if suppressed or prev_reporters < MIN_REPORTERS
            else _ratio(agg.total, sum(p[1] for p in prev if p)),
            change_year=None if suppressed or year_reporters < MIN_REPORTERS
            else _ratio(agg.total, sum(y[1] for y in year if y)),
            # This month's omzet of members with a complete baseline against the sum of their
            # baseline means (the mean of their first three reported months).
            growth_since_joining=_ratio(agg.growth_total, Decimal(agg.growth_baseline_sum) / q.BASELINE_MONTHS)
            if grown >= MIN_REPORTERS else None,
            growth_members=grown,
            cluster_id=key if per_cluster else None,
        )
    return result


async def compile_month(uow: UnitOfWork, month: Month, now: datetime, cluster_ids: Sequence[int] | None = None) -> list[Figures]:
    """Compute and store the snapshot of every given cluster (all when None)."""
    names = await q.cluster_names(uow.session, None if cluster_ids is None else sorted(set(cluster_ids)))
    ids = list(names) if cluster_ids is None else [c for c in cluster_ids if c in names]
    figures = await _figures(uow, month, None if cluster_ids is None else ids, per_cluster=True, titles=names)
    await q.store_snapshots(uow.session, str(month), [
        {
            "cluster_id": cluster_id, "members": f.members, "reporters": f.reporters,
            "total": f.total, "median": f.median, "mean": f.mean,
            "figures": {
                "change_previous": str(f.change_previous) if f.change_previous is not None else None,
                "change_year": str(f.change_year) if f.change_year is not None else None,
                "growth_since_joining": str(f.growth_since_joining) if f.growth_since_joining is not None else None,
                "growth_members": f.growth_members,
            },
        }
        for cluster_id, f in figures.items()
    ], now)
    await uow.commit()
    return [figures[i] for i in ids]


def _from_snapshot(row: ClusterSummary, title: str) -> Figures:
    extra = row.figures or {}

    def dec(name: str) -> Decimal | None:
        return Decimal(extra[name]) if extra.get(name) is not None else None

    return Figures(
        title=title, month=Month.parse_iso(row.month), members=row.members, reporters=row.reporters,
        total=row.total, median=row.median, mean=row.mean, change_previous=dec("change_previous"),
        change_year=dec("change_year"), growth_since_joining=dec("growth_since_joining"),
        growth_members=int(extra.get("growth_members") or 0), cluster_id=row.cluster_id,
    )


async def cluster_figures(uow: UnitOfWork, cluster_id: int, month: Month, now: datetime) -> Figures:
    """The snapshot, recompiled first when a report changed after it was computed."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    row = await uow.session.scalar(
        select(ClusterSummary).where(ClusterSummary.cluster_id == cluster_id, ClusterSummary.month == str(month))
    )
    latest = await uow.session.scalar(
        select(func.max(MonthlyReport.updated_at)).where(
            MonthlyReport.cluster_id == cluster_id, MonthlyReport.month <= str(month)
        )
    )
    latest_member = await uow.session.scalar(select(func.max(Member.updated_at)).where(Member.cluster_id == cluster_id))
    stale = row is None or any(t is not None and t > row.computed_at for t in (latest, latest_member))
    if stale:
        [figures] = await compile_month(uow, month, now, [cluster_id])
        return figures
    return _from_snapshot(row, cluster.name)


async def scope_clusters(uow: UnitOfWork, actor: Actor) -> list[ClusterInfo]:
    """Clusters whose summaries the actor may see."""
    if not (actor.is_ketua or actor.is_koordinator):
        raise NotAllowed("summary")
    return [c for c in (cluster_info(x) for x in await uow.clusters.all()) if actor.can_manage(c)]


async def summary_for(uow: UnitOfWork, actor: Actor, cluster_id: int, month: Month, now: datetime) -> Figures:
    """A chair's own cluster, or a koordinator's cluster in scope."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    if not actor.can_manage(cluster_info(cluster)):
        raise NotAllowed("cluster_scope")
    return await cluster_figures(uow, cluster_id, month, now)


async def region_figures(uow: UnitOfWork, actor: Actor, month: Month, kabupaten: str | None) -> Figures:
    """A koordinator's kabupaten (or everything in scope when None), aggregated in SQL."""
    if not actor.is_koordinator:
        raise NotAllowed("region_summary")
    clusters = await scope_clusters(uow, actor)
    if kabupaten is not None:
        clusters = [c for c in clusters if c.kabupaten.casefold() == kabupaten.casefold()]
    if not clusters:
        raise NotFound("region")
    title = kabupaten or ""
    figures = await _figures(uow, month, [c.id for c in clusters], per_cluster=False, titles={0: title})
    return figures[0]


async def comparison(uow: UnitOfWork, actor: Actor, month: Month, now: datetime) -> list[Figures]:
    """Clusters side by side, best first: growth since joining, then reporting rate, median."""
    if not actor.is_koordinator:
        raise NotAllowed("comparison")
    clusters = await scope_clusters(uow, actor)
    rows = await compile_month(uow, month, now, [c.id for c in clusters])

    def order(f: Figures) -> tuple:
        return (
            f.growth_since_joining is None,
            -(f.growth_since_joining or 0),
            -(f.reporting_rate or 0),
            -(f.median or 0),
        )

    return sorted(rows, key=order)


@dataclass(frozen=True)
class Missing:
    cluster: ClusterInfo
    month: Month
    names: tuple[tuple[int, str], ...]  # (member id, name)
    members: int


async def missing_reports(uow: UnitOfWork, actor: Actor | None, cluster_id: int, month: Month) -> Missing:
    """Who has not reported the month yet (names only, never figures).

    Read as (id, name) columns, not ORM objects: a 100,000-member cluster would cost some 200 MB.
    """
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    info = cluster_info(cluster)
    if actor is not None and not actor.can_manage(info):
        raise NotAllowed("cluster_scope")
    reported = await q.reporters_of(uow.session, str(month), cluster_id)
    rows = (await uow.session.execute(
        select(Member.id, Member.name).where(*_expected_reporters(info, month)).order_by(Member.name)
    )).all()
    return Missing(info, month, tuple((member_id, name or "") for member_id, name in rows if member_id not in reported), len(rows))


def _expected_reporters(cluster: ClusterInfo, month: Month) -> tuple[Any, ...]:
    """Who is expected to report the month: its members (q.member_in_month) who registered.

    For a past month that includes members who have left since (they were members then)."""
    return (
        Member.cluster_id == cluster.id,
        q.member_in_month(str(month), cluster.timezone),
        Member.telegram_user_id.is_not(None),
    )


# Reminders are read and written this many members at a time: memory stays flat and no
# statement carries more ids than SQLite or asyncpg accept (about 32,000).
REMINDER_CHUNK = 2000


async def queue_to_unreported(
    uow: UnitOfWork,
    cluster: ClusterInfo,
    month: Month,
    *,
    kind: str,
    dedupe_prefix: str,
    now: datetime,
    i18n: I18n,
    deadline: date | None = None,
) -> int:
    """Queue one message to each expected reporter who has not reported `month` and can be
    reached (has a chat, has not blocked us). `dedupe_prefix` + member id keys each row, so
    running the same step twice, or two at once, queues nothing new. The caller commits."""
    reported = (
        select(MonthlyReport.member_id)
        .where(MonthlyReport.member_id == Member.id, MonthlyReport.month == str(month), MonthlyReport.cluster_id == cluster.id)
        .exists()
    )
    not_before = first_allowed(now, cluster.timezone)
    payloads: dict[str | None, dict[str, Any]] = {}  # rendered once per language, shared by rows
    query = (
        select(Member.id, Member.chat_id, TelegramUser.language)
        .outerjoin(TelegramUser, TelegramUser.telegram_user_id == Member.telegram_user_id)
        .where(*_expected_reporters(cluster, month), ~reported, Member.blocked_at.is_(None), Member.chat_id.is_not(None))
    )
    queued = 0
    async for rows in keyset_pages(uow.session, query, Member.id, REMINDER_CHUNK):
        deliveries = []
        for member_id, chat_id, language in rows:
            if language not in payloads:
                payloads[language] = reminders.reminder(i18n.translator(language), month, deadline).to_json()
            deliveries.append({
                "kind": kind, "dedupe_key": f"{dedupe_prefix}:{member_id}", "member_id": member_id,
                "chat_id": chat_id, "payload": payloads[language], "status": "pending", "attempts": 0,
                "not_before": not_before, "created_at": now,
            })
        queued += await uow.deliveries.add_new(deliveries)
    return queued


async def nudge_missing(
    uow: UnitOfWork, actor: Actor, cluster_id: int, month: Month, now: datetime, i18n: I18n
) -> int:
    """The chair's one-tap "Ingatkan": one reminder per missing member, at most once a day."""
    info = await managed_cluster(uow, actor, cluster_id)
    day = now.astimezone(ZoneInfo(info.timezone)).date().isoformat()
    queued = await queue_to_unreported(
        uow, info, month, kind="omzet_nudge", dedupe_prefix=f"nudge:{month}:{cluster_id}:{day}", now=now, i18n=i18n
    )
    await uow.audit.record("omzet.nudge", actor=actor.telegram_user_id, subject=f"cluster:{cluster_id}", month=str(month), queued=queued)
    await uow.commit()
    return queued


async def history_of(uow: UnitOfWork, actor: Actor, cluster_id: int, month: Month, now: datetime, months: int = 12) -> list[Figures]:
    """The cluster's last `months` summaries up to `month` (for its chart)."""
    await managed_cluster(uow, actor, cluster_id)
    return [await cluster_figures(uow, cluster_id, month.months_back(back), now) for back in range(months - 1, -1, -1)]


async def export_rows(uow: UnitOfWork, actor: Actor, month: Month, now: datetime, months: int = 12) -> list[Figures]:
    """Every cluster in scope for the last `months` months, for the Excel export; audited."""
    if not actor.is_koordinator:
        raise NotAllowed("export")
    clusters = await scope_clusters(uow, actor)
    rows: list[Figures] = []
    for back in range(months - 1, -1, -1):
        rows += await compile_month(uow, month.months_back(back), now, [c.id for c in clusters])
    await uow.audit.record("summary.export", actor=actor.telegram_user_id, subject=str(month), clusters=len(clusters), months=months)
    await uow.commit()
    return rows
