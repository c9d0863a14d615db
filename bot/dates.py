"""Calendar months (the reporting period), how people name them, and dates shown through Babel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum, auto
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton

from bot.domain import zone_short_name

# datetime.date cannot go below year 1; the upper bound keeps Month.first_day() valid too.
MIN_YEAR = 1900
MAX_YEAR = 9999


class MonthErrorReason(StrEnum):
    """Why a text is not a month we accept."""

    UNKNOWN = auto()
    FUTURE = auto()


class MonthError(ValueError):
    """The text names no month, or names one that has not begun yet."""

    def __init__(self, reason: MonthErrorReason, text: str = "") -> None:
        super().__init__(f"{reason}: {text!r}")
        self.reason = reason
        self.text = text


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month, the reporting period; ordered by time."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, not {self.month}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year must be {MIN_YEAR}..{MAX_YEAR}, not {self.year}")

    @classmethod
    def from_date(cls, day: date) -> Month:
        """The month a date (or datetime) falls in."""
        return cls(day.year, day.month)

    @classmethod
    def parse_iso(cls, text: str) -> Month:
        """Read the stored form "2026-10"; raise MonthError(UNKNOWN) for anything else."""
        match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", text.strip())
        if not match:
            raise MonthError(MonthErrorReason.UNKNOWN, text)
        return _month_or_error(int(match[1]), int(match[2]), text)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shift(self, months: int) -> Month:
        """The month `months` later (negative: earlier)."""
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    def previous(self) -> Month:
        """The month before."""
        return self.shift(-1)

    def next(self) -> Month:
        """The month after."""
        return self.shift(1)

    def months_back(self, n: int) -> Month:
        """The month `n` months earlier: months_back(12) is the same month last year."""
        return self.shift(-n)

    def window(self, n: int) -> tuple[Month, ...]:
        """The `n` months ending with this one, oldest first (for history and charts)."""
        return tuple(self.shift(-offset) for offset in range(n - 1, -1, -1))

    def first_day(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)


def previous_month(today: date) -> Month:
    """The month just ended: the default reporting period."""
    return Month.from_date(today).previous()


# --- parsing -------------------------------------------------------------------------------

_MONTH_NAMES: dict[str, int] = {}
for _number, _names in {
    1: "januari jan january",
    2: "februari feb pebruari febuari peb february",
    3: "maret mar march",
    4: "april apr",
    5: "mei may",
    6: "juni jun june",
    7: "juli jul july",
    8: "agustus agu agt ags agus aug august",
    9: "september sep sept",
    10: "oktober okt oct october",
    11: "november nov nopember nop",
    12: "desember des dec december",
}.items():
    for _name in _names.split():
        _MONTH_NAMES[_name] = _number

_THIS_MONTH = frozenset({"bulan ini", "bln ini", "this month"})
_LAST_MONTH = frozenset(
    {"bulan lalu", "bln lalu", "bulan kemarin", "bln kemarin", "kemarin", "last month"}
)

# "oktober 2026", "okt 26", "okt '26", "okt-2026", "bulan oktober": name, then optional year.
_NAMED = re.compile(r"(?:(?:bulan|bln) )?([a-z]+)\.?(?:[ ,/'-]+([0-9]{2}|[0-9]{4}))?")
_MONTH_FIRST = re.compile(r"([0-9]{1,2}) ?[/.-] ?([0-9]{4})")  # "10/2026", "10-2026"
_YEAR_FIRST = re.compile(r"([0-9]{4}) ?[/-] ?([0-9]{1,2})")  # "2026-10", "2026/10"


def _month_or_error(year: int, month: int, text: str) -> Month:
    try:
        return Month(year, month)
    except ValueError as error:
        raise MonthError(MonthErrorReason.UNKNOWN, text) from error


def parse_month(text: str, today: date, *, allow_future: bool = False) -> Month:
    """Read a month as people name it; a bare name means its latest occurrence up to today."""
    cleaned = " ".join(text.lower().split()).rstrip(".?!").strip()
    current = Month.from_date(today)
    if cleaned in _THIS_MONTH:
        return current
    if cleaned in _LAST_MONTH:
        return current.previous()

    month: Month | None = None
    if match := _MONTH_FIRST.fullmatch(cleaned):
        month = _month_or_error(int(match[2]), int(match[1]), text)
    elif match := _YEAR_FIRST.fullmatch(cleaned):
        month = _month_or_error(int(match[1]), int(match[2]), text)
    elif (match := _NAMED.fullmatch(cleaned)) and match[1] in _MONTH_NAMES:
        number = _MONTH_NAMES[match[1]]
        year_text = match[2]
        if year_text is None:
            # The latest such month that has begun: in January, "Desember" is last December.
            year = current.year if number <= current.month else current.year - 1
        else:
            # Two digits are this century: "okt 26" is October 2026.
            year = int(year_text) + 2000 if len(year_text) == 2 else int(year_text)
        month = _month_or_error(year, number, text)
    if month is None:
        raise MonthError(MonthErrorReason.UNKNOWN, text)
    if month > current and not allow_future:
        raise MonthError(MonthErrorReason.FUTURE, text)
    return month


# "15/03/2024", "15-3-24", "15.03.2024" (day first, as Indonesians write), "2024-03-15" (ISO,
# and what an Excel date cell reads as), "15 Maret 2024".
_DAY_FIRST = re.compile(r"([0-9]{1,2}) ?[/.-] ?([0-9]{1,2}) ?[/.-] ?([0-9]{2}|[0-9]{4})")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ t][0-9:.]+)?")
_NAMED_DAY = re.compile(r"([0-9]{1,2}) ([a-z]+)\.? ([0-9]{4})")


def parse_date(text: str, today: date) -> date:
    """Read a date as people write it in their lists; a month alone ("Maret 2024", "03/2024")
    means its first day. Raises MonthError (UNKNOWN, or FUTURE after today)."""
    cleaned = " ".join(text.lower().split()).rstrip(".")
    parts: tuple[int, int, int] | None = None
    if match := _ISO_DAY.fullmatch(cleaned):
        parts = (int(match[1]), int(match[2]), int(match[3]))
    elif match := _DAY_FIRST.fullmatch(cleaned):
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        parts = (year, int(match[2]), int(match[1]))
    elif (match := _NAMED_DAY.fullmatch(cleaned)) and match[2] in _MONTH_NAMES:
        parts = (int(match[3]), _MONTH_NAMES[match[2]], int(match[1]))
    if parts is None:
        # A month with its year; not "bulan lalu" or a bare "Maret": a list is read long
        # after it was written, so words relative to today would be wrong.
        if not re.search(r"[0-9]{2}", cleaned):
            raise MonthError(MonthErrorReason.UNKNOWN, text)
        day = parse_month(text, today).first_day()  # raises for anything else, and the future
    else:
        try:
            day = date(*parts)
        except ValueError as error:
            raise MonthError(MonthErrorReason.UNKNOWN, text) from error
    if day > today:
        raise MonthError(MonthErrorReason.FUTURE, text)
    return day


# --- formatting ----------------------------------------------------------------------------


def format_month(month: Month, locale: str, short: bool = False) -> str:
    """Month and year: "Oktober 2026" / "Okt 2026" (id), "October 2026" / "Oct 2026" (en)."""
    # Stand-alone month names (L), the form CLDR gives for a month shown without a day.
    return format_date(month.first_day(), "LLL y" if short else "LLLL y", locale=locale)


def format_day(day: date, locale: str) -> str:
    """A date in the locale's long form: "17 Agustus 2025" (id), "August 17, 2025" (en)."""
    return format_date(day, "long", locale=locale)


