"""What every benchmark needs: the machine, databases, seeding, the emulator, the bot process.

Layout of a run: the *driver* process holds the Bot API emulator (FakeBotApi behind
SandboxServer on 127.0.0.1) and the simulated users; the bot runs in its *own* process
(`benchmarks.botproc`), started the way `klasterbot run` starts it. The bot talks to the
emulator over HTTP only, gets a core of its own (as it would with Telegram far away), and its
memory is measured alone.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import resource
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bot.shell.sandbox.core import SEND_METHODS, ApiCall, Chat, FakeBotApi, JsonDict
from bot.shell.sandbox.http import SandboxServer

TOKEN = "123456789:benchbenchbenchbenchbenchbenchbench1"
# The PostgreSQL the project uses for tests; the benchmarks keep to a database of their own
# on the same server so that a test run and a benchmark never wipe each other's tables.
PG_PROBE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# KLASTERBOT_BENCH_PG_DB lets two people (or two checkouts) benchmark on one server side by side.
PG_BENCH_NAME = os.environ.get("KLASTERBOT_BENCH_PG_DB", "klasterbot_bench")
PG_BENCH = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{PG_BENCH_NAME}"


# ---- the machine ------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, RAM, Python and database versions: printed with every table."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        mem_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": memory,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
    }


def rss_now_mb() -> float:
    """Current resident memory of this process (Linux /proc), 0 when unknown."""
    return _proc_status_mb(os.getpid(), "VmRSS")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time a process has used so far (Linux /proc; this process by default)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _proc_status_mb(pid: int, field: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


# ---- databases ----------------------------------------------------------------------------


async def postgres_status() -> tuple[bool, str]:
    """(available, detail): a quick connect to the project's PostgreSQL, then our own database.

    The detail is the server version, or why PostgreSQL rows are skipped.
    """
    from db.session import create_engine

    try:
        engine = create_engine(PG_PROBE, isolation_level="AUTOCOMMIT", connect_args={"timeout": 3})
        try:
            async with engine.connect() as connection:
                version = (await asyncio.wait_for(connection.execute(text("SHOW server_version")), 5)).scalar()
                exists = (await connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_BENCH_NAME}
                )).scalar()
                if not exists:
                    await connection.execute(text(f"CREATE DATABASE {PG_BENCH_NAME}"))
        finally:
            await engine.dispose()
        return True, f"PostgreSQL {version}"
    except Exception as exc:  # any failure means: no PostgreSQL rows in this run
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:100] if str(exc) else ''}"


async def fresh_database(kind: str, workdir: Path) -> str:
    """An empty database at head: a new SQLite file, or the benchmark PostgreSQL database wiped."""
    from db.migrate import upgrade_to_head
    from db.session import create_engine

    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / f'bench-{time.monotonic_ns()}.db'}"
    else:
        url = PG_BENCH
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await connection.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()
    return url


async def cluster_with_chair(url: str, chair_user_id: int, name: str = "Batik Bench") -> int:
    """One cluster and its ketua, through the services (as `klasterbot` commands do it)."""
    from bot.domain import Role
    from bot.services import clusters, roles
    from db.session import create_engine, create_session_factory
    from db.uow import UnitOfWorkFactory

    engine = create_engine(url)
    try:
        factory = UnitOfWorkFactory(create_session_factory(engine))
        async with factory() as uow:
            cluster = await clusters.create_cluster(uow, name=name, kabupaten="Pekalongan", commodity="batik")
        async with factory() as uow:
            await roles.grant_role(uow, chair_user_id, Role.KETUA, cluster=cluster.name)
    finally:
        await engine.dispose()
    return cluster.id


async def seed_members(url: str, cluster_id: int, first_user: int, count: int) -> None:
    """Registered, active members inserted directly (registration is not what is measured)."""
    from db.models import Member
    from db.session import create_engine

    now = datetime.now(UTC)
    joined = datetime(2025, 1, 1, tzinfo=UTC)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for start in range(0, count, 5000):
                rows = [
                    {
                        "telegram_user_id": first_user + i, "chat_id": first_user + i, "name": f"Anggota {i}",
                        "business_name": f"Usaha {i}", "main_product": "batik", "cluster_id": cluster_id,
                        "status": "active", "joined_at": joined, "consent_at": joined, "consent_version": "2026-11",
                        "announcements_paused": False, "updated_at": now,
                    }
                    for i in range(start, min(count, start + 5000))
                ]
                await connection.execute(insert(Member), rows)
    finally:
        await engine.dispose()


# ---- the emulator -------------------------------------------------------------------------


class BenchApi(FakeBotApi):
    """The emulator, plus what the benchmarks read: every send with its answer, reply events."""

    def __init__(self) -> None:
        super().__init__()
        # (monotonic time, chat id, HTTP status) of every send call, 429s included.
        self.sends: list[tuple[float, int, int]] = []
        # Chats someone is waiting on: set whenever the bot stores a message there.
        self.waiters: dict[int, asyncio.Event] = {}

    def handle_call(self, method: str, params: JsonDict, files: dict[str, Any] | None = None) -> tuple[Any, JsonDict]:
        # Every transport (in-process, HTTP) answers through handle_call.
        call, answer = super().handle_call(method, params, files)
        if method.lower() in SEND_METHODS:
            try:
                chat_id = int(params.get("chat_id"))
            except (TypeError, ValueError):
                chat_id = 0
            self.sends.append((time.monotonic(), chat_id, 200 if answer["ok"] else answer["error_code"]))
        return call, answer

    def _store_bot_message(self, chat: Chat, content: JsonDict) -> JsonDict:
        message = super()._store_bot_message(chat, content)
        event = self.waiters.get(chat.id)
        if event is not None:
            event.set()
        return message

    def _api_editmessagetext(self, params: JsonDict, files: dict) -> JsonDict:
        answer = super()._api_editmessagetext(params, files)
        event = self.waiters.get(answer["chat"]["id"])
        if event is not None:
            event.set()
        return answer

    def first_arrival(self, method: str, after: float) -> float | None:
        """When the HTTP layer first saw `method` at or after `after` (monotonic)."""
        return next((t for t, m in self.arrived if m == method and t >= after), None)

    def forget_calls(self) -> None:
        """Long runs: the call log is not needed (sends are kept in `sends`)."""
        self.calls = _NoList()


class _NoList(list[ApiCall]):
    def append(self, item: ApiCall) -> None:  # keep nothing
        return None


async def start_emulator() -> tuple[BenchApi, SandboxServer]:
    api = BenchApi()
    server = await SandboxServer(api).start()
    return api, server


def bot_messages_after(api: FakeBotApi, chat_id: int, index: int) -> list[JsonDict]:
    """The bot's messages in a chat from position `index` of the chat's message list on."""
    bot_id = api.bot_user["id"]
    return [m for m in api.chats[chat_id].messages[index:] if m.get("from", {}).get("id") == bot_id]


async def wait_in_chat(
    api: BenchApi, chat_id: int, condition: Callable[[], JsonDict | None], within: float
) -> JsonDict:
    """Wait (bounded) until `condition` returns a message; woken by every message stored."""
    deadline = time.monotonic() + within
    event = api.waiters.setdefault(chat_id, asyncio.Event())
    for _ in range(100_000):
        event.clear()
        found = condition()
        if found is not None:
            return found
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            await asyncio.wait_for(event.wait(), min(remaining, 1.0))
        except TimeoutError:
            pass
    texts = [m.get("text", "")[:60] for m in api.chats[chat_id].messages[-3:]]
    raise TimeoutError(f"no expected answer in chat {chat_id} within {within:.0f} s; last: {texts}")


def inline_labels(message: JsonDict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button.get("text", "") for row in rows for button in row]


# ---- the bot in its own process -------------------------------------------------------------


class BotProcess:
    """`python -m benchmarks.botproc`: klasterbot (or the echo bot) polling the emulator."""

    def __init__(
        self,
        kind: str,
        api_url: str,
        workdir: Path,
        *,
        database_url: str | None = None,
        rate: float | None = None,
        background: bool = True,
        profile: str | None = None,
    ) -> None:
        self.command = [sys.executable, "-m", "benchmarks.botproc", kind, "--api", api_url]
        if database_url:
            self.command += ["--database-url", database_url]
        if rate:
            self.command += ["--rate", str(rate)]
        if not background:
            self.command.append("--no-background")
        if profile:
            self.command += ["--profile", profile]
        self.log_path = workdir / f"{kind}-{time.monotonic_ns()}.log"
        self.counters_path = workdir / f"{kind}-{time.monotonic_ns()}.counters.json"
        self.command += ["--counters", str(self.counters_path)]
        self.process: asyncio.subprocess.Process | None = None
        self.spawned_at = 0.0
        self.result: dict[str, Any] = {}

    async def start(self, api: BenchApi, within: float = 60) -> float:
        """Spawn the process; return once the emulator sees its first getUpdates (that time)."""
        self._log = self.log_path.open("wb")
        self.spawned_at = time.monotonic()
        self.process = await asyncio.create_subprocess_exec(
            *self.command, stdout=asyncio.subprocess.PIPE, stderr=self._log, stdin=asyncio.subprocess.DEVNULL,
        )
        deadline = self.spawned_at + within
        for _ in range(int(within * 200)):
            first = api.first_arrival("getUpdates", self.spawned_at)
            if first is not None:
                return first
            if self.process.returncode is not None or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.005)
        await self.stop()
        raise RuntimeError(f"bot did not start polling; log: {self.log_tail()}")

    async def sql_counts(self, within: float = 5.0) -> dict[str, int]:
        """The bot process's SQL statements and transactions so far (asked for with SIGUSR1)."""
        assert self.process is not None
        self.counters_path.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + within
        for _ in range(int(within * 200)):
            if self.counters_path.exists():  # written whole (renamed into place)
                return json.loads(self.counters_path.read_text())
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.005)
        raise RuntimeError("bot process did not write its SQL counts")

    def rss_now_mb(self) -> float:
        """Current RSS of the running bot (0 once it has exited)."""
        return _proc_status_mb(self.process.pid, "VmRSS") if self.process else 0.0

    def peak_rss_now_mb(self) -> float:
        """VmHWM (peak RSS) of the running bot, read from /proc by the driver."""
        return _proc_status_mb(self.process.pid, "VmHWM") if self.process else 0.0

    async def stop(self, within: float = 40) -> dict[str, Any]:
        """SIGTERM (PTB's run_polling stops gracefully), wait bounded, read the RESULT line."""
        process = self.process
        if process is None:
            return {}
        hwm = self.peak_rss_now_mb()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            stdout, _ = await asyncio.wait_for(process.communicate(), within)
        except TimeoutError:
            process.kill()
            stdout, _ = await process.communicate()
        self._log.close()
        for line in stdout.decode(errors="replace").splitlines():
            if line.startswith("RESULT "):
                self.result = json.loads(line[7:])
        self.result["peak_rss_mb"] = max(hwm, float(self.result.get("peak_rss_mb", 0.0)))
        text = self.log_text()
        self.result["errors_logged"] = text.count(" ERROR ")
        self.result["first_error"] = first_error(text)
        return self.result

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 8) -> str:
        return " | ".join(self.log_text().strip().splitlines()[-lines:])[-600:]


def first_error(log: str, lines: int = 12) -> str | None:
    """The first ERROR record of a bot's log with what follows it (its traceback's last line
    names the error): the workdir with the whole log is gone when a run ends."""
    logged = log.splitlines()
    for at, line in enumerate(logged):
        if " ERROR " in line:
            following = logged[at + 1:at + lines]
            named = ""
            if following and following[0].startswith("Traceback"):
                # The traceback's frames are indented; the first line that is not names the error.
                named = next((x for x in following[1:] if x and not x[0].isspace()), "")
            return f"{line.strip()} ... {named.strip()}"[:600] if named else line.strip()[:600]
    return None


# ---- numbers ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); nan for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered) - 1e-9)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
