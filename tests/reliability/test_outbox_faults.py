"""F1, F4, F5, F6: a 3,000-member announcement against injected 429s, 403s, 5xx and timeouts, and a crash.

Every member is reached exactly once except those who blocked the bot, who are marked and
never retried; a crash mid-way repeats at most the messages in flight.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, insert, select

from bot.domain import Role
from bot.outbox import Outbox, OutboxConfig, Transient
from bot.shell.background import report_progress, telegram_transport
from db.models import Delivery, Member

CHAIR = 50
MEMBERS = 3000


async def _big_cluster(bot, size=MEMBERS):
    cluster = await bot.cluster("Batik Pekalongan Raya", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    rows = []
    for i in range(size):
        user_id = 100_000 + i
        bot.api.user(user_id, f"Anggota{i}")
        rows.append(
            {
                "telegram_user_id": user_id, "chat_id": user_id, "name": f"Anggota {i}",
                "business_name": f"Usaha {i}", "main_product": "batik", "cluster_id": cluster.id,
                "status": "active", "joined_at": bot.now, "consent_at": bot.now, "consent_version": "2026-11",
                "announcements_paused": False, "updated_at": bot.now,
            }
        )
    async with bot.uow() as uow:
        await uow.session.execute(insert(Member), rows)
        await uow.commit()
    return cluster


def _member_counts(bot, text):
    """Messages with `text` per member chat (the author's own preview is not a delivery)."""
    return {chat: n for chat, n in bot.api.delivered_counts(text).items() if chat >= 100_000}


async def _announce(bot, text="Pameran batik di Semarang"):
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send(text)
    await chair.press("Kirim sekarang")
    return chair


async def test_3000_members_with_429_403_5xx_each_reached_once(bot):
    await _big_cluster(bot)
    blocked = {100_000 + i for i in range(0, MEMBERS, 50)}  # 2 %
    bot.api.blocked_chats |= blocked
    bot.api.faults.server_error_rate = 0.01
    bot.api.faults.rate_per_second = 1500
    chair = await _announce(bot)
    await bot.drain()

    counts = _member_counts(bot, "Pameran batik")
    expected = {100_000 + i for i in range(MEMBERS)} - blocked
    assert set(counts) == expected
    assert set(counts.values()) == {1}
    assert bot.api.rejected_5xx > 0
    async with bot.uow(read_only=True) as uow:
        statuses = dict((await uow.session.execute(select(Delivery.status, func.count()).where(Delivery.kind == "announcement").group_by(Delivery.status))).all())
        marked = await uow.session.scalar(select(func.count()).select_from(Member).where(Member.blocked_at.is_not(None)))
    assert statuses == {"sent": len(expected), "blocked": len(blocked)}
    assert marked == len(blocked)
    # After its 403 a blocked chat is never tried again (earlier 5xx/429 answers may precede it).
    for chat in blocked:
        answers = [c.status for c in bot.api.calls_to("sendMessage") if int(c.params["chat_id"]) == chat]
        assert answers.count(403) == 1 and answers[-1] == 403
    report = chair.last_text
    assert "Terkirim: 2.940" in report and "Memblokir bot: 60" in report and "Gagal: 0" in report


async def test_429_storm_is_honoured_and_nothing_lost(bot):
    await _big_cluster(bot, 300)
    bot.api.faults.rate_per_second = 100
    await _announce(bot)
    await bot.drain()
    assert bot.api.rejected_429 > 0
    counts = _member_counts(bot, "Pameran batik")
    assert len(counts) == 300 and set(counts.values()) == {1}


async def test_permanent_5xx_gives_up_after_max_attempts_and_reports_failed(bot):
    await _big_cluster(bot, 20)
    chair = await _announce(bot)
    bot.api.faults.server_error_rate = 1.0
    await bot.drain(max_rounds=300)  # the author's notices keep waiting for Telegram
    bot.api.faults.server_error_rate = 0.0
    await bot.drain()  # the final report, once Telegram answers again
    async with bot.uow(read_only=True) as uow:
        rows = (await uow.session.execute(select(Delivery.status, Delivery.attempts).where(Delivery.kind == "announcement"))).all()
    assert {status for status, _ in rows} == {"failed"}
    assert {attempts for _, attempts in rows} == {OutboxConfig().max_attempts}
    assert "Gagal: 20" in chair.last_text


async def test_timeouts_are_retried_and_cost_at_most_one_duplicate_each(bot):
    """F6, timeouts: a send that times out is retried with backoff. One lost before reaching
    Telegram is sent again once; one whose answer was lost after delivery may arrive twice
    (sendMessage has no idempotency key; a duplicate beats a member who never hears)."""
    await _big_cluster(bot, 400)
    bot.api.faults.timeout_before_rate = 0.04
    bot.api.faults.timeout_after_rate = 0.02
    chair = await _announce(bot)
    await bot.drain()
    counts = _member_counts(bot, "Pameran batik")
    assert bot.api.timed_out_before > 0 and bot.api.timed_out_after
    assert set(counts) == {100_000 + i for i in range(400)}  # nobody missed
    twice = {chat for chat, n in counts.items() if n > 1}
    # Only chats whose answer was lost after delivery may hold a second copy, one per lost answer.
    lost_answers = Counter(chat for chat, _ in bot.api.timed_out_after)
    assert all(counts[chat] <= 1 + lost_answers[chat] for chat in counts)
    assert twice <= set(lost_answers)
    async with bot.uow(read_only=True) as uow:
        statuses = dict((await uow.session.execute(select(Delivery.status, func.count()).where(Delivery.kind == "announcement").group_by(Delivery.status))).all())
    assert statuses == {"sent": 400}
    assert "Terkirim: 400" in chair.last_text and "Gagal: 0" in chair.last_text


class Crash(BaseException):
    """The process dies: nothing after this line runs."""


async def test_killed_mid_announcement_then_restarted(bot):
    await _big_cluster(bot, 1000)
    await _announce(bot, "Bazar UMKM akhir pekan")
    transport = telegram_transport(bot.app)
    sent = 0

    async def dying_transport(chat_id, payload):
        nonlocal sent
        if sent == 437:
            raise Crash
        sent += chat_id >= 100_000  # the author's progress message goes first; count members
        return await transport(chat_id, payload)

    config = OutboxConfig(per_second=5000, batch=200)
    doomed = Outbox(bot.runtime.uow, dying_transport, config=config, clock=bot.runtime.now, worker_id="doomed")
    try:
        for _ in range(10):
            await doomed.drain_once()
    except (Crash, BaseExceptionGroup):
        pass
    delivered_before = len(_member_counts(bot, "Bazar UMKM"))
    assert delivered_before == 437

    await bot.restart()
    bot.now = bot.now + config.lease  # the dead worker's claims expire
    await bot.runtime.outbox.release_interrupted()
    await bot.drain()
    counts = _member_counts(bot, "Bazar UMKM")
    assert len(counts) == 1000
    duplicates = sum(n - 1 for n in counts.values())
    # Only messages sent but not yet recorded can repeat: at most concurrency + flush_every.
    assert duplicates <= config.concurrency + config.flush_every
    await report_progress(bot.app)


async def test_two_senders_share_the_table_without_double_sends(bot):
    """F9: two processes drain one deliveries table (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
    import asyncio

    await _big_cluster(bot, 600)
    await _announce(bot, "Kunjungan pembeli")
    transport = telegram_transport(bot.app)
    config = OutboxConfig(per_second=5000, batch=50)
    first, second = (
        Outbox(bot.runtime.uow, transport, config=config, clock=bot.runtime.now, worker_id=name)
        for name in ("host-a:1", "host-b:2")
    )

    async def drain(outbox):
        while (await outbox.drain_once()).sent:
            pass

    await asyncio.gather(drain(first), drain(second))
    counts = _member_counts(bot, "Kunjungan pembeli")
    assert len(counts) == 600 and set(counts.values()) == {1}
    async with bot.uow(read_only=True) as uow:
        workers = dict((await uow.session.execute(select(Delivery.claimed_by, func.count()).group_by(Delivery.claimed_by))).all())
    assert set(workers) == {"host-a:1", "host-b:2"}


async def test_member_who_unblocks_and_writes_again_gets_announcements_again(bot):
    await _big_cluster(bot, 5)
    bot.api.blocked_chats.add(100_002)
    await _announce(bot, "Pengumuman satu")
    await bot.drain()
    bot.api.blocked_chats.discard(100_002)
    await bot.api.user_handle(100_002).send("/bantuan")  # they open the bot again
    await _announce(bot, "Pengumuman dua")
    await bot.drain()
    assert _member_counts(bot, "Pengumuman dua").get(100_002) == 1
    assert 100_002 not in _member_counts(bot, "Pengumuman satu")


def _real_time_clock(bot):
    """The bot's clock, moving with real time (retries become due while the sender runs)."""
    import time
    from datetime import timedelta

    start, base = time.monotonic(), bot.now
    return lambda: base + timedelta(seconds=time.monotonic() - start)


async def _open_rows(bot):
    async with bot.uow(read_only=True) as uow:
        return dict((await uow.session.execute(
            select(Delivery.status, func.count()).where(Delivery.status.in_(("pending", "sending"))).group_by(Delivery.status)
        )).all())


async def test_streaming_sender_claims_ahead_and_reaches_everyone_once(bot):
    """The production loop (run): claims the next batch while sending, records alongside,
    sleeps only until the next retry is due, reports progress while it goes."""
    import asyncio

    await _big_cluster(bot, 400)
    blocked = {100_000 + i for i in range(0, 400, 50)}
    bot.api.blocked_chats |= blocked
    bot.api.faults.server_error_rate = 0.03
    await _announce(bot, "Pameran kopi")
    # More messages to one member's chat: they wait for its turn without stalling the rest,
    # and the sender still ends its stretch when nothing else is due.
    async with bot.uow() as uow:
        await uow.deliveries.add_many([
            {"kind": "summary_card", "dedupe_key": f"card:{i}", "chat_id": 100_007, "payload": {"text": f"Kartu {i}"},
             "status": "pending", "attempts": 0, "not_before": bot.now, "created_at": bot.now}
            for i in range(3)
        ])
        await uow.commit()
    config = OutboxConfig(per_second=5000, batch=40, flush_every=10, max_backoff=0.05)
    outbox = Outbox(bot.runtime.uow, telegram_transport(bot.app), config=config, clock=_real_time_clock(bot), worker_id="w")
    stop = asyncio.Event()
    reports = []

    async def on_batch(stats):
        reports.append(stats.sent)

    runner = asyncio.create_task(outbox.run(stop, idle=0.05, on_batch=on_batch, progress_every=0.0))
    for _ in range(600):
        await asyncio.sleep(0.05)
        if not await _open_rows(bot):
            break
    stop.set()
    await asyncio.wait_for(runner, 10)
    assert await _open_rows(bot) == {}
    counts = _member_counts(bot, "Pameran kopi")
    assert set(counts) == {100_000 + i for i in range(400)} - blocked
    assert set(counts.values()) == {1}
    assert bot.api.rejected_5xx > 0
    assert reports and reports[-1] >= 1
    assert bot.api.delivered_counts("Kartu").get(100_007) == 3


async def test_stopping_sender_gives_back_what_it_claimed(bot):
    """A clean stop leaves nothing "sending" (no lease to wait for at the next start)."""
    import asyncio

    await _big_cluster(bot, 300)
    await _announce(bot, "Bazar kerajinan")
    transport = telegram_transport(bot.app)
    stop = asyncio.Event()
    sent = 0

    async def stopping_transport(chat_id, payload):
        nonlocal sent
        sent += 1
        if sent == 60:
            stop.set()
        return await transport(chat_id, payload)

    config = OutboxConfig(per_second=5000, batch=50)
    outbox = Outbox(bot.runtime.uow, stopping_transport, config=config, clock=bot.runtime.now, worker_id="w")
    await asyncio.wait_for(outbox.run(stop, idle=0.05), 10)
    open_rows = await _open_rows(bot)
    assert "sending" not in open_rows and open_rows.get("pending", 0) > 0
    await bot.drain()
    counts = _member_counts(bot, "Bazar kerajinan")
    assert len(counts) == 300 and set(counts.values()) == {1}


async def test_a_chat_waiting_for_its_turn_does_not_hold_up_the_others(bot):
    """Two messages to one chat: the second steps aside for its 1 s, the rest go meanwhile."""
    from bot.rate_gate import RateGate

    now = bot.now
    chats = [7001, 7001, 7002, 7003, 7004, 7005]
    async with bot.uow() as uow:
        await uow.deliveries.add_many([
            {"kind": "summary_card", "dedupe_key": f"hol:{i}", "chat_id": chat, "payload": {"text": f"pesan {i}"},
             "status": "pending", "attempts": 0, "not_before": now, "created_at": now}
            for i, chat in enumerate(chats)
        ])
        await uow.commit()
    fake = {"t": 0.0}

    async def sleep(seconds):
        fake["t"] += seconds

    gate = RateGate(1000, clock=lambda: fake["t"], sleep=sleep)
    order = []

    async def transport(chat_id, payload):
        order.append((chat_id, fake["t"]))
        return 1

    outbox = Outbox(bot.runtime.uow, transport, config=OutboxConfig(per_second=1000), clock=bot.runtime.now, worker_id="w", gate=gate)
    stats = await outbox.drain_once()
    assert stats.sent == 6
    # Dispatch order (without stepping aside it would be 7001, 7001, 7002 ...).
    assert [chat for chat, _ in order] == [7001, 7002, 7003, 7004, 7005, 7001]
    assert order[-1][1] >= 1.0  # the chat's own interval still holds


async def test_a_due_retry_goes_before_the_first_attempts_still_waiting(bot):
    """F6: a message that met a 5xx is retried after its backoff, not after the whole send.

    All first attempts of a big send are due from the start, so in due order alone a retry
    would queue behind every one of them (an hour at 30 messages a second)."""
    from datetime import timedelta

    await _big_cluster(bot, 300)
    await _announce(bot, "Pesanan seragam")
    transport = telegram_transport(bot.app)
    outbox = Outbox(bot.runtime.uow, transport, config=OutboxConfig(per_second=5000, batch=50), clock=bot.runtime.now, worker_id="w")
    bot.api.faults.server_error_rate = 1.0
    first = await outbox.drain_once()
    assert first.retried == 50
    failed_chats = {int(c.params["chat_id"]) for c in bot.api.calls_to("sendMessage") if c.status == 502}
    bot.api.faults.server_error_rate = 0.0
    bot.now += timedelta(seconds=5)  # past every backoff
    calls_before = len(bot.api.calls_to("sendMessage"))
    second = await outbox.drain_once()
    assert second.sent == 50
    resent = {int(c.params["chat_id"]) for c in bot.api.calls_to("sendMessage")[calls_before:]}
    assert resent == failed_chats
    await bot.drain()
    counts = _member_counts(bot, "Pesanan seragam")
    assert len(counts) == 300 and set(counts.values()) == {1}


async def test_a_retry_does_not_wait_behind_a_chat_waiting_for_its_turn(bot):
    """At the end of a send, the last row may wait a second for its chat's turn; a retry
    falling due meanwhile goes first instead of waiting behind it (B2's tail)."""
    import asyncio
    import time

    now = bot.now
    rows = [(7001, "satu"), (7002, "gagal sekali"), (7001, "dua")]
    async with bot.uow() as uow:
        await uow.deliveries.add_many([
            {"kind": "summary_card", "dedupe_key": f"turn:{i}", "chat_id": chat, "payload": {"text": text},
             "status": "pending", "attempts": 0, "not_before": now, "created_at": now}
            for i, (chat, text) in enumerate(rows)
        ])
        await uow.commit()
    real = telegram_transport(bot.app)
    sent: list[tuple[str, float]] = []
    failed_once = False
    started = time.monotonic()

    async def transport(chat_id, payload):
        nonlocal failed_once
        if chat_id == 7002 and not failed_once:
            failed_once = True
            raise Transient("502 Bad Gateway")
        sent.append((payload["text"], time.monotonic() - started))
        return await real(chat_id, payload)

    config = OutboxConfig(per_second=1000, per_chat_interval=1.0)
    outbox = Outbox(bot.runtime.uow, transport, config=config, clock=_real_time_clock(bot), worker_id="w")
    stop = asyncio.Event()
    runner = asyncio.create_task(outbox.run(stop, idle=0.05))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if len(sent) == 3:
            break
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert [text for text, _ in sent] == ["satu", "gagal sekali", "dua"]
    retried_at = sent[1][1]
    assert retried_at < 0.6  # its backoff (about 0.25 s), not the other chat's full second
    assert sent[2][1] >= 1.0  # and the waiting chat still gets its interval
