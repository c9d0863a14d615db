"""Programme impact (issue 16, item 5): /ringkasan for a cluster or a kabupaten, /ringkasan banding
and /ekspor show growth since joining by the year members joined, with the members behind each
figure, so the Dinas can state "+50 % since joining" — and nothing below 5 members."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import insert

from bot.dates import Month
from bot.domain import Role
from bot.money import format_percent_change
from db.models import Member, MonthlyReport
from db.summary_queries import rebuild_upkeep

KOOR = 910
OCTOBER = Month(2026, 10)


def _start(month: Month) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC) - timedelta(hours=7)


async def _seed(bot, cluster, groups, first_id: int):
    """groups: (how many, month joined, first month reported, monthly growth)."""
    expected: dict[str, tuple[int, Decimal, Decimal]] = {}
    user_id = first_id
    async with bot.uow() as uow:
        for count, joined, first, growth in groups:
            for i in range(count):
                user_id += 1
                member = Member(
                    telegram_user_id=user_id, chat_id=user_id, name=f"A{user_id}", business_name="u",
                    main_product="p", cluster_id=cluster.id, status="active", joined_at=_start(joined) + timedelta(days=2),
                    consent_at=_start(joined), consent_version="v",
                )
                uow.session.add(member)
                await uow.session.flush()
                base, m, amounts = 2_000_000 + 250_000 * i, first, {}
                while m <= OCTOBER:
                    amounts[str(m)] = int(base * (1 + growth) ** len(amounts))
                    m = m.next()
                await uow.session.execute(insert(MonthlyReport), [
                    {"member_id": member.id, "cluster_id": cluster.id, "month": k, "amount": v, "no_sales": False,
                     "reported_at": _start(OCTOBER), "updated_at": _start(OCTOBER), "version": 1}
                    for k, v in amounts.items()
                ])
                key = str(joined.year) if (first.year - joined.year) * 12 + first.month - joined.month < 3 else "lama"
                n, now, baseline = expected.get(key, (0, Decimal(0), Decimal(0)))
                firsts = [amounts[k] for k in sorted(amounts)[:3]]
                expected[key] = (n + 1, now + amounts[str(OCTOBER)], baseline + Decimal(sum(firsts)) / 3)
        await rebuild_upkeep(uow.session)
        await uow.commit()
    return {k: (n, now / baseline - 1) for k, (n, now, baseline) in expected.items()}


async def _programme(bot):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    expected = await _seed(bot, batik, [
        (6, Month(2025, 3), Month(2025, 3), 0.03),   # joined 2025, reported from their first month
        (7, Month(2026, 1), Month(2026, 2), 0.02),   # joined 2026, first report a month later
        (5, Month(2022, 6), Month(2026, 1), 0.01),   # on the Dinas's list since 2022, reporting since 2026
    ], 50_000)
    await bot.grant(KOOR, Role.KOORDINATOR)
    return batik, expected


async def test_summary_shows_growth_by_year_joined_with_members_behind_each(bot):
    batik, expected = await _programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan Batik Simbang Kulon oktober")
    text = koor.last_text
    assert "Pertumbuhan sejak bergabung:" in text and "(18 anggota" in text
    assert "Menurut tahun bergabung:" in text
    pct = {k: format_percent_change(g, "id") for k, (_, g) in expected.items()}
    assert f"- Bergabung 2025: {pct['2025']} (6 anggota)" in text
    assert f"- Bergabung 2026: {pct['2026']} (7 anggota)" in text
    assert f"- Bergabung sebelum mulai melapor: {pct['lama']} (5 anggota; sejak 3 bulan pertama mereka melapor)" in text
    # Oldest first, the group that joined before reporting last.
    assert text.index("Bergabung 2025") < text.index("Bergabung 2026") < text.index("sebelum mulai melapor")
    # The kabupaten summary (one cluster: the same members) says the same.
    await koor.send("/ringkasan Pekalongan oktober")
    assert f"- Bergabung 2025: {pct['2025']} (6 anggota)" in koor.last_text
    # The comparison names the cohorts too.
    await koor.send("/ringkasan banding oktober")
    ranking = "\n".join(koor.texts()[-3:])
    assert f"2025 {pct['2025']} (6) · 2026 {pct['2026']} (7) · sebelum melapor {pct['lama']} (5)" in ranking


async def test_a_cohort_below_five_is_not_shown_nor_left_to_subtraction(bot):
    """4 joined in 2024: not shown. Showing 2025's 6 beside the headline of 10 would leave the
    growth of those 4 one step away, so 2025 is held back too."""
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await _seed(bot, batik, [(6, Month(2025, 3), Month(2025, 3), 0.03), (4, Month(2024, 2), Month(2024, 2), 0.05)], 60_000)
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan Batik Simbang Kulon oktober")
    text = koor.last_text
    assert "Pertumbuhan sejak bergabung:" in text and "(10 anggota" in text
    assert "Menurut tahun bergabung" not in text and "Bergabung 2024" not in text and "Bergabung 2025" not in text


async def test_export_has_a_kohort_sheet_with_typed_cells_and_formats(bot):
    batik, expected = await _programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ekspor")
    [(_, (_name, content, _mime))] = bot.api.calls_to("sendDocument")[-1].files.items()
    book = load_workbook(io.BytesIO(content))
    assert "Kohort" in book.sheetnames
    sheet = book["Kohort"]
    header = [c.value for c in sheet[1]]
    assert header == [
        "Kabupaten/Kota", "Komoditas", "Klaster", "Bulan", "Tahun bergabung", "Kelompok", "Anggota di balik angka",
        "Pertumbuhan sejak bergabung",
    ]
    assert sheet.freeze_panes == "D2" and sheet.auto_filter.ref
    rows = {}
    for cells in sheet.iter_rows(min_row=2):
        by = dict(zip(header, cells, strict=True))
        if by["Bulan"].value == datetime(2026, 10, 1):
            rows[(by["Klaster"].value, by["Kelompok"].value)] = by
    october = rows[("Batik Simbang Kulon", "Bergabung 2025")]
    assert october["Tahun bergabung"].value == 2025 and october["Tahun bergabung"].data_type == "n"
    assert october["Anggota di balik angka"].value == 6 and october["Anggota di balik angka"].number_format == "#,##0"
    growth = october["Pertumbuhan sejak bergabung"]
    assert isinstance(growth.value, float) and growth.number_format == "0.0%"
    assert abs(growth.value - float(expected["2025"][1])) < 1e-9
    assert october["Bulan"].is_date and october["Bulan"].number_format == "[$-421]mmm yyyy"
    later = rows[("Batik Simbang Kulon", "Bergabung sebelum mulai melapor")]
    assert later["Tahun bergabung"].value is None and later["Anggota di balik angka"].value == 5
    # The whole programme (a province-wide koordinator) for the last month.
    assert rows[("(seluruh cakupan)", "Bergabung 2026")]["Anggota di balik angka"].value == 7
    assert all(c.data_type == "s" for r in rows.values() for c in (r["Klaster"], r["Kelompok"]))
    notes = {row[0].value: row[1].value for row in book["Keterangan"].iter_rows(min_row=2)}
    assert "tahun anggota bergabung" in notes["Kohort (lembar Kohort)"]
    assert "Bergabung sebelum mulai melapor" in notes["Kohort (lembar Kohort)"]