def format_clock(moment: time | datetime, locale: str) -> str:
    """A 24-hour clock time in the locale's style: "09.00" (id), "09:00" (en).

    A datetime is shown in its own zone: convert it to the cluster's zone first.
    """
    # The "Hm" skeleton is the locale's 24-hour pattern: "HH.mm" in id, "HH:mm" in en.
    if isinstance(moment, datetime):
        return format_skeleton("Hm", moment, tzinfo=moment.tzinfo, locale=locale)
    return format_skeleton("Hm", datetime.combine(date(2000, 1, 1), moment), locale=locale)


# --- a day and a clock time, for trainings and scheduled announcements -----------------------

_WEEKDAYS = "senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad"
# A day: "besok", "lusa", "hari ini"; "15/12(/2026)"; "15 desember (2026)"; after optional
# "tanggal"/"tgl" or a weekday name ("senin 1/12"), which add nothing.
_DAY_PART = re.compile(
    rf"(?:(?:hari )?(?:{_WEEKDAYS}),? )?(?:(?:tanggal|tgl\.?) )?"
    r"(?:(?P<rel>besok|lusa|hari ini|nanti|tomorrow|today)"
    r"|(?P<d>[0-9]{1,2})[/.-](?P<m>[0-9]{1,2})(?:[/.-](?P<y>[0-9]{2,4}))?"
    r"|(?P<d2>[0-9]{1,2}) (?P<mname>[a-z]+)\.?(?: (?P<y2>[0-9]{4}))?)"
)
# A time: "09.00", "jam 9", "pukul 9.30", "jam 2 siang", or a part of the day alone ("pagi").
_TIME_PART = re.compile(
    r"(?:(?:(?:jam|pukul|pk\.?|at) ?)?(?P<hh>[0-9]{1,2})(?:[.:](?P<mm>[0-9]{2}))?(?: (?P<part>pagi|siang|sore|malam))?"
    r"|(?P<only>pagi|siang|sore|malam))"
    r"(?: ?(?:wib|wita|wit))?"
)
_DAY_AND_TIME = re.compile(rf"(?P<day>{_DAY_PART.pattern})(?:,? | ?, ?)(?P<time>{_TIME_PART.pattern})")
# A part of the day named alone: when people usually mean it.
_PART_ALONE = {"pagi": 8, "siang": 12, "sore": 16, "malam": 19}
# The hours a part of the day covers on a 12-hour reading ("jam 2 siang" is 14.00): (first, last).
_PART_HOURS = {"pagi": (0, 11), "siang": (11, 15), "sore": (15, 18), "malam": (18, 23)}


