"""Announcements a ketua can trust (issue 16, item 2): every time named with its zone, a time in
quiet hours said back as when it really arrives, dates as people write them, one draft never
dropped silently, the sender named, and /terjadwal with a cancel button each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain import Role
from db.models import Announcement, Delivery

CHAIR, KOOR, KOOR_DEMAK = 700, 701, 703


@pytest.fixture
async def cluster_with_members(bot):
    """Batik (three members, its chair) and Jambu (one member) with a province koordinator."""
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    await bot.grant(KOOR, Role.KOORDINATOR)
    members = []
    for i, name in enumerate(["Ani Lestari", "Budi Santoso", "Citra Dewi"]):
        user = bot.user(710 + i, name.split()[0])
        await bot.register(user, batik, name=name)
        members.append(user)
    outsider = bot.user(720, "Dedi")
    await bot.register(outsider, jambu, name="Dedi Jambu")
    return batik, jambu, members, outsider


async def _draft(user, kind="Umum", text="Besok pagi ada kunjungan Dinas."):
    await user.send("/umumkan")
    await user.press(kind)
    await user.send(text)


async def test_a_time_in_quiet_hours_is_said_back_as_when_it_arrives(bot, cluster_with_members):
    """What they met: "besok 21.00" confirmed as "dijadwalkan … pukul 21.00" right after the bot
    said nothing is sent 20.00-07.00, and the zone called "waktu klaster"."""
    _, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await _draft(chair)
    await chair.press("Jadwalkan")
    assert "(WIB)" in chair.last_text and "waktu klaster" not in chair.last_text
    assert "antara pukul 20.00 dan 07.00 WIB" in chair.last_text
    await chair.send("besok 21.00")  # Sunday 29 November, 21.00 WIB
    assert ("Pukul 21.00 WIB termasuk jam tenang (20.00–07.00): pengumuman akan terkirim "
            "30 November 2026, pukul 07.00 WIB.") in chair.last_text
    assert "Jadwalkan 29 November 2026, pukul 21.00 WIB" not in chair.buttons()
    await chair.press("Jadwalkan 30 November 2026, pukul 07.00 WIB")
    assert "akan terkirim 30 November 2026, pukul 07.00 WIB kepada 3 anggota" in chair.last_text
    assert "dijadwalkan" in chair.last_text.casefold()
    async with bot.uow(read_only=True) as uow:
        due = set((await uow.session.scalars(select(Delivery.not_before).where(Delivery.kind == "announcement"))).all())
        scheduled = (await uow.session.scalars(select(Announcement.scheduled_for))).one()
    assert due == {datetime(2026, 11, 30, 0, 0, tzinfo=UTC)} == {scheduled}
    # Still cancellable at 21.30 that evening: nothing has started.
    bot.now = datetime(2026, 11, 29, 14, 30, tzinfo=UTC)
    await bot.drain(follow_retries=False)
    await chair.send("/terjadwal")
    assert "30 November 2026, pukul 07.00 WIB" in chair.last_text
    await chair.press("Batalkan 1")
    assert "Jadwal dibatalkan" in chair.last_text
    bot.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    await bot.drain()
    assert not any(t.startswith("PENGUMUMAN") for t in members[0].texts())


async def test_dates_as_people_write_them_schedule_and_train(bot, cluster_with_members):
    chair = bot.user(CHAIR, "Ketua")
    await _draft(chair)
    await chair.press("Jadwalkan")
    await chair.send("tanggal 15 desember jam 9 pagi")
    assert "Jadwalkan 15 Desember 2026, pukul 09.00 WIB" in chair.buttons()
    await chair.press("Jadwalkan 15 Desember 2026, pukul 09.00 WIB")
    async with bot.uow(read_only=True) as uow:
        scheduled = (await uow.session.scalars(select(Announcement.scheduled_for))).one()
    assert scheduled == datetime(2026, 12, 15, 2, 0, tzinfo=UTC)

    await _draft(chair, "Pelatihan", "Pelatihan pewarnaan alami.")
    assert "(WIB)" in chair.last_text
    await chair.send("lusa jam 2 siang")
    await chair.send("Balai Desa Simbang Kulon")
    assert "30 November 2026, pukul 14.00 WIB" in chair.texts()[-2]


async def test_a_date_typed_twice_is_not_saved_as_the_place(bot, cluster_with_members):
    chair = bot.user(CHAIR, "Ketua")
    await _draft(chair, "Pelatihan", "Pelatihan pewarnaan alami.")
    await chair.send("12/12/2026 09.00")
    assert "Di mana tempatnya?" in chair.last_text
    await chair.send("12/12/2026 09.00")
    assert "Itu tanggal dan jam, bukan tempat" in chair.last_text
    await chair.send("Balai Desa Simbang Kulon")
    preview = chair.texts()[-2]
    assert "Tempat: Balai Desa Simbang Kulon" in preview and "Tempat: 12/12/2026" not in preview


async def test_a_second_umumkan_asks_whether_to_continue_the_draft(bot, cluster_with_members):
    """What they met: a second /umumkan silently discarded the unsent draft."""
    chair = bot.user(CHAIR, "Ketua")
    await _draft(chair, text="Pembeli dari Semarang mencari batik tulis.")
    await chair.send("/umumkan")
    assert "belum dikirim" in chair.last_text and "Pembeli dari Semarang mencari batik tulis." in chair.last_text
    assert chair.buttons() == ["Lanjutkan", "Mulai baru"]
    await chair.press("Lanjutkan")
    assert "Kirim sekarang" in chair.buttons()
    assert "Pembeli dari Semarang" in chair.texts()[-2]
    await chair.send("/umumkan")
    await chair.press("Mulai baru")
    assert "Jenis pengumuman untuk Batik Simbang Kulon?" in chair.last_text


async def test_every_announcement_names_its_sender(bot, cluster_with_members):
    batik, jambu, members, outsider = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await bot.register(chair, batik, name="Siti Aminah")
    await _draft(chair, text="Rapat anggota hari Sabtu.")
    assert "Dari: Siti Aminah, ketua Batik Simbang Kulon" in chair.texts()[-2]  # the preview
    await chair.press("Kirim sekarang")
    await bot.drain()
    [copy] = [t for t in members[0].texts() if t.startswith("PENGUMUMAN")]
    assert copy.splitlines()[1] == "Dari: Siti Aminah, ketua Batik Simbang Kulon"

    await bot.grant(KOOR_DEMAK, Role.KOORDINATOR, kabupaten="Demak")
    demak = bot.user(KOOR_DEMAK, "Koor Demak")
    await _draft(demak, text="Pelatihan pengemasan jambu.")
    await demak.press("Kirim sekarang")
    await bot.drain()
    [copy] = [t for t in outsider.texts() if t.startswith("PENGUMUMAN")]
    assert "Dari: koordinator Kabupaten Demak" in copy

    koor = bot.user(KOOR, "Koor")
    await koor.send("/umumkan")
    await koor.press("Semua klaster di wilayah Anda (2)")
    await koor.press("Umum")
    await koor.send("Pameran UMKM provinsi bulan depan.")
    await koor.press("Kirim sekarang")
    await bot.drain()
    assert any("Dari: koordinator Dinas Koperasi dan UKM" in t for t in members[1].texts())


async def test_terjadwal_lists_each_scheduled_announcement_with_a_cancel_button(bot, cluster_with_members):
    """What they met: a scheduled announcement could be cancelled only from its confirmation."""
    _, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    for text, when, label in (
        ("Pengumuman pertama.", "1/12 10.00", "Jadwalkan 1 Desember 2026, pukul 10.00 WIB"),
        ("Pengumuman kedua.", "2/12 10.00", "Jadwalkan 2 Desember 2026, pukul 10.00 WIB"),
    ):
        await _draft(chair, text=text)
        await chair.press("Jadwalkan")
        await chair.send(when)
        await chair.press(label)
    await chair.send("/terjadwal")
    listing = chair.last_text
    assert "1. 1 Desember 2026, pukul 10.00 WIB — Umum, untuk Batik Simbang Kulon (3 anggota): Pengumuman pertama." in listing
    assert "2. 2 Desember 2026, pukul 10.00 WIB" in listing
    assert chair.buttons() == ["Batalkan 1", "Batalkan 2"]
    await chair.press("Batalkan 2")
    assert "Jadwal dibatalkan" in chair.last_text
    await chair.send("/terjadwal")
    assert "Pengumuman kedua" not in chair.last_text and chair.buttons() == ["Batalkan 1"]
    bot.now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    await bot.drain()
    assert [t for t in members[0].texts() if "Pengumuman" in t and t.startswith("PENGUMUMAN")] == [
        "PENGUMUMAN\nDari: ketua Batik Simbang Kulon\n\nPengumuman pertama."
    ]
    member = members[0]
    await member.send("/terjadwal")
    assert "tidak memiliki hak" in member.last_text


def _info_copies(user, text: str) -> list[str]:
    """The /info messages that hold this announcement's text (after the date line)."""
    return [t.split("\n", 1)[1] for t in user.texts() if text in t and "\n" in t and not t.startswith("PENGUMUMAN")]


