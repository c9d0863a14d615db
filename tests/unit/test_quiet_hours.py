from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.quiet_hours import first_allowed, is_quiet


def test_quiet_from_20_to_7_local():
    assert is_quiet(datetime(2026, 11, 2, 13, 0, tzinfo=UTC), "Asia/Jakarta")  # 20:00 WIB
    assert is_quiet(datetime(2026, 11, 2, 23, 59, tzinfo=UTC), "Asia/Jakarta")  # 06:59 WIB
    assert not is_quiet(datetime(2026, 11, 3, 0, 0, tzinfo=UTC), "Asia/Jakarta")  # 07:00 WIB
    assert not is_quiet(datetime(2026, 11, 2, 12, 0, tzinfo=UTC), "Asia/Jakarta")  # 19:00 WIB
    assert is_quiet(datetime(2026, 11, 2, 12, 0, tzinfo=UTC), "Asia/Jayapura")  # 21:00 WIT


@pytest.mark.parametrize(
    "utc, zone, expected",
    [
        # 19:59 WIB: still allowed
        (datetime(2026, 11, 2, 12, 59, tzinfo=UTC), "Asia/Jakarta", datetime(2026, 11, 2, 12, 59, tzinfo=UTC)),
        # 20:00 WIB: waits for 07:00 WIB next day (00:00 UTC)
        (datetime(2026, 11, 2, 13, 0, tzinfo=UTC), "Asia/Jakarta", datetime(2026, 11, 3, 0, 0, tzinfo=UTC)),
        # 03:00 WIB: waits for 07:00 WIB the same day
        (datetime(2026, 11, 2, 20, 0, tzinfo=UTC), "Asia/Jakarta", datetime(2026, 11, 3, 0, 0, tzinfo=UTC)),
        # 07:00 WIT (Papua) is 22:00 UTC the day before: allowed
        (datetime(2026, 11, 1, 22, 0, tzinfo=UTC), "Asia/Jayapura", datetime(2026, 11, 1, 22, 0, tzinfo=UTC)),
        # 20:30 WITA waits for 07:00 WITA (23:00 UTC)
        (datetime(2026, 11, 2, 12, 30, tzinfo=UTC), "Asia/Makassar", datetime(2026, 11, 2, 23, 0, tzinfo=UTC)),
    ],
)
def test_first_allowed(utc, zone, expected):
    assert first_allowed(utc, zone) == expected
    assert not is_quiet(first_allowed(utc, zone), zone)
