"""Monthly omzet glue: /omzet, "omzet 12,5 jt" messages, typed amounts and the answer buttons."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import callbacks as cb
from bot.dates import Month, MonthError, format_day, format_month
from bot.domain import AlreadyDone, DomainError, StaleAction
from bot.i18n import Translator
from bot.money import (
    MICRO_MONTHLY_CEILING,
    Ambiguity,
    format_rupiah,
)
from bot.services import reports
from bot.services.reports import (
    Doubt,
    GiveBack,
    MonthNotOver,
    Outcome,
    Question,
    Recorded,
    ReportValue,
    Step,
    Unchanged,
)
from handlers import requests as market
from handlers.context import KlasterContext
from handlers.keyboards import inline
from handlers.replies import refuse, say
from handlers.texts import change_words, explain_error

log = logging.getLogger(__name__)

# Three month buttons a row fit a small phone screen ("Okt 2026").
MONTHS_PER_ROW = 3

_CONFIRMING = {"ok": Step.CONFIRM, "sure": Step.PLAUSIBILITY, "fix": Step.CORRECTION}


def _month(t: Translator, month: Month) -> str:
    return format_month(month, t.locale)


def _value(t: Translator, value: ReportValue) -> str:
    """An amount as the member reads it; no sales says so, not just "Rp0"."""
    if value.no_sales:
        return t.gettext("{jumlah} (tidak ada penjualan)", jumlah=format_rupiah(0, t.locale))
    return format_rupiah(value.rupiah, t.locale)


def _retype_label(t: Translator) -> str:
    # One word for "type the amount again" on every question.
    return t.gettext("Tulis lagi")


def _month_keyboard(t: Translator, question: Question) -> InlineKeyboardMarkup:
    if question.all_months:
        buttons = [
            (format_month(m, t.locale, short=True), cb.omzet_month(str(m))) for m in question.months
        ]
        rows = [buttons[i : i + MONTHS_PER_ROW] for i in range(0, len(buttons), MONTHS_PER_ROW)]
        rows.append([(t.gettext("Batal"), cb.OMZET_CANCEL)])
        return inline(rows)
    rows = [[(_month(t, m), cb.omzet_month(str(m)))] for m in question.months]
    rows.append([(t.gettext("Bulan lain"), cb.OMZET_MORE_MONTHS)])
    return inline(rows)


def _answer_keyboard(t: Translator, yes_label: str, yes_data: str, month: Month) -> InlineKeyboardMarkup:
    return inline(
        [[(yes_label, yes_data), (_retype_label(t), cb.omzet_retype(str(month))), (t.gettext("Batal"), cb.OMZET_CANCEL)]]
    )


def _amount_prompt(t: Translator, question: Question) -> str:
    month = _month(t, question.month)
    if question.existing is not None:
        return t.gettext(
            "{bulan} sudah Anda laporkan: {jumlah}.\n"
            "Jika ingin mengoreksinya, tulis jumlah yang baru.\n"
            "Contoh: 12,5 juta, 850 ribu, atau tutup jika tidak ada penjualan.",
            bulan=month,
            jumlah=_value(t, question.existing),
        )
    return t.gettext(
        "Berapa omzet Anda untuk {bulan}?\n"
        "Contoh: 12,5 juta, 850 ribu, atau tutup jika tidak ada penjualan.",
        bulan=month,
    )


def _doubt_text(t: Translator, question: Question) -> str:
    amount = format_rupiah(question.value.rupiah, t.locale)
    month = _month(t, question.month)
    if question.doubt is Doubt.ABOVE_CEILING:
        return t.gettext(
            "{jumlah} untuk {bulan} — yakin?\n"
            "Angka ini di atas batas omzet usaha mikro (sekitar {batas} sebulan). "
            "Mohon periksa jumlah nolnya.",
            jumlah=amount,
            bulan=month,
            batas=format_rupiah(MICRO_MONTHLY_CEILING, t.locale),
        )
    usual = format_rupiah(question.usual or 0, t.locale)
    if question.doubt is Doubt.FAR_ABOVE_USUAL:
        return t.gettext(
            "{jumlah} untuk {bulan} — yakin?\n"
            "Angka ini lebih dari 5 kali omzet Anda biasanya (sekitar {biasa} sebulan).",
            jumlah=amount,
            bulan=month,
            biasa=usual,
        )
    return t.gettext(
        "{jumlah} untuk {bulan} — yakin?\n"
        "Angka ini kurang dari seperlima omzet Anda biasanya (sekitar {biasa} sebulan).",
        jumlah=amount,
        bulan=month,
        biasa=usual,
    )


async def show_question(update: Update, context: KlasterContext, question: Question) -> None:
    """Ask what the step needs, with its buttons."""
    t = context.t
    if question.step is Step.MONTH:
        text = (
            t.gettext("Pilih bulan yang ingin Anda laporkan:")
            if question.all_months
            else t.gettext("Untuk bulan apa Anda melapor omzet?")
        )
        await say(update, context, text, reply_markup=_month_keyboard(t, question))
        return
    month = question.month
    assert month is not None
    key = str(month)
    if question.step is Step.AMOUNT:
        await say(update, context, _amount_prompt(t, question))
    elif question.step is Step.AMBIGUOUS:
        choices = [(format_rupiah(c, t.locale), cb.omzet_choice(key, c)) for c in question.choices]
        await say(
            update,
            context,
            _ambiguous_text(t, question),
            reply_markup=inline([choices, [(_retype_label(t), cb.omzet_retype(key))]]),
        )
    elif question.step is Step.PLAUSIBILITY:
        await say(
            update,
            context,
            _doubt_text(t, question),
            reply_markup=inline(
                [
                    [(t.gettext("Ya, yakin"), cb.omzet_sure(key, question.value.rupiah))],
                    [(_retype_label(t), cb.omzet_retype(key)), (t.gettext("Batal"), cb.OMZET_CANCEL)],
                ]
            ),
        )
    elif question.step is Step.CORRECTION:
        # One plain choice: replace, type again, or leave it; the old value stays in the history.
        await say(
            update,
            context,
            t.gettext(
                "Omzet {bulan} sudah tercatat {lama}. Ganti menjadi {baru}?",
                bulan=_month(t, month),
                lama=_value(t, question.existing),
                baru=_value(t, question.value),
            ),
            reply_markup=_answer_keyboard(
                t, t.gettext("Ganti"), cb.omzet_replace(key, question.value.rupiah), month
            ),
        )
    else:
        text = _echo_text(t, question)
        await say(
            update,
            context,
            text,
            reply_markup=_answer_keyboard(
                t, t.gettext("Benar"), cb.omzet_confirm(key, question.value.rupiah), month
            ),
        )


def _ambiguous_text(t: Translator, question: Question) -> str:
    month = _month(t, question.month)
    amounts = [format_rupiah(c, t.locale) for c in question.choices]
    if question.ambiguity is Ambiguity.RANGE:
        return t.gettext(
            "Anda menulis kisaran {teks}. Angka mana yang kami catat untuk {bulan}? "
            "Pilih di bawah, atau tulis jumlahnya, misalnya 12,5 juta.",
            teks=question.typed,
            bulan=month,
        )
    if len(amounts) == 1:
        return t.gettext("Maksud Anda {jumlah} untuk {bulan}?", jumlah=amounts[0], bulan=month)
    return t.gettext("Maksud Anda {juta} atau {ribu} untuk {bulan}?", juta=amounts[0], ribu=amounts[1], bulan=month)


def _echo_text(t: Translator, question: Question) -> str:
    """The amount said back before anything is saved."""
    month = _month(t, question.month)
    value = question.value
    if value.no_sales:
        if value.note:
            return t.gettext(
                "Tidak ada penjualan untuk {bulan} — benar?\nCatatan Anda: {catatan}",
                bulan=month,
                catatan=value.note,
            )
        return t.gettext("Tidak ada penjualan untuk {bulan} — benar?", bulan=month)
    amount = format_rupiah(value.rupiah, t.locale)
    if question.approximate:
        return t.gettext(
            "Sekitar {jumlah} untuk {bulan} — benar?\nKami catat sebagai {jumlah}.",
            jumlah=amount,
            bulan=month,
        )
    return t.gettext("{jumlah} untuk {bulan} — benar?", jumlah=amount, bulan=month)


def refusal_text(t: Translator, error: DomainError) -> str:
    """Why a report was not taken; a month that has not ended says when it can be reported."""
    if isinstance(error, MonthNotOver):
        if error.reason == "month_future":
            return t.gettext(
                "Bulan itu belum tiba. Omzet hanya bisa dilaporkan untuk bulan yang sudah "
                "selesai. Balas saja dengan jumlahnya, misalnya 12,5 juta, atau tutup jika tidak "
                "ada penjualan."
            )
        return t.gettext(
            "Omzet {bulan} baru bisa dilaporkan setelah bulannya selesai, mulai {tanggal}. "
            "Untuk {bulan_lalu}, balas saja dengan jumlahnya, misalnya 12,5 juta, atau tutup "
            "jika tidak ada penjualan.",
            bulan=_month(t, error.month),
            tanggal=format_day(error.month.next().first_day(), t.locale),
            bulan_lalu=_month(t, error.month.previous()),
        )
    return explain_error(t, error)


async def refuse_report(update: Update, context: KlasterContext, error: DomainError) -> None:
    """Refuse politely, in the words of a report."""
    if isinstance(error, MonthNotOver):
        await say(update, context, refusal_text(context.t, error))
        return
    await refuse(update, context, error)


def give_back_text(t: Translator, month: Month, give: GiveBack, value: ReportValue) -> str | None:
    """One line of what the report means: against last month, last year, the best month, and
    the cluster's middle value where it may be shown."""
    parts: list[str] = []
    if give.change_previous is not None:
        parts.append(change_words(t, give.change_previous, _month(t, give.previous_month)))
    if give.change_year is not None:
        parts.append(change_words(t, give.change_year, _month(t, month.months_back(12))))
    if give.best_so_far:
        parts.append(t.gettext("omzet tertinggi Anda dalam 12 bulan terakhir"))
    if give.above_cluster_middle is True:
        parts.append(t.gettext("di atas nilai tengah klaster"))
    elif give.above_cluster_middle is False:
        parts.append(t.gettext("di bawah nilai tengah klaster"))
    if not parts or value.no_sales and not parts:
        return None
    return t.gettext("{bulan}: {ringkas}", bulan=_month(t, month), ringkas="; ".join(parts)) + "."


