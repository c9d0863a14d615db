"""Membership by month in the chat: /ringkasan, /belumlapor and /ekspor for past months."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, update

from bot.domain import Role
from db.models import Member
from tests.support.harness import export_table

KOOR = 801
EARLY = datetime(2025, 1, 1, tzinfo=UTC)


async def _three_early_members(bot, cluster) -> None:
    rows = [{
        "telegram_user_id": 30_000 + i, "chat_id": 30_000 + i, "name": f"Anggota {i}", "business_name": f"Usaha {i}",
        "main_product": "batik", "cluster_id": cluster.id, "status": "active", "joined_at": EARLY,
        "consent_at": EARLY, "consent_version": "2026-11", "announcements_paused": False, "updated_at": EARLY,
    } for i in range(3)]
    async with bot.uow() as uow:
        await uow.session.execute(insert(Member), rows)
        await uow.commit()
    for i in range(3):
        bot.api.user(30_000 + i, f"Anggota{i}")


async def _report(user, text):
    await user.send(text)
    await user.press("Benar")
    assert "tersimpan" in user.last_text


async def test_ringkasan_and_ekspor_never_show_more_reporters_than_members(bot):
    """Was "Anggota: 3, Sudah melapor: 5 (167%)": two people registered in November and
    filled in March; and a member who left in November vanished from September."""
    cluster = await bot.cluster()
    await _three_early_members(bot, cluster)
    await bot.grant(KOOR, Role.KOORDINATOR)
    late = [bot.user(4001 + i, f"Baru{i}") for i in range(2)]
    for person, name in zip(late, ("Dewi Lestari", "Nur Hidayah"), strict=True):
        await bot.register(person, cluster, name=name)
    for i in range(3):
        await _report(bot.api.user_handle(30_000 + i), "/omzet maret 2026 4 jt")
        await _report(bot.api.user_handle(30_000 + i), "/omzet september 2026 4 jt")
    for person in late:
        await _report(person, "/omzet maret 2026 6 jt")

    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan Batik Simbang Kulon maret 2026")
    assert "Ringkasan Batik Simbang Kulon — Maret 2026" in koor.last_text
    assert "Anggota: 5" in koor.last_text and "Sudah melapor: 5 (100%)" in koor.last_text
    await koor.send("/belumlapor Batik Simbang Kulon april 2026")
    assert "Belum melapor omzet April 2026 di Batik Simbang Kulon: 5 dari 5 anggota." in koor.last_text

    # One of the early members leaves; September keeps them.
    async with bot.uow() as uow:
        await uow.session.execute(
            update(Member).where(Member.telegram_user_id == 30_002).values(left_at=bot.now, updated_at=bot.now)
        )
        await uow.commit()
    await koor.send("/ringkasan Batik Simbang Kulon september 2026")
    assert "Anggota: 5" in koor.last_text and "Sudah melapor: 3 (60%)" in koor.last_text

    await koor.send("/ekspor")
    [(_, (_name, content, _mime))] = bot.api.calls_to("sendDocument")[-1].files.items()
    rows = {row["Bulan"].strftime("%Y-%m"): (row["Anggota"], row["Sudah melapor"]) for row in export_table(content)}
    assert all(reported <= members for members, reported in rows.values()), rows
    assert rows["2026-03"] == (5, 5) and rows["2026-09"] == (5, 3)
    assert rows["2025-12"] == (3, 0)  # before the two joined or reported
