"""One pledge per member and a correct total, whatever races: the same press handled twice at
once by one process or by two processes on one database, different amounts from the same member
at once, many members at once on two instances, and the follow-up job run by both instances.
On PostgreSQL (TEST_DATABASE_URL) the two share the server, READ COMMITTED."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain import Role
from bot.shell.background import follow_up_market
from db.models import Delivery, MarketFollowUp, MarketPledge, MarketRequest
from tests.support.harness import Harness

CHAIR = 3100


@pytest.fixture(params=["double_press", "second_instance"])
async def pair(request, bot) -> AsyncIterator[tuple[Harness, Harness]]:
    if request.param == "double_press":
        yield bot, bot
        return
    other = await Harness(bot.settings, bot.api).start()
    other.runtime.outbox.worker_id = "host-b:2"
    other.now = bot.now
    bot.api.sink = bot._process
    try:
        yield bot, other
    finally:
        errors = [r.getMessage() for r in other.errors.records]
        await other.stop()
        bot.api.sink = bot._process
    assert not errors, errors


async def _capture(bot: Harness, press) -> dict[str, Any]:
    """The update a press sends, not yet handed to any process."""
    sink, bot.api.sink = bot.api.sink, None
    try:
        update = await press
    finally:
        bot.api.sink = sink
    bot.api.pending_updates.remove(update)
    return update


async def _setup(bot: Harness, n: int):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    members = []
    names = ["Ani", "Budi", "Citra", "Dian", "Eko", "Fajar"]
    for i in range(n):
        user = bot.user(3110 + i, names[i])
        await bot.register(user, batik, name=f"{names[i]} Lestari")
        members.append(user)
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/permintaan")
    await chair.send("Batik tulis motif jlamprang")
    await chair.send("500 lembar")
    await chair.press("Lewati")
    await chair.send("5/12/2026")
    await chair.send("Pekalongan")
    await chair.press("Lewati")
    await chair.press("Kirim sekarang")
    await bot.drain()
    async with bot.uow(read_only=True) as uow:
        request_id = await uow.session.scalar(select(func.max(MarketRequest.id)))
    return chair, members, request_id


async def _rows(bot: Harness, request_id: int) -> list[tuple[int | None, int, str]]:
    async with bot.uow(read_only=True) as uow:
        rows = await uow.session.execute(
            select(MarketPledge.member_id, MarketPledge.quantity, MarketPledge.status)
            .where(MarketPledge.request_id == request_id).order_by(MarketPledge.member_id)
        )
        return [tuple(r) for r in rows.all()]


async def test_the_same_press_twice_keeps_one_pledge_and_tells_the_author_once(bot, pair):
    a, b = pair
    chair, members, request_id = await _setup(bot, 3)
    for member in members:
        await member.press("Sanggup")
        first = await _capture(bot, member.press_data(f"req:q:{request_id}:100"))
        second = await _capture(bot, member.press_data(f"req:q:{request_id}:100"))
        await asyncio.gather(a._process(first), b._process(second))
    rows = await _rows(bot, request_id)
    assert len(rows) == 3 and all(q == 100 and s == "active" for _, q, s in rows)
    async with bot.uow(read_only=True) as uow:
        assert await uow.requests.fill(request_id) == (300, 3)
        notices = await uow.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.kind == "request_notice")
        )
    assert notices == 3


async def test_two_amounts_at_once_leave_one_pledge_with_one_of_them(bot, pair):
    a, b = pair
    chair, members, request_id = await _setup(bot, 1)
    member = members[0]
    await member.press("Sanggup")
    first = await _capture(bot, member.press_data(f"req:q:{request_id}:50"))
    second = await _capture(bot, member.press_data(f"req:q:{request_id}:200"))
    await asyncio.gather(a._process(first), b._process(second))
    rows = await _rows(bot, request_id)
    assert len(rows) == 1 and rows[0][1] in (50, 200)
    async with bot.uow(read_only=True) as uow:
        assert await uow.requests.fill(request_id) == (rows[0][1], 1)


async def test_many_members_on_two_instances_add_up(bot, pair):
    a, b = pair
    chair, members, request_id = await _setup(bot, 6)
    updates = []
    for i, member in enumerate(members):
        await member.press("Sanggup")
        updates.append(((a, b)[i % 2], await _capture(bot, member.press_data(f"req:q:{request_id}:{[20, 50, 100][i % 3]}"))))
    # A withdrawal at the same moment as the pledges.
    await asyncio.gather(*(h._process(u) for h, u in updates))
    withdraw = await _capture(bot, members[0].press_data(f"req:w:{request_id}"))
    again = await _capture(bot, members[0].press_data(f"req:w:{request_id}"))
    await asyncio.gather(a._process(withdraw), b._process(again))
    rows = await _rows(bot, request_id)
    active = [q for _, q, s in rows if s == "active"]
    async with bot.uow(read_only=True) as uow:
        assert await uow.requests.fill(request_id) == (sum(active), len(active)) == (340 - 20, 5)
    assert sum("sudah ditarik" in t for t in members[0].texts()) == 2  # one withdrew, one was told so


async def test_the_followup_job_on_two_instances_asks_once(bot, pair):
    a, b = pair
    chair, members, request_id = await _setup(bot, 2)
    for member in members:
        await member.press("Sanggup")
        await member.press("100 lembar")
    await chair.press("Lihat sanggupan")
    await chair.press("Bagi pesanan")
    await chair.press("Kirim pembagian")
    a.now = b.now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    counts = await asyncio.gather(follow_up_market(a.app), follow_up_market(b.app))
    assert sum(counts) == 3
    async with bot.uow(read_only=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(MarketFollowUp)) == 3
        assert await uow.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.kind == "followup")
        ) == 3
