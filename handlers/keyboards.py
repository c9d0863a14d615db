"""Keyboards: short verbs on buttons, callback data from bot.callbacks."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.domain import ClusterInfo
from bot.i18n import Translator
from bot.messages import LINK_PREFIX, SHARE_PREFIX, Rows
from bot.services.clusters import ClusterChoices

# Telegram allows 100 inline buttons; stay well below on small screens.
MAX_LIST_BUTTONS = 60


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of Buttons, or of (label, callback data) pairs: the same shape."""
    return InlineKeyboardMarkup([[button(label, data) for label, data in row] for row in rows])


def button(label: str, data: str) -> InlineKeyboardButton:
    """A callback button, or a link / chat-picker button (bot.messages.link, share)."""
    if data.startswith(LINK_PREFIX):
        return InlineKeyboardButton(label, url=data.removeprefix(LINK_PREFIX))
    if data.startswith(SHARE_PREFIX):
        return InlineKeyboardButton(label, switch_inline_query=data.removeprefix(SHARE_PREFIX))
    return InlineKeyboardButton(label, callback_data=data)


def markup(rows: Rows) -> InlineKeyboardMarkup | None:
    """A rendered payload's buttons as Telegram's keyboard (None without buttons)."""
    return inline(rows) if rows else None


def cluster_choice_keyboard(
    t: Translator,
    choices: ClusterChoices,
    *,
    kabupaten_data: Callable[[int | str], str],
    cluster_data: Callable[[int], str],
) -> InlineKeyboardMarkup:
    """Kabupaten buttons (two a row) or cluster buttons (one a row, with the kabupaten)."""
    if choices.kabupaten:
        names = list(choices.kabupaten)[:MAX_LIST_BUTTONS]
        rows = [
            [(name, kabupaten_data(i)) for i, name in list(enumerate(names))[start : start + 2]]
            for start in range(0, len(names), 2)
        ]
        return inline(rows)
    rows = [[(cluster_label(c), cluster_data(c.id))] for c in choices.clusters[:MAX_LIST_BUTTONS]]
    if choices.narrowed:
        rows.append([(t.gettext("« Kabupaten lain"), kabupaten_data("all"))])
    return inline(rows)


def cluster_label(cluster: ClusterInfo) -> str:
    return f"{cluster.name} ({cluster.kabupaten})"


def share_phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """The share-contact button: Telegram sends the member's own verified number."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(t.gettext("Bagikan nomor saya"), request_contact=True)],
            [KeyboardButton(t.gettext("Lewati"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def skip_words(translators: Sequence[Translator]) -> set[str]:
    """The 'skip' button's text in every language, as the keyboard sends it back."""
    return {t.gettext("Lewati").casefold() for t in translators} | {"lewati", "skip"}
