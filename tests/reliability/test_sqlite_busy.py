"""F7: another writer holds SQLite's lock; the bot waits (busy timeout) and loses nothing."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from db.models import Member


async def test_update_waits_for_a_locked_database_and_is_stored(bot, settings):
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite locking only (PostgreSQL has row locks)")
    cluster = await bot.cluster()
    user = bot.user(6001)
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    for answer in ("Siti Aminah", "Batik Siti", "batik"):
        await user.send(answer)
    await user.send("Lewati")

    # A backup script (or a second process) takes the write lock for a while.
    blocker = sqlite3.connect(url.database, timeout=1, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")

    async def release_later():
        await asyncio.sleep(1.5)
        blocker.execute("COMMIT")

    releaser = asyncio.create_task(release_later())
    await user.press("Benar")  # its transaction waits for the lock instead of failing
    await releaser
    blocker.close()
    assert "sudah terdaftar" in user.last_text
    async with bot.uow(read_only=True) as uow:
        member = await uow.session.scalar(select(Member).where(Member.telegram_user_id == 6001))
    assert member is not None and member.name == "Siti Aminah"
