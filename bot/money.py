"""Rupiah amounts: read them the way Indonesians type them, show them through Babel (CLDR).

Amounts are whole rupiah in an `int`; arithmetic on the way in uses `Decimal`, never `float`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from enum import StrEnum, auto

from babel.numbers import (
    NumberFormatError,
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
    get_minus_sign_symbol,
    parse_decimal,
)

# PP 7/2021: a micro enterprise sells at most Rp2 miliar a year; a month above this is confirmed.
MICRO_MONTHLY_CEILING = 166_666_667
# Far above any cluster's turnover; also keeps Decimal arithmetic well inside its precision.
MAX_AMOUNT = 10**13

_RIBU = 10**3
_JUTA = 10**6
_MILIAR = 10**9
_TRILIUN = 10**12

# "m"/"M" is miliar, as in Indonesian writing and CLDR `id` compact ("Rp1,2 M"), not million.
MAGNITUDES: dict[str, int] = {
    "k": _RIBU,
    "rb": _RIBU,
    "rbu": _RIBU,
    "rebu": _RIBU,
    "ribu": _RIBU,
    "thousand": _RIBU,
    "jt": _JUTA,
    "jta": _JUTA,
    "juta": _JUTA,
    "million": _JUTA,
    "m": _MILIAR,
    "miliar": _MILIAR,
    "milyar": _MILIAR,
    "billion": _MILIAR,
    "t": _TRILIUN,
    "triliun": _TRILIUN,
    "trilyun": _TRILIUN,
    "trillion": _TRILIUN,
}

# Words that mean "reported, but sold nothing this month".
NO_SALES_WORDS = frozenset({"0", "nol", "tutup", "libur"})

# The id pattern, without the two IDR fraction digits CLDR would add; the symbol is literal so
# every locale shows "Rp", the sign people see on every Indonesian price tag.
_RUPIAH_PATTERN = "'Rp'#,##0"
_PERCENT_SIGNED = "+#,##0.0%;-#,##0.0%"
_PERCENT_ZERO = "#,##0.0%"


class AmountErrorReason(StrEnum):
    """Why a text is not an amount; handlers choose their message by it."""

    EMPTY = auto()
    NEGATIVE = auto()
    MALFORMED = auto()
    TOO_LARGE = auto()


class AmountError(ValueError):
    """The text is not an amount of rupiah we accept."""

    def __init__(self, reason: AmountErrorReason, text: str = "") -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


@dataclass(frozen=True)
class Amount:
    """A whole number of rupiah; `no_sales` marks a report of zero (closed, holiday)."""

    rupiah: int
    no_sales: bool = False

    @property
    def above_micro_ceiling(self) -> bool:
        """True when the month is above what a micro enterprise sells: confirm it first."""
        return self.rupiah > MICRO_MONTHLY_CEILING


@dataclass(frozen=True)
class AmbiguousAmount:
    """A bare decimal such as "12,5": juta or ribu? `choices` holds both, juta first."""

    text: str
    choices: tuple[int, ...]


# --- parsing -------------------------------------------------------------------------------

_PREFIX = re.compile(r"^(?:rp|idr)\.?\s*")
_SUFFIX_WORD = re.compile(r"\s*(?:rupiah|idr)$")
# ",-" and ".-" close a price in Indonesian writing ("Rp12.500.000,-").
_SUFFIX_DASH = re.compile(r"\s*[.,]\s*-+$")
_MINUS = re.compile(r"^[-\u2212\u2013]\s*")
# ASCII only: str.isdigit() would let "²" or Arabic-Indic digits through to Decimal.
_DIGITS = "0123456789"
_ALL_DIGITS = re.compile(r"[0-9]+")
_TOKEN = re.compile(r"[0-9][0-9.,]*|[a-z]+|\S")
# "12 500 000": spaces as thousands separators, only in complete groups of three.
_SPACE_GROUPED = re.compile(r"(?<![0-9.,])[0-9]{1,3}(?: [0-9]{3})+(?![0-9.,])")
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*")


@dataclass(frozen=True)
class _Number:
    integer: str  # digits only
    fraction: str  # digits only, may be ""
    bare_decimal: bool  # "12,5" shape: 1-3 digits, one separator, 1-2 digits


def _normalise(text: str) -> str:
    # NBSP and narrow NBSP (Babel output, copy-paste) count as spaces; case never matters.
    return " ".join(text.lower().split())


def parse_amount(text: str) -> Amount | AmbiguousAmount:
    """Read an amount of rupiah as people type it; raise AmountError if it is not one."""
    cleaned = _normalise(text)
    # A sentence may end with a full stop: "12,5 juta." ("rp." alone stays, to read as EMPTY).
    if cleaned.endswith(".") and cleaned[:-1].rstrip() not in ("rp", "idr", ""):
        cleaned = cleaned[:-1].rstrip()
    if cleaned in NO_SALES_WORDS:
        return Amount(0, no_sales=True)
    body = _SUFFIX_DASH.sub("", cleaned)
    body = _SUFFIX_WORD.sub("", body)
    negative = False
    for _ in range(2):  # "-Rp5.000" and "Rp -5.000" are both negative
        body = _PREFIX.sub("", body)
        match = _MINUS.match(body)
        if match:
            negative = True
            body = body[match.end() :]
    if not body:
        raise AmountError(AmountErrorReason.EMPTY, text)
    result = _parse_body(body, text)
    if negative:
        raise AmountError(AmountErrorReason.NEGATIVE, text)
    return result


def _parse_body(body: str, text: str) -> Amount | AmbiguousAmount:
    body = _SPACE_GROUPED.sub(lambda m: m.group(0).replace(" ", ""), body)
    tokens = _TOKEN.findall(body)
    terms: list[tuple[_Number, int | None]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token[0] not in _DIGITS:
            raise AmountError(AmountErrorReason.MALFORMED, text)
        magnitude = None
        if index + 1 < len(tokens) and tokens[index + 1] in MAGNITUDES:
            magnitude = MAGNITUDES[tokens[index + 1]]
            index += 1
            # An abbreviation may carry its own full stop: "12 jt. 500 rb."
            if index + 1 < len(tokens) and tokens[index + 1] == ".":
                index += 1
        terms.append(
            (_split_number(token, with_magnitude=magnitude is not None, text=text), magnitude)
        )
        index += 1
    if not terms:
        raise AmountError(AmountErrorReason.MALFORMED, text)

    if len(terms) == 1 and terms[0][1] is None:
        number = terms[0][0]
        if number.bare_decimal:
            return _ambiguous(number, text)
        return _amount(_value(number, 1, text), text)

    # "12 juta 500 ribu": every part names its magnitude, largest first, each smaller than the
    # unit before it, so "12 juta 1500 ribu" or "500 ribu 12 juta" are refused, not guessed.
    total = 0
    previous_unit: int | None = None
    for number, magnitude in terms:
        if magnitude is None:
            raise AmountError(AmountErrorReason.MALFORMED, text)
        value = _value(number, magnitude, text)
        if previous_unit is not None and (magnitude >= previous_unit or value >= previous_unit):
            raise AmountError(AmountErrorReason.MALFORMED, text)
        total += value
        previous_unit = magnitude
    return _amount(total, text)


def _split_number(token: str, *, with_magnitude: bool, text: str) -> _Number:
    """Decide which separators group thousands and which one marks decimals."""
    if _ALL_DIGITS.fullmatch(token):
        return _Number(token, "", bare_decimal=False)
    if token[-1] in ".,":
        raise AmountError(AmountErrorReason.MALFORMED, text)
    separators = {char for char in token if char in ".,"}
    last = max(token.rfind("."), token.rfind(","))
    head, tail = token[:last], token[last + 1 :]
    if len(separators) == 2:
        # "12.500.000,00" or "12,500,000.00": the last separator is the decimal mark and
        # everything before it must be cleanly grouped by the other one. Without a magnitude
        # only cents fit after it: "12,500.000" is a typo, not 12 500 rupiah.
        if token[last] in head or not _GROUPED.fullmatch(head):
            raise AmountError(AmountErrorReason.MALFORMED, text)
        if not with_magnitude and len(tail) > 2:
            raise AmountError(AmountErrorReason.MALFORMED, text)
        return _Number(re.sub(r"[.,]", "", head), tail, bare_decimal=False)
    count = token.count(token[last])
    if count > 1:
        if not _GROUPED.fullmatch(token):
            raise AmountError(AmountErrorReason.MALFORMED, text)
        return _Number(re.sub(r"[.,]", "", token), "", bare_decimal=False)
    # One separator, used once.
    if with_magnitude:
        # "12,5 jt", "12.5 jt", "1,125 jt": before a magnitude word it is a decimal mark.
        return _Number(head, tail, bare_decimal=False)
    if len(tail) == 3 and len(head) <= 3:
        return _Number(head + tail, "", bare_decimal=False)  # "850.000", "1,125"
    if len(head) <= 3 and len(tail) <= 2:
        return _Number(head, tail, bare_decimal=True)  # "12,5": juta or ribu?
    # "12500000,00" is whole rupiah; "1250,5" is a fraction of one and gets refused later.
    return _Number(head, tail, bare_decimal=False)


def _decimal(number: _Number, text: str) -> Decimal:
    integer = number.integer.lstrip("0") or "0"
    fraction = number.fraction.rstrip("0")
    # Bound the digits before Decimal sees them: no precision loss, no huge exponents.
    if len(integer) > len(str(MAX_AMOUNT)):
        raise AmountError(AmountErrorReason.TOO_LARGE, text)
    if len(fraction) > len(str(_TRILIUN)):
        raise AmountError(AmountErrorReason.MALFORMED, text)
    canonical = f"{integer},{fraction}" if fraction else integer
    try:
        # Canonical `id` form (decimal comma, no grouping), which strict mode reads exactly.
        return parse_decimal(canonical, locale="id", strict=True)
    except (NumberFormatError, InvalidOperation) as error:  # pragma: no cover - digits only
        raise AmountError(AmountErrorReason.MALFORMED, text) from error


def _value(number: _Number, magnitude: int, text: str) -> int:
    with localcontext() as context:
        context.prec = 60
        value = _decimal(number, text) * magnitude
    if value != value.to_integral_value():
        raise AmountError(AmountErrorReason.MALFORMED, text)  # a fraction of a rupiah
    if value > MAX_AMOUNT:
        raise AmountError(AmountErrorReason.TOO_LARGE, text)
    return int(value)


def _amount(rupiah: int, text: str) -> Amount:
    if rupiah > MAX_AMOUNT:
        raise AmountError(AmountErrorReason.TOO_LARGE, text)
    return Amount(rupiah, no_sales=rupiah == 0)


def _ambiguous(number: _Number, text: str) -> Amount | AmbiguousAmount:
    as_juta = _value(number, _JUTA, text)
    as_ribu = _value(number, _RIBU, text)
    if as_juta == 0:
        return Amount(0, no_sales=True)  # "0,0" is zero whichever unit was meant
    return AmbiguousAmount(text=text.strip(), choices=(as_juta, as_ribu))


# --- formatting ----------------------------------------------------------------------------


def format_rupiah(rupiah: int, locale: str) -> str:
    """Whole rupiah with the locale's grouping: `Rp12.500.000` (id), `Rp12,500,000` (en)."""
    return format_currency(
        rupiah, "IDR", format=_RUPIAH_PATTERN, locale=locale, currency_digits=False
    )


