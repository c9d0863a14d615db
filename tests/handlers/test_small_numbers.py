"""No figure reveals one member's omzet (issue 13, item 4; README "Angka kecil / Small numbers").

Each test plays an attack a curious ketua or koordinator would try — through the real
Application (chat, chart, /ekspor) or the service the job runs — and shows that it finds no
member's figure any more."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from itertools import combinations

from sqlalchemy import insert, select

from bot.dates import Month
from bot.domain import Actor, Role, RoleScope
from bot.services import summaries
from bot.shell.background import run_monthly_jobs
from db.models import Member, MonthlyReport
from db.summary_queries import rebuild_upkeep
from tests.support.harness import export_table

OCTOBER, SEPTEMBER = Month(2026, 10), Month(2026, 9)
KOOR = 600
JOINED = datetime(2025, 1, 1, tzinfo=UTC)
PROVINCE = Actor(KOOR, "id", roles=(RoleScope(Role.KOORDINATOR),))


async def _members(bot, cluster, amounts: list[int | None], *, first_id: int, month: Month = OCTOBER) -> list[int]:
    """Members of `cluster` who can chat with the bot; `amounts[i]` is member i's report for
    `month` (None: not reported). Returns their Telegram ids."""
    ids = [first_id + i for i in range(len(amounts))]
    async with bot.uow() as uow:
        for user_id in ids:
            bot.api.user(user_id, f"Anggota{user_id}")
            uow.session.add(Member(
                telegram_user_id=user_id, chat_id=user_id, name=f"Anggota {user_id}", business_name="Usaha",
                main_product="batik", cluster_id=cluster.id, status="active", joined_at=JOINED, consent_at=JOINED,
                consent_version="2026-11", announcements_paused=False, updated_at=JOINED,
            ))
        await uow.session.flush()
        rows = (await uow.session.execute(select(Member.id, Member.telegram_user_id).where(Member.telegram_user_id.in_(ids)))).all()
        member_of = {tg: mid for mid, tg in rows}
        reports = [
            {"member_id": member_of[user_id], "cluster_id": cluster.id, "month": str(month), "amount": amount,
             "no_sales": False, "reported_at": JOINED, "updated_at": JOINED, "version": 1}
            for user_id, amount in zip(ids, amounts, strict=True) if amount is not None
        ]
        if reports:
            await uow.session.execute(insert(MonthlyReport), reports)
        await rebuild_upkeep(uow.session)
        await uow.commit()
    return ids


def _rupiah_figures(text: str) -> list[int]:
    return [int(x.replace(".", "")) for x in re.findall(r"Rp([\d.]+)", text)]


def _differences(figures: list[int]) -> set[int]:
    return {abs(a - b) for a, b in combinations(figures, 2)}


async def _report(user, text: str, confirm: str = "Benar") -> None:
    await user.send(text)
    await user.press(confirm)


MONEY_COLUMNS = ("Total omzet", "Median omzet", "Rata-rata omzet")


async def _export_rows(bot, koor) -> list[dict]:
    await koor.send("/ekspor")
    [(_, (_name, content, _mime))] = bot.api.calls_to("sendDocument")[-1].files.items()
    return export_table(content)


async def test_region_minus_its_visible_clusters_does_not_give_a_small_cluster_away(bot):
    """Issue: /ringkasan Pekalongan minus the one visible cluster was the omzet of the one
    member of a cluster whose own summary said "data belum cukup"."""
    big = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    small = await bot.cluster("Batik Kecil", "Pekalongan", "batik")
    demak = await bot.cluster("Jambu Lele", "Demak", "jambu")
    await _members(bot, big, [6_000_000 * (i + 1) for i in range(10)], first_id=31_000)
    secret = 7_300_000
    await _members(bot, small, [secret], first_id=32_000)
    await _members(bot, demak, [2_100_000, 3_300_000, 4_700_000, 5_900_000, 6_100_000, 8_800_000], first_id=33_000)
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")

    seen: list[int] = []
    for target in ("Pekalongan", "semua", "Batik Simbang Kulon", "Batik Kecil", "Jambu Lele", "Demak"):
        await koor.send(f"/ringkasan {target} oktober")
        seen += _rupiah_figures(koor.last_text)
        if target in ("Pekalongan", "semua"):
            assert "tidak ditampilkan" in koor.last_text and "Total omzet" not in koor.last_text, target
    await koor.send("/ringkasan banding oktober")
    seen += _rupiah_figures(koor.last_text)
    exported = [row for row in await _export_rows(bot, koor) if row["Bulan"] == datetime(2026, 10, 1)]
    seen += [row[c] for row in exported for c in MONEY_COLUMNS if row[c] is not None]
    assert [row["Total omzet"] for row in exported if row["Klaster"] == "Batik Kecil"] == [None]
    assert seen, "the visible clusters are shown"
    assert secret not in seen and secret not in _differences(seen)

    # Two small clusters of 3 together leave 6 hidden reporters: the kabupaten may be shown, and
    # what it gives away beyond the big cluster is a sum of six reports.
    other = await bot.cluster("Batik Sedang", "Pekalongan", "batik")
    await _members(bot, other, [1_000_000, 2_200_000, 3_500_000, 4_400_000, 5_100_000], first_id=34_000)
    async with bot.uow() as uow:
        # Pekalongan now has clusters of 10, 5 and 1 reporters: the 5 are shown on their own
        # too, which leaves the one of Batik Kecil: still withheld.
        region = await summaries.region_figures(uow, PROVINCE, OCTOBER, "Pekalongan", bot.now)
    assert region.withheld and region.total is None


async def test_kabupaten_shown_when_its_small_clusters_hold_enough_together(bot):
    big = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await _members(bot, big, [6_000_000 * (i + 1) for i in range(6)], first_id=35_000)
    small_amounts = [[1_100_000, 2_300_000, 3_700_000], [1_900_000, 2_800_000, 4_600_000]]
    for n, amounts in enumerate(small_amounts):
        cluster = await bot.cluster(f"Batik Kecil {n}", "Pekalongan", "batik")
        await _members(bot, cluster, amounts, first_id=36_000 + 100 * n)
    async with bot.uow() as uow:
        region = await summaries.region_figures(uow, PROVINCE, OCTOBER, "Pekalongan", bot.now)
        [shown] = [f for f in await summaries.compile_month(uow, OCTOBER, bot.now) if f.title == "Batik Simbang Kulon"]
    assert not region.withheld and region.reporters == 12
    left = region.total - shown.total
    assert left == sum(sum(a) for a in small_amounts)  # six reports together, none alone
    assert left not in {a for amounts in small_amounts for a in amounts}


async def test_before_and_after_a_late_report_with_belumlapor_telling_who(bot):
    """Issue: the summary was recompiled on every late report; the difference between two
    /ringkasan answers was that member's figure, and /belumlapor said who it was."""
    cluster = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    amounts = [4_100_000, 5_300_000, 6_700_000, 7_900_000, 9_200_000] + [None] * 5
    ids = await _members(bot, cluster, amounts, first_id=40_000)
    await bot.grant(ids[0], Role.KETUA, cluster=cluster.name)
    chair = bot.api.user_handle(ids[0])

    # Before the deadline (5 November) the month shows counts only, so nothing to difference.
    bot.now = datetime(2026, 11, 5, 3, 0, tzinfo=UTC)
    await chair.send("/ringkasan")
    assert "Sudah melapor: 5" in chair.last_text and "Total omzet" not in chair.last_text
    assert "terbit setelah batas lapor, 10 November 2026, pukul 18.00 WIB" in chair.last_text

    bot.now = datetime(2026, 11, 11, 3, 0, tzinfo=UTC)  # after the deadline: published
    await chair.send("/ringkasan")
    before = _rupiah_figures(chair.last_text)
    assert sum(a for a in amounts if a) in before
    await chair.send("/belumlapor")
    assert "Anggota 40005" in chair.last_text

    late = [9_900_000, 3_100_000, 12_400_000, 8_600_000, 2_700_000]
    for n, amount in enumerate(late[:4]):
        await _report(bot.api.user_handle(ids[5 + n]), f"/omzet oktober {amount}")
        await chair.send("/belumlapor")
        assert f"Anggota {ids[5 + n]}" not in chair.last_text  # who it was is no secret
        await chair.send("/ringkasan")
        assert _rupiah_figures(chair.last_text) == before  # but their figure moves nothing
        assert f"sejak angka ini terbit: {n + 1}." in chair.last_text

    # The fifth late report releases the batch: what changed is five reports together.
    await _report(bot.api.user_handle(ids[9]), f"/omzet oktober {late[4]}")
    await chair.send("/ringkasan")
    after = _rupiah_figures(chair.last_text)
    assert after[0] - before[0] == sum(late)
    assert not set(late) & ({a - b for a in after for b in before} | _differences(after + before))


