"""Rupiah amounts: read them the way Indonesians type them, show them through Babel (CLDR).

Amounts are whole rupiah in an `int`; arithmetic on the way in uses `Decimal`, never `float`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from enum import StrEnum, auto
from fractions import Fraction

from babel.numbers import (
    NumberFormatError,
    format_compact_decimal,
    format_currency,
    format_decimal,
    format_percent,
    get_minus_sign_symbol,
    parse_decimal,
)

from bot.number_words import BIG, NotNumberWords, has_number_words, parse_words

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
NO_SALES_WORDS = frozenset({"0", "nol", "tutup", "libur", "kosong", "nihil"})
# Below this, a bare number without "Rp" is surely not a month's omzet in rupiah ("8",
# "lima", "500"): juta or ribu is asked, never "Rp8".
SMALL_BARE_NUMBER = 1000
NOTE_MAX = 200

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
    """A whole number of rupiah; `no_sales` marks a report of zero (closed, holiday).

    `approximate`: typed with a hedge ("kira-kira 9 juta", "12 jt-an"), said back as such and
    saved as the amount. `note`: the member's own words for a month without sales
    ("tutup karena banjir"), kept with the report.
    """

    rupiah: int
    no_sales: bool = False
    approximate: bool = False
    note: str | None = None

    @property
    def above_micro_ceiling(self) -> bool:
        """True when the month is above what a micro enterprise sells: confirm it first."""
        return self.rupiah > MICRO_MONTHLY_CEILING


class Ambiguity(StrEnum):
    """Why an amount is asked about rather than taken."""

    UNIT = auto()  # "12,5", "8", "lima": juta or ribu?
    RANGE = auto()  # "4-5 juta": which figure?


@dataclass(frozen=True)
class AmbiguousAmount:
    """A bare decimal such as "12,5" or a small bare number: juta or ribu? `choices` holds
    both, juta first. A range ("4-5 juta") holds its low end, middle and high end."""

    text: str
    choices: tuple[int, ...]
    kind: Ambiguity = Ambiguity.UNIT
    approximate: bool = False


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
    """Read an amount of rupiah as people type it; raise AmountError if it is not one.

    Digits with the usual separators and magnitude words, number words ("delapan juta"),
    hedges ("kira-kira 9 juta", "12 jt-an"), ranges ("4-5 juta", asked about), and phrases
    for a month without sales ("belum ada penjualan", "tutup karena banjir").
    """
    cleaned = _strip_trailing_symbols(_normalise(text))
    # A sentence may end with a full stop: "12,5 juta." ("rp." alone stays, to read as EMPTY).
    if cleaned.endswith(".") and cleaned[:-1].rstrip() not in ("rp", "idr", ""):
        cleaned = cleaned[:-1].rstrip()
    if cleaned in NO_SALES_WORDS:
        return Amount(0, no_sales=True)
    body, approximate = _strip_hedges(cleaned)
    if not body and approximate:
        raise AmountError(AmountErrorReason.EMPTY, text)
    try:
        result = _parse_range(body, text) or _parse_number(body, text)
    except AmountError as error:
        no_sales = _no_sales_phrase(body, text)
        if no_sales is not None:
            return no_sales
        raise error from None
    if approximate:
        if isinstance(result, Amount) and not result.no_sales:
            return Amount(result.rupiah, approximate=True)
        if isinstance(result, AmbiguousAmount):
            return AmbiguousAmount(result.text, result.choices, result.kind, approximate=True)
    return result


def _parse_number(cleaned: str, text: str) -> Amount | AmbiguousAmount:
    if cleaned in NO_SALES_WORDS:
        return Amount(0, no_sales=True)
    body = _SUFFIX_DASH.sub("", cleaned)
    body = _SUFFIX_WORD.sub("", body)
    negative = False
    explicit_rupiah = False
    for _ in range(2):  # "-Rp5.000" and "Rp -5.000" are both negative
        prefixed = _PREFIX.match(body)
        if prefixed:
            explicit_rupiah = True
            body = body[prefixed.end() :]
        match = _MINUS.match(body)
        if match:
            negative = True
            body = body[match.end() :]
    if not body:
        raise AmountError(AmountErrorReason.EMPTY, text)
    if has_number_words(body):
        result = _parse_words(body, text, explicit_rupiah=explicit_rupiah)
    else:
        result = _parse_body(body, text, explicit_rupiah=explicit_rupiah)
    if negative:
        raise AmountError(AmountErrorReason.NEGATIVE, text)
    return result


def _strip_trailing_symbols(text: str) -> str:
    """Emoji, "!" and "?" at the end say nothing about the amount ("5jt 🙏", "tutup!")."""
    end = len(text)
    while end and (text[end - 1] in "!? " or unicodedata.category(text[end - 1]) in ("So", "Sk", "Cf", "Mn")):
        end -= 1
    return text[:end]


# Hedges: the amount is said back as approximate. Fillers: words around an amount that
# change nothing ("sebesar 5 juta", "5 juta saja pak").
_HEDGE_PREFIX = re.compile(
    r"^(?:kira[- ]?kira|kira2|kr2|kurang[- ]lebih|krg lbh|kurleb|kurleb|lebih[- ]kurang|lbh krg|"
    r"sekitar(?:an)?|skitar|sktr|kisaran|kira|sekira|hampir|mendekati|rata[- ]?rata|rata2|"
    r"perkiraan|estimasi|taksiran|lebih dari|lebih dr|lbh dari|lbh dr|kurang dari|kurang dr|"
    r"di atas|diatas|di bawah|dibawah|paling banyak|paling sedikit|minimal|maksimal|"
    r"\+/-|\+-|±|~|≈|>|<|kurang lebihnya)\s*"
)
_HEDGE_SUFFIX = re.compile(
    r"(?:\s+(?:lebih|lbh|lebihan|lebih sedikit|lebih dikit|kurang sedikit|kurang dikit|kurang|"
    r"kurang lebih|kurleb|an|an lah|anlah|an-an|an saja|an aja)|\s*(?:\+|-an|an|lah))$"
)
_FILLER_PREFIX = re.compile(
    r"^(?:sebesar|sejumlah|cuma|cuman|hanya|total|totalnya|jumlahnya|jumlah|yaitu|yaitu:|adalah|"
    r"ada|dapat|dapet|dpt|omzetnya|omsetnya|penjualan|penjualannya|pendapatan|pemasukan|hasilnya|"
    r"alhamdulillah|alhamdulilah|alhamdulillah,|ya|iya|ok|oke|baik|saya|sy|kami|"
    r"laporan|lapor|melaporkan|nominal|senilai|sekitar:|=|:)\s*"
)
_FILLER_SUFFIX = re.compile(
    r"[\s,]+(?:saja|aja|ya|yah|yaa|pak|bu|bpk|ibu|bapak|kak|mas|mbak|mba|min|admin|nih|kok|"
    r"tok|terima kasih|terimakasih|makasih|trims|tks|thx|thanks|pak ketua|bu ketua|dong|deh|"
    r"sebulan|per bulan|perbulan|/bulan|/bln|sebulannya)$"
)
# "12 jt-an", "12jtan", "jutaan": the "-an" of approximation sticks to the magnitude.
_AN_ON_MAGNITUDE = re.compile(r"(?<=[0-9a-z])-?an\b")
_MAGNITUDE_AN = re.compile(r"(?<![a-z])(juta|jt|jta|ribu|rb|rbu|rebu|miliar|milyar|k|m)an\b")
_DIGITS_AN = re.compile(r"(?<=[0-9])-?an\b")


def _strip_hedges(text: str) -> tuple[str, bool]:
    """The amount without hedges and fillers, and whether a hedge was there."""
    approximate = False
    body = text
    for _ in range(6):
        before = body
        body, count = _MAGNITUDE_AN.subn(r"\1", body)
        approximate = approximate or bool(count)
        body = re.sub(r"(?<=[a-z])-an\b", "an", body)
        body, count = _MAGNITUDE_AN.subn(r"\1", body)
        approximate = approximate or bool(count)
        body, count = _DIGITS_AN.subn("", body)
        approximate = approximate or bool(count)
        match = _HEDGE_PREFIX.match(body)
        if match and match.end() < len(body):
            body, approximate = body[match.end() :], True
        match = _HEDGE_SUFFIX.search(body)
        if match and match.start() > 0 and not body[: match.start()].endswith(("rp", "idr")):
            # "5 jt-an" and "5jt+" but not the "an" inside a word: the suffix follows a
            # digit or a magnitude word.
            stem = body[: match.start()].rstrip()
            if stem and (_ENDS_WITH_AMOUNT.search(stem) or stem.split()[-1] in _AMOUNT_TAIL_WORDS):
                body, approximate = stem, True
        match = _FILLER_PREFIX.match(body)
        if match and match.end() < len(body):
            body = body[match.end() :]
        match = _FILLER_SUFFIX.search(body)
        if match and match.start() > 0:
            body = body[: match.start()].rstrip()
        body = body.strip(" ,")
        if body == before:
            break
    return body, approximate


_ENDS_WITH_AMOUNT = re.compile(
    r"(?:[0-9]|(?<![a-z])(?:" + "|".join(sorted(MAGNITUDES, key=len, reverse=True)) + r"))\.?$"
)
# Words that may end an amount said in words ("lima juta lebih", "lima ratus ribuan").
_AMOUNT_TAIL_WORDS = frozenset({"ribu", "juta", "miliar", "milyar", "puluh", "ratus", "belas", "rupiah", "setengah"})

# A range: "4-5 juta", "4 sampai 5 jt", "antara 4 dan 5 juta", "4 atau 5 juta".
_RANGE = re.compile(
    r"^(?:antara\s+)?(?P<low>[^-–—]+?)\s*(?:-|–|—|s/d|s\.d\.?|sd|sampai|sampe|smp|hingga|ke|atau|atw|dan)\s*(?P<high>[^-–—]+)$"
)
_LAST_MAGNITUDE = re.compile(r"(?:^|(?<=[\s0-9]))(" + "|".join(sorted(MAGNITUDES, key=len, reverse=True)) + r")\.?$")


def _parse_range(body: str, text: str) -> AmbiguousAmount | None:
    """Two amounts with a dash or "sampai" between them: ask which (low, middle, high)."""
    match = _RANGE.match(body)
    if not match:
        return None
    low_text, high_text = match["low"].strip(), match["high"].strip()
    try:
        high = _parse_number(high_text, text)
    except AmountError:
        return None
    if not isinstance(high, Amount) or high.rupiah <= 0:
        return None
    magnitude = _LAST_MAGNITUDE.search(high_text)
    if magnitude is not None and not _LAST_MAGNITUDE.search(low_text) and not has_number_words(low_text.replace("se", "")):
        low_text = f"{low_text} {magnitude.group(1)}"
    elif magnitude is not None and has_number_words(low_text) and not any(w in BIG for w in low_text.split()):
        low_text = f"{low_text} {magnitude.group(1)}"
    try:
        low = _parse_number(low_text, text)
    except AmountError:
        return None
    if not isinstance(low, Amount) or not 0 < low.rupiah < high.rupiah:
        return None
    middle = (low.rupiah + high.rupiah) // 2
    return AmbiguousAmount(text=text.strip(), choices=(low.rupiah, middle, high.rupiah), kind=Ambiguity.RANGE)


# Phrases for a month without sales: a head ("tutup", "belum ada penjualan") and perhaps the
# reason ("karena banjir"), which is kept as the member's note.
_NEGATION = r"(?:belum|blm|blom|tidak|tdk|tak|gak|ga|gk|nggak|ngga|ngak|enggak|engga|nda|ndak|g|no)"
_SALES_WORD = (
    r"(?:penjualan|jualan|omzet|omset|pemasukan|pendapatan|pemasukkan|transaksi|pembeli|pembelinya|"
    r"order|orderan|pesanan|laku|terjual|jual|buka|produksi|panen|yang beli|yg beli|hasil|untung|"
    r"dagangan|pelanggan)"
)
_NO_SALES_HEAD = re.compile(
    r"^(?:(?:lagi|lg|sedang|sdg|masih|msh|sementara|usaha|toko|tokonya|warung|kios|kebun|"
    r"produksi|omzet|omset|omzetnya|omsetnya|penjualan|"
    r"penjualannya|hasilnya|maaf|mohon maaf|wah|aduh)[\s,]+)*"
    r"(?:tutup|ttp|libur|liburan|kosong|ksg|nihil|nol|zonk|off|cuti|istirahat|vakum|fakum|"
    r"berhenti|stop|mogok|sepi total|sepi banget|sepi sekali|gagal panen|belum panen|"
    rf"{_NEGATION}\s+(?:ada\s+)?(?:sama\s+sekali\s+)?{_SALES_WORD}|{_NEGATION}\s+ada|"
    r"0|nol rupiah|0 rupiah|rp ?0)(?![0-9a-z])"
)
_HAS_AMOUNT = re.compile(r"[0-9]\s*(?:" + "|".join(sorted(MAGNITUDES, key=len, reverse=True)) + r")\b|\brp\s*[0-9]|[0-9]{4,}")


def _no_sales_phrase(body: str, text: str) -> Amount | None:
    match = _NO_SALES_HEAD.match(body)
    if not match:
        return None
    rest = body[match.end() :].strip(" ,.-:;")
    if _HAS_AMOUNT.search(rest) or has_number_words(rest) and _parse_quietly(rest):
        return None  # "tidak ada penjualan, cuma 500 ribu": not a month without sales
    if not rest:
        return Amount(0, no_sales=True)
    note = " ".join(text.split()).strip(" .")[:NOTE_MAX]
    return Amount(0, no_sales=True, note=note)


def _parse_quietly(text: str) -> bool:
    try:
        _parse_number(text, text)
    except AmountError:
        return False
    return True


def _parse_words(body: str, text: str, *, explicit_rupiah: bool) -> Amount | AmbiguousAmount:
    body = _SUFFIX_WORD.sub("", body).strip()
    try:
        number = parse_words(body)
    except NotNumberWords as error:
        raise AmountError(AmountErrorReason.MALFORMED, text) from error
    if number.value * 1 > MAX_AMOUNT:
        raise AmountError(AmountErrorReason.TOO_LARGE, text)
    if not number.magnitude and not explicit_rupiah and number.value < SMALL_BARE_NUMBER:
        return _small(number.value, text)
    if number.value.denominator != 1:
        raise AmountError(AmountErrorReason.MALFORMED, text)  # a fraction of a rupiah
    return _amount(int(number.value), text)


def _small(value: Fraction, text: str) -> Amount | AmbiguousAmount:
    """ "8", "lima", "1,5": a number too small for rupiah: juta or ribu?"""
    if value == 0:
        return Amount(0, no_sales=True)
    as_juta, as_ribu = value * _JUTA, value * _RIBU
    if as_juta.denominator != 1 or as_ribu.denominator != 1:
        if as_juta.denominator != 1:
            raise AmountError(AmountErrorReason.MALFORMED, text)
        return AmbiguousAmount(text=text.strip(), choices=(int(as_juta),))
    return AmbiguousAmount(text=text.strip(), choices=(int(as_juta), int(as_ribu)))


def _parse_body(body: str, text: str, *, explicit_rupiah: bool = False) -> Amount | AmbiguousAmount:
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
        rupiah = _value(number, 1, text)
        if not explicit_rupiah and 0 < rupiah < SMALL_BARE_NUMBER:
            return _small(Fraction(rupiah), text)
        return _amount(rupiah, text)

    # "12 juta 500" and "1 M 200": a last bare group of three digits is the next smaller unit.
    last_number, last_magnitude = terms[-1]
    if (
        last_magnitude is None
        and len(terms) > 1
        and terms[-2][1] is not None
        and terms[-2][1] >= _JUTA
        and _ALL_DIGITS.fullmatch(last_number.integer)
        and len(last_number.integer) == 3
        and not last_number.fraction
    ):
        terms[-1] = (last_number, terms[-2][1] // _RIBU)

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


def format_change_whole(ratio: Decimal, locale: str) -> str:
    """The size of a change in whole percent, without a sign, for plain words ("naik 12%")."""
    with localcontext() as context:
        context.prec = 80
        rounded = abs(Decimal(ratio)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return format_percent(rounded, "#,##0%", locale=locale)
# --- quantities of goods (market requests and pledges) --------------------------------------

# A quantity of goods is a whole number of its unit (500 lembar, 20 kg); far above any order.
MAX_QUANTITY = 10**9
# A trailing word that is no magnitude is the unit someone typed with the number ("150 lembar").
_UNIT_WORD = re.compile(r"^(?P<number>.*?[0-9.,](?:\s*(?:" + "|".join(sorted(MAGNITUDES, key=len, reverse=True)) + r")(?![a-z]))?)\s*(?P<unit>[^\W\d_][^\W\d_ .]*)?\.?$")


# "150", "1500", "1.500": a whole count, dots grouping thousands.
_WHOLE_COUNT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+")


class QuantityErrorReason(StrEnum):
    """Why a text is not a quantity of goods."""

    EMPTY = auto()
    NEGATIVE = auto()
    ZERO = auto()
    FRACTION = auto()
    MALFORMED = auto()
    TOO_LARGE = auto()


class QuantityError(ValueError):
    def __init__(self, reason: QuantityErrorReason, text: str = "") -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


@dataclass(frozen=True)
class Quantity:
    """A whole, positive number of a unit; `unit` is the word typed after it, if any."""

    amount: int
    unit: str | None = None


def parse_quantity(text: str) -> Quantity:
    """Read "150", "150 lembar", "1.500 pcs", "1,5 ribu" or "2 rb kg" as people type them, the
    way amounts are read (thousands marks, ribu/juta), but whole and above zero."""
    cleaned = _normalise(text)
    if not cleaned:
        raise QuantityError(QuantityErrorReason.EMPTY, text)
    match = _UNIT_WORD.match(cleaned)
    number, unit = (match["number"], match["unit"]) if match else (cleaned, None)
    if unit in MAGNITUDES:
        number, unit = cleaned, None
    if _MINUS.match(number.strip()):
        raise QuantityError(QuantityErrorReason.NEGATIVE, text)
    if any(c.isalpha() for c in number.replace("rp", "")) and not any(w in MAGNITUDES for w in re.findall(r"[a-z]+", number)):
        raise QuantityError(QuantityErrorReason.MALFORMED, text)
    try:
        parsed = parse_amount(number)
    except AmountError as error:
        reason = {
            AmountErrorReason.EMPTY: QuantityErrorReason.EMPTY,
            AmountErrorReason.NEGATIVE: QuantityErrorReason.NEGATIVE,
            AmountErrorReason.TOO_LARGE: QuantityErrorReason.TOO_LARGE,
        }.get(error.reason, QuantityErrorReason.MALFORMED)
        if reason is QuantityErrorReason.MALFORMED and re.fullmatch(r"[0-9]+[.,][0-9]+", number.strip()):
            reason = QuantityErrorReason.FRACTION  # "2,5": whole units only
        raise QuantityError(reason, text) from error
    if isinstance(parsed, AmbiguousAmount):
        # A small bare whole number is only a question as money (juta? ribu?): as a count of
        # pieces it is itself. "12,5" is no count of pieces.
        whole = number.strip()
        if _WHOLE_COUNT.fullmatch(whole):
            count = int(whole.replace(".", ""))
            if count == 0:
                raise QuantityError(QuantityErrorReason.ZERO, text)
            return Quantity(count, unit)
        raise QuantityError(QuantityErrorReason.FRACTION, text)
    if parsed.rupiah == 0:
        raise QuantityError(QuantityErrorReason.ZERO, text)
    if parsed.rupiah > MAX_QUANTITY:
        raise QuantityError(QuantityErrorReason.TOO_LARGE, text)
    return Quantity(parsed.rupiah, unit)


def format_quantity(amount: int, unit: str, locale: str) -> str:
    """ "1.500 lembar" (id), "1,500 lembar" (en): the unit as the author wrote it."""
    return f"{format_decimal(amount, locale=locale)} {unit}".strip()
def format_decimal_score(score: Decimal | float, locale: str) -> str:
    """A score out of 100 with at most one decimal: "82,5" (id), "82.5" (en), "100"."""
    return format_decimal(Decimal(str(score)), format="#,##0.#", locale=locale)
