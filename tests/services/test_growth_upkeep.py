"""What summaries read is kept when reports are written: baselines for growth, monthly totals.

Growth since joining compares a member's month with the mean of their first three reported
months. That baseline is kept on every later report (`monthly_reports.baseline_sum`) and must
follow first reports, late reports for an earlier month and corrections of a baseline month.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, make_url

from bot.dates import Month
from bot.services import clusters as cluster_service
from bot.services import reports, summaries
from bot.services.reports import ReportValue
from db.migrate import alembic_config, upgrade_to_head
from db.models import ClusterMonthTotal, Member, MonthlyReport
from db.session import create_engine

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # the month just ended is October 2026
JOINED = datetime(2025, 1, 1, tzinfo=UTC)
M = {name: Month(2026, number) for number, name in enumerate(
    ["jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt"], start=1
)}


async def _cluster(uow, name="Batik Simbang Kulon"):
    async with uow() as work:
        return await cluster_service.create_cluster(
            work, name=name, kabupaten="Pekalongan", commodity="batik", timezone="Asia/Jakarta"
        )


async def _members(uow, cluster, count: int) -> list[int]:
    ids = []
    async with uow() as work:
        for i in range(count):
            member = Member(
                telegram_user_id=900 + i, chat_id=900 + i, name=f"M{i}", business_name="u", main_product="p",
                cluster_id=cluster.id, status="active", joined_at=JOINED, consent_at=JOINED, consent_version="v",
            )
            work.session.add(member)
            await work.session.flush()
            ids.append(member.id)
        await work.commit()
    return ids


async def _record(uow, member_id: int, month: Month, rupiah: int) -> None:
    async with uow() as work:
        await reports.record_turnover(work, member_id, month, ReportValue.of(rupiah), NOW)


async def _baselines(uow, member_id: int) -> dict[str, int | None]:
    async with uow(read_only=True) as work:
        rows = await work.session.execute(
            select(MonthlyReport.month, MonthlyReport.baseline_sum).where(MonthlyReport.member_id == member_id)
        )
        return dict(rows.all())


async def _totals(uow, cluster_id: int) -> dict[str, tuple[int, int]]:
    async with uow(read_only=True) as work:
        rows = await work.session.execute(
            select(ClusterMonthTotal.month, ClusterMonthTotal.reporters, ClusterMonthTotal.total)
            .where(ClusterMonthTotal.cluster_id == cluster_id)
        )
        return {month: (n, total) for month, n, total in rows.all()}


async def test_baseline_appears_after_the_third_reported_month(uow):
    cluster = await _cluster(uow)
    [member] = await _members(uow, cluster, 1)
    await _record(uow, member, M["jun"], 1_000_000)
    await _record(uow, member, M["jul"], 2_000_000)
    assert await _baselines(uow, member) == {"2026-06": None, "2026-07": None}
    await _record(uow, member, M["agu"], 3_000_000)
    await _record(uow, member, M["okt"], 9_000_000)
    # The first three months are the baseline itself; a later month carries their sum.
    assert await _baselines(uow, member) == {
        "2026-06": None, "2026-07": None, "2026-08": None, "2026-10": 6_000_000,
    }


async def test_a_late_report_for_an_earlier_month_moves_the_baseline(uow):
    cluster = await _cluster(uow)
    [member] = await _members(uow, cluster, 1)
    for month, amount in [("jun", 1_000_000), ("jul", 2_000_000), ("agu", 3_000_000), ("okt", 9_000_000)]:
        await _record(uow, member, M[month], amount)
    await _record(uow, member, M["mei"], 4_000_000)  # reported late: now the first month
    assert await _baselines(uow, member) == {
        "2026-05": None, "2026-06": None, "2026-07": None,
        "2026-08": 7_000_000, "2026-10": 7_000_000,  # May + June + July
    }
    # A late month after the baseline takes the baseline too.
    await _record(uow, member, M["sep"], 5_000_000)
    assert (await _baselines(uow, member))["2026-09"] == 7_000_000


async def test_correcting_a_baseline_month_updates_every_later_month(uow):
    cluster = await _cluster(uow)
    [member] = await _members(uow, cluster, 1)
    for month, amount in [("jun", 1_000_000), ("jul", 2_000_000), ("agu", 3_000_000), ("sep", 4_000_000), ("okt", 9_000_000)]:
        await _record(uow, member, M[month], amount)
    await _record(uow, member, M["jul"], 5_000_000)  # correction of a baseline month
    assert await _baselines(uow, member) == {
        "2026-06": None, "2026-07": None, "2026-08": None, "2026-09": 9_000_000, "2026-10": 9_000_000,
    }
    await _record(uow, member, M["okt"], 8_000_000)  # correcting a later month keeps the baseline
    assert (await _baselines(uow, member))["2026-10"] == 9_000_000


async def test_monthly_totals_follow_reports_and_corrections(uow):
    cluster = await _cluster(uow)
    a, b = await _members(uow, cluster, 2)
    await _record(uow, a, M["okt"], 1_000_000)
    await _record(uow, b, M["okt"], 2_000_000)
    await _record(uow, a, M["sep"], 500_000)
    assert await _totals(uow, cluster.id) == {"2026-10": (2, 3_000_000), "2026-09": (1, 500_000)}
    await _record(uow, b, M["okt"], 4_000_000)
    assert (await _totals(uow, cluster.id))["2026-10"] == (2, 5_000_000)


async def test_growth_since_joining_follows_corrections_of_baseline_months(uow):
    cluster = await _cluster(uow)
    members = await _members(uow, cluster, 6)
    for index, member in enumerate(members[:5]):
        for month in ("jun", "jul", "agu"):
            await _record(uow, member, M[month], 1_000_000 * (index + 1))
        await _record(uow, member, M["okt"], 2_000_000 * (index + 1))
    # Reported October but only two months before it: no baseline yet, not counted.
    await _record(uow, members[5], M["agu"], 50_000_000)
    await _record(uow, members[5], M["sep"], 50_000_000)
    await _record(uow, members[5], M["okt"], 1_000_000)
    async with uow() as work:
        [figures] = await summaries.compile_month(work, M["okt"], NOW)
    assert figures.growth_members == 5
    assert figures.growth_since_joining == Decimal(30_000_000) / Decimal(15_000_000) - 1  # +100 %
    # The first member's June was 1 jt too high: their baseline mean drops by 1/3 jt. October as
    # published does not move by one correction; its next publication counts it.
    await _record(uow, members[0], M["jun"], 0)
    async with uow() as work:
        [figures] = await summaries.compile_month(work, M["okt"], NOW)
    assert figures.growth_since_joining == Decimal(30_000_000) / Decimal(15_000_000) - 1
    async with uow() as work:
        recompiled = await summaries.compile_published(work, M["okt"], NOW, [cluster.id])
    expected = Decimal(30_000_000) / (Decimal(15_000_000) - Decimal(1_000_000) / 3) - 1
    assert recompiled[cluster.id].growth_since_joining == expected
    # Fewer than five members with a baseline (and reporters): not shown.
    async with uow() as work:
        [figures] = await summaries.compile_month(work, M["sep"], NOW)
    assert figures.growth_since_joining is None and figures.growth_members == 0


@pytest.fixture
async def scratch_url(tmp_path) -> AsyncIterator[str]:
    """An empty database of the suite's kind: a new SQLite file, or a new PostgreSQL database
    beside the suite's (the suite's own is already at head)."""
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    server = make_url(POSTGRES_URL)
    name = f"{server.database}_migration_check"
    admin = create_engine(POSTGRES_URL)

    async def recreate(create: bool) -> None:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            if create:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))

    try:
        await recreate(True)
        yield server.set(database=name).render_as_string(hide_password=False)
        await recreate(False)
    finally:
        await admin.dispose()


async def test_migration_backfills_baselines_and_totals(scratch_url):
    """Upgrading a database that already holds reports fills baselines and totals (SQLite and
    PostgreSQL: the backfill is raw SQL, so each dialect must accept it)."""
    engine = create_engine(scratch_url)

    def upgrade_to(revision: str):
        def run(connection: Connection) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        return run

    try:
        async with engine.connect() as connection:
            await connection.run_sync(upgrade_to("0005"))
            await connection.commit()
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO clusters (id, name, kabupaten, province, commodity, timezone, invite_code, "
                "requires_approval, created_at) VALUES (1, 'K', 'Demak', 'Jawa Tengah', 'batik', "
                "'Asia/Jakarta', 'abc', false, '2025-01-01 00:00:00')"
            ))
            for member_id in (1, 2):
                await connection.execute(text(
                    "INSERT INTO members (id, cluster_id, status, joined_at, consent_at, consent_version, "
                    "announcements_paused, updated_at) VALUES (:id, 1, 'active', '2025-01-01 00:00:00', "
                    "'2025-01-01 00:00:00', 'v', false, '2025-01-01 00:00:00')"
                ), {"id": member_id})
            rows = [(1, "2026-06", 1), (1, "2026-07", 2), (1, "2026-08", 3), (1, "2026-10", 10),
                    (2, "2026-09", 5), (2, "2026-10", 7), (None, "2026-10", 100)]
            for member_id, month, amount in rows:
                await connection.execute(text(
                    "INSERT INTO monthly_reports (member_id, cluster_id, month, amount, no_sales, reported_at, "
                    "updated_at, version) VALUES (:m, 1, :month, :amount, false, '2025-01-01 00:00:00', "
                    "'2025-01-01 00:00:00', 1)"
                ), {"m": member_id, "month": month, "amount": amount})
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            baselines = (await connection.execute(text(
                "SELECT member_id, month, baseline_sum FROM monthly_reports ORDER BY member_id, month"
            ))).all()
            totals = (await connection.execute(text(
                "SELECT month, reporters, total FROM cluster_month_totals ORDER BY month"
            ))).all()
    finally:
        await engine.dispose()
    # NULLs sort first on SQLite, last on PostgreSQL: order here.
    assert sorted((tuple(r) for r in baselines), key=lambda r: (r[0] or 0, r[1])) == [
        (None, "2026-10", None),
        (1, "2026-06", None), (1, "2026-07", None), (1, "2026-08", None), (1, "2026-10", 6),
        (2, "2026-09", None), (2, "2026-10", None),
    ]
    assert [tuple(r) for r in totals] == [
        ("2026-06", 1, 1), ("2026-07", 1, 2), ("2026-08", 1, 3), ("2026-09", 1, 5), ("2026-10", 3, 117),
    ]
