"""Indonesian number words: "delapan juta dua ratus lima puluh ribu", "satu setengah juta".

Read into an exact Fraction (so "seperempat juta" is 250 000 without a float anywhere) and
written back (`to_words`), which the property tests use to check every amount round-trips.
Digits may be mixed in the way people do ("5 ratus ribu", "1 setengah juta").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

UNITS = {
    "nol": 0, "kosong": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
    "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    # Spoken and chat forms.
    "se": 1, "sat": 1, "ampat": 4, "pitu": 7, "lapan": 8,
}
_UNIT_NAMES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")

# Words for 10 .. 1000 that multiply the number before them inside a group under a thousand.
_TENS = {"puluh": 10, "ratus": 100}
_SE_SMALL = {"sepuluh": 10, "sebelas": 11, "seratus": 100}

# The magnitudes a group is multiplied by; abbreviations as in the digit parser.
BIG = {
    "ribu": 10**3, "rb": 10**3, "rbu": 10**3, "rebu": 10**3, "k": 10**3,
    "juta": 10**6, "jt": 10**6, "jta": 10**6,
    "miliar": 10**9, "milyar": 10**9, "m": 10**9,
    "triliun": 10**12, "trilyun": 10**12, "t": 10**12,
}
_SE_BIG = {"seribu": 10**3, "sejuta": 10**6, "semiliar": 10**9, "semilyar": 10**9, "setriliun": 10**12}

FRACTIONS = {"setengah": Fraction(1, 2), "seperempat": Fraction(1, 4), "sepertiga": Fraction(1, 3)}
_PARTS = {"perempat": 4, "pertiga": 3}

# Words that only ever occur in a number said in words: their presence says "read as words".
WORD_VOCABULARY = frozenset(
    set(UNITS) - {"se", "sat", "kosong"} | set(_TENS) | set(_SE_SMALL) | set(_SE_BIG) | set(FRACTIONS)
    | set(_PARTS) | {"belas", "koma"}
)

_TOKEN = re.compile(r"[0-9]+(?:[.,][0-9]+)?|[a-z]+")


class NotNumberWords(ValueError):
    """The text is not a number in words (or is one we do not read)."""


@dataclass(frozen=True)
class WordNumber:
    """A number read from words; `magnitude` True when a ribu/juta/... word was said."""

    value: Fraction
    magnitude: bool


def has_number_words(text: str) -> bool:
    """Whether the text holds a word that only numbers use ("lima", "ratus", "setengah")."""
    return any(token in WORD_VOCABULARY for token in _TOKEN.findall(text.lower()))


def _digits(token: str) -> Fraction:
    if "," in token or "." in token:
        head, tail = re.split(r"[.,]", token)
        if len(tail) == 3:  # "1.500": grouped thousands, not a decimal
            return Fraction(int(head + tail))
        return Fraction(int(head)) + Fraction(int(tail), 10 ** len(tail))
    return Fraction(int(token))


def parse_words(text: str) -> WordNumber:
    """Read a number said in Indonesian words (digits may be mixed in); NotNumberWords if not."""
    tokens = _TOKEN.findall(text.lower())
    if not tokens or "".join(tokens) != re.sub(r"[\s-]+", "", text.lower()):
        raise NotNumberWords(text)
    total = Fraction(0)
    group = Fraction(0)  # the part under the next magnitude word
    pending: Fraction | None = None  # a number not yet multiplied by puluh/ratus/belas
    last_big: int | None = None
    group_unit: int | None = None  # the smallest multiplier used in the group (100, 10, 1)
    said_big = False
    index = 0

    def flush_pending() -> None:
        nonlocal group, pending
        if pending is not None:
            group += pending
            pending = None

    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token[0].isdigit():
            if pending is not None:
                raise NotNumberWords(text)
            pending = _digits(token)
            if index < len(tokens) and tokens[index] == "koma":
                raise NotNumberWords(text)
            continue
        if token == "koma":
            # "dua koma lima juta": the digits said one by one after the decimal mark.
            if pending is None and group == 0:
                raise NotNumberWords(text)
            flush_pending()
            digits = ""
            while index < len(tokens) and tokens[index] in UNITS and tokens[index] not in ("se", "kosong"):
                digits += str(UNITS[tokens[index]])
                index += 1
            if not digits:
                raise NotNumberWords(text)
            group += Fraction(int(digits), 10 ** len(digits))
            continue
        if token in UNITS and token not in ("se",):
            if pending is not None:
                raise NotNumberWords(text)
            pending = Fraction(UNITS[token])
            continue
        if token == "belas":
            if pending is None or not 1 <= pending <= 9 or pending.denominator != 1:
                raise NotNumberWords(text)
            group += 10 + pending
            pending = None
            continue
        if token in _TENS or token in _SE_SMALL:
            unit = _TENS.get(token) or _SE_SMALL[token]
            if token in _TENS:
                if pending is None or pending <= 0:
                    raise NotNumberWords(text)
                value, pending = pending * unit, None
            else:
                if pending is not None:
                    raise NotNumberWords(text)
                value = Fraction(unit)
            # Within a group, ratus comes before puluh: "dua puluh tiga ratus" is no number.
            place = 100 if unit == 100 else 10
            if group_unit is not None and place >= group_unit:
                raise NotNumberWords(text)
            group_unit = place
            group += value
            continue
        if token in FRACTIONS:
            if pending is None and group == 0 and last_big is not None and index == len(tokens):
                # "sejuta setengah", "dua juta setengah": half of the magnitude just said.
                total += FRACTIONS[token] * last_big
                continue
            # "satu setengah" is one and a half; "setengah" alone is a half.
            flush_pending()
            group += FRACTIONS[token]
            continue
        if token in _PARTS:
            # "tiga perempat juta": three quarters.
            if pending is None:
                raise NotNumberWords(text)
            group += pending / _PARTS[token]
            pending = None
            continue
        if token in BIG or token in _SE_BIG:
            if token in _SE_BIG:
                if pending is not None or group:
                    raise NotNumberWords(text)
                magnitude, value = _SE_BIG[token], Fraction(1)
            else:
                flush_pending()
                if group == 0:
                    raise NotNumberWords(text)
                magnitude, value = BIG[token], group
            if last_big is not None and (magnitude >= last_big or value * magnitude >= last_big):
                raise NotNumberWords(text)
            total += value * magnitude
            last_big = magnitude
            group, group_unit, said_big = Fraction(0), None, True
            continue
        raise NotNumberWords(text)
    flush_pending()
    if last_big is not None and group >= last_big:
        raise NotNumberWords(text)
    return WordNumber(total + group, said_big)


def _under_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds:
        words += [_UNIT_NAMES[hundreds], "ratus"]
    if rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif 12 <= rest <= 19:
        words += [_UNIT_NAMES[rest - 10], "belas"]
    elif rest >= 20:
        tens, units = divmod(rest, 10)
        words += [_UNIT_NAMES[tens], "puluh"]
        if units:
            words.append(_UNIT_NAMES[units])
    elif rest:
        words.append(_UNIT_NAMES[rest])
    return words


def to_words(n: int) -> str:
    """A whole number in Indonesian words: 8 250 000 -> "delapan juta dua ratus lima puluh ribu"."""
    if n < 0:
        raise ValueError(n)
    if n == 0:
        return "nol"
    words: list[str] = []
    for magnitude, name in ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (10**3, "ribu")):
        count, n = divmod(n, magnitude)
        if count == 1 and name == "ribu":
            words.append("seribu")
        elif count:
            words += _under_thousand(count) + [name]
    words += _under_thousand(n)
    return " ".join(words)
