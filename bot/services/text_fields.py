"""Rules for what people type as names, business names and products."""

from __future__ import annotations

from bot.domain import InvalidInput

NAME_MAX = 60
BUSINESS_MAX = 80
PRODUCT_MAX = 80
CLUSTER_NAME_MAX = 120
PLACE_MAX = 80


def _collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def clean_text(text: str | None, *, max_length: int, allow_digits: bool = True) -> str:
    """Tidy a typed value or raise InvalidInput saying what is wrong with it."""
    value = _collapse(text)
    if not value:
        raise InvalidInput("empty")
    if len(value) > max_length:
        raise InvalidInput("too_long")
    letters = sum(ch.isalpha() for ch in value)
    if not allow_digits and any(ch.isdigit() for ch in value):
        raise InvalidInput("digits_in_name")
    if letters < 2:
        raise InvalidInput("needs_letters")
    if value.startswith("/"):
        raise InvalidInput("looks_like_command")
    return value


def clean_person_name(text: str | None) -> str:
    """A person's name: letters (with spaces, dots, apostrophes), no digits."""
    return clean_text(text, max_length=NAME_MAX, allow_digits=False)
