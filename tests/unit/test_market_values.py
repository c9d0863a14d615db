"""Quantities as people type them, deadlines, the proposed split, the amount buttons, the deal's
share per cluster and the follow-up settings."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.config import ConfigError, Settings
from bot.dates import MonthError, parse_coming_day
from bot.money import Quantity, QuantityError, QuantityErrorReason, format_quantity, parse_quantity
from bot.services.requests import FollowUpSchedule, pledge_choices, propose_parts
from db.request_queries import share_out


@pytest.mark.parametrize(
    "text, expected",
    [
        ("150", Quantity(150)),
        ("150 lembar", Quantity(150, "lembar")),
        ("1.500 pcs", Quantity(1500, "pcs")),
        ("1,500", Quantity(1500)),
        ("1,5 ribu", Quantity(1500)),
        ("2 rb kg", Quantity(2000, "kg")),
        ("500 Lembar.", Quantity(500, "lembar")),
        ("10k", Quantity(10000)),
        ("2 kg", Quantity(2, "kg")),
    ],
)
def test_quantities_read_the_indonesian_way(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", QuantityErrorReason.EMPTY),
        ("0", QuantityErrorReason.ZERO),
        ("0 lembar", QuantityErrorReason.ZERO),
        ("-5", QuantityErrorReason.NEGATIVE),
        ("12,5", QuantityErrorReason.FRACTION),
        ("2,5 kg", QuantityErrorReason.FRACTION),
        ("banyak", QuantityErrorReason.MALFORMED),
        ("100 kg beras", QuantityErrorReason.MALFORMED),
        ("5000000000", QuantityErrorReason.TOO_LARGE),
    ],
)
def test_what_is_no_quantity_says_why(text, reason):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text)
    assert caught.value.reason is reason


def test_quantities_are_shown_with_their_unit_in_the_readers_locale():
    assert format_quantity(1500, "lembar", "id") == "1.500 lembar"
    assert format_quantity(1500, "lembar", "en") == "1,500 lembar"


def test_a_deadline_without_a_year_is_its_next_occurrence():
    today = date(2026, 12, 20)
    assert parse_coming_day("5 Januari", today) == date(2027, 1, 5)
    assert parse_coming_day("12/12/2026", today) == date(2026, 12, 12)  # returned: the caller refuses it
    assert parse_coming_day("besok", today) == date(2026, 12, 21)
    with pytest.raises(MonthError):
        parse_coming_day("minggu depan", today)


def test_the_proposed_split_stays_within_each_pledge_and_fills_the_request():
    pledges = [(1, 100), (2, 150), (3, 50), (4, 200), (5, 80)]
    parts = propose_parts(500, pledges)
    assert parts == {1: 86, 2: 129, 3: 43, 4: 173, 5: 69}
    assert sum(parts.values()) == 500 and all(parts[p] <= q for p, q in pledges)
    assert propose_parts(500, [(1, 100), (2, 50)]) == {1: 100, 2: 50}  # less than asked: all of it
    assert propose_parts(10, [(1, 1), (2, 1), (3, 1)]) == {1: 1, 2: 1, 3: 1}


def test_amount_buttons_are_round_and_within_the_request():
    assert pledge_choices(500) == (20, 50, 100, 200)
    assert pledge_choices(3) == (1,)
    assert all(c <= 7 for c in pledge_choices(7))


def test_a_deal_is_shared_by_weight_in_whole_rupiah():
    assert share_out(25_000_000, {1: 400, 2: 100}) == {1: 20_000_000, 2: 5_000_000}
    shares = share_out(10, {1: 1, 2: 1, 3: 1})
    assert sum(shares.values()) == 10 and shares == {1: 4, 2: 3, 3: 3}
    assert share_out(10, {}) == {}


def test_followup_timing_comes_from_the_environment():
    settings = Settings.from_env(
        {"KLASTERBOT_FOLLOWUP_DAYS": "3, 30", "KLASTERBOT_OPPORTUNITY_DAYS": "10", "KLASTERBOT_FOLLOWUP_TIME": "10.30"},
        env_file=None,
    )
    assert settings.followups == FollowUpSchedule(days_after_deadline=(3, 30), opportunity_days=10, hour=time(10, 30))
    assert Settings.from_env({}, env_file=None).followups == FollowUpSchedule()
    with pytest.raises(ConfigError):
        Settings.from_env({"KLASTERBOT_FOLLOWUP_DAYS": "besok"}, env_file=None)
