"""Commands for everyone (/bantuan, /batal, /bahasa) and the router for plain messages."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update

from bot import callbacks as cb
from bot.domain import SUPPORTED_LANGUAGES, DomainError
from bot.i18n import I18n
from bot.services import actors, announcements, cluster_setup, reports
from bot.services import profile as profile_service
from bot.services import registration as reg
from handlers import announcements as announcement_handlers
from handlers import cluster_admin, omzet, profile, registration
from handlers.context import KlasterContext
from handlers.keyboards import inline, skip_words
from handlers.replies import refuse, say
from handlers.texts import help_text


async def help_command(update: Update, context: KlasterContext) -> None:
    """/bantuan: the commands for the user's role; mid-step, how to go on."""
    await say(update, context, help_text(context.t, context.require_actor()))
    if context.active_step is not None:
        await say(
            update,
            context,
            context.t.gettext(
                "Anda sedang di tengah sebuah langkah. Lanjutkan dengan menjawab pertanyaan "
                "terakhir, atau ketik /batal untuk membatalkannya."
            ),
        )
        if context.active_step.flow == reg.FLOW:
            await registration.resume_or_point(update, context)


async def cancel_command(update: Update, context: KlasterContext) -> None:
    """/batal: drop the current step; registration answers are deleted with it."""
    async with context.uow() as uow:
        cancelled = await actors.cancel_current_step(uow, update.effective_user.id)
    t = context.t
    if cancelled is None:
        text = t.gettext("Tidak ada langkah yang sedang berjalan. Ketik /bantuan untuk melihat perintah.")
    elif cancelled.flow == reg.FLOW:
        text = t.gettext(
            "Pendaftaran dibatalkan dan jawaban Anda dihapus. Ketik /daftar untuk mulai lagi."
        )
    elif cancelled.flow == reports.FLOW:
        text = t.gettext("Laporan omzet dibatalkan. Tidak ada yang disimpan.")
    elif cancelled.flow == announcements.FLOW:
        text = t.gettext("Pengumuman dibatalkan. Tidak ada yang dikirim.")
    elif cancelled.flow == profile_service.FLOW:
        text = t.gettext("Perubahan dibatalkan; data Anda tidak diubah. Lihat profil Anda dengan /profil.")
    else:
        text = t.gettext("Dibatalkan.")
    await say(update, context, text, reply_markup=ReplyKeyboardRemove())


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
    await say(update, context, context.t.gettext("Baik, saya akan memakai Bahasa Indonesia."))


async def unknown_command(update: Update, context: KlasterContext) -> None:
    """A command we do not have: say so, and keep the person where they were."""
    await say(
        update,
        context,
        context.t.gettext("Perintah itu tidak saya kenal. Ketik /bantuan untuk melihat perintah yang tersedia."),
    )
    if context.active_step is not None and context.active_step.flow == reg.FLOW:
        await registration.resume_or_point(update, context)


async def stale_button(update: Update, context: KlasterContext) -> None:
    """A button whose data matches nothing (forged, or from an older version of the bot)."""
    await update.callback_query.answer(context.t.gettext("Tombol ini sudah tidak berlaku."))


def _all_skip_words(context: KlasterContext) -> set[str]:
    i18n = context.runtime.i18n
    return skip_words([i18n.translator(code) for code in i18n.languages])


async def on_message(update: Update, context: KlasterContext) -> None:
    """Any non-command message in a private chat: route by the step the person is at."""
    message = update.effective_message
    step = context.active_step
    t = context.t
    if message.contact is not None:
        if step is not None and step.flow == reg.FLOW:
            await registration.on_contact(update, context)
        elif step is not None and step.flow == profile_service.FLOW:
            await profile.on_contact(update, context)
        else:
            await say(update, context, t.gettext("Terima kasih, tetapi saat ini saya tidak meminta nomor telepon."))
        return
    if step is not None and step.flow == announcements.FLOW:
        # Composing an announcement: text, or a photo or document with its caption.
        await announcement_handlers.compose_message(update, context)
        return
    if message.text is None:
        # Photos, stickers, voice notes... where we expect typed text.
        await say(
            update,
            context,
            t.gettext("Maaf, saya hanya bisa membaca pesan teks di sini. Silakan ketik jawaban Anda."),
        )
        if step is not None and step.flow == reg.FLOW:
            await registration.resume_or_point(update, context)
        return
    if step is None:
        if reports.is_report_message(message.text):
            # "omzet 12,5jt": a report in one message; non-members are pointed to /daftar.
            await omzet.on_report_message(update, context)
            return
        actor = context.require_actor()
        if actor.member is None and not actor.roles:
            await say(update, context, t.gettext("Halo! Ketik /daftar untuk mendaftar sebagai anggota klaster."))
        else:
            await say(update, context, t.gettext("Ketik /bantuan untuk melihat perintah yang tersedia."))
        return
    if step.flow == reg.FLOW:
        await registration.on_text(update, context)
    elif step.flow == profile_service.FLOW:
        await profile.on_text(update, context, _all_skip_words(context))
    elif step.flow == cluster_setup.FLOW:
        await cluster_admin.cluster_setup_text(update, context)
    elif step.flow == reports.FLOW:
        await omzet.on_text(update, context)
    else:
        async with context.uow() as uow:
            await actors.cancel_current_step(uow, update.effective_user.id)
        await say(update, context, t.gettext("Ketik /bantuan untuk melihat perintah yang tersedia."))
