"""/riwayat through the real Application: twelve months as text, then a chart picture.

The harness clock is 28 November 2026, 10.00 WIB.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime

from sqlalchemy import insert, select

from db.models import Member, MonthlyReport
from db.summary_queries import rebuild_upkeep


async def _member(bot, user_id=9301, cluster=None, name="Siti Aminah"):
    cluster = cluster or await bot.cluster()
    user = bot.user(user_id)
    await bot.register(user, cluster, name=name)
    return user


async def _report(bot, user, month_words, amount):
    await user.send(f"omzet {month_words} {amount}")
    while "benar?" in user.last_text or "yakin?" in user.last_text or "Ganti dengan" in user.last_text:
        label = next(b for b in user.buttons() if b in ("Benar", "Ya, yakin", "Ya, ganti"))
        await user.press(label)


def _history_text(user):
    return next(t for t in reversed(user.texts()) if t.startswith("Riwayat omzet Anda"))


def _photo(bot):
    [call] = bot.api.calls_to("sendPhoto")
    [(_field, (_name, content, _mime))] = call.files.items()
    return call, content


async def _seed_cluster_month(bot, cluster_id, month, amounts):
    """Other members' reports for a month, written straight to the database."""
    joined = datetime(2025, 1, 1, tzinfo=UTC)
    async with bot.uow() as uow:
        for index, amount in enumerate(amounts):
            member = Member(
                telegram_user_id=None, chat_id=None, name=f"Lain {index}", business_name="u",
                main_product="p", cluster_id=cluster_id, status="active", joined_at=joined,
                consent_at=joined, consent_version="v",
            )
            uow.session.add(member)
            await uow.session.flush()
            await uow.session.execute(insert(MonthlyReport).values(
                member_id=member.id, cluster_id=cluster_id, month=month, amount=amount,
                no_sales=amount == 0, reported_at=joined, updated_at=joined, version=1,
            ))
        await rebuild_upkeep(uow.session)  # as the bot keeps them when reports are written
        await uow.commit()


async def test_no_reports_yet(bot):
    user = await _member(bot)
    await user.send("/riwayat")
    assert user.last_text == "Anda belum pernah melapor omzet. Ketik /omzet untuk melapor."
    assert bot.api.calls_to("sendPhoto") == []


async def test_unregistered_user_is_pointed_to_daftar(bot):
    stranger = bot.user(9399)
    await stranger.send("/riwayat")
    assert "Ketik /daftar" in stranger.last_text
    assert bot.api.calls_to("sendPhoto") == []


async def test_twelve_months_with_changes_and_unreported_months_marked(bot):
    user = await _member(bot)
    await _report(bot, user, "november 2025", "10 juta")
    await _report(bot, user, "agustus", "8 juta")
    await _report(bot, user, "september", "tutup")
    await _report(bot, user, "oktober", "12,5 juta")
    await user.send("/riwayat")
    lines = _history_text(user).splitlines()
    assert lines[0] == "Riwayat omzet Anda, November 2025 – Oktober 2026:"
    months = [line for line in lines if line and not line.startswith(" ") and ": " in line and "Riwayat" not in line]
    assert len(months) == 12
    assert months[:2] == ["November 2025: Rp10.000.000", "Desember 2025: belum dilaporkan"]
    assert "Juli 2026: belum dilaporkan" in months
    assert "Agustus 2026: Rp8.000.000" in months
    # Reported with no sales is not the same as not reported, and neither is shown as "Rp0".
    assert "September 2026: tidak ada penjualan" in months
    assert not any("Rp0" in line for line in lines)
    october = lines.index("Oktober 2026: Rp12.500.000")
    # After a month with no sales the change has no base, and October 2025 was not reported:
    # no percentage at all rather than a made-up one.
    assert lines[october + 1] == ""
    september = lines.index("September 2026: tidak ada penjualan")
    assert lines[september + 1] == "    -100,0% dari bulan sebelumnya"


async def test_change_from_previous_month_and_from_last_year(bot):
    user = await _member(bot)
    await _report(bot, user, "november 2025", "10 juta")
    await _report(bot, user, "oktober", "5 juta")
    await _report(bot, user, "november", "12,5 juta")
    await user.send("/riwayat")
    lines = _history_text(user).splitlines()
    # The current month is reported: the window ends with it.
    assert lines[0] == "Riwayat omzet Anda, Desember 2025 – November 2026:"
    november = lines.index("November 2026: Rp12.500.000")
    assert lines[november + 1] == "    +150,0% dari bulan sebelumnya"
    assert lines[november + 2] == "    +25,0% dari November 2025"


