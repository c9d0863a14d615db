"""Telegram's limits on what the bot sends, and how texts are kept within them.

Telegram counts UTF-16 code units (an emoji is two): a message holds 4,096, a caption 1,024.
Texts a person wrote are checked against what is left once the bot's own words are around
them; lists the bot builds are split at line ends.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


def telegram_length(text: str) -> int:
    """The length Telegram measures."""
    return len(text.encode("utf-16-le")) // 2


def split_lines(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit`, cut at line ends (a line longer than that alone is
    cut where it must be)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while telegram_length(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            head = line[:limit]
            while telegram_length(head) > limit:
                head = head[:-1]
            pieces.append(head)
            line = line[len(head):]
        candidate = f"{current}\n{line}" if current else line
        if telegram_length(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]