async def show(update: Update, context: KlasterContext, outcome: Outcome) -> None:
    """The next question, or what was saved."""
    if isinstance(outcome, Question):
        await show_question(update, context, outcome)
    else:
        await say(update, context, _result_text(context.t, outcome))
        await market.ask_included(update, context, outcome)


def _result_text(t: Translator, outcome: Outcome) -> str:
    """What was saved (or that nothing changed), in the member's words."""
    if isinstance(outcome, Unchanged):
        return t.gettext(
            "{bulan} sudah tercatat {jumlah}. Tidak ada yang diubah.",
            bulan=_month(t, outcome.month),
            jumlah=_value(t, outcome.value),
        )
    if isinstance(outcome, Recorded) and outcome.corrected:
        text = t.gettext(
            "Koreksi tersimpan. Omzet {bulan} sekarang {baru} (sebelumnya {lama}).\n"
            "Lihat riwayat Anda dengan /riwayat.",
            bulan=_month(t, outcome.month),
            baru=_value(t, outcome.value),
            lama=_value(t, outcome.previous),
        )
        line = give_back_text(t, outcome.month, outcome.give_back, outcome.value) if outcome.give_back else None
        return f"{text}\n\n{line}" if line else text
    text = t.gettext(
        "Terima kasih! Omzet {bulan} tersimpan: {jumlah}.\n"
        "Lihat riwayat Anda dengan /riwayat.",
        bulan=_month(t, outcome.month),
        jumlah=_value(t, outcome.value),
    )
    line = give_back_text(t, outcome.month, outcome.give_back, outcome.value) if outcome.give_back else None
    return f"{text}\n\n{line}" if line else text


