"""/ekspor a Dinas officer can work with (issue 16, item 6): the file is opened with openpyxl and
its sheets, cell types and number formats are checked, not only its values."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from db.models import MonthlyReport
from tests.handlers.test_criteria import KOOR, KOOR_DEMAK, programme


async def _export(bot, user):
    await user.send("/ekspor")
    [(_, (filename, content, _mime))] = bot.api.calls_to("sendDocument")[-1].files.items()
    assert filename.endswith(".xlsx")
    return load_workbook(io.BytesIO(content)), content


def _table(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


async def test_today_the_export_is_one_sheet_with_text_months(bot):
    """What they met: one sheet, "Bulan" the text "2025-12", no Kabupaten or Komoditas."""
    await programme(bot)
    book, _ = await _export(bot, bot.user(KOOR, "Koor"))
    assert book.sheetnames == ["Ringkasan", "Banding", "Pilihan", "Kohort", "Keterangan", "Peluang pasar"]
    sheet = book["Ringkasan"]
    assert [c.value for c in sheet[1]][:4] == ["Kabupaten/Kota", "Komoditas", "Klaster", "Bulan"]
    assert isinstance(sheet["D2"].value, datetime)


async def test_export_tidy_table_with_types_formats_banding_shortlist_and_notes(bot):
    batik, jambu, small = await programme(bot, months=13)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/kriteria Pilihan Dinas 2027: tumbuh 40, tren6 20, lapor 20, anggota 20")
    await koor.send("/pilihan")
    await koor.press_data(f"krit:add:{batik.id}")
    await koor.press("Catatan Batik Simbang Kulon")
    await koor.send("=Sentra paling siap")  # a note that looks like a formula stays text
    book, content = await _export(bot, koor)

    sheet = book["Ringkasan"]
    rows = _table(sheet)
    assert list(rows[0]) == [
        "Kabupaten/Kota", "Komoditas", "Klaster", "Bulan", "Anggota", "Sudah melapor", "Tingkat pelaporan",
        "Total omzet", "Median omzet", "Rata-rata omzet", "Perubahan dari bulan lalu", "Perubahan dari tahun lalu",
        "Pertumbuhan sejak bergabung", "Anggota di balik pertumbuhan", "Catatan",
    ]
    # A row per cluster and month, by kabupaten and cluster, months in order (not interleaved).
    order = [(r["Kabupaten/Kota"], r["Klaster"]) for r in rows]
    assert order == sorted(order, key=lambda k: (k[0].split()[-1], k[1])) and len(rows) == 36
    assert order[0] == ("Kabupaten Demak", "Jambu Lele")
    batik_rows = [r for r in rows if r["Klaster"] == "Batik Simbang Kulon"]
    assert [r["Bulan"] for r in batik_rows] == [datetime(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(11, 23)]
    assert {r["Komoditas"] for r in batik_rows} == {"batik"}
    october = batik_rows[-1]
    async with bot.uow(read_only=True) as uow:
        totals = {month: int(total) for month, total in (await uow.session.execute(
            select(MonthlyReport.month, func.sum(MonthlyReport.amount))
            .where(MonthlyReport.cluster_id == batik.id).group_by(MonthlyReport.month)
        )).all()}  # PostgreSQL's sum is a Decimal
    assert october["Total omzet"] == totals["2026-10"] and isinstance(october["Total omzet"], int)
    assert abs(october["Perubahan dari tahun lalu"] - (totals["2026-10"] / totals["2025-10"] - 1)) < 1e-9
    assert abs(october["Perubahan dari bulan lalu"] - (totals["2026-10"] / totals["2026-09"] - 1)) < 1e-9
    assert october["Tingkat pelaporan"] == 1.0 and october["Anggota"] == 8
    assert october["Pertumbuhan sejak bergabung"] > 0 and october["Anggota di balik pertumbuhan"] == 8
    # The small cluster: blank money cells (never 0) and why.
    kecil = [r for r in rows if r["Klaster"] == "Batik Kecil"][-1]
    assert kecil["Total omzet"] is None and kecil["Median omzet"] is None and kecil["Anggota di balik pertumbuhan"] is None
    assert "kurang dari 5 anggota melapor" in kecil["Catatan"]
    # Types and formats, cell by cell.
    row = next(i for i, r in enumerate(rows, start=2) if r is october)
    assert sheet.cell(row, 4).number_format == "[$-421]mmm yyyy" and sheet.cell(row, 4).is_date
    assert sheet.cell(row, 5).number_format == "#,##0"
    assert sheet.cell(row, 7).number_format == "0.0%"
    for column in (8, 9, 10):
        assert sheet.cell(row, column).number_format == '"Rp"#,##0' and sheet.cell(row, column).data_type == "n"
    for column in (11, 12, 13):
        assert sheet.cell(row, column).number_format == "0.0%"
    assert sheet.freeze_panes == "D2"
    assert sheet.auto_filter.ref == f"A1:O{len(rows) + 1}"
    assert sheet.column_dimensions["C"].width >= len("Batik Simbang Kulon")
    assert sheet["A1"].font.bold

    banding = _table(book["Banding"])
    assert list(banding[0])[:6] == ["Peringkat", "Kabupaten/Kota", "Komoditas", "Klaster", "Skor total", "Daftar pilihan"]
    assert "pertumbuhan sejak bergabung (bobot 40): nilai" in banding[0]
    first = banding[0]
    assert first["Klaster"] == "Batik Simbang Kulon" and first["Peringkat"] == 1 and first["Skor total"] == 100
    assert first["Daftar pilihan"] == "ya" and first["jumlah anggota (bobot 20): nilai"] == 8
    thin = next(r for r in banding if r["Klaster"] == "Batik Kecil")
    assert thin["Peringkat"] is None and thin["Skor total"] is None and "data belum cukup" in thin["Catatan"]
    assert book["Banding"].auto_filter.ref and book["Banding"].freeze_panes == "E2"
    growth_column = list(banding[0]).index("pertumbuhan sejak bergabung (bobot 40): nilai") + 1
    assert book["Banding"].cell(2, growth_column).number_format == "0.0%"

    [chosen] = _table(book["Pilihan"])
    assert chosen["Klaster"] == "Batik Simbang Kulon" and chosen["Catatan"] == "=Sentra paling siap"
    assert book["Pilihan"]["F2"].data_type == "s" and isinstance(chosen["Ditambahkan"], datetime)

    notes = {r["Butir"]: r["Keterangan"] for r in _table(book["Keterangan"])}
    assert notes["Diekspor oleh"] == f"koordinator (Telegram {KOOR})"
    assert notes["Diekspor pada (WIB)"] == datetime(2026, 11, 28, 10, 0)
    assert notes["Cakupan"] == "seluruh program (semua klaster): 3 klaster, November 2025 sampai Oktober 2026"
    assert notes["Kriteria banding"].startswith("Pilihan Dinas 2027, versi 1 — tumbuh 40, tren6 20, lapor 20, anggota 20")
    assert "Sel yang kosong bukan nol" in notes["Angka kecil (sel kosong)"] and "5 anggota" in notes["Angka kecil (sel kosong)"]
    assert "pertumbuhan sejak bergabung" in notes and "Pertumbuhan sejak bergabung" in notes

    # A kabupaten koordinator's file holds their clusters only, and says so.
    demak_book, _ = await _export(bot, bot.user(KOOR_DEMAK, "Koor Demak"))
    assert {r["Klaster"] for r in _table(demak_book["Ringkasan"])} == {"Jambu Lele"}
    assert _table(demak_book["Pilihan"]) == []
    assert _table(demak_book["Keterangan"])[2]["Keterangan"].startswith("Kabupaten Demak: 1 klaster")

    # To look at the file by hand: KLASTERBOT_SAVE_EXPORT=/tmp/ekspor.xlsx
    if target := os.environ.get("KLASTERBOT_SAVE_EXPORT"):
        Path(target).write_bytes(content)  # noqa: ASYNC240
