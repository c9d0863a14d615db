"""The last line: log anything unexpected and tell the person, without losing their answers."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from handlers.context import KlasterContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: KlasterContext) -> None:
    """Log with the traceback; apologise in the private chat the update came from."""
    log.error("unhandled error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    if update.callback_query is not None:
        # The handler may have answered the press before it failed (most do, right after
        # their transaction): a second answer is refused ("query is too old"), and must not
        # keep the apology from leaving nor hide the real error above.
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            log.debug("press already answered: %s", exc)
    try:
        await context.bot.send_message(
            chat_id=update.effective_chat.id,
            text=context.t.gettext(
                "Maaf, terjadi gangguan di sistem kami. Jawaban yang sudah Anda isi tetap "
                "tersimpan. Silakan coba lagi sebentar lagi."
            ),
        )
    except TelegramError as exc:
        log.warning("could not tell the user about the error: %s", exc)
