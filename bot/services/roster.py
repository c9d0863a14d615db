"""Roster import: people the Dinas already knows are matched by phone when they join."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dates import MonthError, MonthErrorReason, parse_date
from bot.domain import InvalidInput, NotFound
from bot.phone import PhoneError, normalize_phone
from bot.services.text_fields import (
    BUSINESS_MAX,
    NAME_MAX,
    PRODUCT_MAX,
    clean_person_name,
    clean_text,
)
from db.models import Member, RosterEntry
from db.uow import UnitOfWork

_DEFAULT_COLUMNS = {
    "name": "nama", "business_name": "usaha", "main_product": "produk", "phone": "telepon", "joined": "bergabung",
}


def _text_reason(reason: str, limit: int) -> str:
    return {
        "empty": "kosong / empty",
        "too_long": f"terlalu panjang, paling banyak {limit} huruf / too long, at most {limit} characters",
        "digits_in_name": "nama tidak boleh berisi angka / a name may not contain digits",
        "needs_letters": "harus berisi huruf / needs letters",
    }.get(reason, f"tidak bisa dipakai / cannot be used ({reason})")


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


async def import_rows(uow: UnitOfWork, cluster: str, rows: Iterable[dict[str, str]], now: datetime) -> ImportReport:
    """Pre-register rows for a cluster; bad rows are reported and never stop the good ones."""
    found = await uow.clusters.by_name_or_code(cluster)
    if found is None:
        raise NotFound("cluster")
    zone = ZoneInfo(found.timezone)
    today = now.astimezone(zone).date()
    report = ImportReport()
    existing = set((await uow.session.scalars(select(RosterEntry.phone).where(RosterEntry.cluster_id == found.id))).all())
    members = set((await uow.session.scalars(select(Member.phone).where(Member.phone.is_not(None)))).all())
    seen: set[str] = set()
    columns: dict[str, str] = getattr(rows, "columns", {})

    def skip(number: int, field_name: str, reason: str, value: str | None = None) -> None:
        column = columns.get(field_name, _DEFAULT_COLUMNS[field_name])
        shown = f" ({value!r})" if value else ""
        report.skipped.append((number, f"kolom / column '{column}': {reason}{shown}"))

    for number, row in enumerate(rows, start=2):  # row 1 is the header
        field_name = "name"
        try:
            name = clean_person_name(row.get("name"))
            field_name = "business_name"
            business = clean_text(row.get("business_name"), max_length=BUSINESS_MAX)
            field_name = "main_product"
            product = clean_text(row.get("main_product"), max_length=PRODUCT_MAX)
        except InvalidInput as error:
            limit = {"name": NAME_MAX, "business_name": BUSINESS_MAX, "main_product": PRODUCT_MAX}[field_name]
            skip(number, field_name, _text_reason(error.reason, limit), row.get(field_name))
            continue
        try:
            phone = normalize_phone(row.get("phone") or "")
        except PhoneError:
            skip(number, "phone", "bukan nomor HP Indonesia, contoh 0812-3456-7890 / not an Indonesian mobile number", row.get("phone"))
            continue
        joined = None
        if (row.get("joined") or "").strip():
            try:
                day = parse_date(row["joined"], today)
            except MonthError as error:
                why = (
                    "tanggal di masa depan / lies in the future" if error.reason is MonthErrorReason.FUTURE
                    else "bukan tanggal, contoh 15/03/2024 / is not a date"
                )
                skip(number, "joined", why, row["joined"])
                continue
            # The start of that day in the cluster's zone: the day belongs to its month there.
            joined = datetime.combine(day, time(0), tzinfo=zone)
        if phone in seen:
            skip(number, "phone", f"nomor {phone} muncul dua kali dalam berkas / appears twice in the file")
            continue
        seen.add(phone)
        if phone in existing:
            skip(number, "phone", f"{phone} sudah pernah diimpor / was imported before")
            continue
        if phone in members:
            skip(number, "phone", f"{phone} sudah terdaftar sebagai anggota / is already a registered member")
            continue
        uow.session.add(RosterEntry(
            cluster_id=found.id, name=name, business_name=business, main_product=product, phone=phone,
            imported_at=now, joined_at=joined,
        ))
        report.imported += 1
    await uow.audit.record("roster.import", actor=None, subject=found.name, imported=report.imported, skipped=len(report.skipped))
    await uow.commit()
    return report


async def has_candidates(uow: UnitOfWork, cluster_id: int | None) -> bool:
    """Whether anyone is waiting to be matched (in the cluster, or anywhere)."""
    query = select(RosterEntry.id).where(RosterEntry.claimed_member_id.is_(None)).limit(1)
    if cluster_id is not None:
        query = query.where(RosterEntry.cluster_id == cluster_id)
    return (await uow.session.scalar(query)) is not None


async def find_match(uow: UnitOfWork, phone: str, cluster_id: int | None) -> RosterEntry | None:
    query = select(RosterEntry).where(RosterEntry.phone == phone, RosterEntry.claimed_member_id.is_(None))
    if cluster_id is not None:
        query = query.where(RosterEntry.cluster_id == cluster_id)
    return await uow.session.scalar(query.order_by(RosterEntry.id).limit(1))
