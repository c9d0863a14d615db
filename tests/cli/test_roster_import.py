"""Roster import: CSV and XLSX, bad rows reported, matched people only confirm."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.shell.cli import main
from db.models import Member, RosterEntry


def _write_csv(path):
    path.write_text(
        "Nama;Nama Usaha;Produk Utama;No HP\n"
        "Siti Aminah;Batik Tulis Bu Siti;batik tulis;0812-3456-7890\n"
        "Budi 2;Batik Budi;batik cap;081299990000\n"
        "Ani Lestari;Batik Ani;batik;bukan nomor\n"
        "Citra Dewi;Batik Citra;batik;+62 812 3456 7890\n"
        ";;;\n"
        "Dewi Sartika;Batik Dewi;batik;081311112222\n",
        encoding="utf-8",
    )


def test_csv_import_reports_bad_rows_and_keeps_good_ones(env, tmp_path, capsys):
    main(["cluster", "add", "Batik Simbang Kulon", "--kabupaten", "Pekalongan", "--komoditas", "batik"])
    capsys.readouterr()
    roster = tmp_path / "anggota.csv"
    _write_csv(roster)
    assert main(["import-members", str(roster), "--cluster", "Batik Simbang Kulon"]) == 0
    out = capsys.readouterr().out
    assert "imported: 2; dilewati / skipped: 3" in out
    assert "baris / row 3: kolom / column 'Nama': nama tidak boleh berisi angka / a name may not contain digits ('Budi 2')" in out
    assert "baris / row 4: kolom / column 'No HP': bukan nomor HP Indonesia" in out and "'bukan nomor'" in out
    assert "baris / row 5: kolom / column 'No HP': nomor +6281234567890 muncul dua kali dalam berkas" in out
    # Importing again skips everyone: nothing is duplicated.
    assert main(["import-members", str(roster), "--cluster", "Batik Simbang Kulon"]) == 0
    assert "imported: 0" in capsys.readouterr().out


def test_xlsx_import_and_errors(env, tmp_path, capsys):
    main(["cluster", "add", "Jambu Lele", "--kabupaten", "Demak", "--komoditas", "jambu"])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nama", "usaha", "produk", "telepon"])
    sheet.append(["Ani Lestari", "Jambu Ani", "jambu air", 81234500001])  # Excel ate the leading 0
    workbook.save(tmp_path / "roster.xlsx")
    capsys.readouterr()
    assert main(["import-members", str(tmp_path / "roster.xlsx"), "--cluster", "Jambu Lele"]) == 0
    assert "imported: 1" in capsys.readouterr().out
    assert main(["import-members", str(tmp_path / "missing.csv"), "--cluster", "Jambu Lele"]) == 2
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    assert main(["import-members", str(tmp_path / "bad.csv"), "--cluster", "Jambu Lele"]) == 1
    assert "kolom tidak ada / missing columns" in capsys.readouterr().err
    assert main(["import-members", str(tmp_path / "roster.xlsx"), "--cluster", "Tidak Ada"]) == 1


async def test_imported_person_shares_contact_and_only_confirms(bot, tmp_path):
    from bot.roster_files import read_roster
    from bot.services.roster import import_rows

    cluster = await bot.cluster()
    _write_csv(tmp_path / "anggota.csv")
    async with bot.uow() as uow:
        await import_rows(uow, cluster.name, read_roster(tmp_path / "anggota.csv"), bot.now)

    siti = bot.user(4001, "Siti")
    await siti.send(f"/start {cluster.invite_code}")
    await siti.press("Setuju")  # consent is still asked
    assert "daftar Dinas" in siti.last_text
    await siti.share_contact("+6281234567890")
    assert "ada di daftar Dinas" in siti.texts()[-2]
    summary = siti.last_text
    assert "Nama: Siti Aminah" in summary and "Nama usaha: Batik Tulis Bu Siti" in summary
    await siti.press("Benar")
    async with bot.uow(read_only=True) as uow:
        member = await uow.session.scalar(select(Member).where(Member.telegram_user_id == 4001))
        entry = await uow.session.scalar(select(RosterEntry).where(RosterEntry.phone == "+6281234567890"))
    assert member.name == "Siti Aminah" and member.phone == "+6281234567890"
    assert entry.claimed_member_id == member.id

    # Someone not on the list goes through the normal questions, and is not asked twice.
    other = bot.user(4002, "Rudi")
    await other.send(f"/start {cluster.invite_code}")
    await other.press("Setuju")
    await other.share_contact("081200001111")
    assert "belum ada di daftar Dinas" in other.texts()[-2]
    for answer in ("Rudi Hartono", "Batik Rudi", "batik"):
        await other.send(answer)
    assert "Mohon periksa data Anda" in other.last_text and "+6281200001111" in other.last_text

    # And someone who prefers not to share goes on with the questions.
    third = bot.user(4003, "Lina")
    await third.send(f"/start {cluster.invite_code}")
    await third.press("Setuju")
    await third.send("Lewati")
    assert "nama lengkap" in third.last_text


def _write_csv_with_join_dates(path):
    path.write_text(
        "Nama;Nama Usaha;Produk Utama;No HP;Tanggal Bergabung\n"
        "Siti Aminah;Batik Tulis Bu Siti;batik tulis;0812-3456-7890;15/02/2026\n"
        "Dewi Sartika;Batik Dewi;batik;081311112222;\n"
        "Ani Lestari;Batik Ani;batik;081311113333;kapan-kapan\n"
        "Citra Dewi;Batik Citra;batik;081311114444;1 Januari 2027\n"
        "Rina Marlina;Batik Rina;batik;081311115555;Maret 2025\n",
        encoding="utf-8",
    )


async def _join(bot, user_id, first_name, phone, cluster):
    person = bot.user(user_id, first_name)
    await person.send(f"/start {cluster.invite_code}")
    await person.press("Setuju")
    await person.share_contact(phone)
    await person.press("Benar")
    return person


async def test_imported_members_count_from_the_join_date_on_the_list(bot, tmp_path):
    """The list's optional "bergabung" column: membership counts from then, not from the day
    the person opened the bot; without it, from registration (and a report reaches back)."""
    from datetime import UTC, datetime

    from bot.dates import Month
    from bot.roster_files import read_roster
    from bot.services import summaries
    from bot.services.roster import import_rows

    cluster = await bot.cluster()
    _write_csv_with_join_dates(tmp_path / "anggota.csv")
    async with bot.uow() as uow:
        report = await import_rows(uow, cluster.name, read_roster(tmp_path / "anggota.csv"), bot.now)
    assert report.imported == 3
    assert [(row, reason.split(":")[0]) for row, reason in report.skipped] == [
        (4, "kolom / column 'Tanggal Bergabung'"),
        (5, "kolom / column 'Tanggal Bergabung'"),
    ]
    assert "bukan tanggal" in report.skipped[0][1] and "'kapan-kapan'" in report.skipped[0][1]
    assert "masa depan" in report.skipped[1][1] and "'1 Januari 2027'" in report.skipped[1][1]
    await _join(bot, 4001, "Siti", "+6281234567890", cluster)
    dewi = await _join(bot, 4002, "Dewi", "081311112222", cluster)
    async with bot.uow(read_only=True) as uow:
        joined = dict((await uow.session.execute(select(Member.name, Member.joined_at))).all())
    assert joined == {
        "Siti Aminah": datetime(2026, 2, 14, 17, 0, tzinfo=UTC),  # 15 February 00.00 WIB
        "Dewi Sartika": bot.now,
    }
    # Dewi fills in March, from before she registered: she was a member then.
    await dewi.send("/omzet maret 2026 5 jt")
    await dewi.press("Benar")
    async with bot.uow() as uow:
        [january] = await summaries.compile_month(uow, Month(2026, 1), bot.now, [cluster.id])
        [march] = await summaries.compile_month(uow, Month(2026, 3), bot.now, [cluster.id])
    assert (january.members, january.reporters) == (0, 0)
    assert (march.members, march.reporters) == (2, 1)


def test_join_dates_in_a_spreadsheet_are_read_as_days(tmp_path):
    from datetime import datetime

    from bot.roster_files import read_roster

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nama", "usaha", "produk", "telepon", "bergabung"])
    sheet.append(["Ani Lestari", "Jambu Ani", "jambu air", "081234500001", datetime(2025, 7, 1)])
    sheet.append(["Budi Santoso", "Jambu Budi", "jambu air", "081234500002", None])
    workbook.save(tmp_path / "roster.xlsx")
    rows = read_roster(tmp_path / "roster.xlsx")
    assert [row["joined"] for row in rows] == ["2025-07-01", ""]
    # The column is optional: the older lists still read.
    _write_csv(tmp_path / "old.csv")
    assert "joined" not in read_roster(tmp_path / "old.csv")[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_saved_by_excel_in_any_of_its_encodings_is_read(env, tmp_path, capsys, encoding):
    """Excel on Windows saves "CSV" as Windows-1252 and "CSV UTF-8" with a BOM."""
    main(["cluster", "add", "Batik Simbang Kulon", "--kabupaten", "Pekalongan", "--komoditas", "batik"])
    capsys.readouterr()
    roster = tmp_path / "anggota.csv"
    roster.write_bytes(
        ("Nama;Nama Usaha;Produk Utama;No HP\r\n"
         "Siti Aminah;Batik Tulis Bu Siti – Pekalongan;batik tulis «halus»;0812-3456-7890\r\n"
         "André Wijaya;Kopi André;kopi;081299990000\r\n").encode(encoding)
    )
    assert main(["import-members", str(roster), "--cluster", "Batik Simbang Kulon"]) == 0
    assert "imported: 2" in capsys.readouterr().out
    from bot.roster_files import read_roster

    rows = read_roster(roster)
    assert [r["name"] for r in rows] == ["Siti Aminah", "André Wijaya"]
    assert rows[0]["business_name"] == "Batik Tulis Bu Siti – Pekalongan"
