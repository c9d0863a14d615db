"""Membership by month: who counts as a member of a month, on a real database.

A month's members are those whose membership [joined_at, left_at) overlaps the month in their
cluster's zone, and every reporter of the month is one of them: the reporting rate is never
above 100 %, and a past month keeps its members when someone leaves later.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, insert, select, update

from bot.dates import Month
from bot.domain import Actor, Role, RoleScope
from bot.services import clusters as cluster_service
from bot.services import reports, summaries
from bot.services.reports import ReportValue
from db import summary_queries as q
from db.models import ClusterMonthTotal, Member, MonthlyReport
from tests.services.test_growth_upkeep import scratch_url  # noqa: F401  (fixture: an empty database)

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # the month just ended is October 2026
EARLY = datetime(2025, 1, 1, tzinfo=UTC)
MARCH, APRIL, SEPTEMBER, OCTOBER, NOVEMBER, DECEMBER = (
    Month(2026, 3), Month(2026, 4), Month(2026, 9), Month(2026, 10), Month(2026, 11), Month(2026, 12)
)
KOORDINATOR = Actor(1, "id", roles=(RoleScope(Role.KOORDINATOR),))


async def _cluster(uow, name="Batik Simbang Kulon", kabupaten="Pekalongan", timezone="Asia/Jakarta"):
    async with uow() as work:
        return await cluster_service.create_cluster(
            work, name=name, kabupaten=kabupaten, commodity="batik", timezone=timezone
        )


async def _members(uow, cluster, joined: list[datetime], *, status="active", first_id=900) -> list[int]:
    ids = []
    async with uow() as work:
        for i, when in enumerate(joined):
            member = Member(
                telegram_user_id=first_id + i, chat_id=first_id + i, name=f"M{first_id + i}", business_name="u",
                main_product="p", cluster_id=cluster.id, status=status, joined_at=when, consent_at=when,
                consent_version="v",
            )
            work.session.add(member)
            await work.session.flush()
            ids.append(member.id)
        await work.commit()
    return ids


async def _report(uow, member_id: int, month: Month, rupiah: int = 5_000_000) -> None:
    """Through the service, as the bot saves a confirmed report."""
    async with uow() as work:
        await reports.record_turnover(work, member_id, month, ReportValue.of(rupiah), NOW)


async def _compiled(uow, month: Month, cluster_id: int) -> summaries.Figures:
    async with uow() as work:
        [figures] = await summaries.compile_month(work, month, NOW, [cluster_id])
    return figures


async def _shown(uow, month: Month, cluster_id: int) -> summaries.Figures:
    """What /ringkasan shows: the snapshot, recompiled when something changed since."""
    async with uow() as work:
        return await summaries.cluster_figures(work, cluster_id, month, NOW)


async def test_members_who_joined_later_but_reported_count_as_members(uow):
    """Was "Anggota: 3, Sudah melapor: 5 (167%)": two registered in November and filled in March."""
    cluster = await _cluster(uow)
    early = await _members(uow, cluster, [EARLY] * 3)
    late = await _members(uow, cluster, [NOW] * 2, first_id=950)
    for member_id in early + late:
        await _report(uow, member_id, MARCH)
    for member_id in early:
        await _report(uow, member_id, APRIL)
    march = await _compiled(uow, MARCH, cluster.id)
    assert (march.members, march.reporters, march.reporting_rate) == (5, 5, Decimal(1))
    # Their membership starts with the first month they reported (the start of March in the
    # cluster's zone), so in April they are members who did not report, not strangers.
    april = await _compiled(uow, APRIL, cluster.id)
    assert (april.members, april.reporters) == (5, 3)
    async with uow(read_only=True) as work:
        joined = set((await work.session.scalars(select(Member.joined_at).where(Member.id.in_(late)))).all())
        missing = await summaries.missing_reports(work, None, cluster.id, APRIL)
    assert joined == {datetime(2026, 2, 28, 17, 0, tzinfo=UTC)}  # 1 March 00.00 WIB
    assert sorted(member_id for member_id, _ in missing.names) == sorted(late) and missing.members == 5
    # February: before anyone's first report, the late two were not members.
    february = await _compiled(uow, Month(2026, 2), cluster.id)
    assert (february.members, february.reporters) == (3, 0)


async def test_a_report_never_moves_joined_at_forward(uow):
    cluster = await _cluster(uow)
    [member_id] = await _members(uow, cluster, [EARLY])
    await _report(uow, member_id, OCTOBER)
    async with uow(read_only=True) as work:
        assert (await work.members.get(member_id)).joined_at == EARLY


async def test_members_who_left_later_stay_in_past_months(uow):
    """Was: a member who left vanished from every past month's count."""
    cluster = await _cluster(uow)
    ids = await _members(uow, cluster, [EARLY] * 4)
    for member_id in ids:
        await _report(uow, member_id, SEPTEMBER)
    for member_id in ids[:3]:
        await _report(uow, member_id, OCTOBER)
    before = [await _shown(uow, month, cluster.id) for month in (SEPTEMBER, OCTOBER)]
    assert [(f.members, f.reporters) for f in before] == [(4, 4), (4, 3)]
    # Two leave in mid-November. No chat command ends a membership yet; /hapusdata (issue 13)
    # will, by setting left_at and keeping the row. The row is changed here as it will be.
    async with uow() as work:
        await work.session.execute(
            update(Member).where(Member.id.in_(ids[2:])).values(left_at=datetime(2026, 11, 15, tzinfo=UTC), updated_at=NOW)
        )
        await work.commit()
    after = [await _shown(uow, month, cluster.id) for month in (SEPTEMBER, OCTOBER)]
    assert [(f.members, f.reporters) for f in after] == [(4, 4), (4, 3)]
    # They were members for half of November, and are not in December.
    assert (await _compiled(uow, NOVEMBER, cluster.id)).members == 4
    assert (await _compiled(uow, DECEMBER, cluster.id)).members == 2
    async with uow(read_only=True) as work:
        october = await summaries.missing_reports(work, None, cluster.id, OCTOBER)
        december = await summaries.missing_reports(work, None, cluster.id, DECEMBER)
    assert [member_id for member_id, _ in october.names] == [ids[3]] and october.members == 4
    assert sorted(member_id for member_id, _ in december.names) == sorted(ids[:2])


