"""The benchmark cases B1, B2 (with B4's memory), B3 and B5. Each returns a dict of figures.

`python -m benchmarks.one CASE` runs one of them in a process of its own; the driver (this
process) holds the emulator and the simulated users, the bot runs in `benchmarks.botproc`.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from benchmarks.support import (
    BenchApi,
    BotProcess,
    bot_messages_after,
    cluster_with_chair,
    cpu_seconds,
    fresh_database,
    inline_labels,
    median,
    peak_rss_mb,
    percentile,
    rss_now_mb,
    seed_members,
    start_emulator,
    wait_in_chat,
)
from bot.dates import Month
from db.session import create_engine, create_session_factory

CHAIR = 299_999
FIRST_MEMBER = 300_000
ECHO_USERS = 900_000
PEER_USERS = 800_000
REPLY_TIMEOUT = 30.0
# B1: the bot's own pacing of outgoing messages (AIORateLimiter at max(29, this)) is lifted, as
# the echo bot has none: B1 measures handling, and Telegram's ~30 msg/s is B2's subject.
B1_RATE_SETTING = 1000.0
ANNOUNCEMENT = "Pameran batik di Semarang, 12 Desember. Daftar ke ketua klaster."


# ---- B1 ---------------------------------------------------------------------------------------


async def _closed_loop(items: list[int], workers: int, flow) -> tuple[float, list[float], int]:
    """`workers` users at a time, each waiting for the bot's answer before the next step."""
    latencies: list[float] = []
    failures = 0

    async def worker(mine: list[int]) -> None:
        nonlocal failures
        for item in mine:  # worker w takes items w, w + workers, ...: one chat never overlaps itself
            try:
                latencies.extend(await flow(item))
            except (TimeoutError, AssertionError):
                failures += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(items[w::workers]) for w in range(workers)))
    return time.monotonic() - started, latencies, failures


def _first_new_bot_message(api: BenchApi, chat_id: int, index: int):
    def condition():
        found = bot_messages_after(api, chat_id, index)
        return found[0] if found else None

    return condition


class _Window:
    """One bot process's measured part: CPU, SQL statements and transactions, Bot API calls."""

    def __init__(self, api: BenchApi, bot: BotProcess) -> None:
        self.api, self.bot = api, bot

    async def __aenter__(self) -> _Window:
        self.sql = await self.bot.sql_counts()
        self.cpu = cpu_seconds(self.bot.process.pid), cpu_seconds()
        self.started = time.monotonic()
        return self

    async def __aexit__(self, *exc) -> None:
        self.ended = time.monotonic()
        self.cpu = cpu_seconds(self.bot.process.pid) - self.cpu[0], cpu_seconds() - self.cpu[1]
        after = await self.bot.sql_counts()
        self.sql = {k: after[k] - self.sql[k] for k in after}
        # Every Bot API call but the long poll itself.
        self.api_calls = sum(1 for t, m in self.api.arrived if self.started <= t <= self.ended and m != "getUpdates")

    def figures(self, prefix: str, updates: int, elapsed: float, latencies: list[float], failures: int) -> dict[str, Any]:
        return {
            f"{prefix}_updates": updates, f"{prefix}_rate": updates / elapsed, f"{prefix}_failures": failures,
            f"{prefix}_p50_ms": percentile(latencies, 0.5) * 1000, f"{prefix}_p99_ms": percentile(latencies, 0.99) * 1000,
            # Where the time goes: CPU seconds per update of the bot process and of this driver
            # (the emulator and the simulated users), and how busy the bot process was.
            f"{prefix}_cpu_ms_per_update": self.cpu[0] / updates * 1000,
            f"{prefix}_busy": self.cpu[0] / elapsed,
            f"{prefix}_driver_cpu_ms_per_update": self.cpu[1] / updates * 1000,
            f"{prefix}_sql_per_update": self.sql["statements"] / updates,
            f"{prefix}_transactions_per_update": self.sql["transactions"] / updates,
            # The same, counting only what handling the updates ran (not background tasks).
            f"{prefix}_handling_sql_per_update": self.sql.get("update_statements", self.sql["statements"]) / updates,
            f"{prefix}_handling_transactions_per_update": (
                self.sql.get("update_transactions", self.sql["transactions"]) / updates
            ),
            f"{prefix}_api_calls_per_update": self.api_calls / updates,
        }


