"""What every benchmark needs: databases, the emulator over HTTP, the bot, timing helpers."""

from __future__ import annotations

import asyncio
import os
import platform
import resource
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.app import build_application
from bot.config import Settings
from bot.sandbox.core import FakeBotApi
from bot.sandbox.http import SandboxServer
from db.migrate import upgrade_to_head
from db.models import Base, Member
from db.session import create_engine

TOKEN = "123456789:benchbenchbenchbenchbenchbenchbench1"
PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgresql+asyncpg://postgres@127.0.0.1:5432/klasterbot_bench"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1])
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        memory = "?"
    return f"{cpu}, {os.cpu_count()} cores, {memory} RAM, Python {platform.python_version()}, {platform.system()}"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def postgres_available() -> bool:
    """Whether PostgreSQL answers on 127.0.0.1:5432; creates the benchmark database once."""
    try:
        engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            exists = (await connection.execute(text("SELECT 1 FROM pg_database WHERE datname='klasterbot_bench'"))).scalar()
            if not exists:
                await connection.execute(text("CREATE DATABASE klasterbot_bench"))
        await engine.dispose()
        return True
    except Exception:  # any failure means: no PostgreSQL for this run
        return False


async def fresh_database(kind: str, workdir: Path) -> str:
    """An empty database at head: a new SQLite file, or the bench PostgreSQL database wiped."""
    if kind == "sqlite":
        path = workdir / f"bench-{time.monotonic_ns()}.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = PG_BENCH
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    engine = create_engine(url)
    await upgrade_to_head(engine)
    await engine.dispose()
    assert Base.metadata.tables
    return url


class CountingApi(FakeBotApi):
    """The emulator, plus an event per chat whenever the bot sends it something."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.member_sends: list[tuple[float, int]] = []

    def _store_bot_message(self, chat, content):  # type: ignore[override]
        message = super()._store_bot_message(chat, content)
        self.member_sends.append((time.monotonic(), chat.id))
        self.arrivals[chat.id].set()
        return message


async def start_emulator() -> tuple[CountingApi, SandboxServer]:
    api = CountingApi()
    server = await SandboxServer(api).start()
    return api, server


class RunningBot:
    """The real bot as `klasterbot run` starts it (polling), against the emulator over HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.app = build_application(settings)

    async def __aenter__(self):
        app = self.app
        await app.initialize()
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0.0, timeout=5)
        await app.start()
        return app

    async def __aexit__(self, *exc: Any) -> None:
        app = self.app
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)


def settings_for(url: str, server: SandboxServer, **changes: Any) -> Settings:
    base = Settings(token=TOKEN, database_url=url, api_base_url=server.base_url, log_level="WARNING")
    return replace(base, **changes)


async def seed_members(url: str, cluster_id: int, first_user: int, count: int) -> None:
    """Registered members inserted directly (the registration conversation is measured elsewhere)."""
    now = datetime.now(UTC)
    engine = create_engine(url)
    rows = [
        {
            "telegram_user_id": first_user + i, "chat_id": first_user + i, "name": f"Anggota {i}",
            "business_name": f"Usaha {i}", "main_product": "batik", "cluster_id": cluster_id, "status": "active",
            "joined_at": now, "consent_at": now, "consent_version": "2026-11", "announcements_paused": False,
            "updated_at": now,
        }
        for i in range(count)
    ]
    async with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            await connection.execute(insert(Member), rows[start : start + 5000])
    await engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))
    return ordered[index]
