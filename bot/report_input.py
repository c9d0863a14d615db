"""One-message omzet reports: "omzet 12,5jt", "omzet oktober 12,5 jt", "/omzet okt 2026 850rb"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.dates import Month, MonthError, MonthErrorReason, parse_month
from bot.money import AmbiguousAmount, Amount, AmountError, AmountErrorReason, parse_amount

# "bulan oktober 2026" is the longest month phrase we read.
_MAX_MONTH_WORDS = 3
# The keyword, as a whole word, optionally followed by ":" ("Omzet: 12 jt"); not by "-",
# which would swallow the sign of "omzet -5 juta".
_KEYWORD = re.compile(r"(?:omzet|omset)(?![^\W\d_])\s*:?", re.IGNORECASE)


@dataclass(frozen=True)
class OmzetMessage:
    """A report typed in one message; `month` None means the default (the month just ended)."""

    month: Month | None
    amount: Amount | AmbiguousAmount


def parse_omzet_message(text: str, today: date) -> OmzetMessage | None:
    """Read "omzet [month] amount"; None if the text does not start with "omzet"/"omset"."""
    stripped = text.strip()
    match = _KEYWORD.match(stripped)
    if not match:
        return None
    return parse_amount_after_command(stripped[match.end() :], today)


def parse_amount_after_command(args: str, today: date) -> OmzetMessage:
    """Read "[month] amount" (or "amount [month]") after /omzet; raise AmountError/MonthError."""
    words = args.split()
    if not words:
        raise AmountError(AmountErrorReason.EMPTY, args)
    try:
        whole = parse_amount(" ".join(words))
    except AmountError as error:
        whole_error = error
    else:
        if not (isinstance(whole, Amount) and whole.note):
            return OmzetMessage(None, whole)
        # "tutup bulan oktober": the note may hold the month; take it out when it reads as one.
        for month_words, amount_words in _splits(words):
            try:
                month = parse_month(" ".join(month_words), today)
                amount = parse_amount(" ".join(amount_words))
            except (MonthError, AmountError):
                continue
            return OmzetMessage(month, amount)
        return OmzetMessage(None, whole)

    # A split only counts when both halves parse: "okt 26 jt" is October + 26 juta.
    future: MonthError | None = None
    amount_error: AmountError | None = None
    for month_words, amount_words in _splits(words):
        try:
            month = parse_month(" ".join(month_words), today)
        except MonthError as error:
            # Only a future month followed by a good amount was surely meant as a month.
            if error.reason is MonthErrorReason.FUTURE and _amount_error(amount_words) is None:
                future = future or error
            continue
        try:
            return OmzetMessage(month, parse_amount(" ".join(amount_words)))
        except AmountError as error:
            amount_error = amount_error or error

    if future is not None:
        raise future  # a real month and amount, but the month has not begun
    if amount_error is not None:
        raise amount_error  # the month was fine; the amount after it was not
    if words[0].isalpha() and _amount_error(words[1:]) is None:
        # "omzet oktobr 12 jt": the amount reads, so the first word was meant as a month.
        raise MonthError(MonthErrorReason.UNKNOWN, words[0])
    raise whole_error


def _splits(words: list[str]) -> list[tuple[list[str], list[str]]]:
    """(month words, amount words) pairs to try: month first or last, longest phrase first."""
    splits = []
    for size in range(min(_MAX_MONTH_WORDS, len(words) - 1), 0, -1):
        splits.append((words[:size], words[size:]))
        splits.append((words[-size:], words[:-size]))
    # A trailing two-digit year is the weakest reading: in "okt 12 500 ribu" the 12 belongs
    # to the amount (12 500 ribu), not to October 2012.
    return sorted(
        splits,
        key=lambda split: len(split[0]) > 1 and split[0][-1].isdigit() and len(split[0][-1]) <= 2,
    )


def _amount_error(words: list[str]) -> AmountError | None:
    try:
        parse_amount(" ".join(words))
    except AmountError as error:
        return error
    return None