async def b1(kind: str, quick: bool, profile: str | None = None) -> dict[str, Any]:
    """Omzet reports over HTTP, against a bare PTB echo bot and a minimal PTB + SQLAlchemy ORM
    bot (the peer) on the same emulator in the same run, each given as many updates."""
    from benchmarks import peer

    workers = 20
    flows = 200 if quick else 1000  # members who report (two updates each), measured
    api, server = await start_emulator()
    tmp = tempfile.TemporaryDirectory(prefix="klasterbot-bench-")
    workdir = Path(tmp.name)
    try:
        counter = iter(range(10**9))

        def one_reply_flow(expected):
            async def flow(user_id: int) -> list[float]:
                user = api.user_handle(user_id)
                words = f"{next(counter)} jt"
                index = len(user.chat.messages)
                started = time.monotonic()
                await user.send(words)
                reply = await wait_in_chat(api, user_id, _first_new_bot_message(api, user_id, index), REPLY_TIMEOUT)
                assert expected(words, reply.get("text") or "")
                return [api.sent_at[(user_id, reply["message_id"])] - started]
            return flow

        # -- the echo bot: one update, one reply
        for u in range(workers):
            api.user(ECHO_USERS + u, "Echo")
        echo = BotProcess("echo", server.base_url, workdir)
        await echo.start(api)
        echo_users = [ECHO_USERS + u for u in range(workers)]
        echo_flow = one_reply_flow(lambda words, reply: reply == words)
        await _closed_loop(echo_users * 2, workers, echo_flow)  # warm-up
        # As many updates as klasterbot gets below (two per report).
        async with _Window(api, echo) as window:
            elapsed, latency, failures = await _closed_loop(echo_users * (2 * flows // workers), workers, echo_flow)
        echo_figures = window.figures("echo", len(latency), elapsed, latency, failures)
        echo_proc = await echo.stop()

        # -- the peer: load the user with the ORM, insert one row in one transaction, reply once
        peer_url = await fresh_database(kind, workdir)
        await peer.seed(peer_url, PEER_USERS, workers)
        for u in range(workers):
            api.user(PEER_USERS + u, "Peer")
        peer_bot = BotProcess("peer", server.base_url, workdir, database_url=peer_url)
        await peer_bot.start(api)
        peer_users = [PEER_USERS + u for u in range(workers)]
        peer_flow = one_reply_flow(lambda words, reply: reply.startswith("Tercatat") and words in reply)
        await _closed_loop(peer_users * 2, workers, peer_flow)  # warm-up
        async with _Window(api, peer_bot) as window:
            elapsed, latency, failures = await _closed_loop(peer_users * (2 * flows // workers), workers, peer_flow)
        peer_figures = window.figures("peer", len(latency), elapsed, latency, failures)
        peer_proc = await peer_bot.stop()
        peer_saved = await peer.notes_saved(peer_url)

        # -- klasterbot: "/omzet 12,5 jt", then "Benar"
        url = await fresh_database(kind, workdir)
        cluster_id = await cluster_with_chair(url, CHAIR)
        warmup = workers
        await seed_members(url, cluster_id, FIRST_MEMBER, warmup + flows)
        for i in range(warmup + flows):
            api.user(FIRST_MEMBER + i, f"Anggota{i}")
        saved_texts: Counter[str] = Counter()

        async def omzet_flow(user_id: int) -> list[float]:
            user = api.user_handle(user_id)
            index = len(user.chat.messages)
            started = time.monotonic()
            await user.send("/omzet 12,5 jt")
            echo_back = await wait_in_chat(api, user_id, _first_new_bot_message(api, user_id, index), REPLY_TIMEOUT)
            first = api.sent_at[(user_id, echo_back["message_id"])] - started
            labels = inline_labels(echo_back)
            if not labels:  # a one-message form that saves without asking: one update per report
                saved_texts["tersimpan" in (echo_back.get("text") or "")] += 1
                return [first]
            index = len(user.chat.messages)
            started = time.monotonic()
            # "Benar" confirms; should the wording change, the first button is the confirmation.
            await user.press("Benar" if "Benar" in labels else labels[0])
            # The answer is a new message, or the question edited into the answer.
            question = (user_id, echo_back["message_id"])
            new_message = _first_new_bot_message(api, user_id, index)

            def answered() -> dict[str, Any] | None:
                if api.edited_at.get(question, 0.0) >= started:
                    return echo_back
                return new_message()

            saved = await wait_in_chat(api, user_id, answered, REPLY_TIMEOUT)
            saved_texts["tersimpan" in (saved.get("text") or "")] += 1
            at = api.edited_at[question] if saved is echo_back else api.sent_at[(user_id, saved["message_id"])]
            return [first, at - started]

        bot = BotProcess("klasterbot", server.base_url, workdir, database_url=url, rate=B1_RATE_SETTING, profile=profile)
        await bot.start(api)
        members = [FIRST_MEMBER + i for i in range(warmup + flows)]
        await _closed_loop(members[:warmup], workers, omzet_flow)
        async with _Window(api, bot) as window:
            elapsed, latency, failures = await _closed_loop(members[warmup:], workers, omzet_flow)
        bot_figures = window.figures("bot", len(latency), elapsed, latency, failures)
        bot_proc = await bot.stop()
        from db.models import MonthlyReport

        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                saved_rows = (await connection.execute(select(func.count()).select_from(MonthlyReport))).scalar()
        finally:
            await engine.dispose()
    finally:
        await server.stop()
        tmp.cleanup()
    return {
        "workers": workers, **echo_figures, **peer_figures, **bot_figures,
        "updates": bot_figures["bot_updates"],
        "reports_saved": saved_rows, "reports_expected": warmup + flows,
        "peer_saved": peer_saved, "peer_expected": peer_figures["peer_updates"] + 2 * workers,
        "confirmed_replies": saved_texts[True], "other_replies": saved_texts[False],
        "ratio": bot_figures["bot_rate"] / peer_figures["peer_rate"],
        "ratio_echo": bot_figures["bot_rate"] / echo_figures["echo_rate"],
        "bot_errors_logged": bot_proc.get("errors_logged", 0), "bot_first_error": bot_proc.get("first_error"),
        "echo_errors_logged": echo_proc.get("errors_logged", 0),
        "peer_errors_logged": peer_proc.get("errors_logged", 0),
        "bot_peak_rss_mb": bot_proc.get("peak_rss_mb"),
        # Of each process's whole life (start, warm-up, run, stop): the event loop's share.
        **{f"{name}_loop_thread_share": _loop_share(proc) for name, proc in
           (("bot", bot_proc), ("peer", peer_proc), ("echo", echo_proc))},
    }


def _loop_share(proc: dict[str, Any]) -> float | None:
    if not proc.get("cpu_s") or proc.get("loop_thread_cpu_s") is None:
        return None
    return proc["loop_thread_cpu_s"] / proc["cpu_s"]


# ---- B2 (and B4 during it) ------------------------------------------------------------------


def _per_second(times: list[float], origin: float) -> list[int]:
    if not times:
        return []
    buckets = Counter(int(t - origin) for t in times)
    return [buckets.get(s, 0) for s in range(max(buckets) + 1)]


async def _open_deliveries(url: str) -> tuple[int, int]:
    """(announcement deliveries, of which still pending or being sent)."""
    from db.models import Delivery

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = dict((await connection.execute(
                select(Delivery.status, func.count()).where(Delivery.kind == "announcement").group_by(Delivery.status)
            )).all())
    finally:
        await engine.dispose()
    return sum(rows.values()), rows.get("pending", 0) + rows.get("sending", 0)


def _sender_cost(sends, sending_from: tuple, sending_to: tuple) -> dict[str, float]:
    """The bot's CPU, SQL statements and transactions per send call the emulator received
    between two snapshots (monotonic, bot CPU, bot SQL counts, driver CPU); the driver's
    (emulator + users) CPU alongside, for scale: it shares the cores."""
    window_sends = sum(1 for t, _, _ in sends if sending_from[0] <= t <= sending_to[0]) or 1
    return {
        "sender_cpu_ms_per_send": (sending_to[1] - sending_from[1]) / window_sends * 1000,
        "sender_sql_per_send": (sending_to[2]["statements"] - sending_from[2]["statements"]) / window_sends,
        "sender_transactions_per_send": (sending_to[2]["transactions"] - sending_from[2]["transactions"]) / window_sends,
        "sender_window_sends": window_sends,
        "emulator_cpu_ms_per_send": (sending_to[3] - sending_from[3]) / window_sends * 1000,
        "sender_busy": (sending_to[1] - sending_from[1]) / max(1e-9, sending_to[0] - sending_from[0]),
    }


async def b2(
    kind: str, quick: bool, members: int, rate: float, send_seconds: float | None = None, profile: str | None = None
) -> dict[str, Any]:
    """An announcement through the chat to `members` members; the emulator enforces `rate`
    msg/s (429 + retry_after), answers 403 for 2 % of members and 502 for 1 % of sends.

    With `send_seconds`, stop that long after the first member was sent to (B4 quick: the
    memory of publishing to many members and of sending, without waiting for the whole send).
    """
    api, server = await start_emulator()
    api.forget_calls()
    tmp = tempfile.TemporaryDirectory(prefix="klasterbot-bench-")
    workdir = Path(tmp.name)
    blocked = {FIRST_MEMBER + i for i in range(0, members, 50)}  # 2 %
    try:
        url = await fresh_database(kind, workdir)
        cluster_id = await cluster_with_chair(url, CHAIR)
        await seed_members(url, cluster_id, FIRST_MEMBER, members)
        for i in range(members):
            api.user(FIRST_MEMBER + i, "Anggota")
        chair = api.user(CHAIR, "Ketua")

        async def chair_does(action, wanted, within: float = REPLY_TIMEOUT) -> dict[str, Any]:
            index = len(chair.chat.messages)
            await action
            return await wait_in_chat(
                api, CHAIR, lambda: next((m for m in bot_messages_after(api, CHAIR, index) if wanted(m)), None), within
            )

        bot = BotProcess("klasterbot", server.base_url, workdir, database_url=url, rate=rate, profile=profile)
        await bot.start(api)
        memory: list[tuple[float, float]] = []  # (monotonic, bot RSS MB), read from /proc

        async def sample_memory() -> None:
            for _ in range(100_000):
                memory.append((time.monotonic(), bot.rss_now_mb()))
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample_memory())
        await chair_does(chair.send("/umumkan"), lambda m: "Umum" in inline_labels(m))
        await chair_does(chair.press("Umum"), lambda m: True)
        await chair_does(chair.send(ANNOUNCEMENT), lambda m: "Kirim sekarang" in inline_labels(m))
        api.faults.rate_per_second = rate
        api.faults.retry_after = 1
        api.faults.server_error_rate = 0.01
        api.blocked_chats |= blocked
        pressed = time.monotonic()
        # Publishing writes one delivery per member in the handler's transaction: allow time.
        await chair_does(chair.press("Kirim sekarang"), lambda m: True, within=max(60.0, members / 500))
        # The sender's own cost: the bot's CPU and SQL from the answer to the press (publishing
        # done) to the end, per send call the emulator received in that window (noise-robust).
        sending_from = time.monotonic(), cpu_seconds(bot.process.pid), await bot.sql_counts(), cpu_seconds()
        deadline = pressed + members / rate * 3 + 120
        finished = False
        for _ in range(100_000):
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(1.0)
            if send_seconds is not None:
                first_send = next((t for t, chat, _ in api.sends if chat >= FIRST_MEMBER), None)
                if first_send is not None and time.monotonic() - first_send >= send_seconds:
                    break
                continue
            total, still_open = await _open_deliveries(url)
            if total and not still_open:
                finished = True
                break
        sending_to = time.monotonic(), cpu_seconds(bot.process.pid), await bot.sql_counts(), cpu_seconds()
        if finished:
            await asyncio.sleep(1.5)  # anything sent twice arrives now
        chair_report = any("Laporan pengiriman" in (m.get("text") or "") for m in bot_messages_after(api, CHAIR, 0))
        sampler.cancel()
        bot_proc = await bot.stop()

        from db.models import Delivery, Member

        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                statuses = dict((await connection.execute(
                    select(Delivery.status, func.count()).where(Delivery.kind == "announcement").group_by(Delivery.status)
                )).all())
                marked = set((await connection.execute(
                    select(Member.chat_id).where(Member.blocked_at.is_not(None))
                )).scalars().all())
        finally:
            await engine.dispose()
    finally:
        await server.stop()
        tmp.cleanup()

    sends = [(t, chat, status) for t, chat, status in api.sends if chat >= FIRST_MEMBER and t >= pressed]
    accepted = [t for t, _, status in sends if status != 429]
    delivered_times = [t for t, _, status in sends if status == 200]
    refused = [t for t, _, status in sends if status == 429]
    origin = accepted[0] if accepted else pressed
    span = (accepted[-1] - accepted[0]) if len(accepted) > 1 else float("nan")
    achieved = (len(accepted) - 1) / span if len(accepted) > 1 else 0.0
    delivered_rate = (len(delivered_times) - 1) / (delivered_times[-1] - delivered_times[0]) if len(delivered_times) > 1 else 0.0
    accepted_per_second = _per_second(accepted, origin)
    # Full seconds only: the first and the last second of the send are partial.
    inner = accepted_per_second[1:-1] or accepted_per_second
    counts: Counter[int] = Counter()
    bot_id = api.bot_user["id"]
    for i in range(members):
        chat = api.chats[FIRST_MEMBER + i]
        for message in chat.messages:
            if message.get("from", {}).get("id") == bot_id and ANNOUNCEMENT in (message.get("text") or ""):
                counts[chat.id] += 1
    forbidden = Counter(chat for _, chat, status in sends if status == 403)
    sender = _sender_cost(api.sends, sending_from, sending_to)
    before = [rss for t, rss in memory if t < pressed]
    during = [rss for t, rss in memory if accepted and t >= accepted[0] + 1]
    peak_at, peak_rss = max(memory, key=lambda sample: sample[1], default=(pressed, 0.0))
    expected = {FIRST_MEMBER + i for i in range(members)} - blocked
    return {
        "members": members, "rate": rate, "partial": send_seconds is not None, "finished": finished,
        "achieved": achieved, "ratio": achieved / rate, "delivered_rate": delivered_rate,
        "steady": median(inner) if inner else 0.0,
        "first_send_after_press_s": (accepted[0] - pressed) if accepted else float("nan"),
        "send_span_s": span,
        "missed": len(expected - set(counts)), "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "blocked": len(blocked), "blocked_reached": len(blocked & set(counts)),
        "blocked_marked": len(blocked & marked), "wrongly_marked": len(marked - blocked),
        "blocked_retried_after_403": sum(n - 1 for n in forbidden.values() if n > 1),
        "statuses": statuses, "rejected_429": len(refused), "answered_5xx": sum(1 for *_, s in sends if s >= 500),
        "chair_final_report": chair_report,
        **sender,
        "per_second": accepted_per_second,
        "per_second_delivered": _per_second(delivered_times, origin),
        "per_second_429": _per_second(refused, origin),
        "bot_peak_rss_mb": bot_proc.get("peak_rss_mb"), "bot_errors_logged": bot_proc.get("errors_logged", 0),
        "rss_before_press_mb": before[-1] if before else 0.0, "rss_sampled_peak_mb": peak_rss,
        "rss_peak_after_press_s": peak_at - pressed, "rss_while_sending_mb": median(during) if during else 0.0,
    }


# ---- B3 -------------------------------------------------------------------------------------

B3_MONTH = Month(2026, 10)


def b3_sizes(quick: bool, members: int | None = None) -> tuple[int, int, int]:
    """(clusters, members, months): 1,000 clusters (quick: 100), as issue 19 sizes B3, over
    100,000 members by default or as many as asked (--large: 1,000,000)."""
    if members is None:
        members = 10_000 if quick else 100_000
    return min(members, 100 if quick else 1000), members, 12 if quick else 36


async def _without_secondary_indexes(connection: Any, table: str) -> list[str]:
    """Drop `table`'s constraints and indexes but its primary key; the statements that put
    them back, as PostgreSQL defines them. Loading millions of rows and then building each
    index once is what pg_restore does: many times faster than keeping them row by row."""
    constraints = (await connection.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:table AS regclass) AND contype <> 'p'"
    ), {"table": table})).all()
    indexes = (await connection.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = :table AND NOT EXISTS ("
        "SELECT 1 FROM pg_constraint c WHERE c.conrelid = CAST(:table AS regclass) AND c.conname = i.indexname)"
    ), {"table": table})).all()
    for name, _ in constraints:
        await connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        await connection.execute(text(f'DROP INDEX "{name}"'))
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints] + [
        definition for _, definition in indexes
    ]


