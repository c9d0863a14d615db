"""Amounts the way members write them: number words, hedges, no-sales phrases, small bare
numbers and ranges (issue 15, item 2; the rows of the money table in indonesian.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.money import Ambiguity, AmbiguousAmount, Amount, AmountError, parse_amount
from bot.number_words import parse_words, to_words

WORDS = [
    ("delapan juta", 8_000_000),
    ("dua belas juta", 12_000_000),
    ("dua belas juta lima ratus ribu", 12_500_000),
    ("delapan ratus ribu", 800_000),
    ("delapan juta dua ratus lima puluh ribu", 8_250_000),
    ("seperempat juta", 250_000),
    ("setengah juta", 500_000),
    ("satu setengah juta", 1_500_000),
    ("sejuta setengah", 1_500_000),
    ("dua juta setengah", 2_500_000),
    ("tiga perempat juta", 750_000),
    ("dua koma lima juta", 2_500_000),
    ("sejuta", 1_000_000),
    ("seratus ribu", 100_000),
    ("sebelas juta", 11_000_000),
    ("seratus dua puluh tiga juta", 123_000_000),
    ("satu miliar dua ratus juta", 1_200_000_000),
    ("5 ratus ribu", 500_000),
    ("1 setengah juta", 1_500_000),
    ("Lima Juta", 5_000_000),
    ("tujuh ratus lima puluh ribu rupiah", 750_000),
]

HEDGES = [
    ("kira-kira 9 juta", 9_000_000),
    ("kira kira 9 juta", 9_000_000),
    ("kurang lebih 4 jt", 4_000_000),
    ("12 jt-an", 12_000_000),
    ("12jtan", 12_000_000),
    ("12 jutaan", 12_000_000),
    ("12 juta lebih", 12_000_000),
    ("sekitar 9jt", 9_000_000),
    ("kurleb 3,5jt", 3_500_000),
    ("±9jt", 9_000_000),
    ("~ 9 jt", 9_000_000),
    ("9jt+", 9_000_000),
    ("lebih dari 12 juta", 12_000_000),
    ("kira-kira lima juta", 5_000_000),
    ("sekitar Rp 7.500.000", 7_500_000),
]

PLAIN_WITH_FILLERS = [
    ("5 juta pak", 5_000_000),
    ("5jt bu", 5_000_000),
    ("alhamdulillah 5 juta", 5_000_000),
    ("sebesar Rp 7.500.000", 7_500_000),
    ("5jt 🙏", 5_000_000),
    ("5 juta saja", 5_000_000),
    ("12 juta 500", 12_500_000),
    ("1jt500rb", 1_500_000),
]

NO_SALES = [
    ("belum ada penjualan", None),
    ("tidak ada penjualan", None),
    ("gak ada orderan", None),
    ("kosong", None),
    ("nihil", None),
    ("lagi tutup", None),
    ("Tutup.", None),
    ("tutup karena banjir", "tutup karena banjir"),
    ("tutup krn banjir", "tutup krn banjir"),
    ("Libur lebaran", "Libur lebaran"),
    ("tutup 2 minggu, anak sakit", "tutup 2 minggu, anak sakit"),
]


@pytest.mark.parametrize(("text", "rupiah"), WORDS)
def test_number_words(text: str, rupiah: int) -> None:
    assert parse_amount(text) == Amount(rupiah)


@pytest.mark.parametrize(("text", "rupiah"), HEDGES)
def test_hedges_read_as_the_amount_marked_approximate(text: str, rupiah: int) -> None:
    assert parse_amount(text) == Amount(rupiah, approximate=True)


@pytest.mark.parametrize(("text", "rupiah"), PLAIN_WITH_FILLERS)
def test_words_around_an_amount_change_nothing(text: str, rupiah: int) -> None:
    assert parse_amount(text) == Amount(rupiah)


@pytest.mark.parametrize(("text", "note"), NO_SALES)
def test_no_sales_phrases_keep_the_reason_as_a_note(text: str, note: str | None) -> None:
    assert parse_amount(text) == Amount(0, no_sales=True, note=note)


def test_a_no_sales_phrase_with_an_amount_in_it_is_not_zero() -> None:
    with pytest.raises(AmountError):
        parse_amount("tidak ada penjualan, cuma 500 ribu")


@pytest.mark.parametrize(
    ("text", "choices"),
    [("8", (8_000_000, 8_000)), ("lima", (5_000_000, 5_000)), ("15", (15_000_000, 15_000)),
     ("satu setengah", (1_500_000, 1_500)), ("850", (850_000_000, 850_000))],
)
def test_a_bare_number_too_small_for_rupiah_is_a_question(text: str, choices: tuple[int, ...]) -> None:
    assert parse_amount(text) == AmbiguousAmount(text=text, choices=choices)


def test_rp_before_a_small_number_means_rupiah() -> None:
    assert parse_amount("Rp8") == Amount(8)


@pytest.mark.parametrize("text", ["4-5 juta", "4–5 juta", "4 sampai 5 jt", "antara 4 dan 5 juta", "4jt - 5jt", "empat sampai lima juta"])
def test_a_range_is_a_question(text: str) -> None:
    result = parse_amount(text)
    assert isinstance(result, AmbiguousAmount)
    assert result.kind is Ambiguity.RANGE
    assert result.choices == (4_000_000, 4_500_000, 5_000_000)


@pytest.mark.parametrize("text", ["-5 juta", "10/2026", "jutaan", "sepi", "dua puluh tiga ratus juta", "abc juta"])
def test_what_is_no_amount_is_still_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(text)


@given(st.integers(min_value=0, max_value=10**13))
def test_any_amount_in_words_parses_back(rupiah: int) -> None:
    words = to_words(rupiah)
    assert parse_words(words).value == rupiah
    if rupiah >= 1000:
        assert parse_amount(words) == Amount(rupiah, no_sales=False)


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["ribu", "juta"]))
def test_words_with_a_magnitude_parse_back(count: int, unit: str) -> None:
    multiplier = {"ribu": 10**3, "juta": 10**6}[unit]
    assert parse_amount(f"{to_words(count)} {unit}") == Amount(count * multiplier)


@given(st.integers(min_value=1, max_value=999))
def test_small_words_are_always_asked(count: int) -> None:
    result = parse_amount(to_words(count))
    assert isinstance(result, AmbiguousAmount)
    assert result.choices == (count * 10**6, count * 10**3)


def test_words_read_exactly() -> None:
    assert to_words(8_250_000) == "delapan juta dua ratus lima puluh ribu"
    assert to_words(1_001_011) == "satu juta seribu sebelas"
    assert to_words(0) == "nol"
