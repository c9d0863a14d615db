"""Read the member lists a Dinas already keeps: CSV (comma or semicolon) or Excel .xlsx."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

# Column names people use in their sheets, mapped to our fields.
HEADERS = {
    "name": ("nama", "nama lengkap", "nama anggota", "name"),
    "business_name": ("usaha", "nama usaha", "business", "business name"),
    "main_product": ("produk", "produk utama", "product", "main product", "komoditas"),
    "phone": ("telepon", "telp", "no telepon", "nomor telepon", "hp", "no hp", "nomor hp", "wa", "no wa", "phone"),
    # Optional: when the person joined the programme; their membership counts from then.
    "joined": (
        "bergabung", "tanggal bergabung", "tgl bergabung", "tgl gabung", "mulai bergabung", "sejak",
        "joined", "joined at", "join date", "date joined",
    ),
}
OPTIONAL = frozenset({"joined"})


class RosterFileError(ValueError):
    """The file cannot be read as a roster; the message says why."""


class RosterRows(list):
    """The rows (dicts of our field names), and each field's column header as the file has it,
    so a bad row's report names the column the person sees in their sheet."""

    def __init__(self, rows: list[dict[str, str]], columns: dict[str, str]) -> None:
        super().__init__(rows)
        self.columns = columns


def decode(data: bytes) -> str:
    """The text of a CSV as Excel and others save it: UTF-8 (with or without the BOM Excel
    writes for "CSV UTF-8"), else Windows-1252 (Excel's "CSV" on an Indonesian or English
    Windows), else Latin-1, which reads any byte."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _field(header: str) -> str | None:
    cleaned = " ".join(header.strip().lower().replace(".", " ").replace("_", " ").split())
    for field, names in HEADERS.items():
        if cleaned in names:
            return field
    return None


def _rows(table: list[list[str]]) -> RosterRows:
    if not table:
        raise RosterFileError("berkas kosong / the file is empty")
    columns = [_field(str(h or "")) for h in table[0]]
    headers = {f: str(h).strip() for f, h in zip(columns, table[0], strict=False) if f}
    missing = [f for f in HEADERS if f not in columns and f not in OPTIONAL]
    if missing:
        raise RosterFileError(
            f"kolom tidak ada / missing columns: {', '.join(missing)} "
            "(contoh / expected e.g. nama, usaha, produk, telepon)"
        )
    rows = []
    for values in table[1:]:
        if not any(str(v or "").strip() for v in values):
            continue
        rows.append({f: str(v if v is not None else "").strip() for f, v in zip(columns, values, strict=False) if f})
    return RosterRows(rows, headers)


def _cell(value: object) -> str:
    """An Excel cell as the text a person would have typed."""
    if value is None:
        return ""
    # Phone numbers typed in Excel often become numbers: 812345 loses its 0; keep digits.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # A date cell: its day, in the ISO form the importer reads (the time of day means nothing).
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_roster(path: Path) -> RosterRows:
    """Rows as dicts with name, business_name, main_product, phone and, when the file has
    the column, joined (all text)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise RosterFileError(f"cannot read {path.name} as Excel: {exc}") from exc
        table = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        return _rows(table)
    if suffix in (".csv", ".txt"):
        text = decode(path.read_bytes())
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return _rows([row for row in csv.reader(text.splitlines(), dialect)])
    raise RosterFileError(f"{path.name}: use a .csv or .xlsx file")
