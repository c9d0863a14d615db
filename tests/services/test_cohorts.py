"""Programme impact by cohort (issue 16, item 5): growth since joining by the year members joined,
equal to a reference computed by hand in Python, under the small-numbers rule."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert

from bot.dates import Month
from bot.domain import Actor, Role, RoleScope
from bot.services import summaries
from bot.services.summaries import MIN_REPORTERS
from db.models import Member, MonthlyReport
from db.summary_queries import rebuild_upkeep

OCTOBER = Month(2026, 10)
KOOR = Actor(1, "id", roles=(RoleScope(Role.KOORDINATOR),))
WIB = timedelta(hours=7)


def _start(month: Month) -> datetime:
    """The first instant of `month` in WIB, as UTC."""
    return datetime(month.year, month.month, 1, tzinfo=UTC) - WIB


async def _programme(bot, seed: int, sizes=(3, 8, 14, 22)):
    """Members who joined at different times: some reported from their first month, some (an
    imported roster) joined years before they began reporting."""
    rng = random.Random(seed)
    clusters = [await bot.cluster(f"Klaster {i}", ["Demak", "Pekalongan"][i % 2], "batik") for i in range(len(sizes))]
    data: dict[int, dict[int, tuple[Month, dict[str, int]]]] = {}
    async with bot.uow() as uow:
        for cluster, size in zip(clusters, sizes, strict=True):
            for i in range(size):
                joined = OCTOBER.months_back(rng.choice([8, 14, 17, 22, 26, 30, 44]))
                # Most report from their first month or the next; a few only from 2026 (joined before reporting).
                start = joined.shift(rng.choice([0, 0, 1, 2])) if rng.random() < 0.75 else Month(2026, 1)
                start = max(start, joined)
                months = {}
                m = start
                base = rng.randint(4, 40) * 250_000
                while m <= OCTOBER:
                    if rng.random() < 0.85:
                        months[str(m)] = int(base * (1 + rng.random() * 0.08) ** _gap(start, m))
                    m = m.next()
                member = Member(
                    telegram_user_id=cluster.id * 1000 + i, chat_id=cluster.id * 1000 + i, name=f"M{i}",
                    business_name="u", main_product="p", cluster_id=cluster.id, status="active",
                    # Registered in the bot a few days into the month they joined.
                    joined_at=_start(joined) + timedelta(days=3, hours=20), consent_at=_start(joined),
                    consent_version="v",
                )
                uow.session.add(member)
                await uow.session.flush()
                data.setdefault(cluster.id, {})[member.id] = (joined, months)
        rows = [
            {"member_id": m, "cluster_id": c, "month": month, "amount": amount, "no_sales": amount == 0,
             "reported_at": _start(OCTOBER), "updated_at": _start(OCTOBER), "version": 1}
            for c, members in data.items() for m, (_, months) in members.items() for month, amount in months.items()
        ]
        await uow.session.execute(insert(MonthlyReport), rows)
        await rebuild_upkeep(uow.session)
        await uow.commit()
    return clusters, data


def _gap(a: Month, b: Month) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _reference_sums(members: dict[int, tuple[Month, dict[str, int]]], month: Month) -> dict[int, tuple[int, Decimal, Decimal]]:
    """By hand: per cohort (year joined; 0 = joined 3 or more months before the first report),
    the growth members, their omzet in `month` and the sum of their baseline means."""
    sums: dict[int, tuple[int, Decimal, Decimal]] = {}
    for joined, ms in members.values():
        first_three = sorted(ms)[:3]
        if len(first_three) < 3 or first_three[-1] >= str(month) or str(month) not in ms:
            continue
        first = Month.parse_iso(first_three[0])
        joined = min(joined, first)
        key = joined.year if _gap(joined, first) < 3 else 0
        n, now, base = sums.get(key, (0, Decimal(0), Decimal(0)))
        sums[key] = (n + 1, now + ms[str(month)], base + Decimal(sum(ms[k] for k in first_three)) / 3)
    return sums


def _reference_shown(sums, growth_shown: bool) -> set[int]:
    if not growth_shown:
        return set()
    shown = {k for k, (n, _, base) in sums.items() if n >= MIN_REPORTERS and base}
    while shown:
        hidden = sum(n for k, (n, _, _) in sums.items() if k not in shown)
        if hidden == 0 or hidden >= MIN_REPORTERS:
            break
        shown.remove(min(shown, key=lambda k: (sums[k][0], k)))
    return shown


async def test_cluster_cohorts_equal_the_reference(bot):
    clusters, data = await _programme(bot, 5)
    async with bot.uow() as uow:
        figures = {f.cluster_id: f for f in await summaries.compile_month(uow, OCTOBER, bot.now)}
    seen_years = set()
    for c in clusters:
        f = figures[c.id]
        sums = _reference_sums(data[c.id], OCTOBER)
        assert sum(n for n, _, _ in sums.values()) == f.growth_members  # the same members as the headline figure
        shown = _reference_shown(sums, f.growth_since_joining is not None)
        assert [(x.year or 0) for x in f.cohorts] == sorted(shown, key=lambda k: (k == 0, k))
        for cohort in f.cohorts:
            n, now, base = sums[cohort.year or 0]
            assert cohort.members == n >= MIN_REPORTERS
            assert abs(cohort.growth - (now / base - 1)) < Decimal("0.000001")
            seen_years.add(cohort.year)
        hidden = f.cohorts_hidden
        assert hidden == sum(n for k, (n, _, _) in sums.items() if k not in shown)
        # What the cohorts shown leave out of the headline figure is nobody or at least 5.
        assert hidden == 0 or hidden >= MIN_REPORTERS or not f.cohorts
    assert len(seen_years) >= 2  # the test exercises several cohorts
    # The small cluster (3 members) shows no cohort at all.
    assert figures[clusters[0].id].cohorts == ()
    # Stored with the published snapshot and read back the same.
    async with bot.uow() as uow:
        again = await summaries.cluster_figures(uow, clusters[-1].id, OCTOBER, bot.now)
    assert again.cohorts == figures[clusters[-1].id].cohorts and again.cohorts_hidden == figures[clusters[-1].id].cohorts_hidden


async def test_region_cohorts_pool_the_clusters_and_hide_what_subtraction_would_reveal(bot):
    clusters, data = await _programme(bot, 7, sizes=(12, 9, 14, 22))
    async with bot.uow() as uow:
        parts = {f.cluster_id: f for f in await summaries.compile_month(uow, OCTOBER, bot.now)}
    async with bot.uow() as uow:
        region = await summaries.region_figures(uow, KOOR, OCTOBER, None, bot.now)
    pooled = {m: v for c in data.values() for m, v in c.items()}
    sums = _reference_sums(pooled, OCTOBER)
    assert region.growth_since_joining is not None and region.cohorts
    for cohort in region.cohorts:
        key = cohort.year or 0
        n, now, base = sums[key]
        assert cohort.members == n and abs(cohort.growth - (now / base - 1)) < Decimal("0.000001")
        # Members of this cohort in clusters that do not show it: nobody or at least 5.
        below = sum(
            _reference_sums(data[c.id], OCTOBER).get(key, (0, 0, 0))[0]
            for c in clusters if key not in {x.year or 0 for x in parts[c.id].cohorts}
        )
        assert below == 0 or below >= MIN_REPORTERS


def test_a_cohort_that_would_leave_one_member_hidden_is_held_back():
    """Pure rule: 6 + 7 + 1 members: the 1 is hidden, and so is the 6, or the headline minus the
    two shown cohorts would be one member's growth."""
    sums = {2024: (6, 10, 10), 2025: (7, 10, 10), 2026: (1, 10, 10)}
    assert summaries._choose_cohorts(sums, True) == {2025}
    assert summaries._choose_cohorts(sums, False) == set()
    # Two members of 2025 sit in a cluster that hides it: 2025 is held back, 2024 then leaves 8 hidden.
    assert summaries._choose_cohorts(sums, True, below={2025: 2}) == {2024}
