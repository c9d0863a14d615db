"""Sending helpers: reply in the sender's chat, answer callbacks, refuse politely."""

from __future__ import annotations

from typing import Any

from telegram import Bot, Message, Update

from bot.domain import DomainError
from bot.messages import Payload, split_payload
from bot.text_limits import MESSAGE_LIMIT, split_lines, telegram_length
from handlers.context import KlasterContext
from handlers.keyboards import markup
from handlers.texts import explain_error


async def say(update: Update, context: KlasterContext, text: str, **kwargs: Any) -> None:
    """Send a message to the chat the update came from; a text longer than a message leaves in
    several, cut at line ends (bot.text_limits), the keyboard under the last."""
    chat = update.effective_chat
    assert chat is not None
    markup_ = kwargs.pop("reply_markup", None)
    html = kwargs.get("parse_mode") == "HTML"
    pieces = split_lines(text, html=html) if telegram_length(text) > MESSAGE_LIMIT else [text]
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        await context.bot.send_message(chat_id=chat.id, text=piece, reply_markup=markup_ if last else None, **kwargs)


async def send_payload(bot: Bot, chat_id: int, payload: Payload) -> Message:
    """Send a rendered payload (text, or a photo or document with it as caption, and buttons);
    a text longer than a message leaves in several (bot.text_limits.split_payload), and the
    last one sent is returned."""
    *before, payload = split_payload(payload)
    for piece in before:
        await _send_one(bot, chat_id, piece)
    return await _send_one(bot, chat_id, payload)


async def _send_one(bot: Bot, chat_id: int, payload: Payload) -> Message:
    keyboard = markup(payload.buttons)
    mode = "HTML" if payload.html else None
    if payload.photo:
        return await bot.send_photo(chat_id, payload.photo, caption=payload.text or None, reply_markup=keyboard, parse_mode=mode)
    if payload.document:
        return await bot.send_document(
            chat_id, payload.document, caption=payload.text or None, reply_markup=keyboard, parse_mode=mode
        )
    return await bot.send_message(chat_id, payload.text, reply_markup=keyboard, parse_mode=mode)


async def reply_payload(update: Update, context: KlasterContext, payload: Payload) -> Message:
    """Answer the person who acted with a rendered payload."""
    chat = update.effective_chat
    assert chat is not None
    return await send_payload(context.bot, chat.id, payload)


async def refuse(update: Update, context: KlasterContext, error: DomainError) -> None:
    """Explain a domain refusal; for a button, also as the callback answer."""
    text = explain_error(context.t, error)
    if update.callback_query is not None:
        await update.callback_query.answer(text[:190], show_alert=False)
    await say(update, context, text)
