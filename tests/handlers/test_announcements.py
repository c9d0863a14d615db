"""Announcements through the real Application: compose, deliver once, answers, lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.domain import Role
from db.models import Announcement, AuditEntry, Delivery, Member

CHAIR, KOOR, OTHER_CHAIR = 700, 701, 702


@pytest.fixture
async def cluster_with_members(bot):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    await bot.grant(OTHER_CHAIR, Role.KETUA, cluster=jambu.name)
    await bot.grant(KOOR, Role.KOORDINATOR)
    members = []
    for i, name in enumerate(["Ani Lestari", "Budi Santoso", "Citra Dewi"]):
        user = bot.user(710 + i, name.split()[0])
        await bot.register(user, batik, name=name)
        members.append(user)
    outsider = bot.user(720, "Dedi")
    await bot.register(outsider, jambu, name="Dedi Jambu")
    return batik, jambu, members, outsider


async def _compose(user, kind_label, text, *extra):
    await user.send("/umumkan")
    await user.press(kind_label)
    await user.send(text)
    for answer in extra:
        await user.send(answer)


async def test_ketua_announces_training_members_answer_and_ketua_sees_lists(bot, cluster_with_members):
    batik, jambu, members, outsider = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await _compose(chair, "Pelatihan", "Pelatihan pewarnaan alami untuk batik tulis.", "12/12/2026 09.00", "Balai Desa Simbang Kulon")
    # The preview is exactly what members will see, then the choice to send.
    preview = chair.texts()[-2]
    assert preview.startswith("PELATIHAN") and "12 Desember 2026, pukul 09.00" in preview
    assert "Balai Desa Simbang Kulon" in preview
    await chair.press("Kirim sekarang")
    assert "sedang dikirim ke 3 anggota" in chair.last_text
    await bot.drain()

    for member in members:
        received = [t for t in member.texts() if t.startswith("PELATIHAN")]
        assert len(received) == 1
    assert not any(t.startswith("PELATIHAN") for t in outsider.texts())
    assert "Terkirim: 3" in chair.last_text and "Memblokir bot: 0" in chair.last_text
    progress = chair.bot_messages()[-2]
    assert "terkirim 3 dari 3" in progress["text"]

    await members[0].press("Ikut")
    await members[1].press("Ikut")
    await members[2].press("Tidak bisa")
    await members[1].press("Tidak bisa")  # changed their mind
    await chair.press("Daftar hadir")
    assert "Daftar hadir: 1 ikut, 2 tidak bisa, 0 belum menjawab." in chair.last_text
    assert "Ani Lestari" in chair.last_text

    async with bot.uow(read_only=True) as uow:
        audit = (await uow.session.scalars(select(AuditEntry.action))).all()
    assert "announcement.create" in audit

    # The day before, those who said Ikut get a reminder, once, through the outbox.
    bot.now = datetime(2026, 12, 11, 1, 0, tzinfo=UTC)  # 08.00 WIB the day before
    await bot.drain()
    await bot.drain()
    assert sum("Pengingat" in t for t in members[0].texts()) == 1
    assert not any("Pengingat" in t for t in members[1].texts())


async def test_market_opportunity_interest_goes_to_author_with_contact(bot, cluster_with_members):
    _, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await _compose(chair, "Peluang pasar", "Pembeli dari Semarang mencari 200 lembar batik tulis.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    message = members[0].message_with_button("Saya tertarik")
    assert "nomor telepon Anda akan dikirim" in message["text"]
    await members[0].press("Saya tertarik")
    # The confirmation, then whether the phone may go on to the buyer (issue 16).
    assert "sudah dikirim kepada pengirim" in members[0].texts()[-2]
    assert "Bolehkah nomor telepon Anda diteruskan kepada pembeli?" in members[0].last_text
    await bot.drain()  # the notice to the author leaves through the outbox
    assert "Peminat baru" in chair.last_text and "Ani Lestari" in chair.last_text and "+62812" in chair.last_text
    await chair.press("Daftar peminat")
    assert "Daftar peminat: 1 orang." in chair.last_text


async def test_roles_and_scopes(bot, cluster_with_members):
    batik, jambu, members, outsider = cluster_with_members
    member = members[0]
    await member.send("/umumkan")
    assert "tidak memiliki hak" in member.last_text

    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    # A chair's audience is their own cluster: no choice, and a forged choice is refused.
    assert "Batik Simbang Kulon" in chair.last_text
    await chair.press_data(f"umum:t:cl:{jambu.id}")
    assert "tidak berlaku" in chair.last_text or "tidak memiliki hak" in chair.last_text
    await chair.press("Batal")

    koor = bot.user(KOOR, "Koor")
    await koor.send("/umumkan")
    assert "Semua klaster di wilayah Anda (2)" in koor.buttons()
    await koor.press("Kab./Kota Demak (1 klaster)")
    await koor.press("Umum")
    await koor.send("Rapat koordinasi klaster jambu hari Senin.")
    await koor.press("Kirim sekarang")
    await bot.drain()
    assert any(t.startswith("PENGUMUMAN") for t in outsider.texts())
    assert not any(t.startswith("PENGUMUMAN") for t in member.texts())

    # An answer button of an announcement not meant for this member is refused.
    async with bot.uow(read_only=True) as uow:
        announcement_id = await uow.session.scalar(select(func.max(Announcement.id)))
    await member.press_data(f"ann:tertarik:{announcement_id}")
    await member.press_data(f"ann:list:{announcement_id}")
    assert "tidak memiliki hak" in member.last_text
    await outsider.press_data("ann:ikut:999999")
    assert "tidak berlaku" in outsider.last_text


async def test_scheduled_announcement_waits_for_morning_and_can_be_cancelled(bot, cluster_with_members):
    _, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await _compose(chair, "Umum", "Besok pagi ada kunjungan Dinas.")
    await chair.press("Jadwalkan")
    await chair.send("28/11/2026 21.00")  # 21.00 WIB is quiet time
    # Said back as when it really arrives: 07.00 WIB the next morning.
    await chair.press("Jadwalkan 29 November 2026, pukul 07.00 WIB")
    assert "dijadwalkan" in chair.last_text
    async with bot.uow(read_only=True) as uow:
        due = (await uow.session.scalars(select(Delivery.not_before))).all()
    # Held until 07.00 WIB the next morning (00.00 UTC).
    assert set(due) == {datetime(2026, 11, 29, 0, 0, tzinfo=UTC)}
    bot.now = datetime(2026, 11, 28, 14, 30, tzinfo=UTC)  # 21.30 WIB
    await bot.drain(follow_retries=False)
    assert not any(t.startswith("PENGUMUMAN") for t in members[0].texts())
    bot.now = datetime(2026, 11, 29, 0, 1, tzinfo=UTC)
    await bot.drain(follow_retries=False)
    assert sum(t.startswith("PENGUMUMAN") for t in members[0].texts()) == 1

    await _compose(chair, "Umum", "Pengumuman kedua.")
    await chair.press("Jadwalkan")
    await chair.send("30/11/2026 10.00")
    await chair.press("Jadwalkan 30 November 2026, pukul 10.00 WIB")
    await chair.press("Batalkan jadwal")
    assert "Jadwal dibatalkan" in chair.last_text
    bot.now = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
    await bot.drain()
    assert not any("Pengumuman kedua" in t for t in members[0].texts())


async def test_info_and_pause_resume(bot, cluster_with_members):
    _, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    ani, budi = members[0], members[1]
    await budi.send("/berhenti")
    assert "tidak akan menerima pengumuman" in budi.last_text
    await _compose(chair, "Umum", "Pengumuman pertama.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    assert not any("Pengumuman pertama" in t for t in budi.texts())
    assert "Terkirim: 2" in chair.last_text
    await budi.send("/lanjut")
    await budi.send("/info")
    assert "Pengumuman pertama" in budi.last_text
    await ani.send("/info")
    assert "Pengumuman pertama" in ani.last_text
    stranger = bot.user(799)
    await stranger.send("/info")
    assert "/daftar" in stranger.last_text


async def test_bad_input_while_composing(bot, cluster_with_members):
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Pelatihan")
    await chair.send_sticker()
    # Not text, a photo or a document: said so, and the question comes again.
    assert "hanya bisa membaca pesan teks" in chair.texts()[-2]
    assert chair.last_text.startswith("Tulis isi pengumuman.")
    await chair.send("x" * 3600)
    assert "terlalu panjang" in chair.last_text
    await chair.send("Pelatihan pemasaran daring.")
    await chair.send("kapan-kapan")
    assert "tidak bisa kami baca" in chair.last_text
    await chair.send("1/1/2020 09.00")
    assert "sudah lewat" in chair.last_text
    await chair.send("1/12/2026 09.00")
    await chair.send("Balai Desa")
    await chair.press("Ubah teks")
    await chair.send("Pelatihan pemasaran daring dan foto produk.")
    assert "foto produk" in chair.texts()[-2] and "1 Desember 2026" in chair.texts()[-2]


async def test_photo_announcement(bot, cluster_with_members):
    _, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send_photo(caption="Contoh motif baru untuk pameran.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    got = [m for m in members[0].bot_messages() if m.get("photo")]
    assert len(got) == 1 and "Contoh motif baru" in got[0]["caption"]


async def test_member_count(bot, cluster_with_members):
    async with bot.uow(read_only=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Member)) == 4


async def test_publish_gives_each_reachable_recipient_exactly_one_delivery(bot):
    """The database writes the rows from the members' rows: paused, blocked and chatless
    members are left out (the chatless counted as unreachable), everyone else once."""
    from sqlalchemy import insert

    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    now = bot.now
    rows = []
    for i in range(40):
        user_id = 90_000 + i
        bot.api.user(user_id, f"Anggota{i}")
        rows.append({
            "telegram_user_id": user_id, "chat_id": None if i % 9 == 4 else user_id, "name": f"Anggota {i}",
            "business_name": f"Usaha {i}", "main_product": "batik", "cluster_id": batik.id, "status": "active",
            "joined_at": now, "consent_at": now, "consent_version": "2026-11",
            "announcements_paused": i % 11 == 3, "blocked_at": now if i % 13 == 5 else None, "updated_at": now,
        })
    async with bot.uow() as uow:
        await uow.session.execute(insert(Member), rows)
        await uow.commit()
    eligible = [r for r in rows if not r["announcements_paused"] and r["blocked_at"] is None]
    reachable = {r["chat_id"] for r in eligible if r["chat_id"] is not None}
    assert 0 < len(reachable) < len(eligible) < len(rows)

    chair = bot.user(CHAIR, "Ketua")
    await _compose(chair, "Umum", "Rapat anggota hari Sabtu.")
    await chair.press("Kirim sekarang")
    async with bot.uow(read_only=True) as uow:
        chats = (await uow.session.scalars(select(Delivery.chat_id).where(Delivery.kind == "announcement"))).all()
        announcement = await uow.session.scalar(select(Announcement))
    assert sorted(chats) == sorted(reachable)
    assert announcement.recipients == len(reachable)
    assert announcement.unreachable == len(eligible) - len(reachable)
    await bot.drain()
    counts = {chat: n for chat, n in bot.api.delivered_counts("Rapat anggota").items() if chat >= 90_000}
    assert set(counts) == reachable and set(counts.values()) == {1}


async def test_batal_while_composing_says_nothing_was_sent(bot, cluster_with_members):
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("/batal")
    assert chair.last_text == "Pengumuman dibatalkan. Tidak ada yang dikirim."
    async with bot.uow(read_only=True) as uow:
        assert await uow.conversations.get(CHAIR) is None
