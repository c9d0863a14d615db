"""The koordinator's Excel export (openpyxl): a tidy table a Dinas officer can filter, sort and
pivot, the ranking by the agreed criteria, the shortlist, and what it all means.

Sheets:
- Ringkasan: one row per cluster and month (Kabupaten/Kota, Komoditas, Klaster, Bulan as a real
  date shown "Okt 2026", counts, rate, money figures, changes, growth since joining and the
  members behind it), header frozen, autofilter, widths, rupiah and percent formats.
- Banding: the clusters by the koordinator's criteria set: each criterion's value and score.
- Pilihan: the shortlist with notes.
- Kohort: growth since joining by the year members joined, one row per cluster, month and
  cohort (and the reader's whole region for the last month), with the members behind each
  figure; cohorts too small to show are one row with their members and no figure.
- Keterangan: who exported, when, the scope, the definitions, and the small-numbers rule that
  explains the blank cells.

Telegram-free: data in, .xlsx bytes out. The figures are the published ones, under the same
small-numbers rule as the chat (bot.services.summaries): a suppressed cell stays empty (never
0) and the row's note says why.

openpyxl rather than XlsxWriter: it is already a dependency (imports read .xlsx rosters with
it), and tests open the file with it to check cell types and number formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import format_month
from bot.domain import zone_short_name
from bot.i18n import Translator
from bot.market import MarketFigures, UnitTotal
from bot.messages import criteria as criteria_texts
from bot.messages.places import region_title
from bot.messages.summaries import cohort_label
from bot.money import format_count
from bot.services.announcements import InterestList
from bot.services.criteria import Criterion
from bot.services.exports import ExportData
from bot.services.summaries import MIN_REPORTERS, Figures

RUPIAH_FORMAT = '"Rp"#,##0'
PERCENT_FORMAT = "0.0%"
COUNT_FORMAT = "#,##0"
SCORE_FORMAT = "0.0"
# Month names in the reader's language whatever the spreadsheet's locale: LCID 0421 is
# Indonesian ("Okt 2026"), 0409 English ("Oct 2026").
MONTH_FORMATS = {"id": "[$-421]mmm yyyy", "en": "[$-409]mmm yyyy"}
DAY_FORMATS = {"id": "[$-421]d mmm yyyy hh:mm", "en": "[$-409]d mmm yyyy hh:mm"}
WIDTH_MIN, WIDTH_MAX = 8, 60

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


def month_format(locale: str) -> str:
    return MONTH_FORMATS.get(locale.split("_")[0], MONTH_FORMATS["en"])


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


class _Sheet:
    """A sheet written row by row, with a number format per column and widths from content."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.widths: dict[int, int] = {}

    def row(self, values: Sequence[Any], formats: Sequence[str | None] = (), *, bold: bool = False) -> None:
        from openpyxl.styles import Alignment, Font

        self.sheet.append([None] * len(values))
        number = self.sheet.max_row
        for index, value in enumerate(values, start=1):
            cell = self.sheet.cell(row=number, column=index)
            cell.value = value
            if isinstance(value, str):
                # Text stays text: a name or note starting with "=" is never a formula.
                cell.data_type = "s"
            fmt = formats[index - 1] if index - 1 < len(formats) else None
            if fmt:
                cell.number_format = fmt
            if bold:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            # Headers wrap past 24 characters; text shows whole up to WIDTH_MAX; numbers and dates 12.
            if bold:
                shown = min(len(str(value)), 24)
            elif isinstance(value, str):
                shown = min(len(value), WIDTH_MAX)
            else:
                shown = 12
            self.widths[index] = max(self.widths.get(index, 0), shown)

    def table(self, *, freeze: str) -> None:
        """The whole sheet is one table: header frozen, autofilter over it, widths to fit."""
        from openpyxl.utils import get_column_letter

        self.sheet.freeze_panes = freeze
        if self.sheet.max_row > 1:
            self.sheet.auto_filter.ref = self.sheet.dimensions
        for index, width in self.widths.items():
            self.sheet.column_dimensions[get_column_letter(index)].width = max(WIDTH_MIN, width + 2)


