"""Cluster summaries: members, reporters, totals, medians, changes and growth since joining.

No figure may let anyone work out one member's omzet (UU PDP; README, "Angka kecil / Small
numbers"). The rule, in four parts:

- Money figures (total, median, mean, changes, growth) need at least MIN_REPORTERS reporters
  (growth: that many members with a baseline). The median is the lower middle report, never the
  mean of two, which the holder of one of them could invert.
- A region (a whole kabupaten, or the whole programme) is shown only when what is left after
  taking away every part that is shown on its own — its publishable clusters and, for the whole
  programme, its publishable kabupaten — is nobody or at least MIN_REPORTERS reporters
  (complementary suppression, `_region_shown`). Regions are whole kabupaten whatever the
  reader's scope, so two readers never see two overlapping pools.
- A month is published once, at the deadline compile (day `deadline_day`, `summary_time`, of
  the month after, in the cluster's zone), from the amounts as they stand then
  (`monthly_reports.published_amount`). Late reports and corrections wait; they are released
  together once at least MIN_REPORTERS of them have accumulated, so the difference between two
  versions is the sum of that many changes, never one member's. Before its publication a month
  shows counts only. Changes against the previous month and last year compare with those
  months' published figures, never with live ones.
- The member's own card compares with the cluster only when the cluster's figures are shown.

Figures come from SQL aggregates (never by loading every report) and are kept as a snapshot
per (cluster, month), written only when the month is published or revised.

Growth since joining, for month M: the members who reported M and whose first three reported
months all lie before M (their baseline; its sum is kept on each later report); their total
omzet in M against the sum of their baseline means.

By cohort (`Cohort`): the same members and the same ratio, split by the calendar year they
joined (joined_at in the cluster's zone) — but only members whose first reported month lies
within their first BASELINE_MONTHS months of membership, so that their baseline really is
their omzet when they joined. Members who joined earlier than they began reporting (an
imported roster, the bot installed years into the programme) form one group of their own,
"joined before they began reporting": their figure is growth since their first reports, not
since joining, and is said so. Years, not quarters: with MIN_REPORTERS members per figure,
quarters would blank most cohorts of a cluster of 20–40 members; a year is also the
programme's budget cycle. A cohort is shown with at least MIN_REPORTERS members, and only
where what it leaves hidden cannot be worked out: in one summary the members of the cohorts
not shown are nobody or at least MIN_REPORTERS (else the next smallest is held back too); in a
region, a cohort's members in the parts where that cohort is not shown are nobody or at least
MIN_REPORTERS (the tree rule of `_region_shown`, per cohort).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dates import Month
from bot.domain import Actor, ClusterInfo, NotAllowed, NotFound, Role
from bot.i18n import I18n
from bot.messages import reminders
from bot.quiet_hours import first_allowed
from bot.services.clusters import managed_cluster
from bot.services.converters import cluster_info
from db import summary_queries as q
from db.models import ClusterSummary, Member, MonthlyReport, TelegramUser
from db.sql import keyset_pages
from db.uow import UnitOfWork

# The small-numbers threshold: reporters behind any money figure, late changes in a batch,
# and what a region may leave hidden once its visible parts are taken away.
MIN_REPORTERS = 5


class Deadline(Protocol):
    """When a month's figures are published (bot.services.monthly.MonthlySchedule has these)."""

    deadline_day: int
    summary_time: time


@dataclass(frozen=True)
class _DefaultDeadline:
    deadline_day: int = 10
    summary_time: time = time(18, 0)


DEFAULT_DEADLINE: Deadline = _DefaultDeadline()


def publication_time(month: Month, zone: str, deadline: Deadline) -> datetime:
    """The moment `month` is published in a cluster of `zone`: the deadline of the month after."""
    day = month.next().first_day().replace(day=deadline.deadline_day)
    return datetime.combine(day, deadline.summary_time, tzinfo=ZoneInfo(zone))


