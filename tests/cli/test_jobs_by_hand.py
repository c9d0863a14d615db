"""Operators run any of the bot's jobs by hand (`klasterbot jobs run NAME`), the same function
the bot's JobQueue runs; each step is claimed in the database, so a run by hand while the bot
runs (or twice) does nothing twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.domain import Role
from bot.shell import background, cli
from bot.shell.cli import main
from db.models import Delivery, MarketFollowUp

CHAIR = 9700


def test_every_background_job_can_be_run_by_hand():
    assert set(cli.BACKGROUND_JOBS) == set(background.JOBS)


async def _cli(env, capsys, monkeypatch, when: datetime, *argv: str) -> str:
    monkeypatch.setattr(cli, "_now", lambda: when)
    capsys.readouterr()
    assert await asyncio.to_thread(main, list(argv)) == 0
    return capsys.readouterr().out


async def _members(bot, count=3):
    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    members = []
    for i in range(count):
        member = bot.user(9710 + i, "Ani")
        await bot.register(member, cluster, name=f"Ani Lestari {'ABC'[i]}")
        members.append(member)
    return cluster, bot.user(CHAIR, "Ketua"), members


async def _count(bot, model, *where) -> int:
    async with bot.uow(read_only=True) as uow:
        return await uow.session.scalar(select(func.count()).select_from(model).where(*where))


async def test_market_followups_by_hand_while_the_bot_runs_ask_once(bot, env, capsys, monkeypatch):
    from tests.handlers.test_requests import post_request

    _, chair, members = await _members(bot)
    await post_request(bot, chair)
    for member in members:
        await member.press("Sanggup")
        await member.press("Jumlah lain")
        await member.send("100 lembar")
    due = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # a day after the deadline, 10.00 WIB
    out = await _cli(env, capsys, monkeypatch, due, "jobs", "run", "market-followups")
    asked = await _count(bot, MarketFollowUp)
    assert asked > 0 and f"market-followups: {asked} follow-up questions queued" in out
    # The bot's own job at the same moment, and a second run by hand: nothing more.
    bot.now = due
    assert await background.follow_up_market(bot.app) == 0
    out = await _cli(env, capsys, monkeypatch, due, "jobs", "run", "market-followups")
    assert "market-followups: 0 follow-up questions queued" in out
    assert await _count(bot, MarketFollowUp) == asked


async def test_due_work_by_hand_starts_a_scheduled_announcement_once(bot, env, capsys, monkeypatch):
    _, chair, members = await _members(bot)
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("Rapat anggota bulan depan.")
    await chair.press("Jadwalkan")
    await chair.send("30/11/2026 09.00")
    await chair.press(next(b for b in chair.buttons() if b.startswith("Jadwalkan")))
    due = datetime(2026, 11, 30, 2, 1, tzinfo=UTC)
    out = await _cli(env, capsys, monkeypatch, due, "jobs", "run", "due-work")
    assert "due-work: 1 scheduled announcements started" in out
    bot.now = due
    await background.queue_due_work(bot.app)  # the bot's job: already started, nothing to do
    out = await _cli(env, capsys, monkeypatch, due, "jobs", "run", "due-work")
    assert "due-work: 0 scheduled announcements started, 0 training reminders queued" in out
    await bot.drain()
    for member in members:
        assert sum("Rapat anggota bulan depan." in t for t in member.texts()) == 1
    assert await _count(bot, Delivery, Delivery.kind == "announcement") == len(members)


async def test_monthly_by_hand_runs_what_is_due_once(bot, env, capsys, monkeypatch):
    _, chair, members = await _members(bot)
    after_deadline = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)
    out = await _cli(env, capsys, monkeypatch, after_deadline, "jobs", "run", "monthly")
    queued = await _count(bot, Delivery)
    assert queued > 0 and "monthly:" in out
    bot.now = after_deadline
    assert all(r.queued == 0 for r in await background.run_monthly_jobs(bot.app))
    out = await _cli(env, capsys, monkeypatch, after_deadline, "jobs", "run", "monthly")
    assert "monthly: 0 runs" in out and await _count(bot, Delivery) == queued


async def test_retention_by_hand_deletes_once(bot, env, capsys, monkeypatch):
    _, chair, members = await _members(bot)
    late = bot.now + timedelta(days=400)
    out = await _cli(env, capsys, monkeypatch, late, "jobs", "run", "retention")
    first = out.split("retention: ")[1].split(" update ids")[0]
    assert int(first) > 0  # the handled updates of the registrations
    out = await _cli(env, capsys, monkeypatch, late, "jobs", "run", "retention")
    assert "retention: 0 update ids, 0 drafts, 0 list rows deleted" in out


@pytest.mark.parametrize("job", cli.BACKGROUND_JOBS)
async def test_each_job_runs_on_an_empty_database(env, capsys, monkeypatch, job):
    out = await _cli(env, capsys, monkeypatch, datetime(2026, 11, 28, 3, 0, tzinfo=UTC), "jobs", "run", job)
    assert out.startswith(f"{job}: ")
