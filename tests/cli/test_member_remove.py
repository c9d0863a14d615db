"""`klasterbot member remove <telegram id>`: the operator's way to end a membership, like the
chair's "Keluarkan dari klaster" (products unpublished, the member told, audited)."""

from __future__ import annotations

import asyncio

from bot.shell.cli import main
from tests.cli.test_katalog import _seed


async def _state(url: str):
    from sqlalchemy import func, select

    from db.models import AuditEntry, Delivery, Member, Product
    from db.session import create_engine, create_session_factory
    from db.uow import UnitOfWorkFactory

    engine = create_engine(url)
    try:
        async with UnitOfWorkFactory(create_session_factory(engine))(read_only=True) as uow:
            member = await uow.session.scalar(select(Member).where(Member.telegram_user_id == 801))
            published = await uow.session.scalar(select(func.count()).select_from(Product).where(Product.published.is_(True)))
            audited = await uow.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "member.remove"))
            told = await uow.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.kind == "member_removed"))
            return member.status, member.left_at is not None, published, audited, told
    finally:
        await engine.dispose()


def test_member_remove(env, database_url, capsys):
    asyncio.run(_seed(database_url))
    assert main(["member", "remove", "801"]) == 0
    out = capsys.readouterr().out
    assert "Siti" in out and "1 produk" in out
    assert asyncio.run(_state(database_url)) == ("left", True, 0, 1, 1)
    assert main(["member", "remove", "801"]) != 0
    assert "sudah dikeluarkan" in capsys.readouterr().err
    assert main(["member", "remove", "999"]) != 0
    assert "tidak ada" in capsys.readouterr().err
