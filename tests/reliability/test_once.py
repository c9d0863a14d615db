"""F15: every action that must happen once is claimed in the database.

Two presses of the same button are processed at the same moment, either by one bot process
(a double tap; `Application.process_update` is called directly, so the in-process per-sender
lock does not order them) or by two bot processes on one database (a second instance, where
no in-process lock can help). The database decides: the action happens once and the second
press is answered politely. On SQLite both variants share the file; on PostgreSQL
(TEST_DATABASE_URL) they share the server, READ COMMITTED, where a read-then-write races.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.domain import MemberStatus, Role
from db.models import (
    Announcement,
    AuditEntry,
    Delivery,
    Member,
    MonthlyReport,
    ReportVersion,
    RoleGrant,
)
from tests.support.harness import Harness

CHAIR, SECOND_CHAIR, KOOR = 800, 801, 802
MEMBERS = (810, 811, 812)
APPLICANT = 820


@pytest.fixture(params=["double_press", "second_instance"])
async def pair(request, bot) -> AsyncIterator[tuple[Harness, Harness]]:
    """The two places the presses are handled: the same process twice, or two processes."""
    if request.param == "double_press":
        yield bot, bot
        return
    other = await Harness(bot.settings, bot.api).start()
    other.runtime.outbox.worker_id = "host-b:2"
    other.now = bot.now
    bot.api.sink = bot._process  # the set-up steps go to the first process
    try:
        yield bot, other
    finally:
        errors = [r.getMessage() for r in other.errors.records]
        await other.stop()
        bot.api.sink = bot._process
    assert not errors, errors


async def _capture(bot: Harness, press: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """Build the update a press sends without handing it to any process yet."""
    sink, bot.api.sink = bot.api.sink, None
    try:
        update = await press
    finally:
        bot.api.sink = sink
    bot.api.pending_updates.remove(update)
    return update


async def _twice(pair: tuple[Harness, Harness], first: dict[str, Any], second: dict[str, Any]) -> None:
    """Both presses handled at the same moment, one by each of the pair."""
    a, b = pair
    await asyncio.gather(a._process(first), b._process(second))


async def _drain(pair: tuple[Harness, Harness]) -> None:
    a, b = pair
    await asyncio.gather(a.drain(), b.drain())
    await a.drain()


def _answers(bot: Harness) -> list[str]:
    """The texts the bot answered button presses with (empty for a silent answer)."""
    return [c.params.get("text") or "" for c in bot.api.calls_to("answerCallbackQuery")]


async def _count(bot: Harness, query) -> int:
    async with bot.uow(read_only=True) as uow:
        return int(await uow.session.scalar(query))


@pytest.fixture
async def cluster_with_members(bot):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    members = []
    for user_id, name in zip(MEMBERS, ["Ani Lestari", "Budi Santoso", "Citra Dewi"], strict=True):
        user = bot.user(user_id, name.split()[0])
        await bot.register(user, batik, name=name)
        members.append(user)
    return batik, members


async def test_f15_send_now_pressed_twice_publishes_once(bot, pair, cluster_with_members):
    """F15: "Kirim sekarang" twice at once (one process, or two on one database): one
    announcement, every member receives it once, one progress message, a polite second answer."""
    _, members = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("Rapat anggota hari Sabtu di balai desa.")
    first = await _capture(bot, chair.press("Kirim sekarang"))
    second = await _capture(bot, chair.press("Kirim sekarang"))

    await _twice(pair, first, second)
    await _drain(pair)

    assert await _count(bot, select(func.count()).select_from(Announcement)) == 1
    assert await _count(bot, select(func.count()).select_from(Delivery).where(Delivery.kind == "announcement")) == 3
    for member in members:
        assert [t for t in member.texts() if t.startswith("PENGUMUMAN")] == ["PENGUMUMAN\nDari: ketua Batik Simbang Kulon\n\nRapat anggota hari Sabtu di balai desa."]
    assert sum(t.startswith("Mengirim pengumuman") for t in chair.texts()) == 1
    assert sum("Pengumuman ini sudah dikirim." in t for t in _answers(bot)) == 1
    assert sum(t == "Pengumuman ini sudah dikirim." for t in chair.texts()) == 1


async def test_f15_schedule_pressed_twice_schedules_once(bot, pair, cluster_with_members):
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("Bazar UMKM di alun-alun.")
    await chair.press("Jadwalkan")
    await chair.send("1/12/2026 09.00")
    label = next(b for b in chair.buttons() if b.startswith("Jadwalkan "))
    first = await _capture(bot, chair.press(label))
    second = await _capture(bot, chair.press(label))

    await _twice(pair, first, second)

    assert await _count(bot, select(func.count()).select_from(Announcement)) == 1
    assert await _count(bot, select(func.count()).select_from(Delivery).where(Delivery.kind == "announcement")) == 3
    assert sum("Pengumuman ini sudah dijadwalkan." in t for t in _answers(bot)) == 1


async def test_f15_a_stale_send_button_never_sends_a_newer_draft(bot, cluster_with_members):
    """The "Kirim sekarang" of a sent announcement, pressed while the next one is at its
    preview, says the first was sent; it does not send the second unseen."""
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("Pengumuman pertama.")
    old = chair.message_with_button("Kirim sekarang")
    data = next(b["callback_data"] for row in old["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "Kirim sekarang")
    await chair.press("Kirim sekarang")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("Pengumuman kedua.")
    await chair.press_data(data, old)
    assert chair.last_text == "Pengumuman ini sudah dikirim."
    assert await _count(bot, select(func.count()).select_from(Announcement)) == 1
    await chair.press("Kirim sekarang")  # the second draft is still there, and goes once
    assert await _count(bot, select(func.count()).select_from(Announcement)) == 2


async def test_f15_benar_on_a_report_pressed_twice_saves_one_version(bot, pair, cluster_with_members):
    _, members = cluster_with_members
    member = members[0]
    await member.send("omzet oktober 12,5 juta")
    first = await _capture(bot, member.press("Benar"))
    second = await _capture(bot, member.press("Benar"))

    await _twice(pair, first, second)

    assert await _count(bot, select(func.count()).select_from(MonthlyReport)) == 1
    assert await _count(bot, select(func.count()).select_from(ReportVersion)) == 1
    assert await _count(bot, select(MonthlyReport.version)) == 1
    assert sum("Omzet Oktober 2026 tersimpan" in t for t in member.texts()) == 1
    assert sum("Laporan omzet ini sudah tersimpan." in t for t in member.texts()) == 1
    assert not any("Ketik /omzet" in t for t in member.texts())


async def test_f15_correction_pressed_twice_adds_one_version(bot, pair, cluster_with_members):
    _, members = cluster_with_members
    member = members[0]
    await member.send("omzet oktober 12,5 juta")
    await member.press("Benar")
    await member.send("omzet oktober 13 juta")
    first = await _capture(bot, member.press("Ganti"))
    second = await _capture(bot, member.press("Ganti"))

    await _twice(pair, first, second)

    assert await _count(bot, select(func.count()).select_from(ReportVersion)) == 2
    assert await _count(bot, select(MonthlyReport.version)) == 2
    assert await _count(bot, select(MonthlyReport.amount)) == 13_000_000
    assert sum("Laporan omzet ini sudah tersimpan." in t for t in member.texts()) == 1


async def test_f15_registration_confirmed_twice_makes_one_member(bot, pair):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    user = bot.user(APPLICANT, "Siti")
    await user.send(f"/start {batik.invite_code}")
    await user.press("Setuju")
    await user.send("Siti Aminah")
    await user.send("Batik Siti")
    await user.send("batik tulis")
    await user.send("Lewati")
    first = await _capture(bot, user.press("Benar"))
    second = await _capture(bot, user.press("Benar"))

    await _twice(pair, first, second)

    assert await _count(bot, select(func.count()).select_from(Member)) == 1
    assert await _count(bot, select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "member.register")) == 1
    assert sum("Anda sudah terdaftar sebagai anggota Batik Simbang Kulon" in t for t in user.texts()) == 1
    assert sum("Pendaftaran Anda sudah kami terima." in t for t in user.texts()) == 1
    assert not any("Ketik /daftar" in t for t in user.texts())


@pytest.mark.parametrize("decisions", [("Terima", "Terima"), ("Terima", "Tolak")])
async def test_f15_two_chairs_decide_one_request_once(bot, pair, decisions):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik", requires_approval=True)
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    await bot.grant(SECOND_CHAIR, Role.KETUA, cluster=batik.name)
    chairs = [bot.user(CHAIR, "Ketua"), bot.user(SECOND_CHAIR, "Wakil")]
    for chair in chairs:
        await chair.send("/bantuan")
    applicant = bot.user(APPLICANT, "Siti")
    await bot.register(applicant, batik, phone=False)
    await bot.drain()
    first = await _capture(bot, chairs[0].press(decisions[0]))
    second = await _capture(bot, chairs[1].press(decisions[1]))

    await _twice(pair, first, second)
    await _drain(pair)

    async with bot.uow(read_only=True) as uow:
        decided = (
            await uow.session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.in_(("member.approve", "member.reject")))
            )
        ).all()
        member = await uow.members.by_telegram_id(APPLICANT)
    assert len(decided) == 1
    if decided[0] == "member.approve":
        assert member is not None and member.status == MemberStatus.ACTIVE
    else:
        assert member is None
    notices = [t for t in applicant.texts() if t.startswith(("Selamat! Permintaan Anda diterima", "Maaf, permintaan Anda"))]
    assert len(notices) == 1
    assert sum("Permintaan ini sudah diputuskan." in t for t in _answers(bot)) == 1


async def test_f15_appointing_a_chair_twice_grants_once(bot, pair, cluster_with_members):
    batik, members = cluster_with_members
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ketua Batik Simbang Kulon")
    first = await _capture(bot, koor.press("Angkat Ani Lestari"))
    second = await _capture(bot, koor.press("Angkat Ani Lestari"))

    await _twice(pair, first, second)
    await _drain(pair)

    assert await _count(
        bot, select(func.count()).select_from(RoleGrant).where(RoleGrant.telegram_user_id == MEMBERS[0])
    ) == 1
    assert await _count(bot, select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "role.grant", AuditEntry.subject == str(MEMBERS[0]))) == 1
    assert sum("diangkat menjadi ketua" in t for t in members[0].texts()) == 1
    assert sum("sekarang ketua" in t for t in koor.texts()) == 1
    assert sum("Ani Lestari sudah menjadi ketua Batik Simbang Kulon." in t for t in _answers(bot)) == 1

    # Removing twice: one revoke, one notice.
    await koor.send("/ketua Batik Simbang Kulon")
    first = await _capture(bot, koor.press("Copot Ani Lestari (ketua)"))
    second = await _capture(bot, koor.press("Copot Ani Lestari (ketua)"))
    await _twice(pair, first, second)
    await _drain(pair)
    assert await _count(
        bot, select(func.count()).select_from(RoleGrant).where(RoleGrant.telegram_user_id == MEMBERS[0])
    ) == 0
    assert await _count(bot, select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "role.revoke")) == 1
    assert sum("tidak lagi menjadi ketua" in t for t in members[0].texts()) == 1
    assert sum("Ani Lestari sudah bukan ketua Batik Simbang Kulon." in t for t in _answers(bot)) == 1


async def test_f15_nudge_pressed_twice_reminds_each_member_once(bot, pair, cluster_with_members):
    batik, members = cluster_with_members
    async with bot.uow() as uow:
        # Members since September: October's missing list is theirs.
        await uow.session.execute(update(Member).values(joined_at=datetime(2026, 9, 1, tzinfo=UTC)))
        await uow.commit()
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/belumlapor")
    first = await _capture(bot, chair.press("Ingatkan"))
    second = await _capture(bot, chair.press("Ingatkan"))

    await _twice(pair, first, second)
    await _drain(pair)

    assert await _count(bot, select(func.count()).select_from(Delivery).where(Delivery.kind == "omzet_nudge")) == 3
    for member in members:
        assert sum(t.startswith("Pengingat") for t in member.texts()) == 1
    said = chair.texts()
    assert sum("Pengingat dikirim kepada 3 anggota" in t for t in said) == 1
    assert sum("Tidak ada pengingat baru" in t for t in said) == 1
