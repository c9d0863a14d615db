"""Monthly omzet through the real Application: every branch a member can take."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import MonthlyReport, ReportVersion

# The harness clock: 28 November 2026, 10.00 WIB. "The month just ended" is October 2026.


async def _member(bot, user_id=9001):
    cluster = await bot.cluster()
    user = bot.user(user_id)
    await bot.register(user, cluster)
    return user, cluster


async def _reports(bot):
    async with bot.uow(read_only=True) as uow:
        return [(r.month, r.amount, r.no_sales, r.version) for r in (await uow.session.scalars(select(MonthlyReport).order_by(MonthlyReport.month))).all()]


async def test_two_message_happy_path(bot):
    user, _ = await _member(bot)
    await user.send("/omzet")
    assert user.buttons()[0].startswith("Oktober 2026")
    await user.press(user.buttons()[0])
    assert "Berapa omzet Anda untuk Oktober 2026" in user.last_text
    await user.send("12,5 jt")
    assert user.last_text == "Rp12.500.000 untuk Oktober 2026 — benar?"
    await user.press("Benar")
    assert "Omzet Oktober 2026 tersimpan: Rp12.500.000" in user.last_text
    assert await _reports(bot) == [("2026-10", 12_500_000, False, 1)]


MONEY_TABLE = [
    ("12500000", 12_500_000), ("12.500.000", 12_500_000), ("Rp 12.500.000", 12_500_000),
    ("Rp12.500.000,-", 12_500_000), ("rp. 12.500.000", 12_500_000), ("12,5 juta", 12_500_000),
    ("12,5jt", 12_500_000), ("12.5 jt", 12_500_000), ("12 juta 500 ribu", 12_500_000),
    ("850rb", 850_000), ("850 ribu", 850_000), ("850k", 850_000), ("850K", 850_000),
]


@pytest.mark.parametrize("typed, rupiah", MONEY_TABLE)
async def test_money_table_through_the_chat(bot, typed, rupiah):
    user, _ = await _member(bot)
    await user.send(f"/omzet {typed}")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", rupiah, False, 1)]


@pytest.mark.parametrize("typed", ["1,2 M", "1,2 miliar", "1,2 milyar"])
async def test_above_the_micro_ceiling_is_confirmed_not_refused(bot, typed):
    user, _ = await _member(bot)
    await user.send(f"/omzet {typed}")
    assert "yakin?" in user.last_text and "Rp1.200.000.000" in user.last_text
    await user.press("Ya, yakin")
    if "benar?" in user.last_text:
        await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 1_200_000_000, False, 1)]


@pytest.mark.parametrize("typed", ["0", "nol", "tutup", "libur"])
async def test_no_sales_is_reported_not_missing(bot, typed):
    user, _ = await _member(bot)
    await user.send(f"omzet {typed}")
    assert "Tidak ada penjualan untuk Oktober 2026" in user.last_text
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 0, True, 1)]
    await user.send("/riwayat")
    text = next(t for t in reversed(user.texts()) if "Riwayat" in t)
    assert "Oktober 2026: tidak ada penjualan" in text
    assert "September 2026: belum dilaporkan" in text


async def test_bare_decimal_is_ambiguous_and_asks_with_buttons(bot):
    user, _ = await _member(bot)
    await user.send("/omzet 12,5")
    assert "Maksud Anda Rp12.500.000 atau Rp12.500 untuk Oktober 2026?" in user.last_text
    labels = user.buttons()
    assert any("12.500.000" in label or "12,5" in label for label in labels) and "Tulis ulang" in labels
    await user.press(labels[0])
    if "benar?" in user.last_text:
        await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 12_500_000, False, 1)]


@pytest.mark.parametrize("typed", ["-5 juta", "abc", "12,5,3 juta"])
async def test_refusals_show_examples_and_keep_the_step(bot, typed):
    user, _ = await _member(bot)
    await user.send("/omzet")
    await user.press(user.buttons()[0])
    await user.send(typed)
    assert "Contoh" in user.last_text or "contoh" in user.last_text
    await user.send("5 juta")
    assert user.last_text == "Rp5.000.000 untuk Oktober 2026 — benar?"


async def test_far_from_own_history_asks_yakin(bot):
    user, _ = await _member(bot)
    for month in ("mei", "juni", "juli", "agustus", "september"):
        await user.send(f"omzet {month} 10 juta")
        await user.press("Benar")
    await user.send("omzet oktober 100 juta")
    assert "lebih dari 5 kali" in user.last_text
    await user.press("Tulis ulang")
    await user.send("11 juta")
    await user.press("Benar")
    await user.send("omzet november 1 juta")
    assert "kurang dari seperlima" in user.last_text


async def test_correction_shows_old_value_and_keeps_every_version(bot):
    user, _ = await _member(bot)
    await user.send("/omzet 12,5 jt")
    await user.press("Benar")
    await user.send("omzet oktober 13 jt")
    assert "sudah Anda laporkan: Rp12.500.000" in user.last_text and "Rp13.000.000" in user.last_text
    await user.press("Ya, ganti")
    assert "Koreksi tersimpan" in user.last_text
    assert await _reports(bot) == [("2026-10", 13_000_000, False, 2)]
    async with bot.uow(read_only=True) as uow:
        versions = (await uow.session.execute(select(ReportVersion.old_amount, ReportVersion.new_amount).order_by(ReportVersion.version))).all()
    assert versions == [(None, 12_500_000), (12_500_000, 13_000_000)]
    await user.send("/riwayat")
    text = next(t for t in reversed(user.texts()) if "Riwayat" in t)
    assert "Oktober 2026: Rp13.000.000 (dikoreksi)" in text


async def test_future_month_and_stale_button(bot):
    user, _ = await _member(bot)
    await user.send("omzet desember 2026 5 juta")
    assert "belum tiba" in user.last_text
    await user.send("/omzet 5 juta")
    old = user.message_with_button("Benar")
    data = old["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await user.press("Benar")
    await user.press_data(data, old)  # the same button, pressed again later
    assert await _reports(bot) == [("2026-10", 5_000_000, False, 1)]


async def test_group_chat_and_unregistered(bot):
    await bot.cluster()
    group = bot.api.group(-500, "Grup")
    stranger = bot.user(9100)
    await stranger.send("/omzet 12 juta", chat=group)
    assert await _reports(bot) == []
    await stranger.send("/omzet 12 juta")
    assert "/daftar" in stranger.last_text
    await stranger.send("omzet 12 juta")
    assert "/daftar" in stranger.last_text
    assert await _reports(bot) == []


async def test_edited_message_and_duplicate_update_create_one_report(bot):
    user, _ = await _member(bot)
    await user.send("/omzet")
    await user.press(user.buttons()[0])
    await user.send("12 juta")
    await user.edit_last("15 juta")
    assert user.last_text == "Rp12.000.000 untuk Oktober 2026 — benar?"
    press = await user.press("Benar")
    await bot.api.deliver(press)  # Telegram delivers the same button press again
    assert await _reports(bot) == [("2026-10", 12_000_000, False, 1)]


async def test_riwayat_sends_a_real_png_and_median_only_with_three_reporters(bot):
    cluster = await bot.cluster()
    members = []
    for i in range(3):
        user = bot.user(9200 + i)
        await bot.register(user, cluster, name=f"Anggota {'ABC'[i]}")
        members.append(user)
    for i, user in enumerate(members):
        await user.send(f"omzet oktober {10 + i} juta")
        await user.press("Benar")
    await members[0].send("omzet september 7 juta")
    await members[0].press("Benar")
    await members[0].send("/riwayat")
    photo = bot.api.calls_to("sendPhoto")[-1]
    [(_, (_name, content, _mime))] = photo.files.items()
    assert content.startswith(b"\x89PNG") and 10_000 < len(content) < 500_000
    text = next(t for t in reversed(members[0].texts()) if "Riwayat" in t)
    lines = text.splitlines()
    october = lines.index("Oktober 2026: Rp10.000.000")
    september = lines.index("September 2026: Rp7.000.000")
    assert "median klaster: Rp11.000.000" in lines[october + 2]
    assert lines[september + 1] == "Oktober 2026: Rp10.000.000"  # no median: one reporter in September
    # Nobody else's own figures ever appear, only the median of three.
    assert "Rp12.000.000" not in text and "Rp11.000.000" in text
