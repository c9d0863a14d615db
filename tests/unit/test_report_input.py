"""One-message omzet reports: keyword, optional month, amount."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates import Month, MonthError, MonthErrorReason
from bot.money import AmbiguousAmount, Amount, AmountError, AmountErrorReason
from bot.report_input import OmzetMessage, parse_amount_after_command, parse_omzet_message

TODAY = date(2026, 11, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("omzet 12,5jt", OmzetMessage(None, Amount(12_500_000))),
        ("Omzet 12.500.000", OmzetMessage(None, Amount(12_500_000))),
        ("OMSET 850rb", OmzetMessage(None, Amount(850_000))),
        ("omzet: 12 juta 500 ribu", OmzetMessage(None, Amount(12_500_000))),
        ("omzet tutup", OmzetMessage(None, Amount(0, no_sales=True))),
        ("omzet oktober 12,5 jt", OmzetMessage(Month(2026, 10), Amount(12_500_000))),
        ("Omset okt 2026 850rb", OmzetMessage(Month(2026, 10), Amount(850_000))),
        ("omzet bulan lalu 5 jt", OmzetMessage(Month(2026, 10), Amount(5_000_000))),
        ("omzet bulan oktober 2026 5 jt", OmzetMessage(Month(2026, 10), Amount(5_000_000))),
        ("omzet 10/2026 Rp 12.500.000", OmzetMessage(Month(2026, 10), Amount(12_500_000))),
        ("omzet desember libur", OmzetMessage(Month(2025, 12), Amount(0, no_sales=True))),
        ("omzet 12,5 jt oktober", OmzetMessage(Month(2026, 10), Amount(12_500_000))),
        # "26" belongs to the amount, not to the year: October 2026 + 26 juta.
        ("omzet okt 26 jt", OmzetMessage(Month(2026, 10), Amount(26_000_000))),
        ("omzet okt 12 500 ribu", OmzetMessage(Month(2026, 10), Amount(12_500_000))),
        ("omzet 12,5", OmzetMessage(None, AmbiguousAmount("12,5", (12_500_000, 12_500)))),
    ],
)
def test_parse_omzet_message(text: str, expected: OmzetMessage) -> None:
    assert parse_omzet_message(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["halo", "12,5 jt", "omzetnya 5 jt", "/omzet 5 jt", "", "laporan omzet 5 jt"]
)
def test_other_text_is_not_an_omzet_message(text: str) -> None:
    assert parse_omzet_message(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("omzet", AmountErrorReason.EMPTY),
        ("omzet abc", AmountErrorReason.MALFORMED),
        ("omzet oktober abc", AmountErrorReason.MALFORMED),
        ("omzet -5 juta", AmountErrorReason.NEGATIVE),
        ("omzet oktober -5 juta", AmountErrorReason.NEGATIVE),
        ("omzet 12,5,3 juta", AmountErrorReason.MALFORMED),
    ],
)
def test_bad_amount(text: str, reason: AmountErrorReason) -> None:
    with pytest.raises(AmountError) as caught:
        parse_omzet_message(text, TODAY)
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("omzet desember 2026 5 jt", MonthErrorReason.FUTURE),
        ("omzet 2027-01 5 jt", MonthErrorReason.FUTURE),
        ("omzet oktobr 12 jt", MonthErrorReason.UNKNOWN),
    ],
)
def test_bad_month(text: str, reason: MonthErrorReason) -> None:
    with pytest.raises(MonthError) as caught:
        parse_omzet_message(text, TODAY)
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("12,5 juta", OmzetMessage(None, Amount(12_500_000))),
        ("oktober 12,5 juta", OmzetMessage(Month(2026, 10), Amount(12_500_000))),
        ("  okt 2025   850rb ", OmzetMessage(Month(2025, 10), Amount(850_000))),
    ],
)
def test_parse_amount_after_command(args: str, expected: OmzetMessage) -> None:
    assert parse_amount_after_command(args, TODAY) == expected


def test_command_without_arguments_is_empty() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount_after_command("  ", TODAY)
    assert caught.value.reason is AmountErrorReason.EMPTY


@given(st.text())
def test_parse_omzet_message_raises_only_its_errors(text: str) -> None:
    try:
        parse_omzet_message("omzet " + text, TODAY)
    except (AmountError, MonthError):
        pass
