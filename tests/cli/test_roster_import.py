"""Roster import: CSV and XLSX, bad rows reported, matched people only confirm."""

from __future__ import annotations

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
    assert "row 3: invalid text" in out and "row 4: invalid phone" in out and "row 5: phone +6281234567890 appears twice" in out
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
    assert "missing columns" in capsys.readouterr().err
    assert main(["import-members", str(tmp_path / "roster.xlsx"), "--cluster", "Tidak Ada"]) == 1


async def test_imported_person_shares_contact_and_only_confirms(bot, tmp_path):
    from bot.roster_files import read_roster
    from bot.services.roster import import_rows

    cluster = await bot.cluster()
    _write_csv(tmp_path / "anggota.csv")
    async with bot.uow() as uow:
        await import_rows(uow, cluster.name, read_roster(tmp_path / "anggota.csv"))

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
