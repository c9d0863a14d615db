"""The background runtime: the outbox over PTB (the transport), progress, the periodic jobs."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, RequestData

# Public since PTB 20 as the parameter type of RequestData; imported from its module because the
# package does not re-export it (PTB pinned <23 in pyproject.toml).
from telegram.request._requestparameter import RequestParameter

from bot.messages import Payload
from bot.outbox import (
    Blocked,
    DrainStats,
    Outbox,
    OutboxConfig,
    RateLimited,
    Rejected,
    Transient,
    Transport,
)
from bot.runtime import Runtime, runtime_of
from bot.services import announcements as ann
from bot.services import monthly, privacy
from bot.services import requests as market
from db.privacy_queries import Forgotten
from handlers.keyboards import markup
from handlers.replies import send_payload

log = logging.getLogger(__name__)

# The outbox reports progress as results are written; this slower job only catches what no
# send of this process triggers (another instance's sends, an announcement without recipients).
PROGRESS_EVERY_SECONDS = 10.0
SCHEDULE_CHECK_SECONDS = 60.0
# Retention periods are days long; checking hourly deletes each row within an hour of its end.
RETENTION_EVERY_SECONDS = 3600.0
# Follow-ups are due at an hour of a day; every ten minutes asks each within ten minutes of it.
FOLLOWUP_EVERY_SECONDS = 600.0
# Each phase of a progress edit's HTTP call; four of them stay far inside its 60 s lease.
EDIT_TIMEOUT = 10.0


def telegram_transport(application: Application, request: BaseRequest | None = None) -> Transport:
    """Send one rendered payload; translate Telegram's answers into the outbox's failures.

    Text messages (nearly every delivery) are posted straight through `request` (the bot's own
    when None) and the application's rate limiter: the same sendMessage parameters and the same
    error translation as `bot.send_message` (BaseRequest.post raises Forbidden, RetryAfter ...),
    without building a Message object from every answer — the outbox keeps only its id.
    Photos and documents go through the bot as before.
    """
    bot = application.bot
    request = request or bot.request
    limiter = bot.rate_limiter
    url = f"{bot.base_url}/sendMessage"

    async def post(parameters: list[RequestParameter]) -> Any:
        return await request.post(url, RequestData(parameters))

    async def send_text(chat_id: int, payload: Payload) -> int | None:
        parameters = [RequestParameter.from_input("chat_id", chat_id), RequestParameter.from_input("text", payload.text)]
        if payload.html:
            parameters.append(RequestParameter.from_input("parse_mode", "HTML"))
        keyboard = markup(payload.buttons)
        if keyboard is not None:
            parameters.append(RequestParameter.from_input("reply_markup", keyboard))
        if limiter is None:
            result = await post(parameters)
        else:
            result = await limiter.process_request(
                callback=post, args=(parameters,), kwargs={}, endpoint="sendMessage",
                data={"chat_id": chat_id}, rate_limit_args=None,
            )
        return result.get("message_id") if isinstance(result, dict) else None

    async def send(chat_id: int, stored: dict[str, Any]) -> int | None:
        payload = Payload.from_json(stored)
        try:
            if payload.photo or payload.document:
                return (await send_payload(bot, chat_id, payload)).message_id
            return await send_text(chat_id, payload)
        except RetryAfter as exc:
            wait = exc.retry_after
            raise RateLimited(wait.total_seconds() if isinstance(wait, timedelta) else float(wait)) from exc
        except Forbidden as exc:
            raise Blocked(exc.message) from exc
        except BadRequest as exc:
            raise Rejected(exc.message) from exc
        except (TimedOut, NetworkError) as exc:
            # A timeout is ambiguous (it may have arrived); retrying risks one duplicate,
            # which we prefer to a member who never gets the message.
            raise Transient(str(exc)) from exc
        except TelegramError as exc:
            raise Transient(str(exc)) from exc

    return send


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# Where build_application leaves the outbox's own HTTP client (bot/shell/bulk_http.py) when it
# talks to a real Bot API server; absent when a request object was given (tests, the sandbox).
BULK_REQUEST_KEY = "klasterbot.bulk_request"


def outbox_concurrency(per_second: float) -> int:
    """Enough sends in flight to keep the pace when each takes up to ~0.1 s to answer."""
    return max(16, math.ceil(per_second / 10))


def outbox_flush_every(per_second: float) -> int:
    """Results held before the dispatcher waits for them to be written (written at half that)."""
    return max(20, math.ceil(per_second / 5))


def create_outbox(application: Application) -> Outbox:
    runtime = runtime_of(application)
    settings = runtime.settings
    return Outbox(
        runtime.uow,
        telegram_transport(application, application.bot_data.get(BULK_REQUEST_KEY)),
        config=OutboxConfig(
            per_second=settings.max_messages_per_second,
            concurrency=outbox_concurrency(settings.max_messages_per_second),
            # Results are written about ten times a second at any rate (one transaction per
            # 30 sends at R = 300, not per 10): a crash repeats at most ~0.2 s of sending.
            flush_every=outbox_flush_every(settings.max_messages_per_second),
        ),
        clock=runtime.now,
        worker_id=_worker_id(),
    )


async def report_progress(application: Application) -> bool:
    """Edit each author's progress message to the latest numbers, and queue the final report
    when all is resolved. Every edit and every final report is claimed in the database (see
    announcements.progress_updates): the outbox's hook, the periodic job and another instance
    may all call this, and still each number is shown once and each report sent once. True when
    anything changed."""
    runtime = runtime_of(application)
    async with runtime.uow() as uow:
        edits, reports = await ann.progress_updates(uow, runtime.now(), runtime.i18n)
        await uow.commit()
    for edit in edits:
        try:
            # Bounded well inside the edit's lease (announcements.PROGRESS_EDIT_LEASE): past it,
            # another driver may finish, and this edit must not land after the final report.
            await application.bot.edit_message_text(
                edit.text, chat_id=edit.chat_id, message_id=edit.message_id,
                connect_timeout=EDIT_TIMEOUT, read_timeout=EDIT_TIMEOUT, write_timeout=EDIT_TIMEOUT,
                pool_timeout=EDIT_TIMEOUT,
            )
        except TelegramError as exc:  # "not modified", or too old to edit: the next edit carries on
            log.debug("progress message of announcement %s not edited: %s", edit.announcement_id, exc)
        finally:
            async with runtime.uow() as uow:
                await ann.progress_edit_done(uow, edit, runtime.now())
    if reports and runtime.outbox is not None:
        runtime.outbox.wake()  # a final report is waiting
    return bool(edits or reports)


# ---- the periodic jobs -------------------------------------------------------------------
# Each takes the Runtime (database, texts, clock, settings) and returns (what it did, whether
# messages wait in the outbox). The bot runs them on its JobQueue; `klasterbot jobs run NAME`
# runs the same function by hand, in its own process. Everything a job does is claimed in the
# database (a conditional UPDATE, a unique row, a dedupe key, a DELETE), so running one by hand
# while the bot runs, or twice, does nothing twice.


async def start_scheduled_work(runtime: Runtime) -> tuple[str, bool]:
    """Scheduled announcements that are due start; trainings get their reminders."""
    now = runtime.now()
    async with runtime.uow() as uow:
        started = await ann.start_due_scheduled(uow, now)
    async with runtime.uow() as uow:
        queued = await ann.queue_training_reminders(uow, now, runtime.i18n)
    return f"{len(started)} scheduled announcements started, {queued} training reminders queued", bool(started or queued)


async def monthly_work(runtime: Runtime) -> tuple[list[monthly.RunResult], bool]:
    """Reminders, the deadline and summaries that are due now (each claimed once, ever)."""
    async with runtime.uow() as uow:
        runs = await monthly.run_due(uow, runtime.now(), _worker_id(), runtime.settings.schedule, runtime.i18n)
    return runs, any(r.queued for r in runs)


async def market_followup_work(runtime: Runtime) -> tuple[int, bool]:
    """Ask authors and members how requests and opportunities ended, where a round is due
    (each question claimed once in the database, so two instances ask once)."""
    async with runtime.uow() as uow:
        queued = await market.queue_followups(uow, runtime.now(), runtime.i18n, runtime.settings.followups)
    return queued, bool(queued)


async def retention_work(runtime: Runtime) -> tuple[Forgotten, bool]:
    """Delete handled-update ids, unfinished drafts and never-claimed Dinas list rows whose
    retention period is over (README, "Data pribadi / Personal data")."""
    async with runtime.uow() as uow:
        forgotten = await privacy.apply_retention(uow, runtime.now())
    if forgotten.updates or forgotten.drafts or forgotten.roster_rows or forgotten.message_copies:
        log.info(
            "retention: %d update ids, %d drafts, %d list rows deleted; %d message texts blanked",
            forgotten.updates, forgotten.drafts, forgotten.roster_rows, forgotten.message_copies,
        )
    return forgotten, False


# The job names of the JobQueue, and of `klasterbot jobs run` (progress edits messages: only the
# process that holds the token runs it).
JOBS: dict[str, Callable[[Runtime], Awaitable[tuple[Any, bool]]]] = {
    "due-work": start_scheduled_work,
    "monthly": monthly_work,
    "market-followups": market_followup_work,
    "retention": retention_work,
}


async def _run_in_bot(application: Application, job: Callable[[Runtime], Awaitable[tuple[Any, bool]]]) -> Any:
    runtime = runtime_of(application)
    result, queued = await job(runtime)
    if queued and runtime.outbox is not None:
        runtime.outbox.wake()
    return result


async def queue_due_work(application: Application) -> None:
    """Scheduled announcements that are due start; trainings get their reminders."""
    await _run_in_bot(application, start_scheduled_work)


async def run_monthly_jobs(application: Application) -> list[monthly.RunResult]:
    """Reminders, the deadline and summaries that are due now (each claimed once, ever)."""
    return await _run_in_bot(application, monthly_work)


async def follow_up_market(application: Application) -> int:
    """Ask how requests and opportunities ended, where a round is due."""
    return await _run_in_bot(application, market_followup_work)


async def forget_expired_data(application: Application) -> Forgotten:
    """Delete what is past its retention period."""
    return await _run_in_bot(application, retention_work)


async def start_background(application: Application) -> None:
    """Start the outbox sender and the periodic jobs (production; tests drive them by hand)."""
    runtime = runtime_of(application)
    runtime.outbox = create_outbox(application)
    if not runtime.settings.run_background_tasks:
        return
    stop = asyncio.Event()
    runtime.background_stop = stop

    async def after_batch(stats: DrainStats) -> None:
        await report_progress(application)

    runtime.background_tasks.append(asyncio.create_task(runtime.outbox.run(stop, on_batch=after_batch), name="outbox"))
    jobs = application.job_queue
    if jobs is not None:
        jobs.run_repeating(_job(report_progress), interval=PROGRESS_EVERY_SECONDS, first=PROGRESS_EVERY_SECONDS, name="progress")
        jobs.run_repeating(_job(queue_due_work), interval=SCHEDULE_CHECK_SECONDS, first=1.0, name="due-work")
        # first=2: a bot that was down at a firing time catches up once, right after start.
        if runtime.settings.run_monthly_jobs:
            jobs.run_repeating(_job(run_monthly_jobs), interval=SCHEDULE_CHECK_SECONDS, first=2.0, name="monthly")
        jobs.run_repeating(_job(forget_expired_data), interval=RETENTION_EVERY_SECONDS, first=30.0, name="retention")
        if runtime.settings.run_monthly_jobs:
            # Calendar-driven like the monthly jobs: a benchmark's seeded requests stay unasked.
            jobs.run_repeating(_job(follow_up_market), interval=FOLLOWUP_EVERY_SECONDS, first=20.0, name="market-followups")


def _job(function):
    async def callback(context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await function(context.application)
        except Exception:
            log.exception("job %s failed", function.__name__)

    return callback


async def stop_background(application: Application) -> None:
    runtime = runtime_of(application)
    if runtime.background_stop is not None:
        runtime.background_stop.set()
    for task in runtime.background_tasks:
        try:
            await asyncio.wait_for(task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
    runtime.background_tasks.clear()
    bulk = application.bot_data.get(BULK_REQUEST_KEY)
    if bulk is not None:
        await bulk.shutdown()