def _summary_sheet(t: Translator, data: ExportData, sheet: _Sheet) -> None:
    locale = t.locale
    sheet.row([
        t.gettext("Kabupaten/Kota"), t.gettext("Komoditas"), t.gettext("Klaster"), t.gettext("Bulan"),
        t.gettext("Anggota"), t.gettext("Sudah melapor"), t.gettext("Tingkat pelaporan"), t.gettext("Total omzet"),
        t.gettext("Median omzet"), t.gettext("Rata-rata omzet"), t.gettext("Perubahan dari bulan lalu"),
        t.gettext("Perubahan dari tahun lalu"), t.gettext("Pertumbuhan sejak bergabung"),
        t.gettext("Anggota di balik pertumbuhan"), t.gettext("Catatan"),
    ], bold=True)
    formats = (
        None, None, None, month_format(locale), COUNT_FORMAT, COUNT_FORMAT, PERCENT_FORMAT, RUPIAH_FORMAT,
        RUPIAH_FORMAT, RUPIAH_FORMAT, PERCENT_FORMAT, PERCENT_FORMAT, PERCENT_FORMAT, COUNT_FORMAT, None,
    )
    threshold = format_count(MIN_REPORTERS, locale)
    for f in data.rows:
        c = data.clusters[f.cluster_id]
        if not f.published:
            note = t.gettext("Belum terbit: angka omzet terbit setelah batas lapor")
        elif f.suppressed:
            note = t.gettext("Data belum cukup: kurang dari {n} anggota melapor", n=threshold)
        elif f.growth_since_joining is None and f.growth_members < MIN_REPORTERS:
            note = t.gettext("Pertumbuhan sejak bergabung: kurang dari {n} anggota dengan data awal", n=threshold)
        else:
            note = None
        sheet.row([
            region_title(t, c.kabupaten), c.commodity, c.name, f.month.first_day(), f.members, f.reporters,
            _number(f.reporting_rate), f.total, f.median, f.mean, _number(f.change_previous), _number(f.change_year),
            _number(f.growth_since_joining), f.growth_members if not f.suppressed else None, note,
        ], formats)
    sheet.table(freeze="D2")


def _cohort_sheet(t: Translator, data: ExportData, sheet: _Sheet) -> None:
    locale = t.locale
    sheet.row([
        t.gettext("Kabupaten/Kota"), t.gettext("Komoditas"), t.gettext("Klaster"), t.gettext("Bulan"),
        t.gettext("Tahun bergabung"), t.gettext("Kelompok"), t.gettext("Anggota di balik angka"),
        t.gettext("Pertumbuhan sejak bergabung"),
    ], bold=True)
    formats = (None, None, None, month_format(locale), "0", None, COUNT_FORMAT, PERCENT_FORMAT)
    small = t.gettext("Kelompok kecil (tidak ditampilkan)")

    def rows(place: str, commodity: str | None, name: str, f: Figures) -> None:
        for c in f.cohorts:
            sheet.row([place, commodity, name, f.month.first_day(), c.year, cohort_label(t, c.year), c.members,
                       _number(c.growth)], formats)
        if f.cohorts and f.cohorts_hidden:
            sheet.row([place, commodity, name, f.month.first_day(), None, small, f.cohorts_hidden, None], formats)

    if data.region is not None and data.region.cohorts:
        rows(_scope_text(t, data), None, t.gettext("(seluruh cakupan)"), data.region)
    for f in data.rows:
        if f.suppressed:
            continue
        c = data.clusters[f.cluster_id]
        rows(region_title(t, c.kabupaten), c.commodity, c.name, f)
    sheet.table(freeze="D2")


def _value_format(criterion: Criterion) -> str:
    return COUNT_FORMAT if criterion is Criterion.MEMBERS else PERCENT_FORMAT


def _banding_sheet(t: Translator, data: ExportData, sheet: _Sheet) -> None:
    r = data.ranking
    weights = dict(r.criteria.weights)
    used = r.used
    header = [
        t.gettext("Peringkat"), t.gettext("Kabupaten/Kota"), t.gettext("Komoditas"), t.gettext("Klaster"),
        t.gettext("Skor total"), t.gettext("Daftar pilihan"),
    ]
    formats: list[str | None] = [COUNT_FORMAT, None, None, None, SCORE_FORMAT, None]
    for c in used:
        header += [
            t.gettext("{kriteria} (bobot {bobot}): nilai", kriteria=criteria_texts.label(t, c), bobot=weights[c]),
            t.gettext("{kriteria}: skor", kriteria=criteria_texts.label(t, c)),
        ]
        formats += [_value_format(c), SCORE_FORMAT]
    header.append(t.gettext("Catatan"))
    sheet.row(header, bold=True)
    listed = t.gettext("ya")
    for place, row in [(i, x) for i, x in enumerate(r.ranked, 1)] + [(None, x) for x in r.thin]:
        values: list[Any] = [
            place, region_title(t, row.cluster.kabupaten), row.cluster.commodity, row.cluster.name,
            _number(row.total), listed if row.shortlisted else None,
        ]
        for c in used:
            value = row.values.get(c)
            values += [_number(value), _number(row.scores.get(c))]
        values.append(
            t.gettext("Belum dapat diperingkat, data belum cukup: {kurang}",
                      kurang=", ".join(criteria_texts.label(t, c) for c in row.missing))
            if not row.ranked else None
        )
        sheet.row(values, formats)
    sheet.table(freeze="E2")


