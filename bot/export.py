"""The koordinator's Excel export: clusters by month with reporting status (openpyxl).

Telegram-free: figures in, .xlsx bytes out. The figures are the published ones, under the same
small-numbers rule as the chat (bot.services.summaries): suppressed cells stay blank and say why
in the note column; money cells carry a rupiah number format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO

from bot.market import MarketFigures, UnitTotal
from bot.services.summaries import Figures

RUPIAH_FORMAT = '"Rp"#,##0'
PERCENT_FORMAT = "0.0%"

# What a spreadsheet reads as the start of a formula (OWASP "CSV injection"): a cluster name a
# koordinator typed must never run in the province koordinator's Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(sheet) -> None:
    """Every string cell is a string (openpyxl would store "=..." as a formula), and those that
    look like a formula carry Excel's quote prefix, so editing the cell keeps it text."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True


@dataclass(frozen=True)
class MarketSheet:
    """The "Peluang pasar" sheet: one row per (cluster, month), under the same rule as the chat
    (bot.services.requests): sums from fewer members stay blank and the note says why."""

    title: str
    headers: Sequence[str]
    rows: Sequence[MarketFigures]
    suppressed_note: str
    unpublished_note: str
    # Quantities of several units ("580 lembar, 20 kg") as text: they add up per unit only.
    quantities: Callable[[Sequence[UnitTotal]], str]


def _market_sheet(workbook, market: MarketSheet) -> None:
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(market.title[:31])
    sheet.append(list(market.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)

    def units(totals: Sequence[UnitTotal] | None) -> str | None:
        return None if totals is None else market.quantities(totals)

    for f in market.rows:
        hidden = f.published and any(v is None for v in (f.pledged, f.allocated, f.delivered, f.paid, f.deal_value))
        sheet.append([
            f.title, str(f.month), f.requests, f.reached, f.pledgers, units(f.pledged), f.allocated_members,
            units(f.allocated), f.answered_members, units(f.delivered), f.paid, f.paid_in_omzet, f.deals, f.deal_value,
            market.unpublished_note if not f.published else market.suppressed_note if hidden else None,
        ])
    _as_text(sheet)  # cluster names are typed by koordinator: never a formula here either
    for row in sheet.iter_rows(min_row=2):
        for index in (10, 11, 13):
            row[index].number_format = RUPIAH_FORMAT
    sheet.freeze_panes = "A2"


def summary_workbook(
    rows: Sequence[Figures], headers: Sequence[str], suppressed_note: str, sheet_title: str, unpublished_note: str | None = None,
    market: MarketSheet | None = None,
) -> bytes:
    """One row per (cluster, month): members, reporters, rate, total, median, mean, changes."""
    # Imported on use: only koordinator exporting need openpyxl in memory.
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for f in rows:
        rate = float(f.reporting_rate) if f.reporting_rate is not None else None
        sheet.append(
            [
                f.title,
                str(f.month),
                f.members,
                f.reporters,
                rate,
                f.total,
                f.median,
                f.mean,
                float(f.change_previous) if f.change_previous is not None else None,
                float(f.growth_since_joining) if f.growth_since_joining is not None else None,
                (unpublished_note or suppressed_note) if not f.published else suppressed_note if f.suppressed else None,
            ]
        )
    _as_text(sheet)
    for row in sheet.iter_rows(min_row=2):
        row[4].number_format = PERCENT_FORMAT
        for cell in row[5:8]:
            cell.number_format = RUPIAH_FORMAT
        row[8].number_format = PERCENT_FORMAT
        row[9].number_format = PERCENT_FORMAT
    for index, width in enumerate((28, 10, 10, 14, 12, 18, 16, 16, 16, 18, 40), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    if market is not None:
        _market_sheet(workbook, market)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
