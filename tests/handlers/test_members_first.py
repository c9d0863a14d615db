"""Issue 15, "Members first": every point of "What members meet today" through the chat.

A member registered on 28 November answers in their own words; the clock moves to December
(November has ended) where the issue's sentences say so.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain import Role
from bot.shell.background import run_monthly_jobs
from db.models import MonthlyReport

DECEMBER_3 = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10.00 WIB: November has just ended
NOVEMBER_ECHO = "{} untuk November 2026 — benar?"


async def _member(bot, user_id=9001, cluster=None):
    cluster = cluster or await bot.cluster()
    user = bot.user(user_id)
    await bot.register(user, cluster)
    return user


async def _reports(bot):
    async with bot.uow(read_only=True) as uow:
        rows = (await uow.session.scalars(select(MonthlyReport).order_by(MonthlyReport.month))).all()
        return [(r.month, r.amount, r.no_sales, r.note) for r in rows]


# --- 1. any message read in context ---------------------------------------------------------


async def test_a_bare_amount_with_nothing_pending_is_a_report_for_the_month_just_ended(bot):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send("5jt")
    assert user.last_text == NOVEMBER_ECHO.format("Rp5.000.000")
    assert await _reports(bot) == []  # nothing is saved without the echo and a press
    await user.press("Benar")
    assert await _reports(bot) == [("2026-11", 5_000_000, False, None)]


async def test_a_reply_to_the_reminder_is_a_report_for_that_reminders_month(bot):
    user = await _member(bot)
    bot.now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09.00 WIB on the 5th: November's reminder
    await run_monthly_jobs(bot.app)
    await bot.drain()
    reminder = next(m for m in user.bot_messages() if (m.get("text") or "").startswith("Pengingat"))
    # Issue 15, item 9: the deadline and how to answer.
    assert reminder["text"] == (
        "Pengingat: mohon laporkan omzet November 2026 paling lambat 10 Desember 2026.\n"
        "Balas saja pesan ini dengan jumlahnya, misalnya 12,5 juta. Jika tutup, balas: tutup. Terima kasih!"
    )
    # Answered weeks later: the month just ended is December, the reminder was for November.
    bot.now = datetime(2027, 1, 4, 3, 0, tzinfo=UTC)
    await user.send("5jt", reply_to=reminder)
    assert user.last_text == NOVEMBER_ECHO.format("Rp5.000.000")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-11", 5_000_000, False, None)]


async def test_a_reply_to_another_message_is_for_the_month_just_ended(bot):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send("5jt", reply_to=user.bot_messages()[-1])
    assert user.last_text == NOVEMBER_ECHO.format("Rp5.000.000")


async def test_a_greeting_gets_the_members_menu(bot):
    user = await _member(bot)
    await user.send("halo")
    assert "Ketik /bantuan untuk melihat perintah yang tersedia." != user.last_text
    assert user.last_text.startswith("Halo, Siti Aminah!")
    assert "12,5 juta" in user.last_text and "tutup" in user.last_text
    assert [b["text"] for b in user.reply_keyboard()] == ["Lapor omzet", "Riwayat", "Pengumuman", "Bantuan"]


async def test_a_menu_button_runs_its_command(bot):
    user = await _member(bot)
    await user.send("halo")
    await user.send("Lapor omzet")
    assert user.last_text == "Untuk bulan apa Anda melapor omzet?"
    await user.send("Bantuan")  # mid-report: help, then the question again
    assert user.last_text == "Untuk bulan apa Anda melapor omzet?"


async def test_a_sentence_with_no_amount_is_not_taken_for_a_report(bot):
    user = await _member(bot)
    await user.send("kapan ada pelatihan lagi ya?")
    assert "belum saya mengerti" in user.last_text
    assert await _reports(bot) == []


# --- 2. amounts the way people write them ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "echo"),
    [
        ("delapan juta", NOVEMBER_ECHO.format("Rp8.000.000")),
        ("dua belas juta lima ratus ribu", NOVEMBER_ECHO.format("Rp12.500.000")),
        ("seperempat juta", NOVEMBER_ECHO.format("Rp250.000")),
        ("kira-kira 9 juta", "Sekitar Rp9.000.000 untuk November 2026 — benar?\nKami catat sebagai Rp9.000.000."),
        ("kurang lebih 4 jt", "Sekitar Rp4.000.000 untuk November 2026 — benar?\nKami catat sebagai Rp4.000.000."),
        ("12 jt-an", "Sekitar Rp12.000.000 untuk November 2026 — benar?\nKami catat sebagai Rp12.000.000."),
        ("omzet kira-kira 9 juta", "Sekitar Rp9.000.000 untuk November 2026 — benar?\nKami catat sebagai Rp9.000.000."),
        ("belum ada penjualan", "Tidak ada penjualan untuk November 2026 — benar?"),
        ("kosong", "Tidak ada penjualan untuk November 2026 — benar?"),
        ("lagi tutup", "Tidak ada penjualan untuk November 2026 — benar?"),
    ],
)
async def test_words_people_use_are_understood(bot, typed, echo):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send(typed)
    assert user.last_text == echo


async def test_a_hedge_is_saved_as_the_amount(bot):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send("kira-kira 9 juta")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-11", 9_000_000, False, None)]


async def test_the_reason_for_no_sales_is_kept_as_the_members_note(bot):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send("tutup karena banjir")
    assert user.last_text == "Tidak ada penjualan untuk November 2026 — benar?\nCatatan Anda: tutup karena banjir"
    await user.press("Benar")
    assert await _reports(bot) == [("2026-11", 0, True, "tutup karena banjir")]


@pytest.mark.parametrize(("typed", "buttons"), [("lima", ["Rp5.000.000", "Rp5.000"]), ("8", ["Rp8.000.000", "Rp8.000"])])
async def test_a_bare_number_too_small_for_rupiah_is_a_question(bot, typed, buttons):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send(typed)
    assert user.last_text.startswith("Maksud Anda")
    assert user.buttons() == [*buttons, "Tulis lagi"]
    await user.press(buttons[0])
    assert user.last_text == NOVEMBER_ECHO.format(buttons[0])


async def test_a_range_is_a_question(bot):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send("4-5 juta")
    assert user.last_text.startswith("Anda menulis kisaran 4-5 juta.")
    assert user.buttons() == ["Rp4.000.000", "Rp4.500.000", "Rp5.000.000", "Tulis lagi"]
    await user.press("Rp4.500.000")
    assert user.last_text == NOVEMBER_ECHO.format("Rp4.500.000")


@pytest.mark.parametrize("typed", ["omzet 12,5,3 juta", "/omzet abc", "omzet -5 juta"])
async def test_every_refusal_names_both_forms(bot, typed):
    user = await _member(bot)
    await user.send(typed)
    assert "12,5 juta" in user.last_text and "tutup" in user.last_text


# --- 3. only finished months ----------------------------------------------------------------


async def test_on_the_first_of_december_november_is_offered_never_december(bot):
    user = await _member(bot)
    bot.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    await user.send("/omzet")
    assert user.buttons() == ["November 2026", "Oktober 2026", "Bulan lain"]
    await user.send("bulan ini 3jt")
    assert user.last_text.startswith("Omzet Desember 2026 baru bisa dilaporkan setelah bulannya selesai, mulai 1 Januari 2027.")
    assert await _reports(bot) == []


# --- 4. the correction question -------------------------------------------------------------


async def test_the_correction_is_one_plain_choice_and_the_old_value_stays(bot):
    user = await _member(bot)
    bot.now = DECEMBER_3
    await user.send("8.110.000")
    await user.press("Benar")
    await user.send("tutup")
    assert user.last_text == "Omzet November 2026 sudah tercatat Rp8.110.000. Ganti menjadi Rp0 (tidak ada penjualan)?"
    assert user.buttons() == ["Ganti", "Tulis lagi", "Batal"]
    await user.press("Ganti")
    await user.send("/riwayat")
    assert "(dikoreksi)" in "\n".join(user.texts()[-2:])


# --- 6. give back at once -------------------------------------------------------------------


async def test_a_saved_report_says_at_once_what_it_means(bot):
    user = await _member(bot)
    await user.send("omzet oktober 10 juta")
    await user.press("Benar")
    bot.now = DECEMBER_3
    await user.send("11,2 juta")
    await user.press("Benar")
    assert user.last_text.endswith("\n\nNovember 2026: naik 12% dari Oktober 2026.")


async def test_the_cluster_comparison_comes_once_publishable(bot):
    """The cluster's middle value is published at the deadline with at least 5 reporters (the
    small-numbers rule): before that no one is compared; a late report after it is."""
    cluster = await bot.cluster()
    members = [await _member(bot, 9001 + i, cluster) for i in range(6)]
    amounts = ("4 juta", "6 juta", "8 juta", "5 juta", "7 juta")
    for minute, (user, amount) in enumerate(zip(members[:5], amounts, strict=True)):
        # A minute apart, as people report (a summary snapshot is recompiled after a newer report).
        bot.now = DECEMBER_3.replace(minute=minute)
        await user.send(amount)
        await user.press("Benar")
        # Before the deadline nothing of the cluster is published: nobody is compared.
        assert "nilai tengah" not in user.last_text
    # The deadline: 10 December 18.00 WIB, the month's figures are compiled and published.
    from bot.shell.background import run_monthly_jobs

    bot.now = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
    await run_monthly_jobs(bot.app)
    bot.now = DECEMBER_3.replace(day=11)
    await members[5].send("9 juta")
    await members[5].press("Benar")
    assert members[5].last_text.endswith("November 2026: di atas nilai tengah klaster.")


# --- 7. a menu at hand ----------------------------------------------------------------------


async def test_each_role_sees_its_own_command_menu(bot):
    cluster = await bot.cluster()
    member = await _member(bot, 9001, cluster)
    chair = await _member(bot, 9002, cluster)
    await bot.grant(9002, Role.KETUA, cluster=cluster.name)
    koordinator = bot.user(9003, "Koor")
    await bot.grant(9003, Role.KOORDINATOR)
    stranger = bot.user(9004, "Tamu")
    for person in (member, chair, koordinator, stranger):
        await person.send("/bantuan")
    api = bot.api
    assert api.menu_of(member.id) == ["omzet", "produk", "riwayat", "info", "profil", "dataku", "hapusdata", "berhenti", "lanjut", "bahasa", "batal", "bantuan"]
    assert "umumkan" in api.menu_of(chair.id) and "omzet" in api.menu_of(chair.id)
    assert "ekspor" not in api.menu_of(chair.id)
    assert "ekspor" in api.menu_of(koordinator.id) and "omzet" not in api.menu_of(koordinator.id)
    assert api.menu_of(stranger.id) == ["start", "daftar", "bahasa", "batal", "bantuan"]
    assert [b["text"] for b in chair.reply_keyboard()] == ["Umumkan", "Belum lapor", "Ringkasan", "Anggota", "Lapor omzet", "Bantuan"]


async def test_the_fake_api_refuses_menus_telegram_refuses(bot):
    from telegram import BotCommand, BotCommandScopeChat
    from telegram.error import BadRequest

    with pytest.raises(BadRequest, match="[Cc]hat not found"):
        await bot.app.bot.set_my_commands([BotCommand("omzet", "Lapor")], scope=BotCommandScopeChat(424242))
    bot.user(9005)
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.app.bot.set_my_commands([BotCommand("Lapor-Omzet", "Lapor")], scope=BotCommandScopeChat(9005))


# --- 8. registration that forgives ----------------------------------------------------------


async def _draft(bot, user_id):
    async with bot.uow(read_only=True) as uow:
        state = await uow.conversations.get(user_id)
        return (state.step, dict(state.data)) if state else None


async def test_kembali_goes_one_step_back_and_is_never_saved_as_an_answer(bot):
    cluster = await bot.cluster()
    user = bot.user(9101)
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    await user.send("Siti Aminah")
    await user.send("kembali")
    assert user.last_text.startswith("Siapa nama lengkap Anda?")
    await user.send("Siti Aminah")
    await user.send("« Kembali")  # the keyboard's button
    assert user.last_text.startswith("Siapa nama lengkap Anda?")
    step, data = await _draft(bot, user.id)
    assert step == "name" and "business_name" not in data
    await user.send("Siti Aminah")
    await user.send("Batik Siti")
    await user.send("batik tulis")
    # At the phone step (the cluster came from the invite), back is the product.
    await user.send("« Kembali")
    assert user.last_text.startswith("Apa produk utama usaha Anda?")


async def test_the_invite_is_remembered_after_tidak_setuju_and_batal(bot):
    await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    user = bot.user(9102)
    await user.send(f"/start {jambu.invite_code}")
    await user.press("Tidak setuju")
    await user.send("/daftar")
    assert "Jambu Lele" in user.texts()[-2]
    await user.press("Setuju")
    await user.send("/batal")
    await user.send("/daftar")
    await user.press("Setuju")
    await user.send("Darto")
    # Examples follow the cluster's commodity, not batik.
    assert user.last_text == "Apa nama usaha Anda?\nContoh: Kebun Jambu Pak Darto"
    await user.send("Kebun Darto")
    assert user.last_text == "Apa produk utama usaha Anda?\nContoh: jambu kristal, jambu air"
    await user.send("jambu kristal")
    # The cluster came from the invite: the phone is next, no batik cluster offered first.
    assert "Bagikan nomor" in user.last_text
    await user.send("Lewati")
    await user.press("Benar")
    async with bot.uow(read_only=True) as uow:
        member = await uow.members.by_telegram_id(user.id)
        telegram_user = await uow.users.get(user.id)
    assert member.cluster_id == jambu.id
    assert telegram_user.invite_cluster_id is None  # joined: the invite has done its work


async def test_omzet_while_registering_says_so_with_a_button_to_go_on(bot):
    cluster = await bot.cluster()
    user = bot.user(9103)
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    await user.send("/omzet")
    assert user.last_text.startswith("Anda sedang mendaftar.")
    assert user.buttons() == ["Lanjutkan pendaftaran"]
    await user.press("Lanjutkan pendaftaran")
    assert user.last_text.startswith("Siapa nama lengkap Anda?")
