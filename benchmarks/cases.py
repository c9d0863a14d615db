"""The benchmark cases. Each returns a dict of figures; `python -m benchmarks.one` runs one
in its own process so memory peaks and databases do not mix."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from telegram import Update
from telegram.ext import ApplicationBuilder, MessageHandler, filters

from benchmarks.support import (
    TOKEN,
    RunningBot,
    fresh_database,
    peak_rss_mb,
    percentile,
    seed_members,
    settings_for,
    start_emulator,
)
from bot.dates import Month
from bot.domain import Role
from db.models import Delivery, Member, MonthlyReport
from db.session import create_engine, create_session_factory
from db.uow import UnitOfWorkFactory


async def _cluster_and_chair(url: str, chair: int) -> int:
    from bot.services import clusters, roles

    engine = create_engine(url)
    factory = UnitOfWorkFactory(create_session_factory(engine))
    async with factory() as uow:
        cluster = await clusters.create_cluster(uow, name="Batik Bench", kabupaten="Pekalongan", commodity="batik")
    async with factory() as uow:
        await roles.grant_role(uow, chair, Role.KETUA, cluster=cluster.name)
    await engine.dispose()
    return cluster.id


async def _closed_loop(api, users: list[int], rounds: int, steps) -> tuple[float, list[float], int]:
    """Each user sends, waits for the bot's answer, sends the next: updates/s and latencies."""
    latencies: list[float] = []

    async def one_user(user_id: int) -> None:
        handle = api.user_handle(user_id)
        for _ in range(rounds):
            for step in steps:
                event = api.arrivals[user_id]
                event.clear()
                started = time.monotonic()
                await step(handle)
                await asyncio.wait_for(event.wait(), 30)
                latencies.append(time.monotonic() - started)

    started = time.monotonic()
    await asyncio.gather(*(one_user(u) for u in users))
    elapsed = time.monotonic() - started
    return len(latencies) / elapsed, latencies, len(latencies)


async def _wait_until_sent(url: str, deadline: float) -> tuple[dict[str, int], int]:
    """Poll until no announcement delivery is open (or the deadline); statuses and blocked marks."""
    engine = create_engine(url)
    try:
        while time.monotonic() < deadline:
            async with engine.connect() as connection:
                open_rows = (await connection.execute(
                    select(func.count()).select_from(Delivery).where(
                        Delivery.kind == "announcement", Delivery.status.in_(("pending", "sending"))
                    )
                )).scalar()
            if not open_rows:
                break
            await asyncio.sleep(0.5)
        async with engine.connect() as connection:
            statuses = dict((await connection.execute(
                select(Delivery.status, func.count()).where(Delivery.kind == "announcement").group_by(Delivery.status)
            )).all())
            marked = (await connection.execute(
                select(func.count()).select_from(Member).where(Member.blocked_at.is_not(None))
            )).scalar()
    finally:
        await engine.dispose()
    return statuses, marked


