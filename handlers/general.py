"""Commands for everyone (/bantuan, /bahasa), unknown commands and buttons, and plain messages."""

from __future__ import annotations

from telegram import Update

from bot import callbacks as cb
from bot.chat_words import is_greeting
from bot.domain import SUPPORTED_LANGUAGES, DomainError
from bot.i18n import I18n
from bot.services import actors, reports
from bot.services import registration as reg
from handlers import flows, menu, omzet, registration
from handlers.context import KlasterContext
from handlers.keyboards import inline
from handlers.replies import refuse, say
from handlers.texts import help_text


async def help_command(update: Update, context: KlasterContext) -> None:
    """/bantuan: the commands for the user's role, with their menu; mid-step, how to go on."""
    actor = context.require_actor()
    if context.active_step is None:
        await say(update, context, help_text(context.t, actor), reply_markup=menu.keyboard(context.t, actor))
        await menu.show_commands(update, context)
        return
    await say(update, context, help_text(context.t, actor))
    await flows.point_to_current_step(update, context)


async def language_command(update: Update, context: KlasterContext) -> None:
    """/bahasa: choose Bahasa Indonesia or English."""
    await say(
        update,
        context,
        context.t.gettext("Pilih bahasa:"),
        reply_markup=inline([[(I18n.language_name(code), cb.language(code)) for code in SUPPORTED_LANGUAGES]]),
    )


async def on_language(update: Update, context: KlasterContext) -> None:
    """A language button: remember it and answer in the new language."""
    query = update.callback_query
    match = cb.LANGUAGE_PATTERN.match(query.data or "")
    assert match is not None
    try:
        async with context.uow() as uow:
            await actors.choose_language(uow, update.effective_user.id, match["language"])
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    context.t = context.runtime.i18n.translator(match["language"])
    actor = context.require_actor()
    if context.active_step is None:
        # The menus are in the new language too.
        await say(
            update, context, context.t.gettext("Baik, saya akan memakai Bahasa Indonesia."),
            reply_markup=menu.keyboard(context.t, actor),
        )
        await menu.show_commands(update, context)
        return
    await say(update, context, context.t.gettext("Baik, saya akan memakai Bahasa Indonesia."))


async def unknown_command(update: Update, context: KlasterContext) -> None:
    """A command we do not have: say so, and keep the person where they were."""
    await say(
        update,
        context,
        context.t.gettext("Perintah itu tidak saya kenal. Ketik /bantuan untuk melihat perintah yang tersedia."),
    )
    if context.active_step is not None and context.active_step.flow == reg.FLOW.name:
        # Someone registering may not know the commands yet: show where they are.
        await registration.resume_or_point(update, context)


async def stale_button(update: Update, context: KlasterContext) -> None:
    """A button whose data matches nothing (forged, or from an older version of the bot)."""
    await update.callback_query.answer(context.t.gettext("Tombol ini sudah tidak berlaku."))


async def show_menu(update: Update, context: KlasterContext, text: str) -> None:
    """Answer with the person's menu at hand: the reply keyboard and their command menu."""
    actor = context.require_actor()
    await say(update, context, text, reply_markup=menu.keyboard(context.t, actor))
    await menu.show_commands(update, context)


async def on_message(update: Update, context: KlasterContext) -> None:
    """Any non-command message in a private chat, read in context: the flow table routes it
    when the person is in the middle of something; otherwise anything that reads as an
    amount is a report (for the month just ended, or the reminder it replies to), a greeting
    gets the person's menu, and anything else a pointer with the menu."""
    if await flows.on_flow_message(update, context):
        return
    message = update.effective_message
    t = context.t
    if message.contact is not None:
        await say(update, context, t.gettext("Terima kasih, tetapi saat ini saya tidak meminta nomor telepon."))
        return
    if message.text is None:
        await say(
            update,
            context,
            t.gettext("Maaf, saya hanya bisa membaca pesan teks di sini. Silakan ketik jawaban Anda."),
        )
        return
    actor = context.require_actor()
    if reports.is_report_message(message.text) or (actor.member is not None and reports.looks_like_amount(message.text)):
        # "omzet 12,5jt", "5jt", "tutup": a report in one message, echoed before anything is
        # saved; non-members are pointed to /daftar.
        await omzet.on_report_message(update, context)
        return
    if actor.member is None and not actor.roles:
        await show_menu(update, context, t.gettext("Halo! Ketik /daftar untuk mendaftar sebagai anggota klaster."))
    elif is_greeting(message.text):
        await show_menu(update, context, _greeting(t, actor))
    else:
        await show_menu(
            update,
            context,
            t.gettext(
                "Maaf, pesan itu belum saya mengerti. Pilih salah satu tombol di bawah, atau ketik "
                "/bantuan untuk melihat perintah yang tersedia."
            )
            if actor.member is None
            else t.gettext(
                "Maaf, pesan itu belum saya mengerti. Untuk melapor omzet, balas saja dengan "
                "jumlahnya, misalnya 12,5 juta, atau tutup jika tidak ada penjualan. Untuk yang "
                "lain, pilih salah satu tombol di bawah."
            ),
        )


def _greeting(t, actor) -> str:
    if actor.member is not None:
        return t.gettext(
            "Halo, {nama}! Untuk melapor omzet bulan lalu, balas saja dengan jumlahnya, misalnya "
            "12,5 juta, atau tutup jika tidak ada penjualan. Pilih tombol di bawah untuk yang lain.",
            nama=actor.member.name,
        )
    return t.gettext("Halo! Pilih salah satu tombol di bawah, atau ketik /bantuan.")
