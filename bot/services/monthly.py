"""The monthly rhythm: reminders to non-reporters, the deadline, compiled summaries.

The database is the truth about what ran: every (job, period, cluster, step) is claimed with
an insert before it runs, so a restart, a catch-up at start and a second instance on the same
PostgreSQL never run it twice. Messages go through the outbox and respect quiet hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dates import Month
from bot.domain import ClusterInfo, Recipient
from bot.i18n import I18n
from bot.messages import summaries as texts
from bot.quiet_hours import first_allowed
from bot.services import notices, summaries
from bot.services.converters import cluster_info
from db.models import JobRun, Member, MonthlyReport, TelegramUser
from db.sql import dialect_insert
from db.uow import UnitOfWork


@dataclass(frozen=True)
class MonthlySchedule:
    reminder_days: tuple[int, ...] = (1, 5, 8)
    reminder_time: time = time(9, 0)
    deadline_day: int = 10
    summary_time: time = time(18, 0)


@dataclass(frozen=True)
class DueRun:
    job: str  # "reminders" or "summaries"
    period: Month
    cluster: ClusterInfo
    step: str  # "d1", "d5", "d8" for reminders; "compile" for summaries; "manual" by hand
    # Claimed but not run: an older reminder missed while the bot was down.
    skip: bool = False


def due_runs_for(cluster: ClusterInfo, now: datetime, schedule: MonthlySchedule) -> list[DueRun]:
    """What should have run by now this month in the cluster's zone (claims decide what did)."""
    local = now.astimezone(ZoneInfo(cluster.timezone))
    period = Month.from_date(local.date()).previous()
    runs = []
    for day in schedule.reminder_days:
        if (local.day, local.time()) >= (day, schedule.reminder_time) and day < schedule.deadline_day:
            runs.append(DueRun("reminders", period, cluster, f"d{day}"))
    if (local.day, local.time()) >= (schedule.deadline_day, schedule.summary_time):
        runs.append(DueRun("summaries", period, cluster, "compile"))
    return runs


async def claim(uow: UnitOfWork, run: DueRun, worker: str, now: datetime) -> bool:
    """Take the run; False when someone (a previous start, another instance) already did."""
    result = await uow.session.execute(
        dialect_insert(uow.session)(JobRun)
        .values(job=run.job, period=str(run.period), cluster_id=run.cluster.id, step=run.step,
                started_at=now, worker=worker, result={})
        .on_conflict_do_nothing()
    )
    return result.rowcount == 1


async def pending_runs(uow: UnitOfWork, now: datetime, schedule: MonthlySchedule) -> list[DueRun]:
    """Due runs not yet claimed.

    Of several reminders missed while the bot was down only the latest is sent (three at once
    would be noise), and none once the deadline has passed; the others are claimed as skipped.
    """
    taken = {(r.job, r.period, r.cluster_id, r.step) for r in (await uow.session.scalars(select(JobRun))).all()}
    result = []
    for cluster in await uow.clusters.all():
        scheduled = due_runs_for(cluster_info(cluster), now, schedule)
        due = [r for r in scheduled if (r.job, str(r.period), r.cluster.id, r.step) not in taken]
        reminders = [r for r in due if r.job == "reminders"]
        compile_runs = [r for r in due if r.job == "summaries"]
        deadline_passed = any(r.job == "summaries" for r in scheduled)
        for index, run in enumerate(reminders):
            latest = index == len(reminders) - 1
            skip = not latest or deadline_passed
            result.append(DueRun(run.job, run.period, run.cluster, run.step, skip=skip))
        result += compile_runs
    return result


def deadline_of(period: Month, schedule: MonthlySchedule) -> date:
    """The last day to report `period`: the deadline day of the month after it."""
    return period.next().first_day().replace(day=schedule.deadline_day)


async def enqueue_reminders(
    uow: UnitOfWork, run: DueRun, now: datetime, i18n: I18n, schedule: MonthlySchedule | None = None
) -> int:
    """One reminder to each active member who has not reported the period and not blocked us."""
    return await summaries.queue_to_unreported(
        uow, run.cluster, run.period, kind="omzet_reminder", dedupe_prefix=f"remind:{run.period}:{run.step}", now=now, i18n=i18n,
        deadline=deadline_of(run.period, schedule or MonthlySchedule()),
    )


async def _recipient_rows(uow: UnitOfWork, cluster: ClusterInfo) -> list[Recipient]:
    chairs = await uow.roles.chairs_of(cluster.id)
    row = await uow.clusters.get(cluster.id)
    koordinators = await uow.roles.koordinators_for(row)
    people = []
    for user_id in dict.fromkeys([*chairs, *koordinators]):
        user = await uow.users.get(user_id)
        people.append(Recipient(user_id, user.language if user else None))
    return people