async def test_a_correction_moves_no_published_figure(bot):
    cluster = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    ids = await _members(bot, cluster, [4_100_000, 5_300_000, 6_700_000, 7_900_000, 9_200_000, 11_600_000], first_id=41_000)
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan Batik Simbang Kulon oktober")
    before = koor.last_text
    exported_before = await _export_rows(bot, koor)
    async with bot.uow() as uow:
        chart_before = await summaries.history_of(uow, PROVINCE, cluster.id, OCTOBER, bot.now)

    member = bot.api.user_handle(ids[2])
    await _report(member, "/omzet oktober 6.950.000", "Ganti")  # +250.000
    await koor.send("/ringkasan Batik Simbang Kulon oktober")
    assert koor.last_text.startswith(before)
    assert "sejak angka ini terbit: 1." in koor.last_text
    assert await _export_rows(bot, koor) == exported_before
    async with bot.uow() as uow:
        assert await summaries.history_of(uow, PROVINCE, cluster.id, OCTOBER, bot.now) == [
            f if f.month != OCTOBER else chart_before[-1].__class__(**{**f.__dict__, "pending": 1}) for f in chart_before
        ]
        region = await summaries.region_figures(uow, PROVINCE, OCTOBER, "Pekalongan", bot.now)
    assert region.total == _rupiah_figures(before)[0]