def format_rupiah_compact(rupiah: int, locale: str) -> str:
    """Short form for charts and lists: `Rp12,5 jt`, `Rp850 rb`, `Rp1,2 M` (id); `Rp12.5M` (en)."""
    # CLDR id separates number and unit with a no-break space, so "jt" never wraps alone.
    sign = get_minus_sign_symbol(locale) if rupiah < 0 else ""
    return f"{sign}Rp{format_compact_decimal(abs(rupiah), locale=locale, fraction_digits=1)}"


def format_percent_change(ratio: Decimal | float | None, locale: str) -> str:
    """A relative change (0.125 = +12,5%) with its sign; None (no base to compare) gives "—"."""
    if ratio is None:
        return "—"
    value = Decimal(str(ratio)) if isinstance(ratio, float) else Decimal(ratio)
    if not value.is_finite():
        return "—"
    with localcontext() as context:
        # quantize fails once a result needs more digits than the context's precision
        context.prec = 80
        # Round first so a tiny change reads "0,0%", not "-0,0%" or "+0,0%". Half up (away
        # from zero), as people round by hand and as the rupiah figures are rounded.
        rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
        if rounded == 0:
            return format_percent(Decimal(0), _PERCENT_ZERO, locale=locale)
        return format_percent(rounded, _PERCENT_SIGNED, locale=locale)


def format_count(number: int, locale: str) -> str:
    """A count of people or messages: "1.250" (id), "1,250" (en)."""
    return format_decimal(number, locale=locale)


def format_share(ratio: Decimal | float | None, locale: str) -> str:
    """A share of a whole without a sign: 0.83 -> "83%"; None -> "—"."""
    if ratio is None:
        return "—"
    return format_percent(Decimal(str(ratio)), locale=locale)


def format_decimal_score(score: Decimal | float, locale: str) -> str:
    """A score out of 100 with at most one decimal: "82,5" (id), "82.5" (en), "100"."""
    return format_decimal(Decimal(str(score)), format="#,##0.#", locale=locale)
