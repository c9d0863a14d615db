"""What runs before any feature handler: group chats, duplicates, resolving the sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseUpdateProcessor

from bot.services import actors
from handlers.context import KlasterContext

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


class PerSenderUpdateProcessor(BaseUpdateProcessor):
    """Updates from different people are handled side by side; one person's in order.

    A conversation's next step depends on the previous one (a typed amount, then "Benar"), so
    the same sender must never run twice at once; different senders only share the database,
    whose transactions already serialise writes. Waiting on I/O overlaps, which is most of an
    update's time (B1).
    """

    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        sender = update.effective_user.id if isinstance(update, Update) and update.effective_user else None
        if sender is None:
            await coroutine
            return
        lock = self._locks.setdefault(sender, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and self._locks.get(sender) is lock:
                # Nobody else is waiting: forget the lock so memory stays flat.
                del self._locks[sender]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
