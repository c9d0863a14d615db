"""Dates and times as people write them, for trainings and scheduled announcements (issue 16,
item 2): read in the cluster's zone, returned in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dates import MonthError, parse_day_and_time

# Saturday 28 November 2026, 10.00 WIB.
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
WIB = "Asia/Jakarta"


def _local(*parts: int, zone: str = WIB) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize("text, expected", [
    ("tanggal 15 desember jam 9 pagi", _local(2026, 12, 15, 9, 0)),
    ("15/12 09.00", _local(2026, 12, 15, 9, 0)),
    ("besok pagi", _local(2026, 11, 29, 8, 0)),
    ("lusa jam 2 siang", _local(2026, 11, 30, 14, 0)),
    ("besok 21.00", _local(2026, 11, 29, 21, 0)),
    ("besok jam 7 malam", _local(2026, 11, 29, 19, 0)),
    ("hari ini jam 4 sore", _local(2026, 11, 28, 16, 0)),
    ("tgl 3 januari pukul 10", _local(2027, 1, 3, 10, 0)),
    ("Tanggal 15 Desember 2026, pukul 09.30 WIB", _local(2026, 12, 15, 9, 30)),
    ("12/12/2026 09.00", _local(2026, 12, 12, 9, 0)),
    ("25 Desember 09.00", _local(2026, 12, 25, 9, 0)),
    ("15 des jam 13", _local(2026, 12, 15, 13, 0)),
    ("besok jam 12 siang", _local(2026, 11, 29, 12, 0)),
    ("besok sore", _local(2026, 11, 29, 16, 0)),
    ("senin 1/12 jam 8", _local(2026, 12, 1, 8, 0)),
])
def test_dates_and_times_as_people_write_them(text, expected):
    assert parse_day_and_time(text, NOW, WIB) == expected


def test_read_in_the_clusters_zone():
    assert parse_day_and_time("besok pagi", NOW, "Asia/Jayapura") == _local(2026, 11, 29, 8, 0, zone="Asia/Jayapura")


@pytest.mark.parametrize("text", ["besok", "15 desember", "jam 9", "tanggal 31 februari jam 9", "besok jam 25",
                                  "besok jam 9 malam kemarin", "Balai Desa Simbang Kulon", "lusa jam 14 pagi"])
def test_unreadable_is_refused(text):
    with pytest.raises(MonthError):
        parse_day_and_time(text, NOW, WIB)
