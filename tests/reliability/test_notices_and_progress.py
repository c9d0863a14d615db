"""F16 and F18: notices to other people survive Telegram's failures; one progress message and
one final report however many drivers run; training reminders at each cluster's own hour."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.domain import Role
from bot.shell.background import report_progress
from db.models import Cluster, Delivery
from tests.support.harness import Harness

CHAIR = 600
MEMBERS = [610, 611, 612, 613, 614]
NAMES = ["Ani Lestari", "Budi Santoso", "Citra Dewi", "Dedi Kurnia", "Eka Putri"]


async def _cluster_with_members(bot, *, requires_approval=False, zone="Asia/Jakarta", members=MEMBERS):
    cluster = await bot.cluster(requires_approval=requires_approval)
    if zone != "Asia/Jakarta":
        async with bot.uow() as uow:
            await uow.session.execute(update(Cluster).where(Cluster.id == cluster.id).values(timezone=zone))
            await uow.commit()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    users = []
    for i, user_id in enumerate(members):
        user = bot.user(user_id, NAMES[i].split()[0])
        await bot.register(user, cluster, name=NAMES[i])
        users.append(user)
    return cluster, users


def _count(user, text):
    return sum(text in t for t in user.texts())


async def test_join_request_meets_429_then_5xx_and_arrives_once(bot):
    """F16: the chair is asked once, after Telegram first refuses with 429 and then 502."""
    cluster = await bot.cluster(requires_approval=True)
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    bot.api.fail_next(CHAIR, 429, 502)
    siti = bot.user(700)
    await bot.register(siti, cluster)
    await bot.drain()
    assert bot.api.rejected_429 >= 1 and bot.api.rejected_5xx >= 1
    assert _count(chair, "Permintaan bergabung ke Batik Simbang Kulon") == 1
    assert chair.buttons() == ["Terima", "Tolak"]

    # The decision reaches the member through the same trouble, once.
    bot.api.fail_next(siti.id, 500, 429)
    await chair.press("Terima")
    await bot.drain()
    assert _count(siti, "Permintaan Anda diterima") == 1


async def test_new_interest_meets_429_then_5xx_and_reaches_the_author_once(bot):
    """F16: "Peminat baru" is queued with the answer; Telegram's refusals only delay it."""
    _, members = await _cluster_with_members(bot)
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari 200 lembar batik tulis.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    bot.api.fail_next(CHAIR, 429, 503)
    await members[0].press("Saya tertarik")
    await members[0].press("Saya tertarik")  # a second press: recorded already, no second notice
    await bot.drain()
    assert _count(chair, "Peminat baru") == 1
    assert "Ani Lestari" in chair.message_with_button("Daftar peminat")["text"]


async def test_a_notice_goes_ahead_of_a_big_send(bot):
    """A join request written while 300 announcements wait is sent before them."""
    cluster, _ = await _cluster_with_members(bot, requires_approval=False, members=[])
    async with bot.uow() as uow:
        # 300 announcement rows already due (a big send under way).
        await uow.deliveries.add_many(
            {"kind": "announcement", "dedupe_key": f"bulk:{i}", "announcement_id": None, "member_id": None,
             "chat_id": 900_000 + i, "payload": {"text": "Bazar", "buttons": []}, "status": "pending",
             "attempts": 0, "not_before": bot.now, "created_at": bot.now}
            for i in range(300)
        )
        row = await uow.clusters.get(cluster.id)
        row.requires_approval = True
        await uow.commit()
    chair = bot.user(CHAIR, "Ketua")
    siti = bot.user(701)
    for i in range(300):
        bot.user(900_000 + i, "Massal")
    await bot.register(siti, cluster)
    await bot.runtime.outbox.drain_once()
    first = bot.api.calls_to("sendMessage")
    to_chair = [i for i, c in enumerate(first) if int(c.params["chat_id"]) == CHAIR]
    to_bulk = [i for i, c in enumerate(first) if int(c.params["chat_id"]) >= 900_000]
    assert to_chair and to_bulk and to_chair[0] < to_bulk[0]
    assert "Permintaan bergabung" in chair.last_text


async def _publish(bot, text="Rapat anggota hari Sabtu."):
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send(text)
    await chair.press("Kirim sekarang")
    return chair