def _shortlist_sheet(t: Translator, data: ExportData, sheet: _Sheet, zone: str) -> None:
    sheet.row([
        t.gettext("Klaster"), t.gettext("Kabupaten/Kota"), t.gettext("Komoditas"), t.gettext("Peringkat"),
        t.gettext("Skor total"), t.gettext("Catatan"), t.gettext("Ditambahkan"),
    ], bold=True)
    day = DAY_FORMATS.get(t.locale.split("_")[0], DAY_FORMATS["en"])
    for item in data.ranking.shortlist:
        sheet.row([
            item.cluster.name, region_title(t, item.cluster.kabupaten), item.cluster.commodity, item.place,
            _number(item.total), item.note, item.added_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None),
        ], (None, None, None, COUNT_FORMAT, SCORE_FORMAT, None, day))
    sheet.table(freeze="B2")


def _scope_text(t: Translator, data: ExportData) -> str:
    parts = []
    for scope in data.scopes:
        if scope.role != "koordinator":
            continue
        if scope.is_province_wide:
            parts.append(t.gettext("seluruh program (semua klaster)"))
        elif scope.kabupaten:
            parts.append(region_title(t, scope.kabupaten))
        elif scope.cluster_name:
            parts.append(scope.cluster_name)
    return "; ".join(parts)


def _notes_sheet(t: Translator, data: ExportData, sheet: _Sheet, zone: str) -> None:
    locale = t.locale
    first = data.month.months_back(data.months - 1)
    threshold = format_count(MIN_REPORTERS, locale)
    who = data.exporter_name or t.gettext("koordinator (Telegram {id})", id=data.exporter_id)
    r = data.ranking
    rows: list[tuple[str, Any, str | None]] = [
        (t.gettext("Diekspor oleh"), who, None),
        (t.gettext("Diekspor pada ({zona})", zona=zone_short_name(zone)),
         data.exported_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None), DAY_FORMATS.get(locale.split("_")[0], DAY_FORMATS["en"])),
        (t.gettext("Cakupan"), t.gettext(
            "{wilayah}: {n} klaster, {awal} sampai {akhir}", wilayah=_scope_text(t, data),
            n=format_count(len(data.clusters), locale), awal=format_month(first, locale), akhir=format_month(data.month, locale),
        ), None),
        (t.gettext("Kriteria banding"), t.gettext(
            "{nama} — {bobot} (bulan {bulan})", nama=criteria_texts.set_title(t, r.criteria),
            bobot=criteria_texts.weights_text(t, r.criteria), bulan=format_month(data.month, locale),
        ), None),
        (t.gettext("Angka kecil (sel kosong)"), t.gettext(
            "Sel yang kosong bukan nol. Angka omzet (total, median, rata-rata, perubahan, pertumbuhan) hanya "
            "ditampilkan bila sedikitnya {n} anggota melapor, supaya omzet satu anggota tidak dapat dihitung "
            "(UU PDP No. 27/2022). Median adalah laporan tengah yang lebih rendah. Angka sebulan terbit pada batas "
            "lapor dan hanya diperbarui setelah terkumpul {n} laporan susulan atau perubahan. Sebelum terbit, "
            "hanya jumlah anggota dan pelapor yang tampil.", n=threshold,
        ), None),
        (t.gettext("Anggota"), t.gettext("Yang menjadi anggota pada suatu saat di bulan itu."), None),
        (t.gettext("Sudah melapor"), t.gettext("Anggota yang melaporkan omzet bulan itu (termasuk \"tidak ada penjualan\")."), None),
        (t.gettext("Tingkat pelaporan"), t.gettext("Sudah melapor dibagi anggota."), None),
        (t.gettext("Total, median, rata-rata omzet"), t.gettext("Dari laporan yang sudah terbit, dalam rupiah."), None),
        (t.gettext("Perubahan dari bulan lalu / tahun lalu"), t.gettext(
            "Total omzet dibanding total yang terbit untuk bulan sebelumnya / bulan yang sama tahun lalu."), None),
        (t.gettext("Pertumbuhan sejak bergabung"), t.gettext(
            "Omzet bulan itu dari anggota yang sudah melapor 3 bulan pertama mereka, dibanding rata-rata 3 bulan "
            "pertama itu; \"Anggota di balik pertumbuhan\" adalah jumlah anggota tersebut."), None),
        (t.gettext("Kohort (lembar Kohort)"), t.gettext(
            "Pertumbuhan sejak bergabung yang sama, dipisah menurut tahun anggota bergabung (waktu klaster). Seorang "
            "anggota masuk kohort tahun bergabungnya hanya bila laporan pertamanya jatuh dalam 3 bulan pertama "
            "keanggotaan, sehingga 3 bulan pertama itu memang omzet saat bergabung. Anggota yang baru mulai melapor "
            "sesudah itu (misalnya dari daftar anggota lama) dikelompokkan sendiri sebagai \"{lama}\": "
            "angkanya pertumbuhan sejak mereka mulai melapor, bukan sejak bergabung. Per tahun, bukan per triwulan: "
            "kohort triwulan terlalu kecil untuk ditampilkan. Kohort hanya tampil bila sedikitnya {n} anggota, dan "
            "kelompok yang tidak tampil berisi 0 atau sedikitnya {n} anggota, di klaster maupun di wilayah, supaya "
            "tidak ada angka yang dapat dihitung dengan pengurangan. \"Anggota di balik angka\" adalah jumlah "
            "anggota dalam kohort itu.", lama=cohort_label(t, None), n=threshold), None),
        (t.gettext("Skor banding"), t.gettext(
            "Tiap kriteria dinilai 0–100 di antara klaster yang dibandingkan (nilai terendah 0, tertinggi 100); "
            "skor total adalah rata-rata berbobot. Klaster tanpa nilai untuk salah satu kriteria tidak diperingkat."), None),
    ]
    rows += [(criteria_texts.label(t, c), criteria_texts.explanation(t, c), None) for c in Criterion]
    sheet.row([t.gettext("Butir"), t.gettext("Keterangan")], bold=True)
    for label, value, fmt in rows:
        sheet.row([label, value], (None, fmt))
    sheet.table(freeze="A2")
    from openpyxl.styles import Alignment

    sheet.sheet.column_dimensions["A"].width = 38
    sheet.sheet.column_dimensions["B"].width = 100
    for cells in sheet.sheet.iter_rows(min_row=2):
        cells[1].alignment = Alignment(wrap_text=True, vertical="top")


