"""Role grants are kept by the bot process (db/role_cache.py), yet a grant or a removal made
elsewhere, by the CLI (its own engine, like another process) or in plain SQL, counts from
the person's very next update."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete

from bot.shell.cli import main
from db.models import RoleGrant

CHAIR = 7301


async def test_a_role_granted_or_revoked_by_the_cli_is_seen_at_once(env, bot):
    cluster = await bot.cluster()
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/belumlapor")
    refused = chair.last_text
    await chair.send("/belumlapor")  # asked again: answered from the process's cache
    assert chair.last_text == refused

    assert await asyncio.to_thread(main, ["role", "grant", str(CHAIR), "ketua", "--cluster", cluster.name]) == 0
    await chair.send("/belumlapor")
    allowed = chair.last_text
    assert allowed != refused

    assert await asyncio.to_thread(main, ["role", "revoke", str(CHAIR), "ketua"]) == 0
    await chair.send("/belumlapor")
    assert chair.last_text == refused

    # Any path that writes the table moves the epoch: here plain SQL, no service involved.
    assert await asyncio.to_thread(main, ["role", "grant", str(CHAIR), "ketua", "--cluster", cluster.name]) == 0
    await chair.send("/belumlapor")
    assert chair.last_text == allowed
    async with bot.uow() as uow:
        await uow.session.execute(delete(RoleGrant).where(RoleGrant.telegram_user_id == CHAIR))
        await uow.commit()
    await chair.send("/belumlapor")
    assert chair.last_text == refused