async def test_corrected_month_is_marked_and_keeps_its_old_version(bot):
    user = await _member(bot)
    await _report(bot, user, "oktober", "10 juta")
    await _report(bot, user, "oktober", "11 juta")
    await user.send("/riwayat")
    text = _history_text(user)
    assert "Oktober 2026: Rp11.000.000 (dikoreksi)" in text
    assert "Rp10.000.000" not in text


async def test_chart_is_a_real_png_of_sensible_size(bot):
    user = await _member(bot)
    await _report(bot, user, "september", "9 juta")
    await _report(bot, user, "oktober", "12,5 juta")
    await user.send("/riwayat")
    call, content = _photo(bot)
    assert call.params["caption"] == "Grafik omzet Anda per bulan."
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    assert content[12:16] == b"IHDR"
    width, height = struct.unpack(">II", content[16:24])
    assert 600 <= width <= 1600 and 300 <= height <= 1200
    assert 5_000 < len(content) < 500_000
    # The photo arrives in the member's chat, after the text.
    last = user.bot_messages()[-1]
    assert "photo" in last and bot.api.files[last["photo"][0]["file_id"]] == content


async def test_cluster_median_only_where_three_report(bot):
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    await _report(bot, user, "agustus", "10 juta")
    await _report(bot, user, "september", "10 juta")
    await _report(bot, user, "oktober", "10 juta")
    await _seed_cluster_month(bot, cluster.id, "2026-08", [4_000_000])  # 2 reporters
    await _seed_cluster_month(bot, cluster.id, "2026-09", [20_000_000, 30_000_000])  # 3
    await _seed_cluster_month(bot, cluster.id, "2026-10", [1_000_000, 2_000_000, 3_000_000])  # 4
    await user.send("/riwayat")
    lines = _history_text(user).splitlines()
    august = lines.index("Agustus 2026: Rp10.000.000")
    assert not lines[august + 1].startswith("    median")
    september = lines.index("September 2026: Rp10.000.000")
    assert lines[september + 2] == "    median klaster: Rp20.000.000"
    october = lines.index("Oktober 2026: Rp10.000.000")
    assert lines[october + 2] == "    median klaster: Rp2.500.000"
    text = "\n".join(lines)
    # Other members' own figures never appear, only medians of at least three.
    for figure in ("Rp4.000.000", "Rp30.000.000", "Rp1.000.000", "Rp3.000.000"):
        assert figure not in text
    _call, content = _photo(bot)
    assert content.startswith(b"\x89PNG")


async def test_chart_differs_with_and_without_the_median(bot):
    """The median line is drawn only when a month has three reporters."""
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    await _report(bot, user, "oktober", "10 juta")
    await _seed_cluster_month(bot, cluster.id, "2026-10", [5_000_000])
    await user.send("/riwayat")
    _call, without = _photo(bot)
    await _seed_cluster_month(bot, cluster.id, "2026-10", [7_000_000])
    bot.api.calls.clear()
    await user.send("/riwayat")
    _call, with_median = _photo(bot)
    assert "median klaster: Rp7.000.000" in _history_text(user)
    assert without != with_median


async def test_reports_of_a_deleted_member_still_count_but_are_nobodys(bot):
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    other = await _member(bot, 9302, cluster=cluster, name="Ani Lestari")
    await _report(bot, user, "oktober", "10 juta")
    await _report(bot, other, "oktober", "20 juta")
    await _seed_cluster_month(bot, cluster.id, "2026-10", [30_000_000])
    async with bot.uow() as uow:
        member = await uow.members.by_telegram_id(other.id)
        rows = (await uow.session.scalars(select(MonthlyReport).where(MonthlyReport.member_id == member.id))).all()
        for row in rows:
            row.member_id = None  # what deleting personal data does to the figures
        await uow.commit()
    await user.send("/riwayat")
    assert "median klaster: Rp20.000.000" in _history_text(user)
    await other.send("/riwayat")
    assert other.last_text == "Anda belum pernah melapor omzet. Ketik /omzet untuk melapor."