async def b3_seed(kind: str, quick: bool, workdir: Path, members: int | None = None) -> dict[str, Any]:
    """Clusters, members and their monthly reports (80 % of member-months), inserted in bulk.

    The months before B3's were published when their time came: their amounts are released
    (published_amount), as a bot that has run for those months left them; B3's month is not.
    Then every member's baseline (first three reported months) and every cluster's monthly
    totals in set-based statements, as the bot keeps them when reports are written.
    """
    from db.models import Cluster, Member, MonthlyReport
    from db.summary_queries import rebuild_upkeep

    clusters, members, months = b3_sizes(quick, members)
    started = time.monotonic()
    url = await fresh_database(kind, workdir)
    joined = datetime(2020, 1, 1, tzinfo=UTC)
    rng = random.Random(5)
    month_keys = [str(B3_MONTH.months_back(back)) for back in range(months)]
    current = str(B3_MONTH)
    engine = create_engine(url)
    rows_written = 0
    phases: dict[str, float] = {}
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(Cluster), [
                {"id": c + 1, "name": f"Klaster {c + 1}", "kabupaten": f"Kabupaten {c % 35}", "province": "Jawa Tengah",
                 "commodity": "batik", "timezone": "Asia/Jakarta", "invite_code": f"bench{c + 1:05d}",
                 "requires_approval": False, "created_at": joined}
                for c in range(clusters)
            ])
            for start in range(0, members, 10_000):
                await connection.execute(insert(Member), [
                    {"id": m + 1, "telegram_user_id": 10_000_000 + m, "chat_id": 10_000_000 + m, "name": f"Anggota {m}",
                     "business_name": "Usaha", "main_product": "batik", "cluster_id": m % clusters + 1, "status": "active",
                     "joined_at": joined, "consent_at": joined, "consent_version": "2026-11",
                     "announcements_paused": False, "updated_at": joined}
                    for m in range(start, min(members, start + 10_000))
                ])

        def report_batches(size: int):
            batch: list[tuple] = []
            for m in range(members):
                for key in month_keys:
                    if rng.random() < 0.2:
                        continue
                    amount = rng.randint(1, 400) * 100_000
                    released = amount if key != current else None
                    batch.append((m + 1, m % clusters + 1, key, amount, False, joined, joined, 1, released))
                    if len(batch) >= size:
                        yield batch
                        batch = []
            if batch:
                yield batch

        columns = [
            "member_id", "cluster_id", "month", "amount", "no_sales", "reported_at", "updated_at", "version",
            "published_amount",
        ]
        if kind == "postgresql":
            async with engine.begin() as connection:
                restore = await _without_secondary_indexes(connection, "monthly_reports")
            async with engine.connect() as connection:
                raw = (await connection.get_raw_connection()).driver_connection
                for batch in report_batches(50_000):
                    await raw.copy_records_to_table("monthly_reports", records=batch, columns=columns)
                    rows_written += len(batch)
                await connection.execute(text("COMMIT"))
            phases["reports_s"] = time.monotonic() - started
            async with engine.begin() as connection:
                # Every member's first months ranked in one sort: in memory, not in temp files.
                await connection.execute(text("SET LOCAL work_mem = '256MB'"))
                await rebuild_upkeep(connection)
            phases["upkeep_s"] = time.monotonic() - started - sum(phases.values())
            async with engine.begin() as connection:
                await connection.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
                for statement in restore:
                    await connection.execute(text(statement))
            phases["indexes_s"] = time.monotonic() - started - sum(phases.values())
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE"))
            phases["vacuum_s"] = time.monotonic() - started - sum(phases.values())
        else:
            async with engine.begin() as connection:
                for batch in report_batches(20_000):
                    await connection.execute(insert(MonthlyReport), [dict(zip(columns, row, strict=True)) for row in batch])
                    rows_written += len(batch)
                phases["reports_s"] = time.monotonic() - started
                await rebuild_upkeep(connection)
                phases["upkeep_s"] = time.monotonic() - started - sum(phases.values())
    finally:
        await engine.dispose()
    return {"url": url, "clusters": clusters, "members": members, "months": months, "reports": rows_written,
            "seed_s": time.monotonic() - started, "seed_phases_s": phases}


