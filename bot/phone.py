"""Indonesian phone numbers: accept how people write them, store E.164 (+62...)."""

from __future__ import annotations

import re


class PhoneError(ValueError):
    """The text is not a phone number we can store."""


def normalize_phone(raw: str) -> str:
    """Turn `0812…`, `62812…`, `+62 812-…` (or another country's +code) into E.164."""
    text = raw.strip()
    has_plus = text.startswith("+")
    digits = re.sub(r"[\s\-().]", "", text.lstrip("+"))
    if not digits.isdigit():
        raise PhoneError(raw)
    if has_plus:
        number = digits
    elif digits.startswith("0"):
        number = "62" + digits[1:]
    elif digits.startswith("8"):
        number = "62" + digits
    else:
        number = digits
    if number.startswith("620"):
        number = "62" + number[3:]
    # E.164 allows at most 15 digits; Indonesian mobile numbers have 10-13 after +62.
    if not 8 <= len(number) <= 15:
        raise PhoneError(raw)
    if number.startswith("62") and not 9 <= len(number) - 2 <= 13:
        raise PhoneError(raw)
    return "+" + number