async def compile_and_deliver(uow: UnitOfWork, run: DueRun, now: datetime, i18n: I18n) -> int:
    """Publish the cluster's month; send its summary to chair and koordinator, the missing list
    to the chair, and each reporter a short card against the median where that is shown."""
    # Published in the run's transaction: the claim, the publication and the messages commit together.
    published = await summaries.publish_month(uow, run.period, now, cluster_ids=[run.cluster.id], force=True, commit=False)
    figures = published[run.cluster.id]
    missing = await summaries.missing_reports(uow, None, run.cluster.id, run.period)
    not_before = first_allowed(now, run.cluster.timezone)
    chairs = set(await uow.roles.chairs_of(run.cluster.id))
    rows = []
    key = f"{run.period}:{run.cluster.id}:{run.step}"
    for person in await _recipient_rows(uow, run.cluster):
        t = i18n.translator(person.language)
        payloads = [("summary", texts.summary(t, figures))]
        if person.telegram_user_id in chairs and missing.names:
            payloads.append(("missing", texts.missing(t, missing)))
        for kind, payload in payloads:
            rows.append({
                "kind": f"summary_{kind}", "dedupe_key": f"sum:{kind}:{key}:{person.telegram_user_id}",
                "member_id": None, "chat_id": person.telegram_user_id, "status": "pending",
                # The missing list names members: only to who still manages the cluster when it leaves.
                "payload": {**payload.to_json(), **({notices.READER_OF: run.cluster.id} if kind == "missing" else {})},
                "attempts": 0, "not_before": not_before, "created_at": now,
            })
    if not figures.suppressed:
        reports = (await uow.session.execute(
            select(Member.id, Member.chat_id, TelegramUser.language, MonthlyReport.amount)
            .join(MonthlyReport, MonthlyReport.member_id == Member.id)
            .outerjoin(TelegramUser, TelegramUser.telegram_user_id == Member.telegram_user_id)
            .where(MonthlyReport.month == str(run.period), Member.cluster_id == run.cluster.id,
                   # Those whose report is in the published figures they are compared with.
                   MonthlyReport.published_amount.is_not(None),
                   Member.blocked_at.is_(None), Member.chat_id.is_not(None))
        )).all()
        for member_id, chat_id, language, amount in reports:
            rows.append({
                "kind": "summary_card", "dedupe_key": f"sum:card:{key}:{member_id}", "member_id": member_id,
                "chat_id": chat_id, "payload": texts.card(i18n.translator(language), figures, amount).to_json(), "status": "pending",
                "attempts": 0, "not_before": not_before, "created_at": now,
            })
    rows = notices.one_row_per_message(rows)
    existing = await uow.deliveries.existing_keys([r["dedupe_key"] for r in rows])
    return await uow.deliveries.add_many([r for r in rows if r["dedupe_key"] not in existing])


@dataclass(frozen=True)
class RunResult:
    run: DueRun
    queued: int
    skipped: bool = False


async def run_due(uow: UnitOfWork, now: datetime, worker: str, schedule: MonthlySchedule,
                  i18n: I18n) -> list[RunResult]:
    """Claim and run everything due (each in its own commit, so one failure loses nothing)."""
    results = []
    for run in await pending_runs(uow, now, schedule):
        if not await claim(uow, run, worker, now):
            await uow.rollback()
            continue
        if run.skip:
            await uow.commit()
            results.append(RunResult(run, 0, skipped=True))
            continue
        queued = await (enqueue_reminders(uow, run, now, i18n, schedule) if run.job == "reminders"
                        else compile_and_deliver(uow, run, now, i18n))
        await uow.commit()
        results.append(RunResult(run, queued))
    return results


async def run_by_hand(uow: UnitOfWork, job: str, period: Month, cluster_name: str | None, now: datetime,
                      i18n: I18n) -> list[RunResult]:
    """`klasterbot jobs run`: idempotent — a second run finds every message already queued."""
    clusters = [cluster_info(c) for c in await uow.clusters.all()]
    if cluster_name is not None:
        found = await uow.clusters.by_name_or_code(cluster_name)
        if found is None:
            from bot.domain import NotFound

            raise NotFound("cluster")
        clusters = [cluster_info(found)]
    results = []
    for cluster in clusters:
        run = DueRun(job, period, cluster, "manual")
        await claim(uow, run, "cli", now)  # recorded for `jobs list`; the dedupe keys do the rest
        queued = await (enqueue_reminders(uow, run, now, i18n) if job == "reminders"
                        else compile_and_deliver(uow, run, now, i18n))
        await uow.commit()
        results.append(RunResult(run, queued))
    return results


def next_runs(clusters: list[ClusterInfo], now: datetime, schedule: MonthlySchedule) -> list[tuple[datetime, str, ClusterInfo]]:
    """The next firing time of each job per cluster, for `klasterbot jobs list`."""
    upcoming = []
    for cluster in clusters:
        tz = ZoneInfo(cluster.timezone)
        local = now.astimezone(tz)
        candidates = []
        for months_ahead in (0, 1):
            first = Month.from_date(local.date())
            month = first.next() if months_ahead else first
            for day in schedule.reminder_days:
                candidates.append((datetime.combine(month.first_day().replace(day=day), schedule.reminder_time, tzinfo=tz), f"reminders d{day}"))
            candidates.append((datetime.combine(month.first_day().replace(day=schedule.deadline_day), schedule.summary_time, tzinfo=tz), "summaries"))
        for kind in {label.split()[0] for _, label in candidates}:
            future = sorted((when, label) for when, label in candidates if label.startswith(kind) and when > local)
            if future:
                upcoming.append((future[0][0], future[0][1], cluster))
    return sorted(upcoming, key=lambda item: (item[0], item[2].name))
