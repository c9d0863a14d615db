"""Rupiah parsing and formatting: every form in indonesian.md, refusals, and round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.money import (
    MICRO_MONTHLY_CEILING,
    AmbiguousAmount,
    Amount,
    AmountError,
    AmountErrorReason,
    format_percent_change,
    format_rupiah,
    format_rupiah_compact,
    parse_amount,
)

NBSP = "\u00a0"

# The money table of indonesian.md, row by row.
TABLE_ROWS = [
    ("12500000", 12_500_000),
    ("12.500.000", 12_500_000),
    ("Rp 12.500.000", 12_500_000),
    ("Rp12.500.000,-", 12_500_000),
    ("rp. 12.500.000", 12_500_000),
    ("12,5 juta", 12_500_000),
    ("12,5jt", 12_500_000),
    ("12.5 jt", 12_500_000),
    ("12 juta 500 ribu", 12_500_000),
    ("850rb", 850_000),
    ("850 ribu", 850_000),
    ("850k", 850_000),
    ("850K", 850_000),
    ("1,2 M", 1_200_000_000),
    ("1,2 miliar", 1_200_000_000),
    ("1,2 milyar", 1_200_000_000),
]

EXTRA_FORMS = [
    ("12,5 jta", 12_500_000),
    ("12,5 JUTA", 12_500_000),
    ("850 rbu", 850_000),
    ("850 Rb", 850_000),
    ("1,2 m", 1_200_000_000),
    ("1 T", 1_000_000_000_000),
    ("1,5 triliun", 1_500_000_000_000),
    ("RP12.500.000", 12_500_000),
    ("Rp.12.500.000", 12_500_000),
    ("rp 12500000", 12_500_000),
    ("  12.500.000  ", 12_500_000),
    ("Rp12.500.000,00", 12_500_000),
    ("12.500.000,00", 12_500_000),
    ("12,500,000.00", 12_500_000),
    ("12500000,00", 12_500_000),
    ("12500000.00", 12_500_000),
    ("12,500,000", 12_500_000),
    ("12 500 000", 12_500_000),
    ("1,125 jt", 1_125_000),
    ("1.125 jt", 1_125_000),
    ("1,25 jt", 1_250_000),
    ("850.000", 850_000),
    ("1,125", 1_125),
    ("2 jt 500rb", 2_500_000),
    ("1 M 200 jt", 1_200_000_000),
    ("1,5 juta 200 ribu", 1_700_000),
    ("12 jt. 500 rb.", 12_500_000),
    ("12,5 juta.", 12_500_000),
    ("12.500.000 rupiah", 12_500_000),
    ("Rp 12.500.000.-", 12_500_000),
    (f"Rp12,5{NBSP}jt", 12_500_000),
    ("1.250,5 jt", 1_250_500_000),
    ("12 juta 500", 12_500_000),
    ("1,234567 jt", 1_234_567),
    ("10 T", 10**13),
]

ZERO_FORMS = ["0", "nol", "tutup", "libur", "Tutup", " LIBUR ", "Rp0", "Rp 0", "0 rb", "0,0", "000"]

REFUSALS = [
    ("-5 juta", AmountErrorReason.NEGATIVE),
    ("-5.000", AmountErrorReason.NEGATIVE),
    ("Rp -5.000", AmountErrorReason.NEGATIVE),
    ("-Rp5.000", AmountErrorReason.NEGATIVE),
    ("\u22125 jt", AmountErrorReason.NEGATIVE),
    ("abc", AmountErrorReason.MALFORMED),
    ("12,5,3 juta", AmountErrorReason.MALFORMED),
    ("1.2.3", AmountErrorReason.MALFORMED),
    ("12.50.000", AmountErrorReason.MALFORMED),
    ("12,500.000", AmountErrorReason.MALFORMED),
    ("1,2345678 jt", AmountErrorReason.MALFORMED),
    ("1250,5", AmountErrorReason.MALFORMED),
    ("12.500.000,50", AmountErrorReason.MALFORMED),
    ("500 ribu 12 juta", AmountErrorReason.MALFORMED),
    ("12 juta 1500 ribu", AmountErrorReason.MALFORMED),
    ("juta", AmountErrorReason.MALFORMED),
    ("12 apel", AmountErrorReason.MALFORMED),
    ("١٢", AmountErrorReason.MALFORMED),
    ("12²", AmountErrorReason.MALFORMED),
    ("", AmountErrorReason.EMPTY),
    ("   ", AmountErrorReason.EMPTY),
    ("Rp", AmountErrorReason.EMPTY),
    ("rp.", AmountErrorReason.EMPTY),
    ("10.000.000.000.001", AmountErrorReason.TOO_LARGE),
    ("10,1 T", AmountErrorReason.TOO_LARGE),
    ("9" * 40, AmountErrorReason.TOO_LARGE),
]


@pytest.mark.parametrize(("text", "rupiah"), TABLE_ROWS + EXTRA_FORMS)
def test_parse_amount_accepts(text: str, rupiah: int) -> None:
    assert parse_amount(text) == Amount(rupiah, no_sales=False)


@pytest.mark.parametrize("text", ZERO_FORMS)
def test_zero_means_reported_without_sales(text: str) -> None:
    assert parse_amount(text) == Amount(0, no_sales=True)


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("12,5", (12_500_000, 12_500)),
        ("12.5", (12_500_000, 12_500)),
        ("Rp12,5", (12_500_000, 12_500)),
        ("1,25", (1_250_000, 1_250)),
        ("0,5", (500_000, 500)),
        ("125,05", (125_050_000, 125_050)),
    ],
)
def test_bare_decimal_is_ambiguous(text: str, choices: tuple[int, ...]) -> None:
    assert parse_amount(text) == AmbiguousAmount(text=text, choices=choices)


@pytest.mark.parametrize(("text", "reason"), REFUSALS)
def test_parse_amount_refuses(text: str, reason: AmountErrorReason) -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    assert caught.value.reason is reason


def test_amount_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_amount("abc")


def test_micro_ceiling_is_two_miliar_a_year() -> None:
    assert MICRO_MONTHLY_CEILING == 166_666_667
    assert MICRO_MONTHLY_CEILING * 12 >= 2_000_000_000 > (MICRO_MONTHLY_CEILING - 1) * 12
    assert Amount(MICRO_MONTHLY_CEILING + 1).above_micro_ceiling
    assert not Amount(MICRO_MONTHLY_CEILING).above_micro_ceiling


@pytest.mark.parametrize(
    ("rupiah", "locale", "expected"),
    [
        (12_500_000, "id", "Rp12.500.000"),
        (850_000, "id", "Rp850.000"),
        (0, "id", "Rp0"),
        (999, "id", "Rp999"),
        (1_200_000_000, "id", "Rp1.200.000.000"),
        (12_500_000, "en", "Rp12,500,000"),
        (0, "en", "Rp0"),
    ],
)
def test_format_rupiah(rupiah: int, locale: str, expected: str) -> None:
    assert format_rupiah(rupiah, locale) == expected


@pytest.mark.parametrize(
    ("rupiah", "locale", "expected"),
    [
        (12_500_000, "id", f"Rp12,5{NBSP}jt"),
        (850_000, "id", f"Rp850{NBSP}rb"),
        (1_200_000_000, "id", f"Rp1,2{NBSP}M"),
        (12_000_000, "id", f"Rp12{NBSP}jt"),
        (999, "id", "Rp999"),
        (0, "id", "Rp0"),
        (12_500_000, "en", "Rp12.5M"),
        (850_000, "en", "Rp850K"),
        (1_200_000_000, "en", "Rp1.2B"),
    ],
)
def test_format_rupiah_compact(rupiah: int, locale: str, expected: str) -> None:
    assert format_rupiah_compact(rupiah, locale) == expected


@pytest.mark.parametrize(
    ("ratio", "locale", "expected"),
    [
        (Decimal("0.125"), "id", "+12,5%"),
        (Decimal("-0.03"), "id", "-3,0%"),
        (-0.03, "id", "-3,0%"),
        (Decimal("0.125"), "en", "+12.5%"),
        (Decimal("-0.00001"), "id", "0,0%"),
        (0, "id", "0,0%"),
        (Decimal("12.3456"), "id", "+1.234,6%"),
        # Halves round away from zero, as by hand: not to the even digit.
        (Decimal("0.5625"), "id", "+56,3%"),
        (Decimal("-0.5625"), "id", "-56,3%"),
        (Decimal("0.0125"), "id", "+1,3%"),
        (None, "id", "—"),
        (float("nan"), "id", "—"),
    ],
)
def test_format_percent_change(ratio: Decimal | float | None, locale: str, expected: str) -> None:
    assert format_percent_change(ratio, locale) == expected


@given(st.integers(min_value=0, max_value=10**12))
def test_format_rupiah_round_trips(rupiah: int) -> None:
    assert parse_amount(format_rupiah(rupiah, "id")) == Amount(rupiah, no_sales=rupiah == 0)


@given(st.integers(min_value=0, max_value=10**12))
def test_english_format_rupiah_round_trips(rupiah: int) -> None:
    assert parse_amount(format_rupiah(rupiah, "en")) == Amount(rupiah, no_sales=rupiah == 0)


# Values the compact form shows exactly: one decimal of rb, jt, M or T.
exact_compact = st.one_of(
    st.integers(min_value=0, max_value=999),
    st.builds(
        lambda tenths, unit: tenths * unit // 10,
        st.integers(min_value=10, max_value=9_999),
        st.sampled_from([10**3, 10**6, 10**9]),
    ),
    st.builds(lambda tenths: tenths * 10**11, st.integers(min_value=10, max_value=100)),
)


@given(exact_compact)
def test_format_rupiah_compact_round_trips_when_exact(rupiah: int) -> None:
    assert parse_amount(format_rupiah_compact(rupiah, "id")) == Amount(rupiah, rupiah == 0)


@given(st.text())
def test_parse_amount_raises_only_amount_error(text: str) -> None:
    try:
        result = parse_amount(text)
    except AmountError:
        return
    assert isinstance(result, Amount | AmbiguousAmount)
    if isinstance(result, Amount):
        assert 0 <= result.rupiah <= 10**13


@given(st.text(alphabet="0123456789.,- rpRPjtkbMTiu", max_size=20))
def test_parse_amount_on_amount_like_text_raises_only_amount_error(text: str) -> None:
    try:
        result = parse_amount(text)
    except AmountError:
        return
    if isinstance(result, AmbiguousAmount):
        assert all(isinstance(choice, int) for choice in result.choices)
    else:
        assert isinstance(result.rupiah, int)
        assert result.no_sales == (result.rupiah == 0)
