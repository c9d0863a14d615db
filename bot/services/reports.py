"""Monthly omzet: report a month in one or two messages, correct it, see the history.

The report being typed lives in conversation_states (flow "omzet"), so a member who pauses,
or a bot that restarts, continues at the same question. Nothing is saved before the member
confirms the echoed amount, and every value a month ever had is kept in report_versions.

Months are calendar months in the cluster's own zone: "today" is decided there, from the
`now` the caller passes in (the runtime clock), never from the server's clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from bot.dates import Month, MonthError, MonthErrorReason, parse_month, previous_month
from bot.domain import (
    AlreadyDone,
    DomainError,
    InvalidInput,
    MemberNotActive,
    MemberStatus,
    NotRegistered,
    StaleAction,
)
from bot.flows import Flow
from bot.market import PaidThrough
from bot.money import (
    MICRO_MONTHLY_CEILING,
    Ambiguity,
    AmbiguousAmount,
    AmountError,
    AmountErrorReason,
)
from bot.number_words import has_number_words
from bot.report_input import OmzetMessage, parse_amount_after_command, parse_omzet_message
from bot.services import requests, summaries
from db import summary_queries
from db.models import Member, MonthlyReport
from db.uow import UnitOfWork

# Only finished months are reported: the twelve before the current one (so the same month
# last year, the base of the yearly comparison, can still be filled in); older are history.
REPORTABLE_MONTHS_BACK = 12
# "Bulan lain" offers the twelve months before the current one.
OTHER_MONTHS = 12
HISTORY_MONTHS = 12
# Plausibility: the member's median over this many recent months with sales, and how far
# from it a new figure may be before we ask "Yakin?".
USUAL_WINDOW = 6
FAR_FACTOR = 5


class Step(StrEnum):
    MONTH = "month"
    AMOUNT = "amount"
    AMBIGUOUS = "ambiguous"
    PLAUSIBILITY = "plausibility"
    CORRECTION = "correction"
    CONFIRM = "confirm"


FLOW = Flow("omzet", Step, stale="omzet_step")

# The steps a confirmation button answers.
CONFIRMING_STEPS = (Step.PLAUSIBILITY, Step.CORRECTION, Step.CONFIRM)


class Doubt(StrEnum):
    """Why an amount is confirmed with "Yakin?" before it is saved."""

    ABOVE_CEILING = "above_ceiling"
    FAR_ABOVE_USUAL = "far_above_usual"
    FAR_BELOW_USUAL = "far_below_usual"


@dataclass(frozen=True)
class ReportValue:
    """A reported figure: whole rupiah; no_sales for a month reported as closed or zero.

    The note (the member's reason for a month without sales) does not make two values
    different: "tutup" and "tutup karena banjir" are the same figure."""

    rupiah: int
    no_sales: bool = False
    note: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, rupiah: int) -> ReportValue:
        return cls(rupiah, no_sales=rupiah == 0)


@dataclass(frozen=True)
class Question:
    """What the member is asked next, and what the question shows."""

    step: Step
    month: Month | None = None
    # Step.MONTH: the month buttons, newest first; all_months after "Bulan lain".
    months: tuple[Month, ...] = ()
    all_months: bool = False
    current_month: Month | None = None
    # The amount to confirm (plausibility, correction, confirmation).
    value: ReportValue | None = None
    # Step.AMBIGUOUS: what was typed and its readings, the juta reading first.
    typed: str = ""
    choices: tuple[int, ...] = ()
    # The value already saved for the month: the new one is a correction.
    existing: ReportValue | None = None
    doubt: Doubt | None = None
    # The member's own median, shown when the doubt is about their history.
    usual: int | None = None
    # Typed with a hedge ("kira-kira 9 juta"): said back as approximate.
    approximate: bool = False
    # Step.AMBIGUOUS: juta or ribu, or which figure of a range.
    ambiguity: Ambiguity = Ambiguity.UNIT


class MonthNotOver(InvalidInput):
    """The current month (or a later one): it can be reported once it has ended."""

    def __init__(self, month: Month, reason: str = "month_current") -> None:
        super().__init__(reason)
        self.month = month


@dataclass(frozen=True)
class GiveBack:
    """What a saved report means for the member, at once: against their own months and,
    where the cluster's figures are publishable, against the cluster's middle value."""

    previous_month: Month
    change_previous: Decimal | None = None
    change_year: Decimal | None = None
    # The highest month with sales among the member's last HISTORY_MONTHS (this one included).
    best_so_far: bool = False
    months_compared: int = 0
    # None: the cluster's figure is suppressed (too few reporters) or not there yet.
    above_cluster_middle: bool | None = None


@dataclass(frozen=True)
class Recorded:
    """A report saved; `previous` is the value it replaced (a correction)."""

    month: Month
    value: ReportValue
    previous: ReportValue | None
    version: int
    give_back: GiveBack | None = None
    # Payments through market requests in the month whose place in this omzet is unknown: the
    # member is asked whether the amount includes them (bot.services.requests.paid_in_month).
    paid_through: tuple[PaidThrough, ...] = ()

    @property
    def corrected(self) -> bool:
        return self.previous is not None


@dataclass(frozen=True)
class Unchanged:
    """The member confirmed the value the month already had: nothing to save."""

    month: Month
    value: ReportValue


Outcome = Question | Recorded | Unchanged


@dataclass(frozen=True)
class HistoryMonth:
    """One month of the member's history; value None means not reported (never zero)."""

    month: Month
    value: ReportValue | None
    corrected: bool = False
    change_from_previous: Decimal | None = None
    change_from_last_year: Decimal | None = None
    # Only where the cluster's figures for that month are published (the small-numbers rule).
    cluster_median: int | None = None

    @property
    def reported(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class History:
    """The member's last months, oldest first."""

    cluster_name: str
    months: tuple[HistoryMonth, ...]

    @property
    def any_reported(self) -> bool:
        return any(m.reported for m in self.months)

    @property
    def reported(self) -> tuple[HistoryMonth, ...]:
        return tuple(m for m in self.months if m.reported)

    @property
    def latest(self) -> HistoryMonth | None:
        """The newest reported month: the headline is about it."""
        reported = self.reported
        return reported[-1] if reported else None


# --- reading what was typed ----------------------------------------------------------------


def is_report_message(text: str) -> bool:
    """Whether a plain message is an omzet report attempt ("omzet ..." / "omset ...")."""
    try:
        # Whether the keyword is there does not depend on the day; any date will do.
        return parse_omzet_message(text, date(2000, 1, 1)) is not None
    except (AmountError, MonthError):
        return True


_AMOUNT_REASONS = {
    AmountErrorReason.EMPTY: "amount_empty",
    AmountErrorReason.NEGATIVE: "amount_negative",
    AmountErrorReason.MALFORMED: "amount_malformed",
    AmountErrorReason.TOO_LARGE: "amount_too_large",
}
_MONTH_REASONS = {
    MonthErrorReason.UNKNOWN: "month_unknown",
    MonthErrorReason.FUTURE: "month_future",
}


def _invalid(error: AmountError | MonthError) -> InvalidInput:
    if isinstance(error, AmountError):
        return InvalidInput(_AMOUNT_REASONS[error.reason])
    return InvalidInput(_MONTH_REASONS[error.reason])


# The keyword as report_input reads it: a whole word, optionally followed by ":".
_KEYWORD = re.compile(r"(?:omzet|omset)(?![^\W\d_])\s*:?", re.IGNORECASE)


def _read(text: str, today: date) -> OmzetMessage | Month | None:
    """What the member typed, with or without the keyword.

    None: nothing after the keyword ("omzet"), so ask the month. A Month: only a month
    ("/omzet oktober"), so ask its amount. Otherwise the month (if any) and the amount.
    """
    stripped = text.strip()
    match = _KEYWORD.match(stripped)
    rest = stripped[match.end() :].strip() if match else stripped
    if not rest:
        return None
    try:
        return parse_month(rest, today)
    except MonthError as error:
        if error.reason is MonthErrorReason.FUTURE:
            raise MonthNotOver(Month.from_date(today).next(), "month_future") from error
    try:
        return parse_amount_after_command(rest, today)
    except (AmountError, MonthError) as error:
        raise _invalid(error) from error


# Short messages only: a sentence that happens to hold a number ("pelatihan tanggal 5?") is
# not an attempt at a report.
_ATTEMPT_MAX_WORDS = 6
_HAS_DIGIT = re.compile(r"[0-9]")


def looks_like_amount(text: str) -> bool:
    """Whether a message typed with nothing pending is meant as an omzet figure: it reads as
    one (with or without a month), or it is short and holds digits or number words."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/"):
        return False
    try:
        reading = _read(stripped, date(2000, 1, 1))
    except InvalidInput:
        words = stripped.split()
        return len(words) <= _ATTEMPT_MAX_WORDS and (bool(_HAS_DIGIT.search(stripped)) or has_number_words(stripped))
    # A month name alone ("oktober") is not a figure; "oktober 5 jt" is.
    return isinstance(reading, OmzetMessage)


def local_today(member: Member, now: datetime) -> date:
    """The date in the member's cluster zone: it decides which month is "last month"."""
    return now.astimezone(ZoneInfo(member.cluster.timezone)).date()


def _check_month(month: Month, today: date) -> None:
    current = Month.from_date(today)
    if month == current:
        raise MonthNotOver(month)
    if month > current:
        raise MonthNotOver(month, "month_future")
    if month < current.shift(-REPORTABLE_MONTHS_BACK):
        raise InvalidInput("month_too_old")


def _whole_rupiah(value: Fraction) -> int:
    """Round half up, as the cluster summaries do, so the same median reads the same."""
    return math.floor(value + Fraction(1, 2))


def _median(values: list[int]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


# --- state ----------------------------------------------------------------------------------


async def _active_member(uow: UnitOfWork, user_id: int) -> Member:
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotRegistered("member")
    if member.status != MemberStatus.ACTIVE.value:
        raise MemberNotActive(MemberStatus(member.status))
    return member


async def _existing(uow: UnitOfWork, member: Member, month: Month) -> ReportValue | None:
    row = await uow.reports.get(member.id, str(month))
    return ReportValue(row.amount, row.no_sales, row.note) if row is not None else None


def _month_question(today: date, *, all_months: bool) -> Question:
    current = Month.from_date(today)
    if all_months:
        months = tuple(current.shift(-n) for n in range(1, OTHER_MONTHS + 1))
    else:
        # The two months that ended last: the current one is never offered.
        months = (current.shift(-1), current.shift(-2))
    return Question(Step.MONTH, months=months, all_months=all_months, current_month=current)


async def _ask_month(uow: UnitOfWork, user_id: int, today: date, *, all_months: bool) -> Question:
    await FLOW.save(uow, user_id, Step.MONTH, {"all_months": all_months})
    return _month_question(today, all_months=all_months)


async def _ask_amount(uow: UnitOfWork, member: Member, user_id: int, month: Month) -> Question:
    await FLOW.save(uow, user_id, Step.AMOUNT, {"month": str(month)})
    return Question(Step.AMOUNT, month=month, existing=await _existing(uow, member, month))


async def _doubt(
    uow: UnitOfWork, member: Member, month: Month, value: ReportValue
) -> tuple[Doubt | None, int | None]:
    """Whether to ask "Yakin?": above the micro ceiling, or far from the member's own median."""
    if value.no_sales:
        # Typed on purpose ("0", "tutup", "libur") and echoed before saving anyway.
        return None, None
    if value.rupiah > MICRO_MONTHLY_CEILING:
        return Doubt.ABOVE_CEILING, None
    # Months with sales only: a closed month says nothing about the size of the business.
    recent = await uow.reports.recent_sales(member.id, excluding=str(month), limit=USUAL_WINDOW)
    if not recent:
        return None, None
    usual = _median(recent)
    if value.rupiah > FAR_FACTOR * usual:
        return Doubt.FAR_ABOVE_USUAL, _whole_rupiah(usual)
    if value.rupiah * FAR_FACTOR < usual:
        return Doubt.FAR_BELOW_USUAL, _whole_rupiah(usual)
    return None, None


async def _after_amount(
    uow: UnitOfWork, member: Member, user_id: int, month: Month, value: ReportValue, *, approximate: bool = False
) -> Outcome:
    """An amount is known: ask "Yakin?", ask before replacing, or echo it for confirmation."""
    # The month's report and the recent months "Yakin?" compares with, in one statement.
    await uow.reports.with_recent_sales(member.id, str(month), USUAL_WINDOW)
    existing = await _existing(uow, member, month)
    if existing == value:
        await FLOW.clear(uow, user_id)
        return Unchanged(month, value)
    doubt, usual = await _doubt(uow, member, month, value)
    data: dict[str, Any] = {"month": str(month), "rupiah": value.rupiah}
    if approximate:
        data["approximate"] = True
    if value.note:
        data["note"] = value.note
    if doubt is not None:
        step = Step.PLAUSIBILITY
        data.update(doubt=doubt.value, usual=usual)
    elif existing is not None:
        step = Step.CORRECTION
    else:
        step = Step.CONFIRM
    await FLOW.save(uow, user_id, step, data)
    return Question(
        step, month=month, value=value, existing=existing, doubt=doubt, usual=usual, approximate=approximate
    )


async def _interpret(
    uow: UnitOfWork,
    member: Member,
    user_id: int,
    message: OmzetMessage,
    default_month: Month,
    today: date,
) -> Outcome:
    month = message.month or default_month
    _check_month(month, today)
    amount = message.amount
    if isinstance(amount, AmbiguousAmount):
        await FLOW.save(
            uow,
            user_id,
            Step.AMBIGUOUS,
            {
                "month": str(month), "typed": amount.text, "choices": list(amount.choices),
                "ambiguity": amount.kind.value, "approximate": amount.approximate,
            },
        )
        return Question(
            Step.AMBIGUOUS,
            month=month,
            typed=amount.text,
            choices=amount.choices,
            existing=await _existing(uow, member, month),
            ambiguity=amount.kind,
        )
    return await _after_amount(
        uow, member, user_id, month, ReportValue(amount.rupiah, amount.no_sales, amount.note), approximate=amount.approximate
    )


async def _answer(
    uow: UnitOfWork,
    member: Member,
    user_id: int,
    reading: OmzetMessage | Month | None,
    default_month: Month,
    today: date,
) -> Outcome:
    if reading is None:
        return await _ask_month(uow, user_id, today, all_months=False)
    if isinstance(reading, Month):
        _check_month(reading, today)
        return await _ask_amount(uow, member, user_id, reading)
    return await _interpret(uow, member, user_id, reading, default_month, today)


# --- use cases ------------------------------------------------------------------------------


async def start_report(uow: UnitOfWork, user_id: int, now: datetime) -> Question:
    """/omzet without an amount: which month? (the month just ended, this month, or another)."""
    member = await _active_member(uow, user_id)
    question = await _ask_month(uow, user_id, local_today(member, now), all_months=False)
    await uow.commit()
    return question


async def report_in_one_step(
    uow: UnitOfWork, user_id: int, text: str, now: datetime, *, month: Month | None = None
) -> Outcome:
    """ "/omzet 12,5 jt" (the command's arguments), a message "omzet okt 12,5 jt", or any
    message that reads as an amount ("5jt", "tutup"); `month` when it answers a reminder.

    When the text cannot be used, the member is left at the amount question for the month
    just ended (or the reminder's), so the next message (an example from the refusal) goes
    on from there.
    """
    member = await _active_member(uow, user_id)
    today = local_today(member, now)
    default_month = month or previous_month(today)
    try:
        outcome = await _answer(uow, member, user_id, _read(text, today), default_month, today)
    except InvalidInput:
        await FLOW.save(uow, user_id, Step.AMOUNT, {"month": str(default_month)})
        await uow.commit()
        raise
    await uow.commit()
    return outcome


async def submit_text(uow: UnitOfWork, user_id: int, text: str, now: datetime) -> Outcome:
    """A message typed during the report: a month, an amount, or "[month] amount"."""
    step, data = await FLOW.require(uow, user_id)
    member = await _active_member(uow, user_id)
    today = local_today(member, now)
    # "12,5 jt" typed alone is for the month the member is at (or the month just ended).
    month = Month.parse_iso(data["month"]) if "month" in data else previous_month(today)
    outcome = await _answer(uow, member, user_id, _read(text, today), month, today)
    await uow.commit()
    return outcome


async def reminder_month(uow: UnitOfWork, chat_id: int, message_id: int) -> Month | None:
    """The month of the reminder this message replies to; None when it replies to anything else."""
    key = await uow.deliveries.reminder_month(chat_id, message_id)
    try:
        return Month.parse_iso(key) if key else None
    except MonthError:
        return None


async def show_all_months(uow: UnitOfWork, user_id: int, now: datetime) -> Question:
    """ "Bulan lain": the twelve months before this one."""
    await FLOW.require(uow, user_id, Step.MONTH)
    member = await _active_member(uow, user_id)
    question = await _ask_month(uow, user_id, local_today(member, now), all_months=True)
    await uow.commit()
    return question


async def choose_month(uow: UnitOfWork, user_id: int, month: Month, now: datetime) -> Question:
    """A month button: ask the amount for it."""
    await FLOW.require(uow, user_id, Step.MONTH)
    member = await _active_member(uow, user_id)
    try:
        _check_month(month, local_today(member, now))
    except InvalidInput as error:
        # A month button from an older message: that month is no longer offered.
        raise StaleAction("omzet_month") from error
    question = await _ask_amount(uow, member, user_id, month)
    await uow.commit()
    return question


async def choose_amount(
    uow: UnitOfWork, user_id: int, month: Month, rupiah: int, now: datetime
) -> Outcome:
    """An answer to "Rp12,5 juta or Rp12.500?"."""
    _, data = await FLOW.require(uow, user_id, Step.AMBIGUOUS)
    if data.get("month") != str(month) or rupiah not in data.get("choices", []):
        raise StaleAction("omzet_choice")
    member = await _active_member(uow, user_id)
    outcome = await _after_amount(
        uow, member, user_id, month, ReportValue.of(rupiah), approximate=bool(data.get("approximate"))
    )
    await uow.commit()
    return outcome


async def retype(uow: UnitOfWork, user_id: int, month: Month) -> Question:
    """ "Ubah" / "Tulis ulang": type the amount for the month again."""
    _, data = await FLOW.require(uow, user_id)
    if data.get("month") != str(month):
        raise StaleAction("omzet_month")
    member = await _active_member(uow, user_id)
    question = await _ask_amount(uow, member, user_id, month)
    await uow.commit()
    return question


async def confirm(
    uow: UnitOfWork, user_id: int, step: Step, month: Month, rupiah: int, now: datetime
) -> Outcome:
    """ "Ya, yakin" (plausibility), "Ya, ganti" (correction) or "Benar" (confirmation)."""
    if step not in CONFIRMING_STEPS:
        raise StaleAction("omzet_step")
    value = ReportValue.of(rupiah)
    outcome: Outcome
    # The answer claims the question by deleting its state row: a double press or a second
    # instance waits for the first and then finds nothing, so one version is written. For an
    # active member the take rides in the statement that reads the year up to the month: the
    # month's report (to write over), the months the give-back compares with, and what the
    # give-back reads besides (the sender is already loaded: no statement).
    member = await uow.members.by_telegram_id(user_id)
    if member is not None and member.status == MemberStatus.ACTIVE.value:
        taken = FLOW.taken(await uow.reports.year_for_report(
            member.id, member.cluster_id, str(month.months_back(12)), str(month), taking=FLOW.claim(user_id, step)
        ))
    else:
        taken = await FLOW.take(uow, user_id, step)
    if taken is None:
        if member is not None and await _existing(uow, member, month) == value:
            raise AlreadyDone("report_saved")
        raise StaleAction("omzet_step")
    data = taken[1]
    # The button must be the one for the amount on the question, not an older one: the
    # member stays at the question.
    if data.get("month") != str(month) or data.get("rupiah") != rupiah:
        await FLOW.save(uow, user_id, step, data)
        raise StaleAction("omzet_amount")
    try:
        member = await _active_member(uow, user_id)
    except DomainError:
        await FLOW.save(uow, user_id, step, data)
        raise
    value = ReportValue(rupiah, rupiah == 0, data.get("note"))
    if step is Step.PLAUSIBILITY:
        existing = await _existing(uow, member, month)
        if existing is not None and existing != value:
            kept = {k: v for k, v in data.items() if k in ("month", "rupiah", "note", "approximate")}
            await FLOW.save(uow, user_id, Step.CORRECTION, kept)
            await uow.commit()
            return Question(
                Step.CORRECTION, month=month, value=value, existing=existing, approximate=bool(data.get("approximate"))
            )
    outcome = await _write(uow, member, month, value, now)
    if isinstance(outcome, Recorded):
        # Read before committing, in the same transaction (the figures are read only).
        outcome = replace(outcome, give_back=await _give_back(uow, member, month, value, now))
    await uow.commit()
    return outcome


async def cancel(uow: UnitOfWork, user_id: int) -> None:
    """ "Batal": drop the report being typed; nothing is saved."""
    await FLOW.require(uow, user_id)
    await FLOW.clear(uow, user_id)
    await uow.commit()


async def current(uow: UnitOfWork, user_id: int, now: datetime) -> Question | None:
    """The question the member is at, to show again (after a stale button); None if none."""
    loaded = await FLOW.load(uow, user_id)
    member = await uow.members.by_telegram_id(user_id)
    if loaded is None or member is None:
        return None
    step, data = loaded
    today = local_today(member, now)
    if step is Step.MONTH:
        return _month_question(today, all_months=bool(data.get("all_months")))
    month = Month.parse_iso(data["month"])
    existing = await _existing(uow, member, month)
    if step is Step.AMOUNT:
        return Question(step, month=month, existing=existing)
    if step is Step.AMBIGUOUS:
        return Question(
            step,
            month=month,
            typed=data["typed"],
            choices=tuple(data["choices"]),
            existing=existing,
            ambiguity=Ambiguity(data.get("ambiguity", Ambiguity.UNIT.value)),
        )
    doubt = Doubt(data["doubt"]) if data.get("doubt") else None
    return Question(
        step,
        month=month,
        value=ReportValue(data["rupiah"], data["rupiah"] == 0, data.get("note")),
        existing=existing,
        doubt=doubt,
        usual=data.get("usual"),
        approximate=bool(data.get("approximate")),
    )


async def _write(
    uow: UnitOfWork, member: Member, month: Month, value: ReportValue, now: datetime
) -> Recorded | Unchanged:
    """Upsert the month's report and keep the version; no commit."""
    row = await uow.reports.get(member.id, str(month))
    previous: ReportValue | None = None
    # A first report is written with its version and the month's total in one statement, and
    # mostly with every baseline it changes; a correction adds its version here.
    baseline_done = False
    if row is None:
        row = MonthlyReport(
            member_id=member.id,
            cluster_id=member.cluster_id,
            month=str(month),
            amount=value.rupiah,
            no_sales=value.no_sales,
            note=value.note if value.no_sales else None,
            reported_at=now,
            updated_at=now,
            version=1,
            baseline_sum=None,
            published_amount=None,
        )
        baseline_done = await uow.reports.add_first(row)
    else:
        previous = ReportValue(row.amount, row.no_sales, row.note)
        if previous == value:
            return Unchanged(month, value)
        row.amount, row.no_sales = value.rupiah, value.no_sales
        row.note = value.note if value.no_sales else None
        row.updated_at = now
        row.version += 1
        await uow.reports.add_version(
            report_id=row.id,
            version=row.version,
            old_amount=previous.rupiah,
            old_no_sales=previous.no_sales,
            new_amount=value.rupiah,
            new_no_sales=value.no_sales,
            recorded_at=now,
        )
    # A reporter of a month was a member in it. Rather than counting "members or reporters"
    # in every summary (a second pass over the month's reports each time), the membership is
    # moved to start with the earliest month reported: one row, only when a report reaches
    # back before joined_at (someone who registered in November and fills in March, or an
    # imported member catching up). Summaries then count members by their dates alone.
    month_start, _ = summary_queries.month_bounds(str(month), member.cluster.timezone)
    if member.joined_at > month_start:
        member.joined_at = month_start
    # Same transaction: the month's cluster total, and a first, late or corrected baseline month.
    await summary_queries.report_written(
        uow.session, member.id, row.cluster_id, str(month),
        added=previous is None, amount_change=value.rupiah - (previous.rupiah if previous else 0),
        baseline_kept=baseline_done,
    )
    paid_through = await requests.paid_in_month(uow, member.id, month)
    return Recorded(month=month, value=value, previous=previous, version=row.version, paid_through=paid_through)


async def record_turnover(
    uow: UnitOfWork, member_id: int, month: Month, value: ReportValue, now: datetime
) -> Recorded | Unchanged:
    """Save a member's omzet for a month; a second report is a correction, kept as a version."""
    member = await uow.members.get(member_id)
    if member is None:
        raise NotRegistered("member")
    if member.status != MemberStatus.ACTIVE.value:
        raise MemberNotActive(MemberStatus(member.status))
    _check_month(month, local_today(member, now))
    outcome = await _write(uow, member, month, value, now)
    await uow.commit()
    return outcome


# --- what a report gives back -----------------------------------------------------------------


async def _give_back(uow: UnitOfWork, member: Member, month: Month, value: ReportValue, now: datetime) -> GiveBack:
    """Right after saving: the month against the one before, the same month a year before,
    the member's best month, and the cluster's middle value once it may be shown."""
    rows = await uow.reports.of_member(member.id, str(month.months_back(12)), str(month))
    values = {row.month: ReportValue(row.amount, row.no_sales) for row in rows}
    values[str(month)] = value
    recent = [v.rupiah for key, v in values.items() if key > str(month.months_back(12))]
    best = value.rupiah > 0 and len(recent) >= 3 and value.rupiah >= max(recent)
    # Read only: a member's look right after reporting never fixes the month's figures. Only
    # a publishable figure is compared with (see Figures.suppressed).
    median = await summaries.published_median(uow, member.cluster_id, member.cluster.timezone, month, now)
    above: bool | None = None
    if median is not None and value.rupiah != median:
        above = value.rupiah > median
    return GiveBack(
        previous_month=month.previous(),
        change_previous=_change(value, values.get(str(month.previous()))),
        change_year=_change(value, values.get(str(month.months_back(12)))),
        best_so_far=best,
        months_compared=len(recent),
        above_cluster_middle=above,
    )


# --- history --------------------------------------------------------------------------------


def _change(value: ReportValue | None, base: ReportValue | None) -> Decimal | None:
    """Relative change; None when either month is missing or the base sold nothing."""
    if value is None or base is None or base.rupiah == 0:
        return None
    return Decimal(value.rupiah - base.rupiah) / Decimal(base.rupiah)


async def history(uow: UnitOfWork, user_id: int, now: datetime) -> History:
    """The member's last twelve months with changes and, where published, the cluster median.

    The window ends with the month just ended (the current month cannot be reported).
    Other members' figures never leave the database: only a cluster median that the
    small-numbers rule publishes (bot.services.summaries) is shown, read as published.
    """
    member = await uow.members.by_telegram_id(user_id)
    if member is None:
        raise NotRegistered("member")
    current = Month.from_date(local_today(member, now))
    # Two years: the twelve months shown and the twelve they are compared with.
    first_needed = current.shift(-(2 * HISTORY_MONTHS - 1))
    rows = await uow.reports.of_member(member.id, str(first_needed), str(current))
    values = {row.month: ReportValue(row.amount, row.no_sales, row.note) for row in rows}
    corrected = {row.month for row in rows if row.corrected}
    last = current.previous()
    window = last.window(HISTORY_MONTHS)
    medians: dict[str, int | None] = {}
    for month in window:
        # Read only: looking at one's history never fixes a month's figures.
        figures = await summaries.cluster_figures(uow, member.cluster_id, month, now, may_publish=False)
        medians[str(month)] = None if figures.suppressed else figures.median
    months = []
    for month in window:
        key = str(month)
        value = values.get(key)
        months.append(
            HistoryMonth(
                month=month,
                value=value,
                corrected=key in corrected,
                change_from_previous=_change(value, values.get(str(month.previous()))),
                change_from_last_year=_change(value, values.get(str(month.months_back(12)))),
                cluster_median=medians[key],
            )
        )
    return History(cluster_name=member.cluster.name, months=tuple(months))
