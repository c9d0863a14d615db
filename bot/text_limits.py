"""Telegram's limits on what the bot sends, and the one place texts are kept within them.

Telegram counts UTF-16 code units (an emoji is two): a message holds 4,096, a caption 1,024.
Texts a person wrote are checked against what is left once the bot's own words are around
them; anything the bot builds that can grow (lists of names, pledges, attendance, members) is
split here into several messages at line ends: never mid-line while a line fits, never inside
an HTML tag, an entity (`&amp;`) or a link that is open across lines.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")


def telegram_length(text: str) -> int:
    """The length Telegram measures."""
    return len(text.encode("utf-16-le")) // 2


def _open_tags_after(text: str, depth: int) -> int:
    """How many HTML tags are open at the end of `text` when `depth` were open at its start."""
    for match in _TAG.finditer(text):
        depth = max(0, depth - 1) if match[1] else depth + 1
    return depth


def _safe_cuts(line: str, html: bool) -> list[int]:
    """Positions in an over-long line where a cut leaves tags and entities whole: after a space
    where no tag is open (in HTML), else after any space; never inside `<…>` or `&…;`."""
    cuts, depth, i = [], 0, 0
    while i < len(line):
        ch = line[i]
        if html and ch == "<":
            end = line.find(">", i)
            if end < 0:
                break
            match = _TAG.match(line, i)
            if match:
                depth = max(0, depth - 1) if match[1] else depth + 1
            i = end + 1
            continue
        if html and ch == "&":
            end = line.find(";", i)
            i = end + 1 if 0 < end - i <= 10 else i + 1
            continue
        if ch == " " and depth == 0:
            cuts.append(i + 1)
        i += 1
    return cuts


def _cut_line(line: str, limit: int, html: bool) -> list[str]:
    """A line longer than a message: at spaces where nothing is open; only a line without one
    is cut where it must be."""
    pieces = []
    while telegram_length(line) > limit:
        cuts = [c for c in _safe_cuts(line, html) if telegram_length(line[:c]) <= limit]
        if cuts:
            cut = cuts[-1]
        elif html:
            # No place outside a tag (one link longer than a message): its text without the
            # markup, still valid HTML (entities stay escaped), cut like plain text.
            return _cut_line(_TAG.sub("", line), limit, html=False) if _TAG.search(line) else _cut_line(line, limit, False)
        else:
            cut = limit
            while telegram_length(line[:cut]) > limit:
                cut -= 1
        pieces.append(line[:cut].rstrip(" "))
        line = line[cut:]
    pieces.append(line)
    return pieces


def split_lines(text: str, limit: int = MESSAGE_LIMIT, *, html: bool = False) -> list[str]:
    """`text` in pieces of at most `limit`, cut at line ends (in HTML, only where no tag is open);
    a line longer than a message alone is cut at its spaces. Empty pieces are dropped."""
    blocks: list[str] = []  # runs of lines that must stay together (a tag open across them)
    depth = 0
    for line in text.split("\n"):
        if html and depth and blocks:
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
        if html:
            depth = _open_tags_after(line, depth)
    pieces: list[str] = []
    current: str | None = None
    for block in blocks:
        if telegram_length(block) > limit:
            # Its pieces are messages of their own: a space never becomes a line break.
            if current is not None:
                pieces.append(current)
            *whole, current = _cut_line(block, limit, html)
            pieces.extend(whole)
            continue
        candidate = block if current is None else f"{current}\n{block}"
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        pieces.append(current or "")
        current = block
    if current is not None:
        pieces.append(current)
    return [p.strip("\n") for p in pieces if p.strip()]