def interest_workbook(t: Translator, data: InterestList) -> bytes:
    """The interest list of a market opportunity as a small .xlsx a chair forwards to a buyer:
    name, business, product, phone (only where the member agreed it goes to the buyer) and when
    they answered, in the cluster's zone; a Keterangan sheet says what the file is. Every text
    cell is text (a business named "=1+1" stays those characters; a phone "+62…" is no number)."""
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    first.title = t.gettext("Peminat")[:31]
    sheet = _Sheet(first)
    day = DAY_FORMATS.get(t.locale.split("_")[0], DAY_FORMATS["en"])
    sheet.row([
        t.gettext("Nama"), t.gettext("Nama usaha"), t.gettext("Produk"), t.gettext("Telepon"),
        t.gettext("Menjawab pada ({zona})", zona=zone_short_name(data.zone)),
    ], bold=True)
    tz = ZoneInfo(data.zone)
    for p in data.people:
        sheet.row(
            [p.name, p.business_name, p.product, p.phone, p.answered_at.astimezone(tz).replace(tzinfo=None)],
            (None, None, None, None, day),
        )
    sheet.table(freeze="A2")
    notes = _Sheet(workbook.create_sheet(t.gettext("Keterangan")[:31]))
    notes.row([t.gettext("Butir"), t.gettext("Keterangan")], bold=True)
    for label, value, fmt in (
        (t.gettext("Peluang pasar"), data.text[:500], None),
        (t.gettext("Dikirim pada ({zona})", zona=zone_short_name(data.zone)),
         data.created_at.astimezone(tz).replace(tzinfo=None), day),
        (t.gettext("Peminat"), format_count(len(data.people), t.locale), None),
        (t.gettext("Telepon"), t.gettext(
            "Nomor telepon hanya tercantum bila anggota setuju nomornya diteruskan kepada pembeli dalam peluang "
            "pasar ini. Gunakan nomor itu hanya untuk peluang ini."), None),
    ):
        notes.row([label, value], (None, fmt))
    notes.sheet.column_dimensions["B"].width = 80
    for sheet_ in workbook.worksheets:
        _as_text(sheet_)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def programme_workbook(t: Translator, data: ExportData, zone: str, market: MarketSheet | None = None) -> bytes:
    """The five sheets, and "Peluang pasar" when given, as .xlsx bytes; times in `zone` (the
    programme's). No text cell on any sheet is a formula."""
    # Imported on use: only koordinator exporting need openpyxl in memory.
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    summary.title = t.gettext("Ringkasan")[:31]
    _summary_sheet(t, data, _Sheet(summary))
    _banding_sheet(t, data, _Sheet(workbook.create_sheet(t.gettext("Banding")[:31])))
    _shortlist_sheet(t, data, _Sheet(workbook.create_sheet(t.gettext("Pilihan")[:31])), zone)
    _cohort_sheet(t, data, _Sheet(workbook.create_sheet(t.gettext("Kohort")[:31])))
    _notes_sheet(t, data, _Sheet(workbook.create_sheet(t.gettext("Keterangan")[:31])), zone)
    if market is not None:
        _market_sheet(workbook, market)
    for sheet in workbook.worksheets:
        _as_text(sheet)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
