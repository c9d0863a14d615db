"""Nothing scheduled reaches a member between 20:00 and 07:00 in their cluster's zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_FROM = time(20, 0)
QUIET_UNTIL = time(7, 0)


def is_quiet(moment: datetime, zone: str, *, start: time = QUIET_FROM, end: time = QUIET_UNTIL) -> bool:
    """Whether `moment` falls in the quiet hours of `zone`."""
    local = moment.astimezone(ZoneInfo(zone)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def first_allowed(moment: datetime, zone: str, *, start: time = QUIET_FROM, end: time = QUIET_UNTIL) -> datetime:
    """`moment` itself outside quiet hours, else the morning it ends (in UTC)."""
    if not is_quiet(moment, zone, start=start, end=end):
        return moment.astimezone(UTC)
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    morning = datetime.combine(local.date(), end, tzinfo=tz)
    if morning <= local:
        morning = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=tz)
    return morning.astimezone(UTC)
