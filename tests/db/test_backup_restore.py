"""Backup and restore as the README's "Production" runbook says, and the move from SQLite to
PostgreSQL (`klasterbot db copy`): after each, the bot reads what was there and writes on.

SQLite: `klasterbot db backup` while the bot runs, the copy put in place of the file. PostgreSQL
(when TEST_DATABASE_URL names a server): `pg_dump -Fc` of the suite's database restored with
`pg_restore` into a scratch database beside it (<name>_restore). `db copy` goes into a scratch
PostgreSQL database (<name>_copy), or another SQLite file on SQLite alone.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.shell.cli import main
from bot.shell.sandbox.core import FakeBotApi
from db.migrate import upgrade_to_head
from db.session import create_engine
from tests.support.harness import Harness

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


async def _fresh_sqlite(path) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    await upgrade_to_head(engine)
    await engine.dispose()
    return url


async def _seed(bot: Harness):
    """A cluster, a member and her report: what must survive."""
    cluster = await bot.cluster()
    user = bot.user(9301)
    await bot.register(user, cluster, name="Siti Aminah")
    await user.send("/omzet 12,5 jt")
    await user.press("Benar")
    assert "tersimpan: Rp12.500.000" in user.last_text
    return cluster


async def _reads_and_writes(settings, url: str, cluster, api: FakeBotApi) -> None:
    """A bot on the restored database (the same Telegram: update ids go on) sees the report and
    takes new people and reports."""
    bot = await Harness(replace(settings, database_url=url), api).start()
    try:
        siti = api.user_handle(9301)
        before = len(siti.texts())
        await siti.send("/riwayat")
        assert "Rp12.500.000" in siti.texts()[before]
        newcomer = api.user(9302, "Ani")
        await bot.register(newcomer, cluster, name="Ani Lestari")
        await newcomer.send("/omzet 7 jt")
        await newcomer.press("Benar")
        assert "tersimpan: Rp7.000.000" in newcomer.last_text
    finally:
        await bot.stop()


@pytest.fixture
async def scratch_postgres() -> AsyncIterator:
    """Make (and at the end drop) databases beside the suite's: <name>_restore, <name>_copy."""
    made: list[str] = []
    admin = create_engine(POSTGRES_URL) if POSTGRES_URL else None

    async def make(suffix: str) -> str:
        name = f"{make_url(POSTGRES_URL).database}_{suffix}"
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    if admin is not None:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for name in made:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_sqlite_backup_while_running_then_restored_is_read_by_the_bot(settings, tmp_path, monkeypatch, capsys):
    url = await _fresh_sqlite(tmp_path / "klasterbot.db")
    api = FakeBotApi()
    bot = await Harness(replace(settings, database_url=url), api).start()
    try:
        cluster = await _seed(bot)
        monkeypatch.setenv("DATABASE_URL", url)
        # While the bot is running: the online backup is consistent under WAL.
        assert await asyncio.to_thread(main, ["db", "backup", str(tmp_path / "backup.db")]) == 0
        assert "backup written" in capsys.readouterr().out
        assert await asyncio.to_thread(main, ["db", "backup", str(tmp_path / "backup.db")]) == 2  # never overwrites
    finally:
        await bot.stop()
    # Restore: the copy takes the place of the lost file.
    restored = tmp_path / "restored" / "klasterbot.db"
    restored.parent.mkdir()
    shutil.copyfile(tmp_path / "backup.db", restored)
    await _reads_and_writes(settings, f"sqlite+aiosqlite:///{restored}", cluster, api)


async def test_db_copy_moves_everything_from_sqlite_and_the_bot_carries_on(settings, tmp_path, monkeypatch, capsys, scratch_postgres):
    source = await _fresh_sqlite(tmp_path / "klasterbot.db")
    api = FakeBotApi()
    bot = await Harness(replace(settings, database_url=source), api).start()
    try:
        cluster = await _seed(bot)
    finally:
        await bot.stop()
    target = await scratch_postgres("copy") if POSTGRES_URL else await _fresh_sqlite(tmp_path / "target.db")
    monkeypatch.setenv("DATABASE_URL", source)
    assert await asyncio.to_thread(main, ["db", "copy", "--to", target]) == 0
    assert "copied:" in capsys.readouterr().out
    await _reads_and_writes(settings, target, cluster, api)
    # A second copy into a database that holds rows is refused (nothing is mixed).
    assert await asyncio.to_thread(main, ["db", "copy", "--to", target]) == 1
    assert "the target is not empty" in capsys.readouterr().err


if POSTGRES_URL:

    async def test_pg_dump_restored_into_a_scratch_database_is_read_by_the_bot(bot, api, settings, tmp_path, scratch_postgres):
        cluster = await _seed(bot)
        dump = tmp_path / "klasterbot.dump"
        server = make_url(POSTGRES_URL)
        connection = ["-h", server.host or "127.0.0.1", "-p", str(server.port or 5432), "-U", server.username or "postgres"]
        def run(*command: str) -> None:
            subprocess.run(list(command), check=True, timeout=120)

        await asyncio.to_thread(run, "pg_dump", *connection, "-Fc", "-f", str(dump), server.database)
        restored = await scratch_postgres("restore")
        await asyncio.to_thread(run, "pg_restore", *connection, "--no-owner", "-d", make_url(restored).database, str(dump))
        await _reads_and_writes(settings, restored, cluster, api)
