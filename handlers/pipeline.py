"""What runs before any feature handler: group chats, duplicates, resolving the sender."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseUpdateProcessor

from bot.services import actors
from handlers.context import KlasterContext, UpdateUnit, hold_update_unit

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


def update_fingerprint(update: Update) -> str:
    """What a redelivery of this update repeats exactly and a new update never does.

    Telegram starts update ids again after a quiet week, so the id alone cannot tell them
    apart (F17). A button press has an id of its own, unique across Telegram; a message is
    identified by its chat, its id in that chat (never reused) and its date.
    """
    query = update.callback_query
    message = update.effective_message
    if query is not None:
        key = f"q{query.id}:{query.from_user.id}"
    elif message is not None:
        key = f"m{message.chat.id}:{message.message_id}:{int(message.date.timestamp())}"
    else:
        # Rarer kinds (a member blocking the bot, ...): the whole content, which a
        # redelivery repeats byte for byte.
        key = json.dumps(update.to_dict(), sort_keys=True, default=str)
    if len(key) > 64:
        key = "h" + hashlib.sha1(key.encode()).hexdigest()
    return key


async def admit_update(update: Update, context: KlasterContext) -> None:
    """Group -2: handle each update once (Telegram may redeliver), and resolve the sender:
    role, scope, language and current step, once for every handler.

    The unit of work stays open for the handler (handlers/context.py): claiming the update,
    loading the sender and the handler's work are one transaction."""
    user = update.effective_user
    assert user is not None  # keep_to_private_chats stopped updates without a user
    runtime = context.runtime
    fingerprint, now = update_fingerprint(update), runtime.now()
    uow = runtime.uow()
    await uow.__aenter__()
    try:
        admitted = await actors.admit_update(uow, update.update_id, fingerprint, user.id, now, commit=False)
    except BaseException:
        await uow.__aexit__(None, None, None)
        raise
    if admitted is None:
        await uow.__aexit__(None, None, None)
        # The first delivery was handled (and its button press answered): do nothing again.
        log.info("update %s delivered again; ignored", update.update_id)
        raise ApplicationHandlerStop

    async def readmit() -> None:
        # The handler failed before committing: the claim alone, in a transaction of its own.
        async with runtime.uow() as again:
            await actors.admit_update(again, update.update_id, fingerprint, user.id, now)

    hold_update_unit(UpdateUnit(uow, readmit))
    context.actor, context.active_step = admitted
    i18n = runtime.i18n
    context.t = i18n.translator(i18n.negotiate(context.actor.language, user.language_code))


class PerSenderUpdateProcessor(BaseUpdateProcessor):
    """Updates from different people are handled side by side; one person's in order.

    A conversation's next step depends on the previous one (a typed amount, then "Benar"), so
    the same sender must never run twice at once; different senders only share the database,
    whose transactions already serialise writes. Waiting on I/O overlaps, which is most of an
    update's time.
    """

    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        # sender -> (their lock, how many of their updates hold it or wait for it).
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        sender = update.effective_user.id if isinstance(update, Update) and update.effective_user else None
        if sender is None:
            await coroutine
            return
        # Counting holders and waiters, not asking `lock.locked()`: between a release and the
        # next waiter's acquire the lock looks free, and forgetting it then would give a third
        # update a fresh lock that runs beside the second (F14).
        lock, users = self._locks.get(sender) or (asyncio.Lock(), 0)
        self._locks[sender] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[sender]
            if users == 1:
                del self._locks[sender]  # nobody holds or waits for it: memory stays flat
            else:
                self._locks[sender] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
