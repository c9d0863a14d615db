"""Sending at scale (issue 19, item 3) and the summary's staleness check (item 4): progress
reads counters kept as results are written, never a count over all deliveries; a 403 stops the
chat's other messages by an index seek; the staleness check reads only what waits for release."""

from __future__ import annotations

from sqlalchemy import event, insert, select, text

from bot.domain import Role
from bot.shell.background import report_progress
from db import summary_queries
from db.models import Announcement, Member, MonthlyReport

CHAIR = 50


async def _cluster(bot, size, first=100_000):
    cluster = await bot.cluster("Batik Pekalongan Raya", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    rows = []
    for i in range(size):
        bot.api.user(first + i, f"Anggota{i}")
        rows.append({
            "telegram_user_id": first + i, "chat_id": first + i, "name": f"Anggota {i}", "business_name": "Usaha",
            "main_product": "batik", "cluster_id": cluster.id, "status": "active", "joined_at": bot.now,
            "consent_at": bot.now, "consent_version": "2026-11", "announcements_paused": False, "updated_at": bot.now,
        })
    if rows:
        async with bot.uow() as uow:
            await uow.session.execute(insert(Member), rows)
            await uow.commit()
    return cluster


async def _announce(bot, words):
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send(words)
    await chair.press("Kirim sekarang")
    return chair


async def _counters_and_counts(bot):
    async with bot.uow(read_only=True) as uow:
        found = {}
        for a in (await uow.session.scalars(select(Announcement).order_by(Announcement.id))).all():
            counts = await uow.deliveries.counts_for(a.id)
            found[a.id] = (
                {"sent": a.sent_count, "blocked": a.blocked_count, "failed": a.failed_count},
                {k: counts.get(k, 0) for k in ("sent", "blocked", "failed")},
                a.status,
            )
        return found


def _statements(bot):
    """Every SQL statement the bot's engine runs while the list is in use."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = bot.runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: event.remove(engine, "before_cursor_execute", record)


async def test_counters_match_the_deliveries_through_403_5xx_and_two_announcements(bot):
    """A member who blocked the bot stops both announcements' copies at the first 403; every
    announcement's counters equal the GROUP BY over its deliveries, and both end with a report."""
    await _cluster(bot, 300)
    blocked = {100_000 + i for i in range(0, 300, 30)}
    bot.api.blocked_chats |= blocked
    chair = await _announce(bot, "Pameran batik di Semarang")
    await _announce(bot, "Kunjungan pembeli dari Jakarta")
    bot.api.faults.server_error_rate = 0.05
    await bot.drain()
    found = await _counters_and_counts(bot)
    assert len(found) == 2
    for counters, counts, status in found.values():
        assert counters == counts
        assert status == "done"
    # Each blocked chat met one 403 in all: the second announcement's copy was stopped with it.
    for chat in blocked:
        answers = [c.status for c in bot.api.calls_to("sendMessage") if int(c.params["chat_id"]) == chat]
        assert answers.count(403) == 1
    assert sum(c["blocked"] for c, _, _ in found.values()) == 2 * len(blocked)
    reports = [t for t in chair.texts() if "Laporan pengiriman pengumuman" in t]
    assert len(reports) == 2 and all("Memblokir bot: 10" in r and "Terkirim: 290" in r for r in reports)


async def test_progress_reads_the_announcement_row_not_its_deliveries(bot):
    await _cluster(bot, 200)
    await _announce(bot, "Pameran batik di Semarang")
    await bot.runtime.outbox.drain_once()  # the progress message and a first batch
    seen, stop = _statements(bot)
    try:
        await report_progress(bot.app)
    finally:
        stop()
    assert seen
    counting = [s for s in seen if "deliveries" in s.lower() and ("count(" in s.lower() or "group by" in s.lower())]
    assert counting == []


async def test_a_member_erased_mid_send_still_lets_the_announcement_end(bot):
    """/hapusdata cancels what still waited for the person: counted, so progress ends."""
    cluster = await _cluster(bot, 0)
    users = []
    for user_id, name in ((701, "Ratna Kusumawati"), (702, "Budi Santoso"), (703, "Citra Dewi")):
        user = bot.user(user_id, name.split()[0])
        await bot.register(user, cluster, name=name)
        users.append(user)
    chair = await _announce(bot, "Pameran batik di Semarang")
    await users[0].send("/hapusdata")
    await users[0].press("Ya, hapus data saya")
    await bot.drain()
    async with bot.uow(read_only=True) as uow:
        a = await uow.session.scalar(select(Announcement))
    assert (a.status, a.sent_count, a.cancelled_count, a.recipients) == ("done", 2, 1, 3)
    assert any("Laporan pengiriman pengumuman" in t and "Terkirim: 2" in t for t in chair.texts())


async def test_the_staleness_check_reads_only_the_reports_waiting_for_release(bot):
    """pending_changes seeks the partial index of unreleased reports: after publication that is
    a handful of rows, not the cluster-month."""
    cluster = await bot.cluster()
    async with bot.uow() as uow:
        session = uow.session
        r = MonthlyReport
        query = summary_queries._filter(
            select(r.cluster_id).where(r.month == "2026-10", summary_queries._unreleased()), [cluster.id], seek=True
        )
        compiled = str(query.compile(bot.runtime.engine.sync_engine, compile_kwargs={"literal_binds": True}))
        if session.bind.dialect.name == "sqlite":
            plan = " ".join(str(row) for row in (await session.execute(text("EXPLAIN QUERY PLAN " + compiled))).all())
        else:
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(row[0] for row in (await session.execute(text("EXPLAIN " + compiled))).all())
        assert "ix_monthly_reports_unreleased" in plan, plan


async def _plan(session, statement, engine) -> str:
    compiled = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    if session.bind.dialect.name == "sqlite":
        return " ".join(str(row) for row in (await session.execute(text("EXPLAIN QUERY PLAN " + compiled))).all())
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    return " ".join(row[0] for row in (await session.execute(text("EXPLAIN " + compiled))).all())


async def test_each_message_costs_index_seeks_not_a_pass_over_the_send(bot):
    """The sender's claim reads the next batch in index order (no sort of every pending row: a
    million rows share one not_before), and a 403 finds the chat's messages by an index."""
    from datetime import UTC, datetime

    from sqlalchemy import update as sql_update

    from db.models import Delivery

    engine = bot.runtime.engine.sync_engine
    async with bot.uow() as uow:
        now = datetime(2026, 11, 28, tzinfo=UTC)
        due = (
            select(Delivery.id).where(Delivery.status == "pending", Delivery.not_before <= now)
            .order_by(Delivery.not_before, Delivery.id).limit(200)
        )
        plan = await _plan(uow.session, due, engine)
        assert "ix_deliveries_due" in plan, plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
        stop = sql_update(Delivery).where(Delivery.chat_id == 123, Delivery.status == "pending").values(status="blocked")
        if uow.session.bind.dialect.name == "sqlite":
            plan = await _plan(uow.session, stop, engine)
        else:
            plan = await _plan(uow.session, select(Delivery.id).where(Delivery.chat_id == 123), engine)
        assert "ix_deliveries_chat_id" in plan, plan
        await uow.rollback()
