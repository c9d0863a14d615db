"""Access to personal data follows the reader's role at the moment of reading (issue 13, item 5).

Every list and notice that names members (interest and attendance lists, the missing list,
/anggota, the "Peminat baru" notice) asks who the reader is now, not who they were when they
wrote the announcement."""

from __future__ import annotations

from bot.domain import Role
from bot.services import roles as role_service

CHAIR, KOOR = 900, 901


async def _announce_opportunity(bot, chair):
    await chair.send("/umumkan")
    await chair.press("Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari 200 lembar batik tulis.")
    await chair.press("Kirim sekarang")
    await bot.drain()


async def test_revoked_chair_gets_no_list_and_no_new_interest_notice(bot):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    ani, budi = bot.user(910, "Ani"), bot.user(911, "Budi")
    await bot.register(ani, batik, name="Ani Lestari")
    await bot.register(budi, batik, name="Budi Santoso")
    chair = bot.user(CHAIR, "Ketua")
    await _announce_opportunity(bot, chair)
    await ani.press("Saya tertarik")
    await bot.drain()
    assert "Peminat baru" in chair.last_text and "Ani Lestari" in chair.last_text

    async with bot.uow() as uow:  # what `klasterbot role revoke 900 ketua` runs
        assert await role_service.revoke_role(uow, CHAIR, Role.KETUA) == 1
    seen = len(chair.texts())

    await chair.press("Daftar peminat")
    assert "tidak memiliki hak" in chair.last_text
    assert "Ani Lestari" not in chair.last_text
    await budi.press("Saya tertarik")
    assert "sudah dikirim kepada pengirim" in budi.last_text  # the member's answer is kept
    await bot.drain()
    later = chair.texts()[seen:]
    assert not any("Budi" in text or "+62812" in text for text in later), later
    for command in ("/belumlapor", "/anggota"):
        await chair.send(command)
        assert "tidak memiliki hak" in chair.last_text, command


async def test_koordinator_moved_to_another_kabupaten_sees_only_what_is_in_scope_now(bot):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    await bot.grant(KOOR, Role.KOORDINATOR)
    ani, dedi = bot.user(920, "Ani"), bot.user(921, "Dedi")
    await bot.register(ani, batik, name="Ani Lestari")
    await bot.register(dedi, jambu, name="Dedi Jambu")
    koor = bot.user(KOOR, "Koor")
    await koor.send("/umumkan")
    await koor.press("Semua klaster di wilayah Anda (2)")
    await koor.press("Peluang pasar")
    await koor.send("Pameran UMKM di Semarang, stan gratis.")
    await koor.press("Kirim sekarang")
    await bot.drain()
    await ani.press("Saya tertarik")
    await bot.drain()

    # Now a koordinator of Demak only.
    async with bot.uow() as uow:
        await role_service.revoke_role(uow, KOOR, Role.KOORDINATOR)
    await bot.grant(KOOR, Role.KOORDINATOR, kabupaten="Demak")
    seen = len(koor.texts())
    await dedi.press("Saya tertarik")
    await bot.drain()
    assert any("Dedi Jambu" in text for text in koor.texts()[seen:])
    await koor.press("Daftar peminat")
    assert "Dedi Jambu" in koor.last_text and "Ani Lestari" not in koor.last_text
    assert "Daftar peminat: 1 orang." in koor.last_text
