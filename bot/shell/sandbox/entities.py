"""Telegram's HTML parse mode, as the fake Bot API needs it: the text a chat shows and its
entities, or the 400 Telegram answers for HTML it cannot parse (an unescaped "<" or "&" in a
name, an unknown or unclosed tag)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

# Tags Telegram accepts, and the entity each becomes (links carry their url).
_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "s": "strikethrough",
         "code": "code", "pre": "pre", "a": "text_link"}


class EntityError(ValueError):
    """Telegram's "can't parse entities"."""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            raise EntityError(f"unsupported start tag \"{tag}\"")
        extra: dict[str, Any] = {}
        if tag == "a":
            href = dict(attrs).get("href")
            if not href:
                raise EntityError("a link without href")
            extra["url"] = href
        self.open.append((tag, self._offset(), extra))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise EntityError(f"unexpected end tag \"{tag}\"")
        _, start, extra = self.open.pop()
        self.entities.append({"type": _TAGS[tag], "offset": start, "length": self._offset() - start, **extra})

    def handle_data(self, data: str) -> None:
        self.text += data

    def _offset(self) -> int:
        # Telegram counts UTF-16 code units.
        return len(self.text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """(text, entities) of a message sent with parse_mode HTML; EntityError where Telegram refuses."""
    if not _balanced_angles(source):
        raise EntityError("unescaped <")
    parser = _Parser()
    parser.feed(source)
    parser.close()
    if parser.open:
        raise EntityError(f"unclosed tag \"{parser.open[-1][0]}\"")
    if parser.rawdata:
        raise EntityError("unfinished markup")
    return parser.text, parser.entities


def _balanced_angles(source: str) -> bool:
    """Every "<" starts a tag Telegram knows (HTMLParser would read "<3" as text)."""
    for match in re.finditer(r"<", source):
        rest = source[match.start() + 1:]
        name = re.match(r"/?([a-z]+)", rest)
        if name is None or name[1] not in _TAGS:
            return False
    return True