async def test_info_shows_the_sender_line_as_the_copy_did_after_roles_change(bot, cluster_with_members):
    """What they met: /info named the sender by their roles at reading time: a koordinator
    whose grant was revoked became "ketua klaster", a chair replaced lost the cluster's name."""
    from bot.services import roles as role_service

    batik, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await bot.register(chair, batik, name="Siti Aminah")
    await _draft(chair, text="Rapat anggota hari Sabtu.")
    await chair.press("Kirim sekarang")
    await bot.grant(KOOR_DEMAK, Role.KOORDINATOR, kabupaten="Pekalongan")
    koor = bot.user(KOOR_DEMAK, "Koor")
    await _draft(koor, text="Pameran batik di Semarang.")
    await koor.press("Kirim sekarang")
    await bot.drain()
    member = members[0]
    live = {t.split("\n\n", 1)[1]: t for t in member.texts() if t.startswith("PENGUMUMAN")}
    assert live["Pameran batik di Semarang."].splitlines()[1] == "Dari: koordinator Kabupaten Pekalongan"
    async with bot.uow() as uow:
        await role_service.revoke_role(uow, KOOR_DEMAK, Role.KOORDINATOR)
    async with bot.uow() as uow:
        await role_service.revoke_role(uow, CHAIR, Role.KETUA)
    await member.send("/info")
    # The same lines as the copies members received, whatever the authors' roles are now.
    assert _info_copies(member, "Pameran batik di Semarang.") == [live["Pameran batik di Semarang."]]
    assert _info_copies(member, "Rapat anggota hari Sabtu.") == [live["Rapat anggota hari Sabtu."]]


async def test_info_of_announcements_from_before_senders_were_recorded(bot, cluster_with_members):
    """Older announcements (no sender recorded): the sender where their role still tells it,
    else no "Dari:" line at all, and nothing left of it."""
    from sqlalchemy import update

    from bot.services import roles as role_service

    batik, _, members, _ = cluster_with_members
    chair = bot.user(CHAIR, "Ketua")
    await bot.register(chair, batik, name="Siti Aminah")
    await _draft(chair, text="Rapat anggota hari Sabtu.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    async with bot.uow() as uow:
        await uow.session.execute(update(Announcement).values(sender_role=None, sender_place=None, sender_region=None))
        await uow.commit()
    member = members[0]
    await member.send("/info")
    assert _info_copies(member, "Rapat anggota")[-1] == (
        "PENGUMUMAN\nDari: Siti Aminah, ketua Batik Simbang Kulon\n\nRapat anggota hari Sabtu."
    )
    async with bot.uow() as uow:
        await role_service.revoke_role(uow, CHAIR, Role.KETUA)
    await member.send("/info")
    assert _info_copies(member, "Rapat anggota")[-1] == "PENGUMUMAN\n\nRapat anggota hari Sabtu."
