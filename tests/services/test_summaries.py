"""Summaries equal a reference computed independently in Python, on a real database."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from bot.dates import Month
from bot.services import summaries
from db.models import Member, MonthlyReport
from db.summary_queries import rebuild_upkeep

OCTOBER = Month(2026, 10)


async def _random_programme(bot, seed):
    rng = random.Random(seed)
    clusters = [await bot.cluster(f"Klaster {i}", ["Demak", "Pekalongan"][i % 2], "batik") for i in range(4)]
    joined = datetime(2024, 1, 1, tzinfo=UTC)
    data: dict[int, dict[int, dict[str, int]]] = {}  # cluster -> member -> month -> amount
    async with bot.uow() as uow:
        for c_index, cluster in enumerate(clusters):
            size = [2, 5, 9, 14][c_index]
            for i in range(size):
                member = Member(
                    telegram_user_id=cluster.id * 1000 + i, chat_id=cluster.id * 1000 + i, name=f"M{i}",
                    business_name="u", main_product="p", cluster_id=cluster.id, status="active",
                    joined_at=joined, consent_at=joined, consent_version="v",
                )
                uow.session.add(member)
                await uow.session.flush()
                months = {}
                for back in range(24):
                    if rng.random() < 0.3:
                        continue  # not reported: never counted as zero
                    month = OCTOBER.months_back(back)
                    months[str(month)] = 0 if rng.random() < 0.05 else rng.randint(1, 400) * 100_000
                data.setdefault(cluster.id, {})[member.id] = months
        rows = [
            {"member_id": m, "cluster_id": c, "month": month, "amount": amount, "no_sales": amount == 0,
             "reported_at": joined, "updated_at": joined, "version": 1}
            for c, members in data.items() for m, months in members.items() for month, amount in months.items()
        ]
        await uow.session.execute(insert(MonthlyReport), rows)
        await rebuild_upkeep(uow.session)  # a bulk load keeps what the bot keeps when reports are written
        await uow.commit()
    return clusters, data


def _reference(members: dict[int, dict[str, int]], month: Month):
    """Plain Python: what a careful analyst would compute by hand."""
    now = [ms[str(month)] for ms in members.values() if str(month) in ms]
    prev = [ms[str(month.previous())] for ms in members.values() if str(month.previous()) in ms]
    year = [ms[str(month.months_back(12))] for ms in members.values() if str(month.months_back(12)) in ms]
    # Growth since joining: members whose first three reported months all lie before `month`
    # and who reported `month`; their omzet this month against the sum of their baseline means.
    growth_first = growth_last = Decimal(0)
    grown = 0
    for ms in members.values():
        first_three = sorted(ms)[:3]
        if len(first_three) == 3 and first_three[-1] < str(month) and str(month) in ms:
            growth_first += Decimal(sum(ms[k] for k in first_three)) / 3
            growth_last += ms[str(month)]
            grown += 1
    # Money from 5 reporters (summaries.MIN_REPORTERS); the median is the lower middle report.
    shown = len(now) >= 5
    return {
        "reporters": len(now),
        "total": sum(now) if shown else None,
        "median": statistics.median_low(now) if shown else None,
        "mean": int((Decimal(sum(now)) / len(now)).quantize(Decimal(1), rounding="ROUND_HALF_UP")) if shown else None,
        "change_previous": (Decimal(sum(now)) / Decimal(sum(prev)) - 1) if shown and len(prev) >= 5 and sum(prev) else None,
        "change_year": (Decimal(sum(now)) / Decimal(sum(year)) - 1) if shown and len(year) >= 5 and sum(year) else None,
        "growth": (growth_last / growth_first - 1) if shown and grown >= 5 and growth_first else None,
        "grown": grown,
        "members": len(members),
    }


def _close(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(Decimal(a) - Decimal(b)) < Decimal("0.000001")


@pytest.mark.parametrize(("seed", "chunk"), [(1, None), (2, None), (3, None), (1, 1), (2, 3)])
async def test_compiled_figures_equal_the_reference(bot, seed, chunk, monkeypatch):
    # The 24 months before are published first (history loaded in bulk), a few clusters at a
    # time when `chunk` says so: the same figures however many clusters one step takes.
    if chunk is not None:
        monkeypatch.setattr(summaries, "_COMPILE_CHUNK", chunk)
    clusters, data = await _random_programme(bot, seed)
    async with bot.uow() as uow:
        figures = await summaries.compile_month(uow, OCTOBER, bot.now)
    assert len(figures) == len(clusters)
    assert any(f.growth_since_joining is not None for f in figures)  # the growth rule is exercised
    for f in figures:
        ref = _reference(data[f.cluster_id], OCTOBER)
        assert f.members == ref["members"]
        assert f.reporters == ref["reporters"]
        assert f.suppressed == (ref["reporters"] < 5)
        assert (f.total, f.median, f.mean) == (ref["total"], ref["median"], ref["mean"])
        assert _close(f.change_previous, ref["change_previous"])
        assert _close(f.change_year, ref["change_year"])
        assert _close(f.growth_since_joining, ref["growth"]) and f.growth_members == ref["grown"]


async def test_region_figures_pool_all_reports(bot):
    clusters, data = await _random_programme(bot, 9)
    from bot.domain import Actor, Role, RoleScope

    koor = Actor(1, "id", roles=(RoleScope(Role.KOORDINATOR),))
    pooled = {m: ms for c in data.values() for m, ms in c.items()}
    async with bot.uow() as uow:
        region = await summaries.region_figures(uow, koor, OCTOBER, None, bot.now)
        parts = await summaries.compile_month(uow, OCTOBER, bot.now)
    ref = _reference(pooled, OCTOBER)
    assert region.reporters == ref["reporters"]
    # Shown only when the clusters too small to be shown on their own hold nobody or 5 and more.
    hidden = sum(f.reporters for f in parts if 0 < f.reporters < 5)
    if hidden == 0 or hidden >= 5:
        assert (region.total, region.median) == (ref["total"], ref["median"])
    else:
        assert region.withheld and region.total is None
    demak = {m: ms for c in clusters if c.kabupaten == "Demak" for m, ms in data[c.id].items()}
    async with bot.uow() as uow:
        figures = await summaries.region_figures(uow, koor, OCTOBER, "demak", bot.now)
    assert figures.reporters == _reference(demak, OCTOBER)["reporters"]


async def test_snapshot_is_stored_and_reused(bot):
    await _random_programme(bot, 4)
    async with bot.uow() as uow:
        first = await summaries.compile_month(uow, OCTOBER, bot.now)
    async with bot.uow() as uow:
        again = await summaries.cluster_figures(uow, first[-1].cluster_id, OCTOBER, bot.now)
        from db.models import ClusterSummary

        stored = (await uow.session.scalars(select(ClusterSummary).where(ClusterSummary.month == str(OCTOBER)))).all()
    assert again == first[-1]
    assert len(stored) == 4