# One statement, each cluster's count, sum and median (the lower middle report, as summaries
# publish it) for the month: the reference.
BARE_SQL = {
    "postgresql": (
        "SELECT cluster_id, count(*), sum(amount), percentile_disc(0.5) WITHIN GROUP (ORDER BY amount) "
        "FROM monthly_reports WHERE month = :month GROUP BY cluster_id"
    ),
    # SQLite has no percentile function: the middle row by ROW_NUMBER, as portable SQL does.
    "sqlite": (
        "SELECT cluster_id, count(*), sum(amount), max(CASE WHEN rn = (cnt + 1) / 2 THEN amount END) "
        "FROM (SELECT cluster_id, amount, row_number() OVER (PARTITION BY cluster_id ORDER BY amount) AS rn, "
        "count(*) OVER (PARTITION BY cluster_id) AS cnt FROM monthly_reports WHERE month = :month) "
        "GROUP BY cluster_id"
    ),
}


async def _timed(coroutine_function) -> tuple[float, Any]:
    started = time.monotonic()
    result = await coroutine_function()
    return time.monotonic() - started, result


async def b3(kind: str, quick: bool, members: int | None = None) -> dict[str, Any]:
    """summaries.compile_published for every cluster vs the bare SQL query; this process's memory.

    The month is published first (compile_month, as the deadline job does: it releases the
    month's reports into the published amounts, and the months it compares with, released
    when they were published, get their snapshots); then what publishing computes and stores each time —
    the month's figures from the released amounts — is timed."""
    from bot.services import summaries
    from db import summary_queries as q
    from db.uow import UnitOfWorkFactory

    tmp = tempfile.TemporaryDirectory(prefix="klasterbot-bench-")
    workdir = Path(tmp.name)
    try:
        # Seeding runs in a child process: this process's peak memory is the summaries' alone.
        seeding = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.one", "b3-seed", "--db", kind, "--workdir", str(workdir),
            *(["--quick"] if quick else []), *(["--members", str(members)] if members else []),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(seeding.communicate(), 3600)
        lines = [line for line in out.decode().splitlines() if line.startswith("RESULT ")]
        if not lines:
            raise RuntimeError("seeding failed: " + err.decode(errors="replace").strip()[-300:])
        seed = json.loads(lines[-1][7:])
        rss_start = rss_now_mb()
        engine = create_engine(seed["url"])
        factory = UnitOfWorkFactory(create_session_factory(engine))
        month, now = B3_MONTH, datetime.now(UTC)
        dialect = "postgresql" if kind == "postgresql" else "sqlite"

        async def bare():
            async with engine.connect() as connection:
                return (await connection.execute(text(BARE_SQL[dialect]), {"month": str(month)})).all()

        async def compiled():
            async with factory() as uow:
                figures = await summaries.compile_published(uow, month, now)
                await uow.commit()
                return list(figures.values())

        async def published():
            async with factory() as uow:
                return await summaries.publish_month(uow, month, now)

        await bare()  # warm both alike
        async with factory() as uow:
            publish_s, _ = await _timed(lambda: summaries.compile_month(uow, month, now))  # the first publication
        await compiled()
        bare_times, compiled_times = [], []
        for _ in range(5):
            seconds, bare_rows = await _timed(bare)
            bare_times.append(seconds)
            seconds, figures = await _timed(compiled)
            compiled_times.append(seconds)
        # Where compile_month's time goes: each of its queries alone, same session kind.
        parts: dict[str, float] = {}
        async with factory(read_only=True) as uow:
            s = uow.session
            steps = {
                "month_aggregates": lambda: q.month_aggregates(s, str(month), None),
                "snapshot_totals": lambda: q.snapshot_totals(s, [str(month.previous()), str(month.months_back(12))], None),
                "member_counts": lambda: q.member_counts(s, str(month), None),
                "cluster_names": lambda: q.cluster_names(s),
            }
            for name, step in steps.items():
                parts[name] = median([(await _timed(step))[0] for _ in range(3)])
        # A read once published (pending changes counted, snapshots read), as /ringkasan does.
        read_s = median([(await _timed(published))[0] for _ in range(3)])
        await engine.dispose()
        # The two must agree: same reporters, total and median for every cluster.
        expected = {
            int(c): (int(n), int(total), int(Decimal(str(mid)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))
            for c, n, total, mid in bare_rows
        }
        got = {f.cluster_id: (f.reporters, f.total, f.median) for f in figures if f.reporters}
        mismatches = sum(1 for c in expected if got.get(c) != expected[c]) + len(set(got) - set(expected))
    finally:
        tmp.cleanup()
    bare_s, compiled_s = median(bare_times), median(compiled_times)
    return {
        **{k: seed[k] for k in ("clusters", "members", "months", "reports", "seed_s", "seed_phases_s")},
        "bare_s": bare_s, "compiled_s": compiled_s, "ratio": compiled_s / bare_s,
        "bare_runs": bare_times, "compiled_runs": compiled_times, "parts_s": parts,
        "figures_match": mismatches == 0, "mismatches": mismatches, "clusters_compiled": len(figures),
        "rss_start_mb": rss_start, "peak_rss_mb": peak_rss_mb(), "first_publish_s": publish_s, "published_read_s": read_s,
    }


# ---- B5 -------------------------------------------------------------------------------------


async def b5(kind: str, quick: bool, starts: int = 3) -> dict[str, Any]:
    """From calling build_application to the emulator receiving the first getUpdates."""
    api, server = await start_emulator()
    tmp = tempfile.TemporaryDirectory(prefix="klasterbot-bench-")
    workdir = Path(tmp.name)
    runs, cold = [], []
    try:
        url = await fresh_database(kind, workdir)
        for _ in range(starts):
            bot = BotProcess("klasterbot", server.base_url, workdir, database_url=url)
            first = await bot.start(api)
            result = await bot.stop()
            runs.append(first - result["built_at"])
            cold.append(first - bot.spawned_at)
    finally:
        await server.stop()
        tmp.cleanup()
    return {"runs_s": runs, "median_s": median(runs), "max_s": max(runs), "cold_runs_s": cold, "cold_median_s": median(cold)}


# ---- B6: a million members ------------------------------------------------------------------

B6_REPORT_SAMPLE = 100_000  # members whose 12 months of reports are seeded to measure their size
# What a member costs in a year besides their row: 12 monthly reports and, at an assumed two
# announcements a month plus the monthly reminder, 36 deliveries (README, "B6").
B6_DELIVERIES_PER_YEAR = 36


async def _seed_million(url: str, cluster_id: int, first_user: int, members: int) -> None:
    """Members (COPY, 50,000 rows at a time) and a sample's 12 months of reports, as one
    cluster's roster; then VACUUM ANALYZE, as autovacuum would after such a load."""
    engine = create_engine(url)
    joined = datetime(2025, 1, 1, tzinfo=UTC)
    try:
        async with engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            columns = [
                "telegram_user_id", "chat_id", "name", "business_name", "main_product", "cluster_id", "status",
                "joined_at", "consent_at", "consent_version", "announcements_paused", "updated_at",
            ]
            for start in range(0, members, 50_000):
                await raw.copy_records_to_table("members", columns=columns, records=[
                    (first_user + i, first_user + i, f"Anggota {i}", f"Usaha {i}", "batik", cluster_id, "active",
                     joined, joined, "2026-11", False, joined)
                    for i in range(start, min(members, start + 50_000))
                ])
            first_id = await raw.fetchval("SELECT min(id) FROM members WHERE telegram_user_id >= $1", first_user)
            rng = random.Random(6)
            months = [str(B3_MONTH.months_back(back)) for back in range(12)]
            sample = min(B6_REPORT_SAMPLE, members)
            for start in range(0, sample, 10_000):
                await raw.copy_records_to_table(
                    "monthly_reports",
                    columns=["member_id", "cluster_id", "month", "amount", "no_sales", "reported_at", "updated_at", "version"],
                    records=[
                        (first_id + m, cluster_id, key, rng.randint(1, 400) * 100_000, False, joined, joined, 1)
                        for m in range(start, min(sample, start + 10_000)) for key in months
                    ],
                )
            await connection.execute(text("COMMIT"))
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


async def _table_sizes(url: str) -> dict[str, tuple[int, int]]:
    """table -> (bytes with its indexes and TOAST, rows)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            found = {}
            for table in ("members", "monthly_reports", "deliveries"):
                size = (await connection.execute(text(f"SELECT pg_total_relation_size('{table}')"))).scalar()
                rows = (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar()
                found[table] = (int(size), int(rows))
            found["database"] = (
                int((await connection.execute(text("SELECT pg_database_size(current_database())"))).scalar()), 0
            )
            return found
    finally:
        await engine.dispose()


class _LazyChats(BenchApi):
    """The emulator for a million members: a member's chat is made the first time the bot sends
    there (a million Chat objects up front would only weigh on the driver)."""

    def __init__(self, first: int, count: int) -> None:
        super().__init__()
        self.lazy = range(first, first + count)

    def _chat(self, chat_id: Any):
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            key = None
        if key is not None and key not in self.chats and key in self.lazy:
            self.user(key, "Anggota")
        return super()._chat(chat_id)


async def b6(members: int, rate: float, send_minutes: float, profile: str | None = None) -> dict[str, Any]:
    """An announcement through the chat to `members` members on PostgreSQL: publish time, the
    bot's peak RSS, the send rate at `rate` over the first `send_minutes` of sending, nobody
    missed or twice among those sent, the queue intact for the rest, the database per member-year."""
    from bot.shell.sandbox.http import SandboxServer
    from db.models import Announcement, Delivery

    api = _LazyChats(FIRST_MEMBER, members)
    server = await SandboxServer(api).start()
    api.forget_calls()
    tmp = tempfile.TemporaryDirectory(prefix="klasterbot-bench-")
    workdir = Path(tmp.name)
    blocked = {FIRST_MEMBER + i for i in range(0, members, 50)}  # 2 %
    try:
        started = time.monotonic()
        url = await fresh_database("postgresql", workdir)
        cluster_id = await cluster_with_chair(url, CHAIR)
        await _seed_million(url, cluster_id, FIRST_MEMBER, members)
        seed_s = time.monotonic() - started
        chair = api.user(CHAIR, "Ketua")

        async def chair_does(action, wanted, within: float = REPLY_TIMEOUT) -> dict[str, Any]:
            index = len(chair.chat.messages)
            await action
            return await wait_in_chat(
                api, CHAIR, lambda: next((m for m in bot_messages_after(api, CHAIR, index) if wanted(m)), None), within
            )

        bot = BotProcess("klasterbot", server.base_url, workdir, database_url=url, rate=rate, profile=profile)
        await bot.start(api)
        memory: list[tuple[float, float]] = []

        async def sample_memory() -> None:
            for _ in range(1_000_000):
                memory.append((time.monotonic(), bot.rss_now_mb()))
                await asyncio.sleep(0.25)

        sampler = asyncio.create_task(sample_memory())
        await chair_does(chair.send("/umumkan"), lambda m: "Umum" in inline_labels(m))
        await chair_does(chair.press("Umum"), lambda m: True)
        await chair_does(chair.send(ANNOUNCEMENT), lambda m: "Kirim sekarang" in inline_labels(m))
        api.faults.rate_per_second = rate
        api.faults.retry_after = 1
        api.faults.server_error_rate = 0.01
        api.blocked_chats |= blocked
        pressed = time.monotonic()
        await chair_does(chair.press("Kirim sekarang"), lambda m: True, within=900)
        published_at = time.monotonic()
        # The sender's own cost over the measured sending, per send call (as in B2).
        sending_from = time.monotonic(), cpu_seconds(bot.process.pid), await bot.sql_counts(), cpu_seconds()
        first_send = None
        for _ in range(100_000):  # bounded: the first send, then send_minutes of sending
            await asyncio.sleep(1.0)
            first_send = first_send or next((t for t, chat, _ in api.sends if chat >= FIRST_MEMBER), None)
            if first_send is not None and time.monotonic() - first_send >= send_minutes * 60:
                break
            if time.monotonic() - published_at > 900 + send_minutes * 60:
                break
        sending_to = time.monotonic(), cpu_seconds(bot.process.pid), await bot.sql_counts(), cpu_seconds()
        sampler.cancel()
        bot_proc = await bot.stop()

        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                statuses = dict((await connection.execute(
                    select(Delivery.status, func.count()).where(Delivery.kind == "announcement").group_by(Delivery.status)
                )).all())
                sent_chats = set((await connection.execute(
                    select(Delivery.chat_id).where(Delivery.kind == "announcement", Delivery.status == "sent")
                )).scalars().all())
                counters = (await connection.execute(
                    select(Announcement.recipients, Announcement.sent_count, Announcement.blocked_count,
                           Announcement.failed_count)
                )).one()
        finally:
            await engine.dispose()
        sizes = await _table_sizes(url)
    finally:
        await server.stop()
        tmp.cleanup()

    window_end = (first_send or pressed) + send_minutes * 60
    sends = [(t, chat, status) for t, chat, status in api.sends if chat >= FIRST_MEMBER and t >= pressed]
    accepted = [t for t, _, status in sends if status != 429 and t <= window_end]
    per_second = _per_second(accepted, accepted[0]) if accepted else []
    inner = per_second[1:-1] or per_second
    achieved = (len(accepted) - 1) / (accepted[-1] - accepted[0]) if len(accepted) > 1 else 0.0
    bot_id = api.bot_user["id"]
    copies: Counter[int] = Counter()
    for chat_id, chat in api.chats.items():
        if chat_id >= FIRST_MEMBER:
            copies[chat_id] = sum(
                1 for m in chat.messages if m.get("from", {}).get("id") == bot_id and ANNOUNCEMENT in (m.get("text") or "")
            )
    reached = {c for c, n in copies.items() if n}
    sender = _sender_cost(api.sends, sending_from, sending_to)
    peak_at, peak_rss = max(memory, key=lambda sample: sample[1], default=(pressed, 0.0))
    m_size, m_rows = sizes["members"]
    r_size, r_rows = sizes["monthly_reports"]
    d_size, d_rows = sizes["deliveries"]
    per_member = m_size / max(m_rows, 1)
    per_report = r_size / max(r_rows, 1)
    per_delivery = d_size / max(d_rows, 1)
    return {
        "members": members, "rate": rate, "send_minutes": send_minutes, "seed_s": seed_s,
        "publish_s": published_at - pressed,
        "first_send_after_press_s": (first_send - pressed) if first_send else float("nan"),
        "achieved": achieved, "ratio": achieved / rate, "steady": median(inner) if inner else 0.0,
        "sends_in_window": len(accepted),
        # Among those the database says were sent: each has exactly one copy; nobody has two.
        "sent_rows": len(sent_chats), "sent_missing_copy": len(sent_chats - reached),
        "duplicates": sum(n - 1 for n in copies.values() if n > 1),
        "reached_not_marked": len(reached - sent_chats),  # in flight when the bot was stopped
        "blocked_reached": len(blocked & reached),
        "statuses": statuses, "queue_intact": sum(statuses.values()) == counters[0],
        "counters": {"recipients": counters[0], "sent": counters[1], "blocked": counters[2], "failed": counters[3]},
        "counters_match": (counters[1], counters[2], counters[3])
        == (statuses.get("sent", 0), statuses.get("blocked", 0), statuses.get("failed", 0)),
        **sender,
        "bot_peak_rss_mb": bot_proc.get("peak_rss_mb"), "rss_peak_after_press_s": peak_at - pressed,
        "rss_sampled_peak_mb": peak_rss, "bot_errors_logged": bot_proc.get("errors_logged", 0),
        "bytes_per_member": per_member, "bytes_per_report": per_report, "bytes_per_delivery": per_delivery,
        "bytes_per_member_year": per_member + 12 * per_report + B6_DELIVERIES_PER_YEAR * per_delivery,
        "database_bytes": sizes["database"][0],
    }
