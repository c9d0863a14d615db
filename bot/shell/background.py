"""Glue between the outbox (Telegram-free) and PTB: the transport, progress, periodic jobs."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ContextTypes

from bot.money import format_count
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
from bot.runtime import runtime_of
from bot.services import announcements as ann
from bot.services import monthly
from handlers import callbacks as cb
from handlers.announcements import member_message

log = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 3.0
SCHEDULE_CHECK_SECONDS = 60.0
TRAINING_REMINDER_CHECK = timedelta(minutes=30)


def _markup(payload: dict[str, Any]) -> InlineKeyboardMarkup | None:
    rows = payload.get("buttons") or []
    if not rows:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row] for row in rows])


def telegram_transport(application: Application) -> Transport:
    """Send one rendered payload; translate Telegram's answers into the outbox's failures."""

    async def send(chat_id: int, payload: dict[str, Any]) -> int | None:
        bot = application.bot
        markup = _markup(payload)
        try:
            if payload.get("photo"):
                message = await bot.send_photo(chat_id, payload["photo"], caption=payload.get("text"), reply_markup=markup)
            elif payload.get("document"):
                message = await bot.send_document(chat_id, payload["document"], caption=payload.get("text"), reply_markup=markup)
            else:
                message = await bot.send_message(chat_id, payload["text"], reply_markup=markup)
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
        return message.message_id

    return send


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def create_outbox(application: Application) -> Outbox:
    runtime = runtime_of(application)
    settings = runtime.settings
    return Outbox(
        runtime.uow,
        telegram_transport(application),
        config=OutboxConfig(
            per_second=settings.max_messages_per_second,
            # Enough sends in flight to keep the pace when each takes up to ~0.1 s to answer.
            concurrency=max(16, math.ceil(settings.max_messages_per_second / 10)),
        ),
        clock=runtime.now,
        worker_id=_worker_id(),
    )


async def report_progress(application: Application) -> None:
    """Edit each author's progress message; send the final report when all is resolved."""
    runtime = runtime_of(application)
    async with runtime.uow(read_only=True) as uow:
        items = await ann.progress_to_report(uow)
    for item in items:
        t = runtime.i18n.translator(item.author_language)
        message_id = item.progress_message_id
        text = t.gettext(
            "Mengirim pengumuman: terkirim {terkirim} dari {jumlah}.",
            terkirim=format_count(item.sent, t.locale),
            jumlah=format_count(item.total, t.locale),
        )
        try:
            if message_id is None:
                message_id = (await application.bot.send_message(item.author_chat_id, text)).message_id
            else:
                try:
                    await application.bot.edit_message_text(text, chat_id=item.author_chat_id, message_id=message_id)
                except BadRequest as exc:  # "not modified", or too old to edit: harmless
                    log.debug("progress message not edited: %s", exc)
            if item.finished:
                await application.bot.send_message(
                    item.author_chat_id, _final_report(t, item), reply_markup=_list_button(t, item)
                )
        except TelegramError as exc:
            log.warning("progress for announcement %s not delivered: %s", item.announcement_id, exc)
            continue
        async with runtime.uow() as uow:
            await ann.record_progress(uow, item.announcement_id, message_id=message_id, sent=item.sent, finished=item.finished, now=runtime.now())


def _final_report(t, item: ann.Progress) -> str:
    return t.gettext(
        "Laporan pengiriman pengumuman:\nTerkirim: {terkirim}\nMemblokir bot: {blokir}\nGagal: {gagal}\n"
        "Belum pernah memulai bot: {belum}",
        terkirim=format_count(item.sent, t.locale),
        blokir=format_count(item.blocked, t.locale),
        gagal=format_count(item.failed, t.locale),
        belum=format_count(item.unreachable, t.locale),
    )


def _list_button(t, item: ann.Progress) -> InlineKeyboardMarkup | None:
    if item.kind is ann.Kind.PELATIHAN:
        label = t.gettext("Daftar hadir")
    elif item.kind is ann.Kind.PELUANG:
        label = t.gettext("Daftar peminat")
    else:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=cb.answer("list", item.announcement_id))]])


async def queue_due_work(application: Application) -> None:
    """Scheduled announcements that are due start; trainings of tomorrow get their reminders."""
    runtime = runtime_of(application)
    now = runtime.now()

    def render(language, item) -> dict[str, Any]:
        t = runtime.i18n.translator(language)
        text = t.gettext("Pengingat: besok Anda ikut pelatihan ini.") + "\n\n" + member_message(
            t, item.kind, item.text, training_at=item.training_at, training_place=item.training_place, zone="Asia/Jakarta"
        )
        return {"text": text, "buttons": []}

    async with runtime.uow() as uow:
        await ann.start_due_scheduled(uow, now)
    async with runtime.uow() as uow:
        queued = await ann.queue_training_reminders(uow, now, render)
    if queued and runtime.outbox is not None:
        runtime.outbox.wake()


async def run_monthly_jobs(application: Application) -> list[monthly.RunResult]:
    """Reminders, the deadline and summaries that are due now (each claimed once, ever)."""
    from handlers.summaries import renders

    runtime = runtime_of(application)
    reminder, summary_renders = renders(runtime)
    async with runtime.uow() as uow:
        runs = await monthly.run_due(uow, runtime.now(), _worker_id(), runtime.settings.schedule, reminder, summary_renders)
    if any(r.queued for r in runs) and runtime.outbox is not None:
        runtime.outbox.wake()
    return runs


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
        jobs.run_repeating(_job(run_monthly_jobs), interval=SCHEDULE_CHECK_SECONDS, first=2.0, name="monthly")


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
