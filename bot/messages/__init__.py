"""Telegram-free renderers: a domain result -> a Payload in the reader's language and zone.

Services and jobs render here what they hand to the outbox; handlers render here what they
answer with. Nobody else builds message texts for other people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from bot.text_limits import MESSAGE_LIMIT, split_lines, telegram_length


class Button(NamedTuple):
    """One inline button: a short verb and its callback data (built in bot.callbacks)."""

    text: str
    data: str


Rows = tuple[tuple[Button, ...], ...]


# Buttons that are not callbacks: a link (t.me deep links) and Telegram's chat picker with an
# inline query typed in. Callback data never starts with these (bot/callbacks.py).
LINK_PREFIX = "url:"
SHARE_PREFIX = "inline:"


def link(text: str, url: str) -> Button:
    """A button that opens a URL."""
    return Button(text, LINK_PREFIX + url)


def share(text: str, query: str) -> Button:
    """A button that opens the chat picker and types `@bot <query>` in the chosen chat."""
    return Button(text, SHARE_PREFIX + query)


def rows(*lines: Iterable[Button | tuple[str, str]]) -> Rows:
    """Button rows from (text, data) pairs or Buttons."""
    return tuple(tuple(Button(*b) for b in line) for line in lines)


@dataclass(frozen=True)
class Payload:
    """What one message carries: text (or a caption), buttons, and a photo or document file id."""

    text: str
    buttons: Rows = field(default_factory=tuple)
    photo: str | None = None
    document: str | None = None
    # The text is Telegram HTML (links to tap: tg://user?id=..., https://t.me/+62...); every
    # value in it was escaped by the renderer.
    html: bool = False

    def to_json(self) -> dict[str, Any]:
        """The form kept in the deliveries table."""
        data: dict[str, Any] = {"text": self.text, "buttons": [[list(b) for b in line] for line in self.buttons]}
        if self.html:
            data["html"] = True
        if self.photo:
            data["photo"] = self.photo
        if self.document:
            data["document"] = self.document
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Payload:
        """Read a stored payload (buttons as [text, data] pairs, or the older {"text", "data"})."""
        def button(b: Sequence[str] | dict[str, str]) -> Button:
            return Button(b["text"], b["data"]) if isinstance(b, dict) else Button(*b)

        return cls(
            text=data.get("text") or "",
            buttons=tuple(tuple(button(b) for b in line) for line in data.get("buttons") or ()),
            photo=data.get("photo"),
            document=data.get("document"),
            html=bool(data.get("html")),
        )


def split_payload(payload: Payload, limit: int = MESSAGE_LIMIT) -> list[Payload]:
    """A text payload as the messages that carry it: each within Telegram's limit, the buttons
    under the last. A photo or document keeps its caption (renderers keep captions within
    CAPTION_LIMIT from what a person may type)."""
    if payload.photo or payload.document or telegram_length(payload.text) <= limit:
        return [payload]
    texts = split_lines(payload.text, limit, html=payload.html) or [""]
    return [replace(payload, text=text, buttons=()) for text in texts[:-1]] + [replace(payload, text=texts[-1])]