async def test_leaving_at_the_first_instant_of_a_month_is_not_membership_of_it(uow):
    cluster = await _cluster(uow, timezone="Asia/Jayapura")  # WIT, UTC+9
    [member_id] = await _members(uow, cluster, [EARLY])
    december_start, _ = q.month_bounds("2026-12", "Asia/Jayapura")
    async with uow() as work:
        await work.session.execute(update(Member).where(Member.id == member_id).values(left_at=december_start))
        await work.commit()
    assert (await _compiled(uow, NOVEMBER, cluster.id)).members == 1
    assert (await _compiled(uow, DECEMBER, cluster.id)).members == 0


async def test_month_boundaries_are_the_clusters_own(uow):
    """1 November 02.00 WIT is still 31 October in UTC: that member joined in November."""
    wit = await _cluster(uow, timezone="Asia/Jayapura")
    wib = await _cluster(uow, name="Jambu Lele", kabupaten="Demak")
    late_evening = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 23.00 WIT, 21.00 WIB on the 31st
    small_hours = datetime(2026, 10, 31, 17, 0, tzinfo=UTC)  # 02.00 WIT on 1 November, 00.00 WIB
    await _members(uow, wit, [late_evening, small_hours])
    await _members(uow, wib, [late_evening, small_hours], first_id=950)
    assert (await _compiled(uow, OCTOBER, wit.id)).members == 1
    assert (await _compiled(uow, OCTOBER, wib.id)).members == 1
    async with uow() as work:
        region = await summaries.region_figures(work, KOORDINATOR, OCTOBER, None, NOW)
    assert region.members == 2


