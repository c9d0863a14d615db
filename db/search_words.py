"""Words for the catalogue's search: how text is cut into index words, and how near two words
are (for typos). Plain Python, used by the service and by the index queries."""

from __future__ import annotations

import re
import unicodedata

WORD_MAX = 40
_SPLIT = re.compile(r"[^a-z0-9]+")
# Words that every second product would hold and no buyer searches for.
_STOP = frozenset({"dan", "yang", "untuk", "dari", "di", "ke", "dengan", "atau", "the", "and", "of"})


def words(text: str | None) -> list[str]:
    """Lower-case ASCII words of two letters or more, accents folded, in order, no repeats."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    seen: list[str] = []
    for word in _SPLIT.split(folded):
        word = word[:WORD_MAX]
        if len(word) >= 2 and word not in _STOP and word not in seen:
            seen.append(word)
    return seen


def typo_budget(word: str) -> int:
    """Edits forgiven: one in a short word, two from seven letters on, none below four."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 7 else 2


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two letters is one edit), giving up with
    limit + 1 once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def next_prefix(prefix: str) -> str:
    """The smallest string after every string starting with `prefix` (for a range scan)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