def _rupiah(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ratio(new: int | Decimal | None, old: int | Decimal | None) -> Decimal | None:
    if new is None or old is None or old == 0:
        return None
    return Decimal(new) / Decimal(old) - 1


@dataclass(frozen=True)
class Cohort:
    """Growth since joining of the members who joined in `year` (None: those who joined before
    they began reporting; their growth is since their first reports), and how many they are."""

    year: int | None
    members: int
    growth: Decimal


@dataclass(frozen=True)
class Figures:
    """One summary: a cluster's (or a region's) month, as published."""

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
    # False before the month's deadline: counts only (live), no money figures.
    published: bool = True
    # A region whose visible parts would give its hidden remainder away (complementary suppression).
    withheld: bool = False
    # Late reports and corrections since publication, waiting for a batch.
    pending: int = 0
    publishes_at: datetime | None = None
    zone: str | None = None
    # Growth since joining by year of joining, as far as the small-numbers rule allows (oldest
    # first, the "joined before reporting" group last), and how many members are behind the
    # cohorts not shown.
    cohorts: tuple[Cohort, ...] = ()
    cohorts_hidden: int = 0

    @property
    def suppressed(self) -> bool:
        return not self.published or self.withheld or self.reporters < MIN_REPORTERS

    @property
    def reporting_rate(self) -> Decimal | None:
        return Decimal(self.reporters) / Decimal(self.members) if self.members else None


def _money(
    agg: q.MonthAggregate | None, *, title: str, month: Month, members: int, cluster_id: int | None,
    previous: tuple[int, int | None] | None, year_ago: tuple[int, int | None] | None, withheld: bool = False,
) -> Figures:
    """Figures from a published aggregate; money only where the small-numbers rule allows.

    `previous` and `year_ago` are (reporters, total) of those months as published; their total
    is None where it was not publishable (then no change is shown, or it would reveal it)."""
    reporters = agg.reporters if agg else 0
    hidden = withheld or reporters < MIN_REPORTERS

    def change(base: tuple[int, int | None] | None) -> Decimal | None:
        if hidden or base is None or base[1] is None or base[0] < MIN_REPORTERS:
            return None
        return _ratio(agg.total, base[1])

    grown = agg.growth_members if agg else 0
    return Figures(
        title=title,
        month=month,
        # Who was a member that month (q.member_in_month), and reporters whose member row
        # was deleted since: every reporter is a member, so the rate stays at most 100 %.
        members=members + (agg.unlinked if agg else 0),
        reporters=reporters,
        total=None if hidden else agg.total,
        median=None if hidden else _rupiah(agg.median),
        mean=None if hidden else _rupiah(agg.mean),
        change_previous=change(previous),
        change_year=change(year_ago),
        # This month's omzet of members with a complete baseline against the sum of their
        # baseline means (the mean of their first three reported months).
        growth_since_joining=None if hidden or grown < MIN_REPORTERS
        else _ratio(agg.growth_total, Decimal(agg.growth_baseline_sum) / q.BASELINE_MONTHS),
        growth_members=grown,
        cluster_id=cluster_id,
        withheld=withheld,
    )


def _months_apart(earlier: str, later: str) -> int:
    a, b = Month.parse_iso(earlier), Month.parse_iso(later)
    return (b.year - a.year) * 12 + (b.month - a.month)


# The key of the group who joined before they began reporting (years are > 0).
_LATER = 0


def _cohort_key(group: q.CohortGroup) -> int:
    """The year joined when the baseline lies within the first months of membership, else _LATER."""
    if _months_apart(group.joined_month, group.first_month) < q.BASELINE_MONTHS:
        return int(group.joined_month[:4])
    return _LATER


CohortSums = dict[int, tuple[int, int, int]]  # cohort key -> (members, total, baseline sum)


def _fold(groups: Sequence[q.CohortGroup]) -> CohortSums:
    sums: dict[int, tuple[int, int, int]] = {}
    for g in groups:
        n, total, base = sums.get(_cohort_key(g), (0, 0, 0))
        sums[_cohort_key(g)] = (n + g.members, total + g.total, base + g.baseline_sum)
    return sums


def _choose_cohorts(sums: CohortSums, growth_shown: bool, below: dict[int, int] | None = None) -> set[int]:
    """The cohorts one summary may show: its growth is shown; each has MIN_REPORTERS members
    and a baseline; `below` (members of the cohort in parts where it is not shown) is nobody or
    enough; and the members of the cohorts not shown are nobody or enough (else the smallest
    shown is held back as well, until they are)."""
    if not growth_shown:
        return set()
    below = below or {}
    shown = {k for k, (n, _, base) in sums.items() if n >= MIN_REPORTERS and base > 0 and _leaves_enough(below.get(k, 0))}
    while shown and not _leaves_enough(sum(n for k, (n, _, _) in sums.items() if k not in shown)):
        shown.remove(min(shown, key=lambda k: (sums[k][0], k)))
    return shown


def _cohorts(sums: CohortSums, shown: set[int]) -> tuple[tuple[Cohort, ...], int]:
    """The shown cohorts, oldest year first and the later-reporting group last, and the members
    behind the others."""
    order = sorted(shown, key=lambda k: (k == _LATER, k))
    cohorts = tuple(
        Cohort(None if k == _LATER else k, sums[k][0], Decimal(sums[k][1]) / (Decimal(sums[k][2]) / q.BASELINE_MONTHS) - 1)
        for k in order
    )
    return cohorts, sum(n for k, (n, _, _) in sums.items() if k not in shown)


async def compile_published(
    uow: UnitOfWork, month: Month, now: datetime, cluster_ids: Sequence[int] | None = None
) -> dict[int, Figures]:
    """Compute the given clusters' figures (all when None) from their released amounts and store
    the snapshots. Only publication calls this: recomputing at any other time would let live
    data (members, baselines) move a published figure."""
    if cluster_ids is None:
        return await _compile_published(uow, month, now, None)
    # Named clusters a few thousand at a time: what one step reads and stores stays small
    # however many clusters publish years of history at once (_publish_comparators).
    ids = sorted(set(cluster_ids))
    figures: dict[int, Figures] = {}
    for start in range(0, len(ids), _COMPILE_CHUNK):
        figures.update(await _compile_published(uow, month, now, ids[start:start + _COMPILE_CHUNK]))
    return figures


_COMPILE_CHUNK = 2000


async def _compile_published(uow: UnitOfWork, month: Month, now: datetime, ids: list[int] | None) -> dict[int, Figures]:
    session = uow.session
    # One statement reads it all: the aggregate, members and both comparisons per cluster.
    inputs = await q.publication_inputs(session, str(month), str(month.previous()), str(month.months_back(12)), ids)
    groups: dict[int, list[q.CohortGroup]] = {}
    for group in await q.cohort_groups(session, str(month), ids):
        groups.setdefault(group.cluster_id, []).append(group)
    figures = {}
    for cluster in inputs:
        cluster_id = cluster.cluster_id
        f = _money(
            cluster.aggregate, title=cluster.name, month=month, members=cluster.members, cluster_id=cluster_id,
            previous=cluster.previous, year_ago=cluster.year_ago,
        )
        sums = _fold(groups.get(cluster_id, []))
        cohorts, hidden = _cohorts(sums, _choose_cohorts(sums, f.growth_since_joining is not None))
        figures[cluster_id] = replace(f, cohorts=cohorts, cohorts_hidden=hidden)
    await q.store_snapshots(session, str(month), [
        {
            "cluster_id": cluster_id, "members": f.members, "reporters": f.reporters,
            "total": f.total, "median": f.median, "mean": f.mean,
            "figures": {
                "change_previous": str(f.change_previous) if f.change_previous is not None else None,
                "change_year": str(f.change_year) if f.change_year is not None else None,
                "growth_since_joining": str(f.growth_since_joining) if f.growth_since_joining is not None else None,
                "growth_members": f.growth_members,
                "cohorts": [[c.year or _LATER, c.members, str(c.growth)] for c in f.cohorts],
                "cohorts_hidden": f.cohorts_hidden,
            },
        }
        for cluster_id, f in figures.items()
    ], now)
    return figures


def _from_snapshot(row: ClusterSummary, title: str, pending: int) -> Figures:
    extra = row.figures or {}

    def dec(name: str) -> Decimal | None:
        return Decimal(extra[name]) if extra.get(name) is not None else None

    return Figures(
        title=title, month=Month.parse_iso(row.month), members=row.members, reporters=row.reporters,
        total=row.total, median=row.median, mean=row.mean, change_previous=dec("change_previous"),
        change_year=dec("change_year"), growth_since_joining=dec("growth_since_joining"),
        growth_members=int(extra.get("growth_members") or 0), cluster_id=row.cluster_id, pending=pending,
        cohorts=tuple(Cohort(year or None, int(n), Decimal(g)) for year, n, g in extra.get("cohorts") or ()),
        cohorts_hidden=int(extra.get("cohorts_hidden") or 0),
    )


async def _publish_comparators(uow: UnitOfWork, month: Month, now: datetime, cluster_ids: Sequence[int]) -> None:
    """Publish the previous month and the month a year before where they have reports but were
    never published (history loaded in bulk, a bot installed late): changes compare with
    published figures only, so theirs are published first, and so on back to the first reports.

    Found first, then published oldest first, one month at a time: each then finds its own
    comparators published, and its figures are let go before the next (years of history over
    10,000 clusters held at once, one month's figures per step of a recursion, took 300 MB)."""
    waiting: dict[Month, set[int]] = {}
    todo: list[tuple[Month, list[int]]] = [(month, list(cluster_ids))]
    while todo:
        later, clusters = todo.pop()
        for earlier in (later.previous(), later.months_back(12)):
            known = waiting.get(earlier, set())
            ask = [c for c in clusters if c not in known]
            if not ask:
                continue
            have = await q.snapshot_totals(uow.session, [str(earlier)], ask)
            reported = await q.totals(uow.session, [str(earlier)], ask)
            need = [c for c in ask if (c, str(earlier)) not in have and (c, str(earlier)) in reported]
            if need:
                waiting.setdefault(earlier, set()).update(need)
                todo.append((earlier, need))
    for earlier in sorted(waiting):
        await publish_month(uow, earlier, now, cluster_ids=sorted(waiting[earlier]), force=True, commit=False)


async def publish_month(
    uow: UnitOfWork,
    month: Month,
    now: datetime,
    deadline: Deadline = DEFAULT_DEADLINE,
    cluster_ids: Sequence[int] | None = None,
    *,
    force: bool = False,
    commit: bool = True,
    may_publish: bool = True,
) -> dict[int, Figures]:
    """The month's figures of these clusters (all when None) as published, publishing first
    where due: at the first read or compile after the deadline (`force`: now, whatever the
    clock says — the deadline compile and `jobs run`), and again once at least MIN_REPORTERS
    late reports or corrections wait. Before the deadline: counts only. `may_publish=False`
    only reads what is published (a member's own look right after reporting must not be what
    fixes a month that members are still filling in)."""
    session = uow.session
    zones = await q.cluster_zones(session, None if cluster_ids is None else sorted(set(cluster_ids)))
    due = [c for c, (_, zone) in zones.items() if force or now >= publication_time(month, zone, deadline)]
    result: dict[int, Figures] = {}
    if due:
        existing = await q.snapshots(session, [str(month)], due if cluster_ids is not None else None)
        pending = await q.pending_changes(session, str(month), due if cluster_ids is not None else None)
        publish = [
            c for c in due if may_publish and ((c, str(month)) not in existing or pending.get(c, 0) >= MIN_REPORTERS)
        ]
        fresh: dict[int, Figures] = {}
        if publish:
            await _publish_comparators(uow, month, now, publish)
            await q.release(session, str(month), publish)
            whole = cluster_ids is None and len(publish) == len(zones)
            fresh = await compile_published(uow, month, now, None if whole else publish)
        for c in due:
            if c in fresh:
                result[c] = fresh[c]
            elif (c, str(month)) in existing:
                result[c] = _from_snapshot(existing[(c, str(month))], zones[c][0], pending.get(c, 0))
    waiting = [c for c in zones if c not in result]
    if waiting:
        # Not yet published: how many have reported so far, and when the figures come.
        live = await q.totals(session, [str(month)], waiting)
        members = await q.member_counts(session, str(month), waiting)
        for c in waiting:
            name, zone = zones[c]
            result[c] = Figures(
                title=name, month=month, members=max(members.get(c, 0), live.get((c, str(month)), (0, 0))[0]),
                reporters=live.get((c, str(month)), (0, 0))[0], total=None, median=None, mean=None,
                change_previous=None, change_year=None, growth_since_joining=None, growth_members=0, cluster_id=c,
                published=False, publishes_at=publication_time(month, zone, deadline), zone=zone,
            )
    if commit:
        await uow.commit()
    return {c: result[c] for c in zones}


async def compile_month(uow: UnitOfWork, month: Month, now: datetime, cluster_ids: Sequence[int] | None = None) -> list[Figures]:
    """The deadline compile: publish the month now (where not yet published, or a batch waits)."""
    return list((await publish_month(uow, month, now, cluster_ids=cluster_ids, force=True)).values())


async def cluster_figures(
    uow: UnitOfWork, cluster_id: int, month: Month, now: datetime, deadline: Deadline = DEFAULT_DEADLINE,
    *, may_publish: bool = True,
) -> Figures:
    """One cluster's month as published (published first when due, unless `may_publish` is off)."""
    if await uow.clusters.get(cluster_id) is None:
        raise NotFound("cluster")
    return (await publish_month(uow, month, now, deadline, [cluster_id], may_publish=may_publish))[cluster_id]


async def published_median(
    uow: UnitOfWork, cluster_id: int, zone: str, month: Month, now: datetime, deadline: Deadline = DEFAULT_DEADLINE
) -> int | None:
    """The cluster's published middle value for the month, where it may be shown; None before
    publication or when suppressed. What `cluster_figures(..., may_publish=False)` gives, in
    one read of the snapshot (a member's give-back after every report, B1)."""
    if now < publication_time(month, zone, deadline):
        return None
    row = uow.reports.published_snapshot(cluster_id, str(month))
    if row is False:  # not read with the report's year (Reports.year_for_report)
        row = await q.published_median(uow.session, cluster_id, str(month))
    if row is None or row[0] < MIN_REPORTERS:
        return None
    return row[1]


async def scope_clusters(uow: UnitOfWork, actor: Actor) -> list[ClusterInfo]:
    """Clusters whose summaries the actor may see."""
    if not (actor.is_ketua or actor.is_koordinator):
        raise NotAllowed("summary")
    return [c for c in (cluster_info(x) for x in await uow.clusters.all()) if actor.can_manage(c)]


async def summary_for(
    uow: UnitOfWork, actor: Actor, cluster_id: int, month: Month, now: datetime, deadline: Deadline = DEFAULT_DEADLINE
) -> Figures:
    """A chair's own cluster, or a koordinator's cluster in scope."""
    cluster = await uow.clusters.get(cluster_id)
    if cluster is None:
        raise NotFound("cluster")
    if not actor.can_manage(cluster_info(cluster)):
        raise NotAllowed("cluster_scope")
    return await cluster_figures(uow, cluster_id, month, now, deadline)


def _kabupaten_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _hidden(counts: Sequence[int]) -> int:
    """Reporters of the clusters not shown on their own (fewer than the threshold)."""
    return sum(n for n in counts if 0 < n < MIN_REPORTERS)


def _leaves_enough(hidden: int) -> bool:
    return hidden == 0 or hidden >= MIN_REPORTERS


def _kabupaten_shown(counts: Sequence[int]) -> bool:
    """A kabupaten: enough reporters, and its clusters shown on their own leave nobody or enough."""
    return sum(counts) >= MIN_REPORTERS and _leaves_enough(_hidden(counts))


def _region_shown(by_kabupaten: dict[str, list[int]], whole: bool) -> bool:
    """Complementary suppression over the tree cluster < kabupaten < programme.

    Every union of shown parts can be subtracted from a shown region, so what must be large is
    what is left after subtracting all of them: for a kabupaten the reporters of its small
    clusters; for the programme, those of the kabupaten not shown themselves."""
    if not whole:
        [counts] = by_kabupaten.values()
        return _kabupaten_shown(counts)
    total = sum(sum(c) for c in by_kabupaten.values())
    left = sum(_hidden(c) for c in by_kabupaten.values() if not _kabupaten_shown(c))
    return total >= MIN_REPORTERS and _leaves_enough(left)


def _region_of(actor: Actor, clusters: list[ClusterInfo], kabupaten: str | None) -> tuple[list[ClusterInfo], bool]:
    """The region asked for (a whole kabupaten, or the whole programme) and whether it is the
    whole programme. A reader sees a region only if it lies wholly in their scope."""
    if kabupaten is None:
        grants = [r for r in actor.roles if r.role is Role.KOORDINATOR]
        if any(r.is_province_wide for r in grants):
            return clusters, True
        names = {_kabupaten_key(r.kabupaten) for r in grants if r.kabupaten}
        if len(names) != 1 or any(r.cluster_id is not None for r in grants):
            # Several pieces of scope pool into a set nobody else sees; with another reader's
            # regions it could be differenced down to a small cluster.
            raise NotAllowed("region_summary")
        [key] = names
        return [c for c in clusters if _kabupaten_key(c.kabupaten) == key], False
    key = _kabupaten_key(kabupaten)
    region = [c for c in clusters if _kabupaten_key(c.kabupaten) == key]
    if not any(actor.can_manage(c) for c in region):
        raise NotFound("region")
    if not all(actor.can_manage(c) for c in region):
        raise NotAllowed("region_summary")
    return region, False


async def _region_month(
    uow: UnitOfWork, month: Month, clusters: list[ClusterInfo], whole: bool, now: datetime, deadline: Deadline, title: str,
    *, with_cohorts: bool = True,
) -> Figures:
    ids = [c.id for c in clusters]
    parts = await publish_month(uow, month, now, deadline, ids, commit=False)
    if not all(f.published for f in parts.values()):
        latest = max(clusters, key=lambda c: publication_time(month, c.timezone, deadline))
        return Figures(
            title=title, month=month, members=sum(f.members for f in parts.values()),
            reporters=sum(f.reporters for f in parts.values()), total=None, median=None, mean=None,
            change_previous=None, change_year=None, growth_since_joining=None, growth_members=0,
            published=False, publishes_at=publication_time(month, latest.timezone, deadline), zone=latest.timezone,
        )
    by_kabupaten: dict[str, list[int]] = {}
    for c in clusters:
        by_kabupaten.setdefault(_kabupaten_key(c.kabupaten), []).append(parts[c.id].reporters)
    pooled = (await q.month_aggregates(uow.session, str(month), ids, per_cluster=False)).get(0)
    members = sum(f.members for f in parts.values()) - (pooled.unlinked if pooled else 0)
    figures = _money(
        pooled, title=title, month=month, members=members, cluster_id=None, previous=None, year_ago=None,
        withheld=not _region_shown(by_kabupaten, whole),
    )
    if figures.growth_since_joining is None or not with_cohorts:
        return figures
    cohorts, hidden = _region_cohorts(clusters, parts, await q.cohort_groups(uow.session, str(month), ids), whole)
    return replace(figures, cohorts=cohorts, cohorts_hidden=hidden)


def _region_cohorts(
    clusters: list[ClusterInfo], parts: dict[int, Figures], groups: Sequence[q.CohortGroup], whole: bool
) -> tuple[tuple[Cohort, ...], int]:
    """A region's cohorts (its growth is shown): the tree rule per cohort. Below a kabupaten
    the parts are its clusters, each showing the cohorts its published summary shows; below the
    programme also its kabupaten, each deciding as its own summary does."""
    by_cluster: dict[int, list[q.CohortGroup]] = {}
    for g in groups:
        by_cluster.setdefault(g.cluster_id, []).append(g)
    kabupaten: dict[str, list[ClusterInfo]] = {}
    for c in clusters:
        kabupaten.setdefault(_kabupaten_key(c.kabupaten), []).append(c)

    def below_of(members: list[ClusterInfo]) -> dict[int, int]:
        """Per cohort: its members in these clusters where the cluster does not show it."""
        below: dict[int, int] = {}
        for c in members:
            shown = {x.year or _LATER for x in parts[c.id].cohorts}
            for key, (n, _, _) in _fold(by_cluster.get(c.id, [])).items():
                if key not in shown:
                    below[key] = below.get(key, 0) + n
        return below

    def sums_of(members: list[ClusterInfo]) -> CohortSums:
        return _fold([g for c in members for g in by_cluster.get(c.id, [])])

    if not whole:
        [members] = kabupaten.values()
        sums = sums_of(members)
        return _cohorts(sums, _choose_cohorts(sums, True, below_of(members)))
    below: dict[int, int] = {}
    for members in kabupaten.values():
        sums, under = sums_of(members), below_of(members)
        # The kabupaten's own summary: shown by its reporters, its growth by its members.
        growth = _kabupaten_shown([parts[c.id].reporters for c in members]) and sum(n for n, _, _ in sums.values()) >= MIN_REPORTERS
        shown = _choose_cohorts(sums, growth, under)
        for key, n in under.items():
            if key not in shown:
                below[key] = below.get(key, 0) + n
    sums = sums_of(clusters)
    return _cohorts(sums, _choose_cohorts(sums, True, below))


async def region_figures(
    uow: UnitOfWork, actor: Actor, month: Month, kabupaten: str | None, now: datetime, deadline: Deadline = DEFAULT_DEADLINE
) -> Figures:
    """A whole kabupaten (or the whole programme for `semua`), pooled in SQL from published amounts."""
    if not actor.is_koordinator:
        raise NotAllowed("region_summary")
    every = [cluster_info(c) for c in await uow.clusters.all()]
    clusters, whole = _region_of(actor, every, kabupaten)
    if not clusters:
        raise NotFound("region")
    # The kabupaten as the clusters spell it, not as typed ("demak"): the renderer titles it.
    title = clusters[0].kabupaten if kabupaten else ""
    figures = await _region_month(uow, month, clusters, whole, now, deadline, title)
    if not figures.suppressed:
        # Changes only against a month that was itself shown as a region, or they would reveal it.
        changes = {}
        for name, earlier in (("change_previous", month.previous()), ("change_year", month.months_back(12))):
            base = await _region_month(uow, earlier, clusters, whole, now, deadline, title, with_cohorts=False)
            changes[name] = None if base.suppressed else _ratio(figures.total, base.total)
        figures = replace(figures, **changes)
    await uow.commit()
    return figures


async def comparison(
    uow: UnitOfWork, actor: Actor, month: Month, now: datetime, deadline: Deadline = DEFAULT_DEADLINE
) -> list[Figures]:
    """Clusters side by side, best first: growth since joining, then reporting rate, median."""
    if not actor.is_koordinator:
        raise NotAllowed("comparison")
    clusters = await scope_clusters(uow, actor)
    rows = list((await publish_month(uow, month, now, deadline, [c.id for c in clusters])).values())

    def order(f: Figures) -> tuple:
        return (
            f.growth_since_joining is None,
            -(f.growth_since_joining or 0),
            -(f.reporting_rate or 0),
            -(f.median or 0),
        )

    return sorted(rows, key=order)


@dataclass(frozen=True)
class MissingPerson:
    """Someone who has not reported: whom to call or message (never a figure)."""

    member_id: int
    name: str
    phone: str | None  # only where they shared it
    telegram_user_id: int | None


@dataclass(frozen=True)
class Missing:
    cluster: ClusterInfo
    month: Month
    people: tuple[MissingPerson, ...]
    members: int

    @property
    def names(self) -> tuple[tuple[int, str], ...]:
        """(member id, name) of who has not reported."""
        return tuple((p.member_id, p.name) for p in self.people)


async def missing_reports(uow: UnitOfWork, actor: Actor | None, cluster_id: int, month: Month) -> Missing:
    """Who has not reported the month yet, with what a chair needs to reach them (name, shared
    phone, Telegram id for a tap-to-message link), never figures.

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
        select(Member.id, Member.name, Member.phone, Member.telegram_user_id)
        .where(*_expected_reporters(info, month)).order_by(Member.name)
    )).all()
    return Missing(
        info, month,
        tuple(MissingPerson(mid, name or "", phone, tg) for mid, name, phone, tg in rows if mid not in reported),
        len(rows),
    )


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
        # Someone who has left the cluster can no longer report: no reminders for them.
        .where(*_expected_reporters(cluster, month), ~reported, Member.blocked_at.is_(None), Member.chat_id.is_not(None),
               Member.left_at.is_(None))
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


async def history_of(
    uow: UnitOfWork, actor: Actor, cluster_id: int, month: Month, now: datetime, months: int = 12,
    deadline: Deadline = DEFAULT_DEADLINE,
) -> list[Figures]:
    """The cluster's last `months` summaries up to `month` (for its chart), as published."""
    await managed_cluster(uow, actor, cluster_id)
    history = []
    for back in range(months - 1, -1, -1):
        published = await publish_month(uow, month.months_back(back), now, deadline, [cluster_id], commit=False)
        history.append(published[cluster_id])
    await uow.commit()
    return history


async def export_rows(
    uow: UnitOfWork, actor: Actor, month: Month, now: datetime, months: int = 12, deadline: Deadline = DEFAULT_DEADLINE
) -> list[Figures]:
    """Every cluster in scope for the last `months` months, as published, for the Excel export; audited."""
    if not actor.is_koordinator:
        raise NotAllowed("export")
    clusters = await scope_clusters(uow, actor)
    rows: list[Figures] = []
    for back in range(months - 1, -1, -1):
        published = await publish_month(uow, month.months_back(back), now, deadline, [c.id for c in clusters], commit=False)
        rows += [published[c.id] for c in clusters]
    await uow.audit.record("summary.export", actor=actor.telegram_user_id, subject=str(month), clusters=len(clusters), months=months)
    await uow.commit()
    return rows