async def test_requests_waiting_for_approval_are_not_members(uow):
    cluster = await _cluster(uow)
    await _members(uow, cluster, [EARLY] * 2)
    await _members(uow, cluster, [EARLY], status="pending", first_id=950)
    assert (await _compiled(uow, OCTOBER, cluster.id)).members == 2
    async with uow(read_only=True) as work:
        missing = await summaries.missing_reports(work, None, cluster.id, OCTOBER)
    assert missing.members == 2


async def test_reporters_whose_member_row_was_deleted_still_count_as_members(uow):
    cluster = await _cluster(uow)
    ids = await _members(uow, cluster, [EARLY] * 3)
    for member_id in ids:
        await _report(uow, member_id, OCTOBER)
    async with uow() as work:
        await work.session.execute(delete(Member).where(Member.id == ids[0]))  # reports keep a NULL member
        await work.commit()
    figures = await _compiled(uow, OCTOBER, cluster.id)
    assert (figures.members, figures.reporters) == (3, 3)
    async with uow() as work:
        region = await summaries.region_figures(work, KOORDINATOR, OCTOBER, None, NOW)
    assert (region.members, region.reporters) == (3, 3)


async def test_demo_like_bulk_seed_every_month_has_at_least_as_many_members_as_reporters(uow):
    """Was "Anggota: 0, Sudah melapor: 17" for every month but the last: members inserted with
    joined_at = now and a year of reports loaded in bulk, as the demo and benchmarks do."""
    batik = await _cluster(uow)
    jambu = await _cluster(uow, name="Jambu Lele", kabupaten="Demak", timezone="Asia/Makassar")
    members = await _members(uow, batik, [NOW] * 5) + await _members(uow, jambu, [NOW] * 4, first_id=950)
    cluster_of = {m: (batik.id if i < 5 else jambu.id) for i, m in enumerate(members)}
    rows = []
    for index, member_id in enumerate(members):
        # Member `index` first reports 12 - index months back, then most months after.
        for back in range(12 - index, 0, -1):
            if back != 12 - index and (index + back) % 4 == 0:
                continue
            rows.append({"member_id": member_id, "cluster_id": cluster_of[member_id], "month": str(NOVEMBER.months_back(back)),
                         "amount": 1_000_000 * (index + 1), "no_sales": False, "reported_at": NOW, "updated_at": NOW, "version": 1})
    async with uow() as work:
        await work.session.execute(insert(MonthlyReport), rows)
        await q.rebuild_upkeep(work.session)
        await work.commit()
    first_month = {}
    for row in rows:
        first_month[row["member_id"]] = min(first_month.get(row["member_id"], row["month"]), row["month"])
    for back in range(12, 0, -1):
        month = NOVEMBER.months_back(back)
        async with uow() as work:
            figures = await summaries.compile_month(work, month, NOW)
        for f in figures:
            expected = sum(1 for m, first in first_month.items() if cluster_of[m] == f.cluster_id and first <= str(month))
            assert f.members == expected >= f.reporters, (str(month), f.title)
        async with uow() as work:
            region = await summaries.region_figures(work, KOORDINATOR, month, None, NOW)
            ranked = await summaries.comparison(work, KOORDINATOR, month, NOW)
        assert region.members >= region.reporters
        assert all(f.members >= f.reporters for f in ranked)


async def test_monthly_totals_and_member_counts_agree_with_export(uow):
    """The export reads the same compiled figures: no row has more reporters than members."""
    cluster = await _cluster(uow)
    early = await _members(uow, cluster, [EARLY] * 2)
    late = await _members(uow, cluster, [NOW] * 3, first_id=950)
    for back in range(1, 8):
        for member_id in (early + late if back % 2 else late):
            await _report(uow, member_id, NOVEMBER.months_back(back))
    async with uow() as work:
        rows = await summaries.export_rows(work, KOORDINATOR, OCTOBER, NOW)
        totals = {(t.month, t.cluster_id): t.reporters for t in (await work.session.scalars(select(ClusterMonthTotal))).all()}
    assert rows and all(f.members >= f.reporters for f in rows)
    assert {str(f.month): f.reporters for f in rows if f.reporters} == {m: n for (m, _), n in totals.items()}


