"""/dataku (a copy of everything held), /hapusdata and withdrawing consent: glue only."""

from __future__ import annotations

import logging

from telegram import InputFile, ReplyKeyboardRemove, Update
from telegram.error import TelegramError

from bot import callbacks as cb
from bot.domain import DomainError
from bot.messages import privacy as texts
from bot.services import privacy
from bot.services.privacy import ErasureReason
from handlers.context import KlasterContext
from handlers.replies import refuse, reply_payload

log = logging.getLogger(__name__)


async def dataku_command(update: Update, context: KlasterContext) -> None:
    """/dataku: a short message of what is held, and the whole of it as a JSON file."""
    async with context.uow() as uow:
        data = await privacy.my_data(uow, update.effective_user.id, context.runtime.now())
    t = context.t
    if not data.holds_anything:
        await reply_payload(update, context, texts.nothing_held(t))
        return
    await reply_payload(update, context, texts.data_summary(t, data))
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(texts.data_file(data), filename=texts.data_file_name(data)),
        caption=texts.data_file_caption(t),
    )


async def hapusdata_command(update: Update, context: KlasterContext) -> None:
    """/hapusdata: what goes and what stays, the roles that go, and a confirmation."""
    await _ask(update, context, ErasureReason.REQUEST)


async def _ask(update: Update, context: KlasterContext, reason: ErasureReason) -> None:
    async with context.uow(read_only=True) as uow:
        preview = await privacy.erasure_preview(uow, update.effective_user.id)
    if not preview.holds_anything:
        await reply_payload(update, context, texts.nothing_held(context.t))
        return
    await reply_payload(update, context, texts.erasure_question(context.t, preview, reason))


async def on_button(update: Update, context: KlasterContext) -> None:
    """ "Tarik persetujuan", "Ya, hapus data saya" / "Ya, tarik persetujuan", "Batal"."""
    query = update.callback_query
    match = cb.PRIVACY_PATTERN.match(query.data or "")
    assert match is not None
    t = context.t
    if match["withdraw"]:
        await query.answer()
        await _ask(update, context, ErasureReason.CONSENT_WITHDRAWN)
        return
    if match["keep"]:
        await query.answer()
        await _drop_buttons(update)
        await reply_payload(update, context, texts.kept(t))
        return
    try:
        async with context.uow() as uow:
            done = await privacy.erase(
                uow, update.effective_user.id, int(match["member"]), ErasureReason(match["reason"]), context.runtime.now()
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    await _drop_buttons(update)
    # Telegram keeps showing a reply keyboard (a "Bagikan nomor saya" left open) until told.
    await context.bot.send_message(
        update.effective_chat.id, texts.erased(t, done).text, reply_markup=ReplyKeyboardRemove()
    )


async def _drop_buttons(update: Update) -> None:
    """An answered question keeps no buttons: an old "Ya" cannot be pressed by mistake."""
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:  # too old to edit, or edited already: harmless
        log.debug("could not remove buttons: %s", exc)