def _clock(match: re.Match[str], text: str) -> time:
    if match["only"]:
        return time(_PART_ALONE[match["only"]], 0)
    hour, minute = int(match["hh"]), int(match["mm"] or 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise MonthError(MonthErrorReason.UNKNOWN, text)
    part = match["part"]
    if part:
        first, last = _PART_HOURS[part]
        if hour <= 12 and not first <= hour <= last and first <= hour + 12 <= last + 1:
            hour = (hour + 12) % 24  # "2 siang" 14.00, "7 malam" 19.00; "12 siang" stays 12.00
        if not first <= hour <= last:
            raise MonthError(MonthErrorReason.UNKNOWN, text)  # "14 pagi"
    return time(hour, minute)


def parse_day_and_time(text: str, now: datetime, zone: str) -> datetime:
    """Read a day and a time as people write them, in `zone`; returns UTC.

    "25/12/2026 09.00", "15/12 09.00", "25 Desember 09.00", "tanggal 15 desember jam 9 pagi",
    "besok pagi", "lusa jam 2 siang", "besok 21.00". A date without a year is its next
    occurrence. Raises MonthError(UNKNOWN) when unreadable (a day alone, a time alone).
    """
    from datetime import UTC, timedelta

    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    cleaned = " ".join(text.lower().replace("pukul", "jam").split()).rstrip(".")
    match = _DAY_AND_TIME.fullmatch(cleaned)
    if match is None:
        raise MonthError(MonthErrorReason.UNKNOWN, text)
    day_match = _DAY_PART.fullmatch(match["day"])
    time_match = _TIME_PART.fullmatch(match["time"])
    assert day_match is not None and time_match is not None
    clock = _clock(time_match, text)
    explicit_year = True
    if day_match["rel"]:
        offset = {"hari ini": 0, "nanti": 0, "today": 0, "besok": 1, "tomorrow": 1, "lusa": 2}[day_match["rel"]]
        day = local_now.date() + timedelta(days=offset)
    else:
        if day_match["d"]:
            number, month_number, year_text = int(day_match["d"]), int(day_match["m"]), day_match["y"]
        else:
            if day_match["mname"] not in _MONTH_NAMES:
                raise MonthError(MonthErrorReason.UNKNOWN, text)
            number, month_number, year_text = int(day_match["d2"]), _MONTH_NAMES[day_match["mname"]], day_match["y2"]
        explicit_year = year_text is not None
        year = local_now.year if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
        try:
            day = date(year, month_number, number)
        except ValueError as error:
            raise MonthError(MonthErrorReason.UNKNOWN, text) from error
    moment = datetime.combine(day, clock, tzinfo=tz)
    if not explicit_year and moment < local_now:
        # "25 Desember" in late December after the 25th means next year's.
        try:
            moment = moment.replace(year=moment.year + 1)
        except ValueError as error:  # 29 February
            raise MonthError(MonthErrorReason.UNKNOWN, text) from error
    return moment.astimezone(UTC)


def looks_like_day_and_time(text: str, now: datetime, zone: str) -> bool:
    """Whether a text reads as a day and time (a date typed again where a place is asked)."""
    try:
        parse_day_and_time(text, now, zone)
    except MonthError:
        return False
    return True


# --- a moment in a cluster's zone ---------------------------------------------------------


def format_moment(moment: datetime, zone: str, locale: str) -> tuple[str, str, str]:
    """A moment in `zone` as (day, clock, zone name): ("2 Desember 2026", "09.00", "WIT")."""
    local = moment.astimezone(ZoneInfo(zone))
    return format_day(local.date(), locale), format_clock(local, locale), zone_short_name(zone)


def parse_coming_day(text: str, today: date) -> date:
    """A day as people write a deadline: "12/12/2026", "12 Desember", "besok". A date without a
    year is its next occurrence; a day before `today` is returned as read (the caller refuses it).
    Raises MonthError(UNKNOWN) when unreadable."""
    from datetime import UTC

    cleaned = " ".join(text.split()).rstrip(".")
    # The same reading as a training's day, at a noon that no zone shifts to another day.
    noon = datetime.combine(today, time(12, 0), tzinfo=UTC)
    return parse_day_and_time(f"{cleaned} 12.00", noon, "UTC").date()