async def test_migration_moves_joined_at_back_to_the_first_reported_month(scratch_url):  # noqa: F811
    """Upgrading a database that holds reports from before their members' join dates (the
    demo's, or members who filled in old months) makes those reporters members of them."""
    from alembic import command
    from sqlalchemy import DateTime, bindparam, text
    from sqlalchemy.engine import Connection

    from db.migrate import alembic_config, upgrade_to_head
    from db.session import create_engine

    def upgrade_to_0007(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")

    engine = create_engine(scratch_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(upgrade_to_0007)
            await connection.commit()
        async with engine.begin() as connection:
            for cluster_id, zone in ((1, "Asia/Jakarta"), (2, "Asia/Jayapura")):
                await connection.execute(text(
                    "INSERT INTO clusters (id, name, kabupaten, province, commodity, timezone, invite_code, "
                    "requires_approval, created_at) VALUES (:id, :name, 'Demak', 'Jawa Tengah', 'batik', :zone, "
                    ":code, false, '2025-01-01 00:00:00')"
                ), {"id": cluster_id, "name": f"K{cluster_id}", "zone": zone, "code": f"code{cluster_id}"})
            late = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
            for member_id, cluster_id, joined in ((1, 1, late), (2, 1, EARLY), (3, 2, late), (4, 1, late)):
                await connection.execute(text(
                    "INSERT INTO members (id, cluster_id, status, joined_at, consent_at, consent_version, "
                    "announcements_paused, updated_at) VALUES (:id, :c, 'active', :j, :j, 'v', false, :j)"
                ).bindparams(bindparam("j", type_=DateTime(timezone=True))), {"id": member_id, "c": cluster_id, "j": joined})
            for member_id, cluster_id, month in ((1, 1, "2026-03"), (1, 1, "2026-05"), (2, 1, "2026-03"),
                                                 (3, 2, "2026-05"), (None, 1, "2026-02")):
                await connection.execute(text(
                    "INSERT INTO monthly_reports (member_id, cluster_id, month, amount, no_sales, reported_at, "
                    "updated_at, version) VALUES (:m, :c, :month, 1000, false, '2026-11-20 03:00:00', "
                    "'2026-11-20 03:00:00', 1)"
                ), {"m": member_id, "c": cluster_id, "month": month})
            await connection.execute(text(
                "INSERT INTO cluster_summaries (cluster_id, month, members, reporters, figures, computed_at) "
                "VALUES (1, '2026-03', 0, 2, '{}', '2026-11-20 03:00:00')"
            ))
        await upgrade_to_head(engine)
        async with engine.connect() as connection:
            joined = dict((await connection.execute(
                select(Member.id, Member.joined_at).order_by(Member.id)
            )).all())
            left = set((await connection.execute(select(Member.left_at))).scalars().all())
            snapshots = (await connection.execute(text("SELECT count(*) FROM cluster_summaries"))).scalar()
    finally:
        await engine.dispose()
    assert joined == {
        1: datetime(2026, 2, 28, 17, 0, tzinfo=UTC),  # 1 March 00.00 WIB
        2: datetime(2025, 1, 1, tzinfo=UTC),  # joined before: unchanged
        3: datetime(2026, 4, 30, 15, 0, tzinfo=UTC),  # 1 May 00.00 WIT
        4: datetime(2026, 11, 20, 3, 0, tzinfo=UTC),  # no reports: unchanged
    }
    assert left == {None}
    assert snapshots == 0  # counted under the old rule: compiled again when next read