async def test_two_progress_drivers_one_progress_message_one_final_report(bot):
    """F18: the outbox's hook, the periodic job and a second instance all drive progress."""
    await _cluster_with_members(bot)
    other = await Harness(bot.settings, bot.api).start()
    try:
        other.now = bot.now
        chair = await _publish(bot)
        # Both instances send and report at once, again and again.
        for _ in range(4):
            await asyncio.gather(
                bot.runtime.outbox.drain_once(), other.runtime.outbox.drain_once(),
                report_progress(bot.app), report_progress(other.app), report_progress(bot.app),
            )
        await asyncio.gather(bot.drain(), other.drain())
        await asyncio.gather(report_progress(bot.app), report_progress(other.app))
        await asyncio.gather(bot.drain(), other.drain())
    finally:
        await other.stop()
    progress = [m for m in chair.bot_messages() if "Mengirim pengumuman: terkirim" in (m.get("text") or "")]
    assert len(progress) == 1
    assert "terkirim 5 dari 5" in progress[0]["text"]
    assert _count(chair, "Laporan pengiriman pengumuman") == 1
    assert "Terkirim: 5" in chair.last_text
    for member_id in MEMBERS:
        assert _count(bot.api.user_handle(member_id), "Rapat anggota") == 1


async def test_progress_message_is_sent_by_the_outbox_before_the_members(bot):
    """The author's progress message has one owner: the outbox sends it, first in line."""
    await _cluster_with_members(bot)
    chair = await _publish(bot)
    assert not any("Mengirim pengumuman" in t for t in chair.texts())
    before = len(bot.api.calls_to("sendMessage"))
    await bot.runtime.outbox.drain_once()
    calls = [int(c.params["chat_id"]) for c in bot.api.calls_to("sendMessage")[before:]]
    assert calls.index(CHAIR) < min(calls.index(m) for m in MEMBERS)
    async with bot.uow(read_only=True) as uow:
        keys = (await uow.session.scalars(select(Delivery.dedupe_key).where(Delivery.chat_id == CHAIR))).all()
    assert any(k.startswith("progress:") for k in keys)


async def _training(bot, chair, when_text):
    await chair.send("/umumkan")
    await chair.press("Pelatihan")
    await chair.send("Pelatihan pewarnaan alami.")
    await chair.send(when_text)
    await chair.send("Balai Desa")
    await chair.press("Kirim sekarang")
    await bot.drain()


async def test_a_wit_cluster_is_reminded_at_its_own_hour(bot):
    """The training is 12 December 09.00 WIT; the reminder says so, in WIT."""
    _, members = await _cluster_with_members(bot, zone="Asia/Jayapura", members=MEMBERS[:2])
    chair = bot.user(CHAIR, "Ketua")
    await _training(bot, chair, "12/12/2026 09.00")
    announcement = members[0].message_with_button("Ikut")
    assert "pukul 09.00 WIT" in announcement["text"]
    await members[0].press("Ikut")
    bot.now = datetime(2026, 12, 11, 0, 0, tzinfo=UTC)  # 09.00 WIT the day before
    await bot.drain()
    [reminder] = [t for t in members[0].texts() if t.startswith("Pengingat")]
    assert "besok" in reminder and "12 Desember 2026, pukul 09.00 WIT" in reminder


async def test_whoever_says_ikut_after_the_first_reminders_is_reminded_too(bot):
    _, members = await _cluster_with_members(bot, members=MEMBERS[:3])
    chair = bot.user(CHAIR, "Ketua")
    await _training(bot, chair, "12/12/2026 09.00")
    await members[0].press("Ikut")
    bot.now = datetime(2026, 12, 11, 1, 0, tzinfo=UTC)  # 08.00 WIB the day before
    await bot.drain()
    assert _count(members[0], "Pengingat: besok") == 1
    # The afternoon of the day before, another member says Ikut: reminded at once, and only them.
    bot.now = datetime(2026, 12, 11, 8, 0, tzinfo=UTC)  # 15.00 WIB
    await members[1].press("Ikut")
    await bot.drain()
    assert _count(members[1], "Pengingat: besok") == 1
    assert _count(members[0], "Pengingat") == 1
    # Late in the evening (quiet hours): the reminder waits for the morning and says "hari ini".
    bot.now = datetime(2026, 12, 11, 15, 0, tzinfo=UTC)  # 22.00 WIB
    await members[2].press("Ikut")
    await bot.drain(follow_retries=False)
    assert _count(members[2], "Pengingat") == 0
    bot.now = datetime(2026, 12, 12, 0, 0, tzinfo=UTC)  # 07.00 WIB on the day
    await bot.drain()
    assert _count(members[2], "Pengingat: hari ini") == 1
    assert _count(members[0], "Pengingat") == 1 and _count(members[1], "Pengingat") == 1


