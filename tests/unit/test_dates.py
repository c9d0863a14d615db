"""Months: every name people use, relative words, the future rule, and Babel formatting."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.dates import (
    Month,
    MonthError,
    MonthErrorReason,
    format_clock,
    format_day,
    format_month,
    parse_month,
    previous_month,
)

TODAY = date(2026, 11, 15)

NAMES = {
    1: ["Januari", "januari", "JANUARI", "Jan", "jan.", "January"],
    2: ["Februari", "Feb", "Pebruari", "Febuari", "February"],
    3: ["Maret", "Mar", "March"],
    4: ["April", "Apr"],
    5: ["Mei", "May"],
    6: ["Juni", "Jun", "June"],
    7: ["Juli", "Jul", "July"],
    8: ["Agustus", "Agu", "Agt", "Ags", "August", "Aug"],
    9: ["September", "Sep", "Sept"],
    10: ["Oktober", "Okt", "October", "Oct"],
    11: ["November", "Nov", "Nopember", "Nop"],
    12: ["Desember", "Des", "December", "Dec"],
}
NAME_CASES = [(name, number) for number, names in NAMES.items() for name in names]


@pytest.mark.parametrize(("text", "number"), NAME_CASES)
def test_month_name_with_year(text: str, number: int) -> None:
    assert parse_month(f"{text} 2025", TODAY) == Month(2025, number)


@pytest.mark.parametrize(("text", "number"), NAME_CASES)
def test_month_name_alone_is_its_latest_occurrence(text: str, number: int) -> None:
    # TODAY is in November: January..November are this year, December is last year's.
    expected_year = 2026 if number <= 11 else 2025
    assert parse_month(text, TODAY) == Month(expected_year, number)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bulan ini", Month(2026, 11)),
        ("Bulan Ini", Month(2026, 11)),
        ("bulan lalu", Month(2026, 10)),
        ("bulan kemarin", Month(2026, 10)),
        ("kemarin", Month(2026, 10)),
        ("last month", Month(2026, 10)),
        ("10/2026", Month(2026, 10)),
        ("10-2026", Month(2026, 10)),
        ("1/2026", Month(2026, 1)),
        ("2026-10", Month(2026, 10)),
        ("2026/10", Month(2026, 10)),
        ("oktober 2026", Month(2026, 10)),
        ("okt 26", Month(2026, 10)),
        ("okt '25", Month(2025, 10)),
        ("okt-2025", Month(2025, 10)),
        ("Okt. 2025", Month(2025, 10)),
        ("bulan oktober", Month(2026, 10)),
        ("bulan Agustus 2025", Month(2025, 8)),
        ("  november  ", Month(2026, 11)),
    ],
)
def test_month_forms(text: str, expected: Month) -> None:
    assert parse_month(text, TODAY) == expected


def test_relative_words_cross_the_year() -> None:
    new_year = date(2027, 1, 3)
    assert parse_month("bulan lalu", new_year) == Month(2026, 12)
    assert parse_month("desember", new_year) == Month(2026, 12)
    assert parse_month("januari", new_year) == Month(2027, 1)


@pytest.mark.parametrize("text", ["desember 2026", "2027-01", "01/2027", "jan 27", "Maret 2030"])
def test_future_month_is_refused(text: str) -> None:
    with pytest.raises(MonthError) as caught:
        parse_month(text, TODAY)
    assert caught.value.reason is MonthErrorReason.FUTURE


def test_future_month_allowed_on_request() -> None:
    assert parse_month("desember 2026", TODAY, allow_future=True) == Month(2026, 12)


def test_current_month_is_not_future() -> None:
    assert parse_month("november 2026", TODAY) == Month(2026, 11)


@pytest.mark.parametrize(
    "text",
    ["", "foo", "oktobr", "13/2026", "0/2026", "2026-13", "0000-10", "bulan", "10", "okt 123"],
)
def test_unknown_month_is_refused(text: str) -> None:
    with pytest.raises(MonthError) as caught:
        parse_month(text, TODAY)
    assert caught.value.reason is MonthErrorReason.UNKNOWN


def test_month_arithmetic() -> None:
    assert Month(2026, 1).previous() == Month(2025, 12)
    assert Month(2025, 12).next() == Month(2026, 1)
    assert Month(2026, 10).months_back(12) == Month(2025, 10)
    assert Month(2026, 10).months_back(0) == Month(2026, 10)
    assert Month(2026, 2).window(3) == (Month(2025, 12), Month(2026, 1), Month(2026, 2))
    assert Month(2026, 10).first_day() == date(2026, 10, 1)
    assert Month.from_date(date(2026, 10, 31)) == Month(2026, 10)
    assert Month(2025, 12) < Month(2026, 1) < Month(2026, 2)


def test_month_iso_form() -> None:
    assert str(Month(2026, 3)) == "2026-03"
    assert Month.parse_iso("2026-03") == Month(2026, 3)
    with pytest.raises(MonthError):
        Month.parse_iso("2026-3")
    with pytest.raises(ValueError):
        Month(2026, 13)


def test_previous_month_is_the_default_period() -> None:
    assert previous_month(date(2026, 11, 1)) == Month(2026, 10)
    assert previous_month(date(2026, 1, 31)) == Month(2025, 12)


INDONESIAN_WIDE = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
INDONESIAN_SHORT = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]  # fmt: skip


@pytest.mark.parametrize("number", range(1, 13))
def test_format_month_matches_indonesian_md(number: int) -> None:
    month = Month(2026, number)
    assert format_month(month, "id") == f"{INDONESIAN_WIDE[number - 1]} 2026"
    assert format_month(month, "id", short=True) == f"{INDONESIAN_SHORT[number - 1]} 2026"
    # What we print, we read back.
    assert parse_month(format_month(month, "id"), TODAY, allow_future=True) == month
    assert parse_month(format_month(month, "id", short=True), TODAY, allow_future=True) == month
    assert parse_month(format_month(month, "en"), TODAY, allow_future=True) == month


def test_format_month_english() -> None:
    assert format_month(Month(2026, 10), "en") == "October 2026"
    assert format_month(Month(2026, 10), "en", short=True) == "Oct 2026"


def test_format_day() -> None:
    assert format_day(date(2025, 8, 17), "id") == "17 Agustus 2025"
    assert format_day(date(2025, 8, 17), "en") == "August 17, 2025"


def test_format_clock() -> None:
    assert format_clock(time(9, 0), "id") == "09.00"
    assert format_clock(time(9, 0), "en") == "09:00"
    assert format_clock(time(18, 30), "id") == "18.30"
    jakarta = datetime(2025, 8, 17, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert format_clock(jakarta, "id") == "09.00"
    # Shown in the datetime's own zone, not converted to UTC.
    assert format_clock(jakarta.astimezone(timezone(timedelta(hours=9))), "id") == "11.00"
    assert format_clock(datetime(2025, 8, 17, 20, 5), "en") == "20:05"


@given(st.text(), st.dates(min_value=date(1901, 1, 1)), st.booleans())
def test_parse_month_raises_only_month_error(text: str, today: date, allow_future: bool) -> None:
    try:
        month = parse_month(text, today, allow_future=allow_future)
    except MonthError:
        return
    assert allow_future or month <= Month.from_date(today)


@given(st.text(alphabet="0123456789/-. 'abcdeijklmnoprstuvyADJMNOS", max_size=16))
def test_parse_month_on_month_like_text_raises_only_month_error(text: str) -> None:
    try:
        parse_month(text, TODAY)
    except MonthError:
        pass


@given(st.dates(min_value=date(1901, 1, 1)), st.integers(min_value=1, max_value=12))
def test_bare_name_is_never_future(today: date, number: int) -> None:
    month = parse_month(INDONESIAN_WIDE[number - 1], today)
    current = Month.from_date(today)
    assert month <= current
    assert current.months_back(11) <= month


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15/03/2024", date(2024, 3, 15)),
        ("15-3-24", date(2024, 3, 15)),
        ("15.03.2024", date(2024, 3, 15)),
        ("2024-03-15", date(2024, 3, 15)),
        ("15 Maret 2024", date(2024, 3, 15)),
        ("Maret 2024", date(2024, 3, 1)),
        ("03/2024", date(2024, 3, 1)),
        ("28 november 2026", date(2026, 11, 28)),
    ],
)
def test_dates_in_member_lists(text, expected):
    from bot.dates import parse_date

    assert parse_date(text, date(2026, 11, 28)) == expected


@pytest.mark.parametrize("text, reason", [("31/02/2024", "unknown"), ("kemarin", "unknown"), ("maret", "unknown"), ("29/11/2026", "future"),
                                          ("Desember 2026", "future"), ("", "unknown")])
def test_dates_in_member_lists_refused(text, reason):
    from bot.dates import MonthError, parse_date

    with pytest.raises(MonthError) as caught:
        parse_date(text, date(2026, 11, 28))
    assert caught.value.reason == reason
