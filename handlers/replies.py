"""Sending helpers: reply in the sender's chat, answer callbacks, refuse politely."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.domain import DomainError
from handlers.context import KlasterContext
from handlers.texts import explain_error


async def say(update: Update, context: KlasterContext, text: str, **kwargs: Any) -> None:
    """Send a message to the chat the update came from."""
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat_id=chat.id, text=text, **kwargs)


async def refuse(update: Update, context: KlasterContext, error: DomainError) -> None:
    """Explain a domain refusal; for a button, also as the callback answer."""
    text = explain_error(context.t, error)
    if update.callback_query is not None:
        await update.callback_query.answer(text[:190], show_alert=False)
    await say(update, context, text)
