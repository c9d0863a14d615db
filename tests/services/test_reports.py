"""The omzet service on a real database: plain values in, rows and frozen results out."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from bot.dates import Month
from bot.domain import InvalidInput, MemberNotActive, NotRegistered, StaleAction
from bot.services import clusters as cluster_service
from bot.services import reports, summaries
from bot.services.reports import (
    Doubt,
    Question,
    Recorded,
    ReportValue,
    Step,
    Unchanged,
    is_report_message,
)
from db.models import Member, MonthlyReport, ReportVersion
from db.summary_queries import rebuild_upkeep

# 28 November 2026, 10.00 WIB: the month just ended is October 2026.
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # November has ended
OCTOBER = Month(2026, 10)
JOINED = datetime(2025, 1, 1, tzinfo=UTC)


async def _cluster(uow, name="Batik Simbang Kulon", timezone="Asia/Jakarta"):
    async with uow() as work:
        return await cluster_service.create_cluster(
            work, name=name, kabupaten="Pekalongan", commodity="batik", timezone=timezone
        )


async def _member(uow, cluster, telegram_user_id=501, status="active") -> int:
    async with uow() as work:
        member = Member(
            telegram_user_id=telegram_user_id, chat_id=telegram_user_id, name="Siti", business_name="u",
            main_product="p", cluster_id=cluster.id, status=status, joined_at=JOINED,
            consent_at=JOINED, consent_version="v",
        )
        work.session.add(member)
        await work.session.flush()
        member_id = member.id
        await work.commit()
    return member_id


async def _record(uow, member_id, month, rupiah, now=NOW):
    async with uow() as work:
        return await reports.record_turnover(work, member_id, month, ReportValue.of(rupiah), now)


# --- recording and correcting -----------------------------------------------------------------


async def test_first_report_then_correction_keeps_every_version(uow):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    first = await _record(uow, member_id, OCTOBER, 12_500_000)
    assert first == Recorded(OCTOBER, ReportValue(12_500_000), previous=None, version=1)
    later = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    second = await _record(uow, member_id, OCTOBER, 0, now=later)
    assert second == Recorded(OCTOBER, ReportValue(0, no_sales=True), ReportValue(12_500_000), 2)
    assert second.corrected
    async with uow(read_only=True) as work:
        [row] = (await work.session.scalars(select(MonthlyReport))).all()
        versions = (await work.session.scalars(select(ReportVersion).order_by(ReportVersion.version))).all()
    assert (row.amount, row.no_sales, row.version, row.corrected) == (0, True, 2, True)
    assert (row.reported_at, row.updated_at) == (NOW, later)
    assert [(v.version, v.old_amount, v.old_no_sales, v.new_amount, v.new_no_sales, v.recorded_at) for v in versions] == [
        (1, None, None, 12_500_000, False, NOW),
        (2, 12_500_000, False, 0, True, later),
    ]


async def test_same_value_again_is_unchanged_and_adds_no_version(uow):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    await _record(uow, member_id, OCTOBER, 5_000_000)
    assert await _record(uow, member_id, OCTOBER, 5_000_000) == Unchanged(OCTOBER, ReportValue(5_000_000))
    async with uow(read_only=True) as work:
        assert len((await work.session.scalars(select(ReportVersion))).all()) == 1


async def test_only_active_members_report(uow):
    cluster = await _cluster(uow)
    pending = await _member(uow, cluster, 502, status="pending")
    rejected = await _member(uow, cluster, 503, status="rejected")
    for member_id in (pending, rejected):
        with pytest.raises(MemberNotActive):
            await _record(uow, member_id, OCTOBER, 1_000_000)
    with pytest.raises(NotRegistered):
        await _record(uow, 99_999, OCTOBER, 1_000_000)
    async with uow() as work:
        with pytest.raises(MemberNotActive):
            await reports.start_report(work, 502, NOW)
        with pytest.raises(NotRegistered):
            await reports.start_report(work, 777, NOW)
        assert await work.conversations.get(502) is None


@pytest.mark.parametrize(
    ("month", "reason"),
    [(Month(2026, 11), "month_current"), (Month(2026, 12), "month_future"), (Month(2025, 10), "month_too_old")],
)
async def test_months_outside_the_window_are_refused(uow, month, reason):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    with pytest.raises(InvalidInput) as caught:
        await _record(uow, member_id, month, 1_000_000)
    assert caught.value.reason == reason
    # The edges: the month just ended and the same month last year (only finished months).
    await _record(uow, member_id, Month(2026, 10), 1_000_000)
    await _record(uow, member_id, Month(2025, 11), 1_000_000)


async def test_reports_survive_unlinking_from_a_person(uow):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    await _record(uow, member_id, OCTOBER, 5_000_000)
    async with uow() as work:
        member = await work.members.get(member_id)
        await work.members.delete(member)
        await work.commit()
    async with uow(read_only=True) as work:
        [row] = (await work.session.scalars(select(MonthlyReport))).all()
    assert row.member_id is None and row.cluster_id == cluster.id and row.amount == 5_000_000


# --- the conversation ---------------------------------------------------------------------------


async def test_flow_from_month_question_to_saved(uow):
    cluster = await _cluster(uow)
    await _member(uow, cluster)
    async with uow() as work:
        question = await reports.start_report(work, 501, NOW)
    assert question == Question(
        Step.MONTH, months=(OCTOBER, Month(2026, 9)), current_month=Month(2026, 11)
    )
    async with uow() as work:
        question = await reports.show_all_months(work, 501, NOW)
    assert question.months == tuple(Month(2026, 11).shift(-n) for n in range(1, 13))
    async with uow() as work:
        question = await reports.choose_month(work, 501, OCTOBER, NOW)
    assert question == Question(Step.AMOUNT, month=OCTOBER)
    async with uow() as work:
        question = await reports.submit_text(work, 501, "12,5", NOW)
    assert (question.step, question.choices) == (Step.AMBIGUOUS, (12_500_000, 12_500))
    async with uow() as work:
        with pytest.raises(StaleAction):  # not one of the readings offered
            await reports.choose_amount(work, 501, OCTOBER, 1_250_000, NOW)
        question = await reports.choose_amount(work, 501, OCTOBER, 12_500, NOW)
    assert question == Question(Step.CONFIRM, month=OCTOBER, value=ReportValue(12_500))
    async with uow() as work:
        with pytest.raises(StaleAction):  # "Benar" for another amount
            await reports.confirm(work, 501, Step.CONFIRM, OCTOBER, 12_500_000, NOW)
        with pytest.raises(StaleAction):  # the right amount, but not at the plausibility step
            await reports.confirm(work, 501, Step.PLAUSIBILITY, OCTOBER, 12_500, NOW)
        saved = await reports.confirm(work, 501, Step.CONFIRM, OCTOBER, 12_500, NOW)
    # What the report gives back is checked in tests/handlers/test_members_first.py.
    assert replace(saved, give_back=None) == Recorded(OCTOBER, ReportValue(12_500), None, 1)
    async with uow(read_only=True) as work:
        assert await work.conversations.get(501) is None
        assert await reports.current(work, 501, NOW) is None


async def test_one_step_refusal_leaves_the_member_at_the_amount_question(uow):
    cluster = await _cluster(uow)
    await _member(uow, cluster)
    async with uow() as work:
        with pytest.raises(InvalidInput) as caught:
            await reports.report_in_one_step(work, 501, "omzet -5 juta", NOW)
    assert caught.value.reason == "amount_negative"
    async with uow(read_only=True) as work:
        assert await reports.current(work, 501, NOW) == Question(Step.AMOUNT, month=OCTOBER)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("omzet abc", "amount_malformed"),
        ("omzet 12,5,3 juta", "amount_malformed"),
        ("omzet 99 T", "amount_too_large"),
        ("omzet oktobr 5 jt", "month_unknown"),
        ("omzet desember 2026 5 jt", "month_future"),
        ("omzet januari 2025 5 jt", "month_too_old"),
    ],
)
async def test_refusal_reasons(uow, text, reason):
    cluster = await _cluster(uow)
    await _member(uow, cluster)
    async with uow() as work:
        with pytest.raises(InvalidInput) as caught:
            await reports.report_in_one_step(work, 501, text, NOW)
    assert caught.value.reason == reason


async def test_buttons_need_the_step_they_belong_to(uow):
    cluster = await _cluster(uow)
    await _member(uow, cluster)
    async with uow() as work:
        for call in (
            reports.show_all_months(work, 501, NOW),
            reports.choose_month(work, 501, OCTOBER, NOW),
            reports.retype(work, 501, OCTOBER),
            reports.cancel(work, 501),
            reports.submit_text(work, 501, "5 juta", NOW),
        ):
            with pytest.raises(StaleAction):
                await call


async def test_zone_of_the_cluster_decides_the_default_month(uow):
    east = await _cluster(uow, "Noken", timezone="Asia/Jayapura")
    await _member(uow, east)
    moment = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 December, 01.00 WIT
    async with uow() as work:
        question = await reports.report_in_one_step(work, 501, "omzet 5 juta", moment)
    assert question.month == Month(2026, 11)


# --- plausibility -------------------------------------------------------------------------------


async def _question_for(uow, text, now=NOW):
    async with uow() as work:
        return await reports.report_in_one_step(work, 501, text, now)


async def test_above_the_micro_ceiling(uow):
    cluster = await _cluster(uow)
    await _member(uow, cluster)
    question = await _question_for(uow, "omzet 166.666.668")
    assert (question.step, question.doubt, question.usual) == (Step.PLAUSIBILITY, Doubt.ABOVE_CEILING, None)
    question = await _question_for(uow, "omzet 166.666.667")
    assert (question.step, question.doubt) == (Step.CONFIRM, None)


async def test_median_of_the_last_six_months_with_sales(uow):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    # The six latest months with sales are April, May, July ... October: June was closed and
    # does not count, and March is the seventh month back, out of the window.
    history = [(3, 100_000_000), (4, 50_000_000), (5, 4_000_000), (6, 0), (7, 8_000_000),
               (8, 10_000_000), (9, 12_000_000), (10, 14_000_000)]
    for month, amount in history:
        await _record(uow, member_id, Month(2026, month), amount)
    # Median of 4, 8, 10, 12, 14, 50 juta = 11 juta (with June's 0 it would be 9 juta,
    # with March too 12 juta).
    question = await _question_for(uow, "omzet november 55 juta", DECEMBER)
    assert (question.doubt, question.usual) == (None, None)
    question = await _question_for(uow, "omzet november 55.000.001", DECEMBER)
    assert (question.doubt, question.usual) == (Doubt.FAR_ABOVE_USUAL, 11_000_000)
    question = await _question_for(uow, "omzet november 2.199.999", DECEMBER)
    assert (question.doubt, question.usual) == (Doubt.FAR_BELOW_USUAL, 11_000_000)
    question = await _question_for(uow, "omzet november 2,2 juta", DECEMBER)
    assert question.doubt is None
    # Correcting October leaves October out: 4, 8, 10, 12, 50, 100 juta, median 11 juta.
    question = await _question_for(uow, "omzet oktober 56 juta")
    assert (question.step, question.doubt, question.usual) == (Step.PLAUSIBILITY, Doubt.FAR_ABOVE_USUAL, 11_000_000)
    # An even count whose middle is half a rupiah rounds half up, as the summaries do.
    await _record(uow, member_id, Month(2026, 9), 12_000_001)
    question = await _question_for(uow, "omzet november 1 juta", DECEMBER)
    assert question.usual == 11_000_001  # (10.000.000 + 12.000.001) / 2 = 11.000.000,5


async def test_no_history_means_no_doubt_below_the_ceiling(uow):
    cluster = await _cluster(uow)
    await _member(uow, cluster)
    question = await _question_for(uow, "omzet 150 juta")
    assert question.doubt is None


async def test_confirmed_doubt_on_a_reported_month_asks_before_replacing(uow):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    await _record(uow, member_id, OCTOBER, 5_000_000)
    question = await _question_for(uow, "omzet 200 juta")
    assert question.step is Step.PLAUSIBILITY and question.existing == ReportValue(5_000_000)
    async with uow() as work:
        question = await reports.confirm(work, 501, Step.PLAUSIBILITY, OCTOBER, 200_000_000, NOW)
    assert question == Question(Step.CORRECTION, month=OCTOBER, value=ReportValue(200_000_000),
                                existing=ReportValue(5_000_000))
    async with uow() as work:
        saved = await reports.confirm(work, 501, Step.CORRECTION, OCTOBER, 200_000_000, NOW)
    assert saved.previous == ReportValue(5_000_000) and saved.version == 2


# --- history ------------------------------------------------------------------------------------


async def test_history_months_changes_and_marks(uow):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    await _record(uow, member_id, Month(2025, 11), 10_000_000)
    await _record(uow, member_id, Month(2026, 9), 0)
    await _record(uow, member_id, Month(2026, 10), 8_000_000)
    await _record(uow, member_id, Month(2026, 10), 9_000_000)
    await _record(uow, member_id, Month(2026, 11), 12_000_000, DECEMBER)
    async with uow(read_only=True) as work:
        result = await reports.history(work, 501, DECEMBER)
    assert [m.month for m in result.months] == list(Month(2026, 11).window(12))
    by_month = {m.month: m for m in result.months}
    november = by_month[Month(2026, 11)]
    assert november.value == ReportValue(12_000_000)
    assert november.change_from_previous == Decimal(3_000_000) / Decimal(9_000_000)
    assert november.change_from_last_year == Decimal("0.2")
    october = by_month[Month(2026, 10)]
    assert october.corrected and october.change_from_previous is None  # base sold nothing
    september = by_month[Month(2026, 9)]
    assert september.value == ReportValue(0, no_sales=True) and september.reported
    august = by_month[Month(2026, 8)]
    assert august.value is None and not august.reported  # not reported is never zero
    assert all(m.cluster_median is None for m in result.months)


async def test_history_window_ends_with_the_month_just_ended(uow):
    cluster = await _cluster(uow)
    member_id = await _member(uow, cluster)
    await _record(uow, member_id, OCTOBER, 1_000_000)
    async with uow(read_only=True) as work:
        result = await reports.history(work, 501, NOW)
    assert result.months[-1].month == OCTOBER and result.months[0].month == Month(2025, 11)


async def test_history_shows_the_published_cluster_median_and_needs_five(uow):
    cluster = await _cluster(uow)
    other = await _cluster(uow, "Jambu Lele")
    member_id = await _member(uow, cluster)
    rng = random.Random(7)
    expected: dict[Month, int | None] = {}
    rows = []
    for month in OCTOBER.window(12):
        count = rng.choice([0, 1, 2, 3, 4, 5, 6, 9])
        amounts = [rng.choice([0, rng.randint(1, 999) * 10_001]) for _ in range(count)]
        for amount in amounts:
            rows.append({"member_id": None, "cluster_id": cluster.id, "month": str(month), "amount": amount,
                         "no_sales": amount == 0, "reported_at": JOINED, "updated_at": JOINED, "version": 1})
            # Another cluster's figures never enter this cluster's median.
            rows.append({"member_id": None, "cluster_id": other.id, "month": str(month), "amount": 10**12,
                         "no_sales": False, "reported_at": JOINED, "updated_at": JOINED, "version": 1})
        expected[month] = sorted(amounts)[(count - 1) // 2] if count >= 5 else None  # the lower middle
    async with uow() as work:
        await work.session.execute(insert(MonthlyReport), rows)
        await rebuild_upkeep(work.session)  # as the bot keeps them when reports are written
        await work.commit()
    await _record(uow, member_id, OCTOBER, 1)  # makes the member a reporter of October
    october = [r["amount"] for r in rows if r["month"] == str(OCTOBER) and r["cluster_id"] == cluster.id] + [1]
    expected[OCTOBER] = sorted(october)[(len(october) - 1) // 2] if len(october) >= 5 else None
    async with uow() as work:
        # Each month's deadline compile publishes it (history only reads what is published).
        for month in OCTOBER.window(12):
            await summaries.compile_month(work, month, NOW, [cluster.id, other.id])
    async with uow(read_only=True) as work:
        result = await reports.history(work, 501, NOW)
    assert {m.month: m.cluster_median for m in result.months} == expected
    assert any(v is None for v in expected.values()) and any(v is not None for v in expected.values())


async def test_history_for_a_non_member(uow):
    async with uow(read_only=True) as work:
        with pytest.raises(NotRegistered):
            await reports.history(work, 404, NOW)


# --- recognising a report message ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("omzet 12,5jt", True), ("Omset oktober 5 jt", True), ("omzet", True), ("omzet abc", True),
     ("omzet -5 juta", True), ("omzet desember 2099 5 jt", True), ("12,5 jt", False), ("halo", False),
     ("omzetnya naik", False), ("laporan omzet 5 jt", False)],
)
def test_is_report_message(text, expected):
    assert is_report_message(text) is expected