async def omzet_command(update: Update, context: KlasterContext) -> None:
    """/omzet: ask the month; /omzet [month] amount: one step."""
    args = " ".join(context.args or [])
    user_id, now = update.effective_user.id, context.runtime.now()
    try:
        async with context.uow() as uow:
            if args:
                outcome = await reports.report_in_one_step(uow, user_id, args, now)
            else:
                outcome = await reports.start_report(uow, user_id, now)
    except DomainError as error:
        await refuse_report(update, context, error)
        return
    await show(update, context, outcome)


async def on_report_message(update: Update, context: KlasterContext) -> None:
    """A plain message outside any step that reads as a report: "omzet 12,5jt", "5jt",
    "tutup karena banjir"; as a reply to a reminder, for that reminder's month."""
    message = update.effective_message
    text = message.text or ""
    try:
        async with context.uow() as uow:
            month = None
            replied = message.reply_to_message
            if replied is not None:
                month = await reports.reminder_month(uow, update.effective_chat.id, replied.message_id)
            outcome = await reports.report_in_one_step(
                uow, update.effective_user.id, text, context.runtime.now(), month=month
            )
    except DomainError as error:
        await refuse_report(update, context, error)
        return
    await show(update, context, outcome)


async def resume(update: Update, context: KlasterContext) -> None:
    """Ask again the question the member is at."""
    async with context.uow(read_only=True) as uow:
        question = await reports.current(uow, update.effective_user.id, context.runtime.now())
    if question is None:
        await say(update, context, context.t.gettext("Ketik /omzet untuk melapor omzet."))
        return
    await show_question(update, context, question)


