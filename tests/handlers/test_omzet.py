"""Monthly omzet through the real Application and the fake Bot API: every branch a member takes.

The harness clock is 28 November 2026, 10.00 WIB: "the month just ended" is October 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.services import clusters as cluster_service
from db.models import ConversationState, MonthlyReport, ReportVersion

ECHO = "{} untuk Oktober 2026 — benar?"
ANSWER_BUTTONS = ["Benar", "Tulis lagi", "Batal"]
STALE = "Tombol atau langkah ini sudah tidak berlaku."


async def _member(bot, user_id=9001, cluster=None):
    cluster = cluster or await bot.cluster()
    user = bot.user(user_id)
    await bot.register(user, cluster)
    return user


async def _reports(bot):
    async with bot.uow(read_only=True) as uow:
        rows = (await uow.session.scalars(select(MonthlyReport).order_by(MonthlyReport.month))).all()
        return [(r.month, r.amount, r.no_sales, r.version) for r in rows]


async def _versions(bot):
    async with bot.uow(read_only=True) as uow:
        query = select(
            ReportVersion.version, ReportVersion.old_amount, ReportVersion.new_amount
        ).order_by(ReportVersion.report_id, ReportVersion.version)
        return [tuple(row) for row in (await uow.session.execute(query)).all()]


async def _state(bot, user_id):
    async with bot.uow(read_only=True) as uow:
        state = await uow.conversations.get(user_id)
        return (state.flow, state.step) if state else None


async def _report_history(bot, user, months):
    """Report each (month word, amount) pair and confirm it."""
    for month, amount in months:
        await user.send(f"omzet {month} {amount}")
        await user.press("Benar")


# --- the two-message path and the month buttons ---------------------------------------------


async def test_two_message_happy_path(bot):
    user = await _member(bot)
    await user.send("/omzet")
    assert user.last_text == "Untuk bulan apa Anda melapor omzet?"
    assert user.buttons() == ["Oktober 2026", "September 2026", "Bulan lain"]
    await user.press("Oktober 2026")
    assert user.last_text.startswith("Berapa omzet Anda untuk Oktober 2026?")
    assert "Contoh: 12,5 juta" in user.last_text
    await user.send("12,5 jt")
    assert user.last_text == ECHO.format("Rp12.500.000")
    assert user.buttons() == ANSWER_BUTTONS
    assert await _reports(bot) == []  # nothing is saved before "Benar"
    await user.press("Benar")
    assert user.last_text.startswith("Terima kasih! Omzet Oktober 2026 tersimpan: Rp12.500.000.")
    assert await _reports(bot) == [("2026-10", 12_500_000, False, 1)]
    assert await _versions(bot) == [(1, None, 12_500_000)]
    assert await _state(bot, user.id) is None


async def test_the_answered_question_becomes_the_result(bot):
    # One message per report on a small screen, and one Bot API call fewer per report (B1).
    user = await _member(bot)
    await user.send("/omzet 12,5 jt")
    question = user.message_with_button("Benar")
    sent_before = len(user.bot_messages())
    await user.press("Benar")
    assert len(user.bot_messages()) == sent_before
    assert question["text"].startswith("Terima kasih! Omzet Oktober 2026 tersimpan: Rp12.500.000.")
    assert "reply_markup" not in question or not question["reply_markup"].get("inline_keyboard")
    assert len(bot.api.calls_to("answerCallbackQuery")) >= 1


async def test_a_result_that_cannot_be_edited_is_sent_anew(bot):
    user = await _member(bot)
    await user.send("/omzet 12,5 jt")
    question = user.message_with_button("Benar")
    benar = next(b for row in question["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "Benar")
    user.chat.messages.remove(question)  # deleted by the member: Telegram answers 400 to the edit
    await user.press_data(benar["callback_data"], question)
    assert user.last_text.startswith("Terima kasih! Omzet Oktober 2026 tersimpan: Rp12.500.000.")
    assert await _reports(bot) == [("2026-10", 12_500_000, False, 1)]


async def test_pressed_buttons_are_removed(bot):
    user = await _member(bot)
    await user.send("/omzet")
    question = user.message_with_button("Oktober 2026")
    await user.press("Oktober 2026")
    assert "reply_markup" not in question


async def test_the_current_month_is_never_offered_nor_taken(bot):
    # Issue 15: on 28 November, November has not ended; "bulan ini 3jt" was saved as its omzet.
    user = await _member(bot)
    await user.send("/omzet")
    assert "November 2026" not in user.buttons()
    await user.press("Bulan lain")
    assert "Nov 2026" not in user.buttons()
    await user.send("bulan ini 3jt")
    assert user.last_text == (
        "Omzet November 2026 baru bisa dilaporkan setelah bulannya selesai, mulai 1 Desember 2026. "
        "Untuk Oktober 2026, balas saja dengan jumlahnya, misalnya 12,5 juta, atau tutup jika tidak ada penjualan."
    )
    # The member is at October's amount question: the example goes on from there.
    await user.send("12,5 juta")
    assert user.last_text == ECHO.format("Rp12.500.000")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 12_500_000, False, 1)]


async def test_the_current_month_button_of_an_old_message_is_stale(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.press_data("omzet:m:2026-11", user.message_with_button("Oktober 2026"))
    assert STALE in user.texts()[-2]
    assert await _reports(bot) == []


async def test_other_month_offers_the_last_twelve_never_the_future(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.press("Bulan lain")
    assert user.last_text == "Pilih bulan yang ingin Anda laporkan:"
    expected = ["Okt 2026", "Sep 2026", "Agu 2026", "Jul 2026", "Jun 2026", "Mei 2026",
                "Apr 2026", "Mar 2026", "Feb 2026", "Jan 2026", "Des 2025", "Nov 2025"]
    assert user.buttons() == expected + ["Batal"]
    await user.press("Mar 2026")
    assert user.last_text.startswith("Berapa omzet Anda untuk Maret 2026?")
    await user.send("850rb")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-03", 850_000, False, 1)]


async def test_month_typed_instead_of_pressed(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.send("september")
    assert user.last_text.startswith("Berapa omzet Anda untuk September 2026?")
    await user.send("7 juta")
    assert user.last_text == "Rp7.000.000 untuk September 2026 — benar?"


async def test_amount_typed_at_the_month_question_is_for_the_month_just_ended(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.send("12,5 jt")
    assert user.last_text == ECHO.format("Rp12.500.000")


async def test_flow_survives_a_restart(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.press("Oktober 2026")
    await bot.restart()
    await user.send("12,5 juta")
    assert user.last_text == ECHO.format("Rp12.500.000")
    await bot.restart()
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 12_500_000, False, 1)]


# --- one-step forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "echo", "month"),
    [
        ("/omzet 12,5 juta", ECHO.format("Rp12.500.000"), "2026-10"),
        ("/omzet oktober 12,5 jt", ECHO.format("Rp12.500.000"), "2026-10"),
        ("omzet 12,5jt", ECHO.format("Rp12.500.000"), "2026-10"),
        ("omzet oktober 12,5 jt", ECHO.format("Rp12.500.000"), "2026-10"),
        ("Omset: sept 850rb", "Rp850.000 untuk September 2026 — benar?", "2026-09"),
        ("omzet bulan lalu 5 jt", ECHO.format("Rp5.000.000"), "2026-10"),
        ("omzet Nopember 2025 5 jt", "Rp5.000.000 untuk November 2025 — benar?", "2025-11"),
        ("/omzet 10/2026 Rp 12.500.000", ECHO.format("Rp12.500.000"), "2026-10"),
        ("/omzet 2026-08 2 jt", "Rp2.000.000 untuk Agustus 2026 — benar?", "2026-08"),
    ],
)
async def test_one_step_forms(bot, typed, echo, month):
    user = await _member(bot)
    await user.send(typed)
    assert user.last_text == echo
    await user.press("Benar")
    [(stored_month, _amount, _no_sales, _version)] = await _reports(bot)
    assert stored_month == month


async def test_command_with_month_only_asks_the_amount(bot):
    user = await _member(bot)
    await user.send("/omzet agustus")
    assert user.last_text.startswith("Berapa omzet Anda untuk Agustus 2026?")
    await user.send("omzet")  # the keyword alone starts again from the month question
    assert user.buttons() == ["Oktober 2026", "September 2026", "Bulan lain"]


async def test_keyword_alone_asks_the_month(bot):
    user = await _member(bot)
    await user.send("Omzet")
    assert user.last_text == "Untuk bulan apa Anda melapor omzet?"


# --- every row of indonesian.md's money table, through the chat ------------------------------

SAVED_AS_TYPED = [
    ("12500000", 12_500_000), ("12.500.000", 12_500_000), ("Rp 12.500.000", 12_500_000),
    ("Rp12.500.000,-", 12_500_000), ("rp. 12.500.000", 12_500_000), ("12,5 juta", 12_500_000),
    ("12,5jt", 12_500_000), ("12.5 jt", 12_500_000), ("12 juta 500 ribu", 12_500_000),
    ("850rb", 850_000), ("850 ribu", 850_000), ("850k", 850_000), ("850K", 850_000),
]


@pytest.mark.parametrize(("typed", "rupiah"), SAVED_AS_TYPED)
async def test_money_table_amounts(bot, typed, rupiah):
    user = await _member(bot)
    await user.send("/omzet")
    await user.press("Oktober 2026")
    await user.send(typed)
    assert user.last_text == ECHO.format(f"Rp{rupiah:,}".replace(",", "."))
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", rupiah, False, 1)]


@pytest.mark.parametrize("typed", ["1,2 M", "1,2 miliar", "1,2 milyar"])
async def test_money_table_above_the_micro_ceiling_is_confirmed_not_refused(bot, typed):
    user = await _member(bot)
    await user.send(f"/omzet {typed}")
    assert user.last_text.startswith("Rp1.200.000.000 untuk Oktober 2026 — yakin?")
    assert "batas omzet usaha mikro (sekitar Rp166.666.667 sebulan)" in user.last_text
    assert user.buttons() == ["Ya, yakin", "Tulis lagi", "Batal"]
    await user.press("Ya, yakin")
    # The question showed the amount and the month: confirming it saves it.
    assert user.last_text.startswith("Terima kasih! Omzet Oktober 2026 tersimpan: Rp1.200.000.000.")
    assert await _reports(bot) == [("2026-10", 1_200_000_000, False, 1)]


@pytest.mark.parametrize("typed", ["0", "nol", "tutup", "libur", "Tutup", "LIBUR"])
async def test_money_table_no_sales_is_reported_not_missing(bot, typed):
    user = await _member(bot)
    await user.send(f"omzet {typed}")
    assert user.last_text == "Tidak ada penjualan untuk Oktober 2026 — benar?"
    await user.press("Benar")
    assert "tersimpan: Rp0 (tidak ada penjualan)" in user.last_text
    assert await _reports(bot) == [("2026-10", 0, True, 1)]


@pytest.mark.parametrize("typed", ["12,5", "12.5"])
async def test_money_table_bare_decimal_is_ambiguous(bot, typed):
    user = await _member(bot)
    await user.send(f"/omzet {typed}")
    assert user.last_text == "Maksud Anda Rp12.500.000 atau Rp12.500 untuk Oktober 2026?"
    assert user.buttons() == ["Rp12.500.000", "Rp12.500", "Tulis lagi"]
    assert await _reports(bot) == []


@pytest.mark.parametrize(
    ("typed", "explanation"),
    [
        ("-5 juta", "Omzet tidak bisa kurang dari nol."),
        ("abc", "Jumlah itu tidak bisa kami baca."),
        ("12,5,3 juta", "Jumlah itu tidak bisa kami baca."),
    ],
)
async def test_money_table_refusals_show_examples(bot, typed, explanation):
    user = await _member(bot)
    await user.send(f"omzet {typed}")
    assert user.last_text.startswith(explanation)
    # Two or three examples that work.
    assert user.last_text.count(" juta") + user.last_text.count(" ribu") >= 2
    assert await _reports(bot) == []
    # The member is left at the amount question: an example from the refusal goes on.
    await user.send("5 juta")
    assert user.last_text == ECHO.format("Rp5.000.000")


@pytest.mark.parametrize("typed", ["-5 juta", "abc", "12,5,3 juta", "Rp"])
async def test_refusals_keep_the_step_inside_the_flow(bot, typed):
    user = await _member(bot)
    await user.send("/omzet")
    await user.press("Oktober 2026")
    await user.send(typed)
    assert "ontoh" in user.last_text
    assert await _state(bot, user.id) == ("omzet", "amount")
    await user.send("5 juta")
    assert user.last_text == ECHO.format("Rp5.000.000")


# --- ambiguity ----------------------------------------------------------------------------------


async def test_ambiguity_juta(bot):
    user = await _member(bot)
    await user.send("omzet 12,5")
    await user.press("Rp12.500.000")
    assert user.last_text == ECHO.format("Rp12.500.000")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 12_500_000, False, 1)]


async def test_ambiguity_ribu(bot):
    user = await _member(bot)
    await user.send("omzet oktober 12,5")
    await user.press("Rp12.500")
    assert user.last_text == ECHO.format("Rp12.500")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 12_500, False, 1)]


async def test_ambiguity_write_again(bot):
    user = await _member(bot)
    await user.send("omzet 12,5")
    await user.press("Tulis lagi")
    assert user.last_text.startswith("Berapa omzet Anda untuk Oktober 2026?")
    await user.send("12,5 ribu")
    assert user.last_text == ECHO.format("Rp12.500")


async def test_ambiguity_answered_by_typing(bot):
    user = await _member(bot)
    await user.send("omzet 12,5")
    await user.send("12,5 juta")
    assert user.last_text == ECHO.format("Rp12.500.000")


async def test_ambiguous_reading_above_the_ceiling_asks_yakin_next(bot):
    user = await _member(bot)
    await user.send("omzet 250,5")
    await user.press("Rp250.500.000")
    assert user.last_text.startswith("Rp250.500.000 untuk Oktober 2026 — yakin?")


# --- plausibility -------------------------------------------------------------------------------


async def test_above_the_ceiling_write_again(bot):
    user = await _member(bot)
    await user.send("omzet 170 juta")
    assert "yakin?" in user.last_text
    await user.press("Tulis lagi")
    await user.send("17 juta")
    assert user.last_text == ECHO.format("Rp17.000.000")


async def test_exactly_the_ceiling_is_not_questioned(bot):
    user = await _member(bot)
    await user.send("omzet 166.666.667")
    assert user.last_text == ECHO.format("Rp166.666.667")


async def test_far_above_own_median_asks_yakin(bot):
    user = await _member(bot)
    await _report_history(bot, user, [("mei", "8 juta"), ("juni", "10 juta"), ("juli", "12 juta")])
    await user.send("omzet oktober 61 juta")
    assert user.last_text == (
        "Rp61.000.000 untuk Oktober 2026 — yakin?\n"
        "Angka ini lebih dari 5 kali omzet Anda biasanya (sekitar Rp10.000.000 sebulan)."
    )
    assert user.buttons() == ["Ya, yakin", "Tulis lagi", "Batal"]
    await user.press("Ya, yakin")
    assert await _reports(bot) == [
        ("2026-05", 8_000_000, False, 1), ("2026-06", 10_000_000, False, 1),
        ("2026-07", 12_000_000, False, 1), ("2026-10", 61_000_000, False, 1),
    ]


async def test_far_below_own_median_asks_yakin(bot):
    user = await _member(bot)
    await _report_history(bot, user, [("agustus", "10 juta"), ("september", "10 juta")])
    await user.send("omzet oktober 1.999.999")
    assert "kurang dari seperlima omzet Anda biasanya (sekitar Rp10.000.000 sebulan)" in user.last_text
    await user.press("Tulis lagi")
    await user.send("2 juta")  # exactly a fifth: plausible
    assert user.last_text == ECHO.format("Rp2.000.000")


async def test_five_times_the_median_is_still_plausible(bot):
    user = await _member(bot)
    await _report_history(bot, user, [("september", "10 juta")])
    await user.send("omzet oktober 50 juta")
    assert user.last_text == ECHO.format("Rp50.000.000")


async def test_no_sales_is_never_questioned_against_history(bot):
    user = await _member(bot)
    await _report_history(bot, user, [("september", "10 juta")])
    await user.send("omzet oktober tutup")
    assert user.last_text == "Tidak ada penjualan untuk Oktober 2026 — benar?"


# --- corrections --------------------------------------------------------------------------------


async def test_correction_shows_old_value_and_keeps_every_version(bot):
    user = await _member(bot)
    await user.send("/omzet 12,5 jt")
    await user.press("Benar")
    await user.send("omzet oktober 13 jt")
    # Issue 15: one plain choice, one word per action.
    assert user.last_text == "Omzet Oktober 2026 sudah tercatat Rp12.500.000. Ganti menjadi Rp13.000.000?"
    assert user.buttons() == ["Ganti", "Tulis lagi", "Batal"]
    await user.press("Ganti")
    assert user.last_text.startswith(
        "Koreksi tersimpan. Omzet Oktober 2026 sekarang Rp13.000.000 (sebelumnya Rp12.500.000)."
    )
    assert await _reports(bot) == [("2026-10", 13_000_000, False, 2)]
    assert await _versions(bot) == [(1, None, 12_500_000), (2, 12_500_000, 13_000_000)]


async def test_choosing_a_reported_month_shows_its_value_first(bot):
    user = await _member(bot)
    await user.send("omzet oktober tutup")
    await user.press("Benar")
    await user.send("/omzet")
    await user.press("Oktober 2026")
    assert user.last_text.startswith(
        "Oktober 2026 sudah Anda laporkan: Rp0 (tidak ada penjualan).\n"
        "Jika ingin mengoreksinya, tulis jumlah yang baru."
    )
    await user.send("4 juta")
    assert user.last_text == "Omzet Oktober 2026 sudah tercatat Rp0 (tidak ada penjualan). Ganti menjadi Rp4.000.000?"


async def test_correction_cancelled_keeps_the_old_value(bot):
    user = await _member(bot)
    await user.send("omzet 5 juta")
    await user.press("Benar")
    await user.send("omzet 6 juta")
    await user.press("Batal")
    assert user.last_text == "Laporan omzet dibatalkan. Tidak ada yang disimpan."
    assert await _reports(bot) == [("2026-10", 5_000_000, False, 1)]
    assert await _state(bot, user.id) is None


async def test_same_value_again_changes_nothing(bot):
    user = await _member(bot)
    await user.send("omzet 5 juta")
    await user.press("Benar")
    await user.send("omzet oktober 5.000.000")
    assert user.last_text == "Oktober 2026 sudah tercatat Rp5.000.000. Tidak ada yang diubah."
    assert await _versions(bot) == [(1, None, 5_000_000)]


async def test_implausible_correction_asks_yakin_then_before_replacing(bot):
    user = await _member(bot)
    await user.send("omzet 5 juta")
    await user.press("Benar")
    await user.send("omzet oktober 500 juta")
    assert "yakin?" in user.last_text
    await user.press("Ya, yakin")
    assert user.last_text == "Omzet Oktober 2026 sudah tercatat Rp5.000.000. Ganti menjadi Rp500.000.000?"
    await user.press("Ganti")
    assert await _reports(bot) == [("2026-10", 500_000_000, False, 2)]


# --- change of mind -----------------------------------------------------------------------------


async def test_ubah_asks_again_and_batal_stores_nothing(bot):
    user = await _member(bot)
    await user.send("omzet 5 juta")
    await user.press("Tulis lagi")
    assert user.last_text.startswith("Berapa omzet Anda untuk Oktober 2026?")
    await user.send("6 juta")
    assert user.last_text == ECHO.format("Rp6.000.000")
    await user.press("Batal")
    assert await _reports(bot) == []
    assert await _state(bot, user.id) is None


async def test_typing_a_new_amount_instead_of_pressing(bot):
    user = await _member(bot)
    await user.send("omzet 5 juta")
    await user.send("6 juta")
    assert user.last_text == ECHO.format("Rp6.000.000")
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 6_000_000, False, 1)]


async def test_batal_command_during_the_report(bot):
    user = await _member(bot)
    await user.send("omzet 5 juta")
    await user.send("/batal")
    assert user.last_text == "Laporan omzet dibatalkan. Tidak ada yang disimpan."
    assert await _state(bot, user.id) is None
    await user.send("6 juta")  # no step any more: not taken as a report
    assert await _reports(bot) == []


# --- months that cannot be reported ------------------------------------------------------------


async def test_future_month_is_refused(bot):
    user = await _member(bot)
    await user.send("omzet desember 2026 5 juta")
    assert user.last_text.startswith("Bulan itu belum tiba.")
    assert await _reports(bot) == []


async def test_future_month_typed_alone_in_the_flow(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.send("januari 2027")
    assert user.last_text.startswith("Bulan itu belum tiba.")


async def test_month_older_than_twelve_months_is_refused(bot):
    user = await _member(bot)
    await user.send("omzet oktober 2025 5 juta")
    assert user.last_text.startswith("Laporan hanya bisa untuk 12 bulan terakhir yang sudah selesai.")
    await user.send("omzet november 2025 5 juta")
    assert user.last_text == "Rp5.000.000 untuk November 2025 — benar?"


async def test_unknown_month_name(bot):
    user = await _member(bot)
    await user.send("omzet oktobr 5 juta")
    assert user.last_text.startswith("Nama bulan itu tidak kami kenal.")


async def test_the_clusters_zone_decides_which_month_just_ended(bot):
    jakarta = await bot.cluster("Batik Simbang Kulon")
    async with bot.uow() as uow:
        jayapura = await cluster_service.create_cluster(
            uow, name="Noken Jayapura", kabupaten="Jayapura", commodity="noken", timezone="Asia/Jayapura"
        )
    west = await _member(bot, 9001, jakarta)
    east = await _member(bot, 9002, jayapura)
    # 30 November 23.00 WIB is already 1 December 01.00 WIT.
    bot.now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    await west.send("omzet 5 juta")
    assert west.last_text == ECHO.format("Rp5.000.000")
    await east.send("omzet 5 juta")
    assert east.last_text == "Rp5.000.000 untuk November 2026 — benar?"
    await east.send("/omzet")
    assert east.buttons() == ["November 2026", "Oktober 2026", "Bulan lain"]


# --- stale buttons ------------------------------------------------------------------------------


async def test_old_button_after_saving_says_it_is_saved(bot):
    user = await _member(bot)
    await user.send("/omzet 5 juta")
    old = user.message_with_button("Benar")
    data = old["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await user.press("Benar")
    await user.press_data(data, old)  # the same button, pressed again later
    assert user.texts()[-1] == "Laporan omzet ini sudah tersimpan."
    assert await _versions(bot) == [(1, None, 5_000_000)]


async def test_old_button_never_confirms_a_different_amount(bot):
    user = await _member(bot)
    await user.send("omzet 5 juta")
    first = user.message_with_button("Benar")
    data = first["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await user.send("omzet 6 juta")
    await user.press_data(data, first)  # "Benar" under "Rp5.000.000 ... benar?"
    assert user.texts()[-2:] == [STALE, ECHO.format("Rp6.000.000")]
    assert await _reports(bot) == []
    await user.press("Benar")
    assert await _reports(bot) == [("2026-10", 6_000_000, False, 1)]


async def test_month_button_from_an_old_question_is_stale(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.send("omzet 5 juta")  # typed instead of pressing a month
    await user.press("Oktober 2026")
    assert user.texts()[-2:] == [STALE, ECHO.format("Rp5.000.000")]


@pytest.mark.parametrize(
    "data", ["omzet:m:2026-13", "omzet:m:2024-01", "omzet:ok:2026-10:5000000", "omzet:more", "omzet:stop",
             "omzet:edit:2026-10", "omzet:amt:2026-10:12500000", "omzet:fix:2026-10:1"],
)
async def test_forged_or_outdated_omzet_buttons(bot, data):
    user = await _member(bot)
    await user.press_data(data)
    assert STALE in user.texts()
    assert await _reports(bot) == []


async def test_button_matching_no_pattern(bot):
    user = await _member(bot)
    before = len(bot.api.calls_to("answerCallbackQuery"))
    await user.press_data("omzet:bogus")
    assert len(bot.api.calls_to("answerCallbackQuery")) == before + 1


# --- who may report, where ----------------------------------------------------------------------


async def test_report_in_a_group_chat_is_refused_and_nothing_stored(bot):
    cluster = await bot.cluster()
    user = await _member(bot, cluster=cluster)
    group = bot.api.group(-500, "Grup Batik")
    await user.send("/omzet 12 juta", chat=group)
    await user.send("omzet 12 juta", chat=group)
    replies = [m for m in group.messages if m["from"]["id"] == bot.api.bot_user["id"]]
    assert len(replies) == 1 and "chat pribadi" in replies[0]["text"]
    assert await _reports(bot) == []
    assert await _state(bot, user.id) is None


async def test_unregistered_user_is_pointed_to_daftar(bot):
    await bot.cluster()
    stranger = bot.user(9100)
    for text in ("/omzet", "/omzet 12 juta", "omzet 12 juta", "omzet oktober 5 jt"):
        await stranger.send(text)
        assert "Ketik /daftar" in stranger.last_text, text
    assert await _reports(bot) == []
    async with bot.uow(read_only=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(ConversationState)) == 0


async def test_member_waiting_for_approval_cannot_report_yet(bot):
    cluster = await bot.cluster(requires_approval=True)
    user = await _member(bot, cluster=cluster)
    await user.send("/omzet 12 juta")
    assert user.last_text.startswith("Pendaftaran Anda masih menunggu persetujuan ketua klaster.")
    await user.send("omzet 12 juta")
    assert "menunggu persetujuan" in user.last_text
    assert await _reports(bot) == []


async def test_help_lists_the_report_commands_for_members(bot):
    user = await _member(bot)
    await user.send("/bantuan")
    assert "/omzet — melapor omzet bulanan" in user.last_text
    assert "/riwayat" in user.last_text


# --- once only ----------------------------------------------------------------------------------


async def test_edited_message_never_makes_a_second_report(bot):
    user = await _member(bot)
    await user.send("/omzet")
    await user.press("Oktober 2026")
    await user.send("12 juta")
    await user.edit_last("15 juta")  # before confirming: the echo stays the one shown
    assert user.last_text == ECHO.format("Rp12.000.000")
    await user.press("Benar")
    await user.send("omzet september 3 juta")
    await user.press("Benar")
    await user.edit_last("omzet september 4 juta")  # after saving: no correction either
    count = len(user.texts())
    assert await _reports(bot) == [("2026-09", 3_000_000, False, 1), ("2026-10", 12_000_000, False, 1)]
    assert len(user.texts()) == count


async def test_duplicate_updates_are_handled_once(bot):
    user = await _member(bot)
    message = await user.send("omzet 12 juta")
    count = len(user.texts())
    await bot.api.deliver(message)  # Telegram delivers the same message again
    assert len(user.texts()) == count
    press = await user.press("Benar")
    await bot.api.deliver(press)  # ... and the same button press again
    assert await _reports(bot) == [("2026-10", 12_000_000, False, 1)]
    assert await _versions(bot) == [(1, None, 12_000_000)]
