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
# The cluster picker shows a page at a time, with "Sebelumnya"/"Berikutnya" between pages.
CLUSTERS_PER_PAGE = 20
KABUPATEN_PER_PAGE = 30


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
    kabupaten_data: Callable[[int | str, int], str],
    cluster_data: Callable[[int], str],
) -> InlineKeyboardMarkup:
    """Kabupaten buttons (two a row) or cluster buttons (one a row, with the kabupaten), a page
    at a time: every one reachable, never more buttons than Telegram takes.
    `kabupaten_data(index or "all", page)` is the data of a press that shows that list's page."""
    if choices.kabupaten:
        named = list(enumerate(choices.kabupaten))
        shown, nav = _page(t, named, KABUPATEN_PER_PAGE, choices.page, lambda p: kabupaten_data("all", p))
        rows = [[(name, kabupaten_data(i, 0)) for i, name in shown[start : start + 2]] for start in range(0, len(shown), 2)]
        return inline([*rows, *nav])
    # "all" at a page is the top-level list at that page, whichever it is (kabupaten or clusters).
    which = "all" if choices.kabupaten_index is None else choices.kabupaten_index
    shown, nav = _page(t, list(choices.clusters), CLUSTERS_PER_PAGE, choices.page, lambda p: kabupaten_data(which, p))
    rows = [[(cluster_label(c), cluster_data(c.id))] for c in shown]
    if choices.narrowed:
        nav.append([(t.gettext("« Kabupaten lain"), kabupaten_data("all", 0))])
    return inline([*rows, *nav])


def _page(t: Translator, items: list, size: int, page: int, data: Callable[[int], str]) -> tuple[list, list[list[tuple[str, str]]]]:
    """The items of `page` (clamped to the last), and a row to move between pages if needed."""
    pages = max(1, -(-len(items) // size))
    page = min(max(page, 0), pages - 1)
    row = []
    if page > 0:
        row.append((t.gettext("« Sebelumnya"), data(page - 1)))
    if page < pages - 1:
        row.append((t.gettext("Berikutnya »"), data(page + 1)))
    return items[page * size : (page + 1) * size], [row] if row else []


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