async def on_text(update: Update, context: KlasterContext) -> None:
    """A message typed while reporting: a month, an amount, or both."""
    text = update.effective_message.text or ""
    try:
        async with context.uow() as uow:
            outcome = await reports.submit_text(
                uow, update.effective_user.id, text, context.runtime.now()
            )
    except StaleAction:
        await say(update, context, context.t.gettext("Ketik /omzet untuk melapor omzet."))
        return
    except DomainError as error:
        await refuse_report(update, context, error)
        return
    await show(update, context, outcome)


async def on_button(update: Update, context: KlasterContext) -> None:
    """Month buttons, the reading of an ambiguous amount, Ya / Benar / Ubah / Batal."""
    query = update.callback_query
    match = cb.OMZET_PATTERN.match(query.data or "")
    assert match is not None  # the handler's pattern guarantees it
    user_id, now = update.effective_user.id, context.runtime.now()
    outcome: Outcome | None = None
    try:
        async with context.uow() as uow:
            if match["more"]:
                outcome = await reports.show_all_months(uow, user_id, now)
            elif match["stop"]:
                await reports.cancel(uow, user_id)
            elif match["month"]:
                outcome = await reports.choose_month(uow, user_id, _parse_month(match["month"]), now)
            elif match["edit"]:
                outcome = await reports.retype(uow, user_id, _parse_month(match["edit"]))
            elif match["answer"] == "amt":
                outcome = await reports.choose_amount(
                    uow, user_id, _parse_month(match["answer_month"]), int(match["rupiah"]), now
                )
            else:
                outcome = await reports.confirm(
                    uow,
                    user_id,
                    _CONFIRMING[match["answer"]],
                    _parse_month(match["answer_month"]),
                    int(match["rupiah"]),
                    now,
                )
    except StaleAction as error:
        await _stale(update, context, error)
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    if outcome is None or not isinstance(outcome, Question):
        # The end of the report: the question the member answered becomes the answer, in one
        # call instead of removing its buttons and sending a new message. The callback is
        # answered alongside, so the phone's spinner stops as soon as possible.
        text = (
            context.t.gettext("Laporan omzet dibatalkan. Tidak ada yang disimpan.")
            if outcome is None
            else _result_text(context.t, outcome)
        )
        await asyncio.gather(query.answer(), _replace_question(update, context, text))
        await market.ask_included(update, context, outcome)
        return
    await query.answer()
    await _drop_buttons(update)
    await show(update, context, outcome)


def _parse_month(text: str) -> Month:
    try:
        return Month.parse_iso(text)
    except MonthError as error:  # matches the pattern but is no month ("2026-13"): forged
        raise StaleAction("omzet_month") from error


async def _stale(update: Update, context: KlasterContext, error: StaleAction) -> None:
    """An old button: say so, then show the question the member is really at, if any."""
    t = context.t
    await update.callback_query.answer()
    await _drop_buttons(update)
    async with context.uow(read_only=True) as uow:
        question = await reports.current(uow, update.effective_user.id, context.runtime.now())
    await say(update, context, explain_error(t, error))
    if question is not None:
        await show_question(update, context, question)
    elif not isinstance(error, AlreadyDone):  # saved by the first press: nothing to point to
        await say(update, context, t.gettext("Ketik /omzet untuk melapor omzet."))


async def _replace_question(update: Update, context: KlasterContext, text: str) -> None:
    """Write the result over the answered question; a new message if it cannot be edited."""
    if update.callback_query.message is not None:
        try:
            await update.callback_query.edit_message_text(text, reply_markup=None)
            return
        except TelegramError as exc:  # too old to edit (48 h), or deleted: say it anew
            log.debug("could not edit the question: %s", exc)
    await say(update, context, text)


async def _drop_buttons(update: Update) -> None:
    """Remove the pressed keyboard so an old button cannot be pressed again by mistake."""
    if update.callback_query.message is None:
        return
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:  # too old to edit, or already edited: harmless
        log.debug("could not remove buttons: %s", exc)