async def test_three_or_four_reporters_show_no_money_anywhere(bot):
    """Issue: with exactly 3 reporters total and median were shown; any one of them (and the
    card sent the median to each) could work out the other two."""
    cluster = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    ids = await _members(bot, cluster, [3_000_000, 5_000_000, 9_000_000, 4_000_000], first_id=42_000)
    await bot.grant(ids[0], Role.KETUA, cluster=cluster.name)
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    bot.now = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)  # the deadline compile
    await run_monthly_jobs(bot.app)
    await bot.drain()
    for user_id in ids:
        texts = bot.api.user_handle(user_id).texts()
        assert not any("Terima kasih sudah melapor" in t for t in texts)  # no card against a median of four
    assert any("data belum cukup (kurang dari 5 anggota melapor)" in t for t in koor.texts())
    for command in ("/ringkasan Batik Simbang Kulon oktober", "/ringkasan banding oktober", "/ringkasan Pekalongan oktober"):
        await koor.send(command)
        assert not _rupiah_figures(koor.last_text), command
    exported = [row for row in await _export_rows(bot, koor) if row["Bulan"] == datetime(2026, 10, 1)]
    assert [exported[0][c] for c in MONEY_COLUMNS] == [None, None, None] and "kurang dari 5" in exported[0]["Catatan"]
    async with bot.uow() as uow:
        history = await summaries.history_of(uow, PROVINCE, cluster.id, OCTOBER, bot.now)
    assert all(f.median is None for f in history)  # what the chart draws: no median line


async def test_even_count_median_does_not_give_the_neighbour_away(bot):
    """Found: with an even number of reports the median was the mean of the middle two, so the
    member holding one of them (told the median on their card) worked out the other exactly."""
    cluster = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    amounts = [1_100_000, 2_300_000, 3_700_000, 4_900_000, 6_200_000, 8_500_000]
    ids = await _members(bot, cluster, amounts, first_id=43_000)
    bot.now = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)
    await run_monthly_jobs(bot.app)
    await bot.drain()
    for user_id, own in zip(ids, amounts, strict=True):
        [card] = [t for t in bot.api.user_handle(user_id).texts() if "Terima kasih sudah melapor" in t]
        median = _rupiah_figures(card)[1]
        assert median == 3_700_000  # a report, the lower middle one
        others = set(amounts) - {own}
        assert 2 * median - own not in others


async def test_change_from_last_month_compares_with_the_published_month(bot):
    """Found: "Dibanding bulan lalu" divided by last month's live total, so October's change
    gave away September's late report (September as published did not show it)."""
    cluster = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    september = [4_100_000, 5_300_000, 6_700_000, 7_900_000, 9_200_000]
    await _members(bot, cluster, september, first_id=44_000, month=SEPTEMBER)
    async with bot.uow() as uow:
        [published_september] = await summaries.compile_month(uow, SEPTEMBER, bot.now, [cluster.id])
        members = (await uow.session.scalars(select(Member.id).order_by(Member.id))).all()
        late = Member(
            telegram_user_id=44_900, chat_id=44_900, name="Terlambat", business_name="Usaha", main_product="batik",
            cluster_id=cluster.id, status="active", joined_at=JOINED, consent_at=JOINED, consent_version="2026-11",
            announcements_paused=False, updated_at=JOINED,
        )
        uow.session.add(late)
        await uow.session.flush()
        rows = [{"member_id": m, "cluster_id": cluster.id, "month": str(OCTOBER), "amount": 10_000_000, "no_sales": False,
                 "reported_at": JOINED, "updated_at": JOINED, "version": 1} for m in members]
        rows.append({"member_id": late.id, "cluster_id": cluster.id, "month": str(SEPTEMBER), "amount": 3_300_000,
                     "no_sales": False, "reported_at": JOINED, "updated_at": JOINED, "version": 1})
        await uow.session.execute(insert(MonthlyReport), rows)
        await rebuild_upkeep(uow.session)
        await uow.commit()
    async with bot.uow() as uow:
        [october] = await summaries.compile_month(uow, OCTOBER, bot.now, [cluster.id])
    assert published_september.total == sum(september)
    implied_september = Decimal(october.total) / (1 + october.change_previous)
    assert implied_september == published_september.total
    assert implied_september != sum(september) + 3_300_000
