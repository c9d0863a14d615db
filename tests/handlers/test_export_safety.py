"""Spreadsheets are safe to open: a cluster name a koordinator typed is text in /ekspor, never
a formula (a kabupaten koordinator could otherwise plant one for a province-wide one)."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from bot.domain import Role
from bot.export import summary_workbook

KOOR = 8100


@pytest.mark.parametrize(
    "name",
    ['=SUM(1+1) Jenang', '=HYPERLINK("http://contoh.invalid/x","Klik")', "+62 Batik", "-1+2 Jenang", "@SUM(A1) Kopi"],
)
async def test_a_cluster_named_like_a_formula_is_text_in_ekspor(bot, name):
    await bot.cluster(name, "Kudus", "jenang")
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ekspor")
    [(_, (_filename, content, _mime))] = bot.api.calls_to("sendDocument")[-1].files.items()
    sheet = load_workbook(io.BytesIO(content)).active
    column = [c.value for c in sheet[1]].index("Klaster")  # the tidy sheet: Kabupaten/Kota, Komoditas, Klaster, ...
    names = {row[column].value for row in sheet.iter_rows(min_row=2)}
    assert names == {name}
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # And in the file itself: no formula element anywhere (what Excel would evaluate).
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in xml or b"<f " in xml for xml in sheets)


def test_every_text_cell_is_text_whatever_it_starts_with():
    from dataclasses import dataclass

    @dataclass
    class Row:
        title: str
        month: str = "2026-10"
        members: int = 1
        reporters: int = 0
        reporting_rate: None = None
        total: None = None
        median: None = None
        mean: None = None
        change_previous: None = None
        growth_since_joining: None = None
        suppressed: bool = True
        published: bool = True

    starts = ["=1+1", "+1", "-1", "@A1", "\t=1+1", "\r=1+1"]
    data = summary_workbook([Row(s) for s in starts], ["=Klaster", *"BCDEFGHIJK"], "=catatan", "=Ringkasan")
    sheet = load_workbook(io.BytesIO(data)).active
    # (XML turns a lone CR into a line feed; it stays text.)
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == [s.replace("\r", "\n") for s in starts]
    assert all(r[0].quotePrefix for r in sheet.iter_rows(min_row=2))
    assert sheet["A1"].value == "=Klaster" and sheet["K2"].value == "=catatan"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