def _send_figures(times: list[float], counts: dict[int, int], members: int, rate: float, blocked: int, marked: int,
                  rejected_429: int, rejected_5xx: int) -> dict[str, Any]:
    """Rate (overall and steady), who was reached, missed or doubled: B2's figures."""
    times = sorted(times)
    duration = (times[-1] - times[0]) if len(times) > 1 else float("nan")
    achieved = (len(times) - 1) / duration if len(times) > 1 else 0.0
    per_second: dict[int, int] = {}
    for t in times:
        per_second[int(t - times[0])] = per_second.get(int(t - times[0]), 0) + 1
    expected = members - blocked
    return {
        "members": members, "rate": rate, "achieved": achieved, "ratio": achieved / rate,
        "reached": len(counts), "expected": expected, "duplicates": sum(n - 1 for n in counts.values()),
        "missed": expected - len(counts), "blocked_marked": marked, "blocked": blocked,
        "rejected_429": rejected_429, "rejected_5xx": rejected_5xx,
        "per_second": [per_second.get(s, 0) for s in range(max(per_second) + 1)] if per_second else [],
        # Full seconds of the main send, ignoring the first and the retry tail.
        "steady": sorted(per_second.values())[len(per_second) // 2] if per_second else 0,
        "peak_rss_mb": peak_rss_mb(),
    }


async def b1(kind: str, quick: bool) -> dict[str, Any]:
    """Omzet reports over HTTP against a bare PTB echo bot on the same emulator."""
    concurrency, rounds = (10, 10) if quick else (20, 25)
    api, server = await start_emulator()
    users = [200_000 + i for i in range(concurrency)]
    for u in users:
        api.user(u, f"U{u}")
    try:
        echo = ApplicationBuilder().token(TOKEN).base_url(f"{server.base_url}/bot").build()

        async def reply(update: Update, context) -> None:
            await update.effective_message.reply_text(update.effective_message.text)

        echo.add_handler(MessageHandler(filters.TEXT, reply))
        await echo.initialize()
        await echo.updater.start_polling(poll_interval=0.0, timeout=5)
        await echo.start()

        async def say_hello(handle):
            await handle.send("halo")

        echo_rate, echo_latency, _ = await _closed_loop(api, users, rounds * 2, [say_hello])
        await echo.updater.stop()
        await echo.stop()
        await echo.shutdown()

        with tempfile.TemporaryDirectory() as tmp:
            url = await fresh_database(kind, Path(tmp))
            cluster_id = await _cluster_and_chair(url, 199_999)
            await seed_members(url, cluster_id, 200_000, concurrency)
            # Pacing at Telegram's ~30 msg/s is the platform's limit, not our processing:
            # lift it here so B1 measures how fast the bot handles updates (as the echo bot has none).
            settings = settings_for(url, server, run_background_tasks=True, max_messages_per_second=10_000)
            months = [f"omzet {name} 12,5 jt" for name in ("januari", "februari", "maret", "april", "mei", "juni",
                                                           "juli", "agustus", "september", "oktober")]
            state: dict[int, int] = {}

            async def report(handle):
                index = state.get(handle.id, 0)
                state[handle.id] = index + 1
                await handle.send(months[index % len(months)] if index < len(months) else f"omzet januari {index} juta")

            async def confirm(handle):
                labels = handle.buttons()
                await handle.press(labels[0])  # "Benar" / "Ya, ganti" / "Ya, yakin": the first button

            async with RunningBot(settings):
                bot_rate, bot_latency, handled = await _closed_loop(api, users, rounds, [report, confirm])
            engine = create_engine(url)
            async with engine.connect() as connection:
                saved = (await connection.execute(select(func.count()).select_from(MonthlyReport))).scalar()
            await engine.dispose()
    finally:
        await server.stop()
    return {
        "echo_rate": echo_rate,
        "echo_p99_ms": percentile(echo_latency, 0.99) * 1000,
        "bot_rate": bot_rate,
        "bot_p99_ms": percentile(bot_latency, 0.99) * 1000,
        "bot_p50_ms": percentile(bot_latency, 0.5) * 1000,
        "updates": handled,
        "reports_saved": saved,
        "ratio": bot_rate / echo_rate,
    }


async def b2(kind: str, quick: bool, members: int | None = None, rate: float | None = None) -> dict[str, Any]:
    """An announcement to many members under an emulated R msg/s with 429, 2 % 403, 1 % 5xx."""
    members = members or (3000 if quick else 10_000)
    rate = rate or 300.0
    chair = 299_999
    api, server = await start_emulator()
    first = 300_000
    for i in range(members):
        api.user(first + i, "A")
    api.user(chair, "Ketua")
    blocked = {first + i for i in range(0, members, 50)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = await fresh_database(kind, Path(tmp))
            cluster_id = await _cluster_and_chair(url, chair)
            await seed_members(url, cluster_id, first, members)
            settings = settings_for(url, server, run_background_tasks=True, max_messages_per_second=rate)
            async with RunningBot(settings):
                handle = api.user_handle(chair)

                async def say(action):
                    event = api.arrivals[chair]
                    event.clear()
                    await action
                    await asyncio.wait_for(event.wait(), 30)

                await say(handle.send("/umumkan"))
                await say(handle.press("Umum"))
                await say(handle.send("Pameran batik di Semarang, 12 Desember."))
                for _ in range(500):  # the preview is three messages: wait for the last
                    if "Kirim sekarang" in handle.buttons():
                        break
                    await asyncio.sleep(0.01)
                api.faults.rate_per_second = rate
                api.faults.server_error_rate = 0.01
                api.blocked_chats |= blocked
                started = time.monotonic()
                await say(handle.press("Kirim sekarang"))
                statuses, marked = await _wait_until_sent(url, started + members / rate * 3 + 120)
        counts = {chat: n for chat, n in api.delivered_counts("Pameran batik").items() if chat >= first}
        times = [t for t, chat in api.member_sends if chat >= first]
    finally:
        await server.stop()
    result = _send_figures(times, counts, members, rate, len(blocked), marked, api.rejected_429, api.rejected_5xx)
    result["statuses"] = statuses
    return result


async def b3(kind: str, quick: bool) -> dict[str, Any]:
    """One month's summaries for many clusters, against one bare SQL query of the same figures."""
    clusters, members, months = (100, 10_000, 12) if quick else (1000, 100_000, 36)
    from bot.services import summaries
    from db.models import Cluster

    rng = random.Random(3)
    now = datetime.now(UTC)
    month = Month(2026, 10)
    with tempfile.TemporaryDirectory() as tmp:
        url = await fresh_database(kind, Path(tmp))
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(insert(Cluster), [
                {"id": c + 1, "name": f"Klaster {c}", "kabupaten": f"Kab {c % 35}", "province": "Jawa Tengah",
                 "commodity": "batik", "timezone": "Asia/Jakarta", "invite_code": f"code{c}", "requires_approval": False,
                 "created_at": now}
                for c in range(clusters)
            ])
            member_rows = [
                {"id": m + 1, "telegram_user_id": 10_000_000 + m, "chat_id": 10_000_000 + m, "name": "x", "business_name": "y",
                 "main_product": "z", "cluster_id": m % clusters + 1, "status": "active", "joined_at": datetime(2020, 1, 1, tzinfo=UTC),
                 "consent_at": now, "consent_version": "v", "announcements_paused": False, "updated_at": datetime(2020, 1, 1, tzinfo=UTC)}
                for m in range(members)
            ]
            for start in range(0, members, 10_000):
                await connection.execute(insert(Member), member_rows[start : start + 10_000])
            del member_rows
            batch: list[dict[str, Any]] = []
            for m in range(members):
                for back in range(months):
                    if rng.random() < 0.2:
                        continue
                    batch.append({"member_id": m + 1, "cluster_id": m % clusters + 1, "month": str(month.months_back(back)),
                                  "amount": rng.randint(1, 400) * 100_000, "no_sales": False, "reported_at": now,
                                  "updated_at": datetime(2020, 1, 1, tzinfo=UTC), "version": 1})
                    if len(batch) >= 20_000:
                        await connection.execute(insert(MonthlyReport), batch)
                        batch = []
            if batch:
                await connection.execute(insert(MonthlyReport), batch)
        if kind == "postgresql":
            async with engine.begin() as connection:
                from sqlalchemy import text

                await connection.execute(text("ANALYZE"))

        async def bare() -> float:
            base = select(MonthlyReport.cluster_id, MonthlyReport.amount).where(MonthlyReport.month == str(month)).subquery()
            ranked = select(
                base.c.cluster_id, base.c.amount,
                func.row_number().over(partition_by=base.c.cluster_id, order_by=base.c.amount).label("rn"),
                func.count().over(partition_by=base.c.cluster_id).label("cnt"),
            ).subquery()
            # count and sum per cluster, and the median from the middle row(s): one statement.
            median_query = (
                select(
                    ranked.c.cluster_id,
                    func.max(ranked.c.cnt),
                    func.avg(ranked.c.amount).filter(ranked.c.rn.in_([(ranked.c.cnt + 1) // 2, (ranked.c.cnt + 2) // 2])),
                )
                .group_by(ranked.c.cluster_id)
            )
            sums = select(MonthlyReport.cluster_id, func.count(), func.sum(MonthlyReport.amount)).where(
                MonthlyReport.month == str(month)).group_by(MonthlyReport.cluster_id)
            started = time.monotonic()
            async with engine.connect() as connection:
                (await connection.execute(median_query)).all()
                (await connection.execute(sums)).all()
            return time.monotonic() - started

        async def compiled() -> float:
            factory = UnitOfWorkFactory(create_session_factory(engine))
            started = time.monotonic()
            async with factory() as uow:
                figures = await summaries.compile_month(uow, month, now)
            assert len(figures) == clusters
            return time.monotonic() - started

        await bare()  # warm the cache for both sides alike
        bare_seconds = min([await bare() for _ in range(3)])
        compiled_seconds = min([await compiled() for _ in range(3)])
        await engine.dispose()
    return {
        "clusters": clusters, "members": members, "months": months,
        "bare_s": bare_seconds, "compiled_s": compiled_seconds, "ratio": compiled_seconds / bare_seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


async def b5(kind: str, quick: bool) -> dict[str, Any]:
    """From building the application to the emulator seeing the first getUpdates."""
    api, server = await start_emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = await fresh_database(kind, Path(tmp))
            settings = settings_for(url, server, run_background_tasks=True)
            started = time.monotonic()
            bot = RunningBot(settings)
            async with bot:
                while not any(method == "getUpdates" for _, method in api.arrived):
                    await asyncio.sleep(0.001)
                    if time.monotonic() - started > 30:
                        break
                first = min((t for t, method in api.arrived if method == "getUpdates"), default=float("nan"))
                seconds = first - started
    finally:
        await server.stop()
    return {"seconds": seconds}


async def b2_separate(kind: str, quick: bool, members: int | None = None, rate: float | None = None) -> dict[str, Any]:
    """B2 with the emulator in its own process (`klasterbot sandbox`), as Telegram would be:
    the bot gets a core of its own, and its memory is measured alone."""
    import socket
    import sys

    import httpx

    members = members or (3000 if quick else 10_000)
    rate = rate or 300.0
    chair, first = 299_999, 300_000
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    emulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "sandbox", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    blocked = [first + i for i in range(0, members, 50)]
    try:
        await emulator.stdout.readline()  # "Bot API emulator at ..." once it listens
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            await client.post("/sandbox/users", json={"first": first, "count": members})
            await client.post("/sandbox/users", json={"first": chair, "count": 1, "first_name": "Ketua"})

            async def chair_says(path: str, body: dict[str, Any], expect: str) -> None:
                await client.post(f"/sandbox/users/{chair}/{path}", json=body)
                for _ in range(1000):
                    messages = (await client.get(f"/sandbox/chats/{chair}")).json()["messages"]
                    labels = [b["text"] for m in messages for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
                    if any(expect in (m.get("text") or "") for m in messages) or expect in labels:
                        return
                    await asyncio.sleep(0.01)
                raise AssertionError(f"the bot did not answer {expect!r}")

            with tempfile.TemporaryDirectory() as tmp:
                url = await fresh_database(kind, Path(tmp))
                cluster_id = await _cluster_and_chair(url, chair)
                await seed_members(url, cluster_id, first, members)
                from bot.config import Settings

                settings = Settings(token=TOKEN, database_url=url, api_base_url=base, log_level="WARNING",
                                    run_background_tasks=True, max_messages_per_second=rate)
                async with RunningBot(settings):
                    await chair_says("send", {"text": "/umumkan"}, "Umum")
                    await chair_says("press", {"label": "Umum"}, "Tulis isi pengumuman")
                    await chair_says("send", {"text": "Pameran batik di Semarang, 12 Desember."}, "Kirim sekarang")
                    await client.post("/sandbox/faults", json={
                        "rate_per_second": rate, "retry_after": 1, "server_error_rate": 0.01, "blocked_chats": blocked,
                    })
                    await chair_says("press", {"label": "Kirim sekarang"}, "Mengirim pengumuman")
                    _, marked = await _wait_until_sent(url, time.monotonic() + members / rate * 3 + 120)
            stats = (await client.get("/sandbox/stats", params={"text": "Pameran batik", "min_chat": first})).json()
    finally:
        emulator.terminate()
        await asyncio.wait_for(emulator.wait(), 10)
    counts = {int(chat): n for chat, n in stats["delivered"].items()}
    return _send_figures(stats["times"], counts, members, rate, len(blocked), marked,
                         stats["rejected_429"], stats["rejected_5xx"])