async def test_a_late_progress_edit_cannot_follow_the_final_report(bot, monkeypatch):
    """Seen: "terkirim 4 dari 5" shown after the final report — one driver claimed an edit and
    was slow to make it, another finished the send and its report went out first. Now the edit
    holds a short lease: nobody finishes while it is in flight, and the final report waits for
    the final edit."""
    from datetime import timedelta

    from telegram.ext import ExtBot

    await _cluster_with_members(bot)
    chair = await _publish(bot)
    bot.api.fail_next(MEMBERS[-1], 502)
    await bot.runtime.outbox.drain_once()  # the progress message and four members; one retries
    gate, entered = asyncio.Event(), asyncio.Event()
    original = ExtBot.edit_message_text

    async def slow_edit(self, *args, **kwargs):
        entered.set()
        await gate.wait()
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(ExtBot, "edit_message_text", slow_edit)
    slow = asyncio.create_task(report_progress(bot.app))  # claims "4 dari 5", then waits
    await entered.wait()
    monkeypatch.setattr(ExtBot, "edit_message_text", original)
    async with bot.uow(read_only=True) as uow:
        retry = await uow.deliveries.next_due()
    assert retry - bot.now < timedelta(seconds=30)  # well inside the edit's lease
    bot.now = retry
    await bot.runtime.outbox.drain_once()  # the fifth member
    await report_progress(bot.app)  # another driver: all resolved
    await bot.runtime.outbox.drain_once()
    gate.set()
    await slow
    await bot.drain()
    order = [(c.method, c.params.get("text") or "") for c in bot.api.calls
             if int(c.params.get("chat_id") or 0) == CHAIR and c.method in ("editMessageText", "sendMessage")]
    report = next(i for i, (_, text) in enumerate(order) if "Laporan pengiriman pengumuman" in text)
    edits = [i for i, (method, _) in enumerate(order) if method == "editMessageText"]
    assert edits and max(edits) < report, order
    assert any("terkirim 5 dari 5" in (m.get("text") or "") for m in chair.bot_messages())
    assert _count(chair, "Laporan pengiriman pengumuman") == 1


async def test_an_author_who_erased_their_data_mid_send_gets_no_report(bot):
    """Seen: the final report queued for chat 0 after the ketua's /hapusdata."""
    await _cluster_with_members(bot)
    chair = await _publish(bot)
    await bot.runtime.outbox.drain_once()
    await chair.send("/hapusdata")
    await chair.press(chair.buttons()[0])
    await bot.drain()
    async with bot.uow(read_only=True) as uow:
        chats = (await uow.session.scalars(select(Delivery.chat_id).where(Delivery.kind == "final_report"))).all()
        statuses = (await uow.session.scalars(select(Delivery.status))).all()
    assert chats == [] and "failed" not in statuses
    assert 0 not in {int(c.params.get("chat_id") or -1) for c in bot.api.calls}


async def test_a_former_chair_does_not_get_members_data_queued_before_the_revocation(bot):
    """Seen: "Peminat baru" (a member's name, business and phone) queued for a ketua, the role
    revoked before it was sent, and it was still delivered. The reader is checked at send time."""
    from bot.services import roles as role_service

    _, members = await _cluster_with_members(bot)
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari batik tulis.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    await members[0].press("Saya tertarik")  # queued for the chair, not sent yet
    async with bot.uow() as uow:
        await role_service.revoke_role(uow, CHAIR, Role.KETUA)
    await members[1].press("Saya tertarik")  # after the revocation: not even queued
    await bot.drain()
    assert not any("Peminat baru" in t or "+62812" in t for t in chair.texts())
    async with bot.uow(read_only=True) as uow:
        interest = (await uow.session.scalars(select(Delivery.status).where(Delivery.kind == "interest"))).all()
    assert interest == ["cancelled"]


async def test_a_chair_still_in_role_gets_the_interest_notice(bot):
    _, members = await _cluster_with_members(bot)
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari batik tulis.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    await members[0].press("Saya tertarik")
    await bot.drain()
    assert _count(chair, "Ani Lestari") >= 1
