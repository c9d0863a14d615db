"""What runs before any feature handler: group chats, duplicates, resolving the sender."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import KlasterContext
from bot.services import actors

log = logging.getLogger(__name__)


async def keep_to_private_chats(update: Update, context: KlasterContext) -> None:
    """Group -3: outside a private chat, answer a command once with a pointer; store nothing."""
    if update.edited_message or update.edited_channel_post or update.channel_post:
        # An edit is not a new message: never act twice on the same text.
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or update.effective_user is None:
        # Buttons on inline-mode messages, polls, channel posts: nothing of ours.
        if update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop
    if chat.type == ChatType.PRIVATE:
        return
    message = update.effective_message
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif message is not None and message.text and message.text.startswith("/"):
        t = context.runtime.i18n.translator(
            context.runtime.i18n.negotiate(None, update.effective_user.language_code)
        )
        await message.reply_text(
            t.gettext(
                "Halo! Untuk menjaga data Anda, saya hanya melayani lewat chat pribadi. "
                "Silakan buka https://t.me/{bot} dan tekan Mulai.",
                bot=context.bot.username,
            )
        )
    raise ApplicationHandlerStop


async def admit_update(update: Update, context: KlasterContext) -> None:
    """Group -2: handle each update once (Telegram may redeliver), and resolve the sender:
    role, scope, language and current step, once for every handler."""
    user = update.effective_user
    assert user is not None  # keep_to_private_chats stopped updates without a user
    async with context.uow() as uow:
        admitted = await actors.admit_update(uow, update.update_id, user.id, context.runtime.now())
    if admitted is None:
        # The first delivery was handled (and its button press answered): do nothing again.
        log.info("update %s delivered again; ignored", update.update_id)
        raise ApplicationHandlerStop
    context.actor, context.active_step = admitted
    i18n = context.runtime.i18n
    context.t = i18n.translator(i18n.negotiate(context.actor.language, user.language_code))
