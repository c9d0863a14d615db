"""Lists a ketua can act on (issue 16, item 1): /belumlapor with tap-to-message links, /anggota
with each member's state this month and a filter, attendance with who has not answered."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from bot.domain import Role
from db.models import Member

CHAIR = 750


async def _cluster(bot, *, approval=False):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik", requires_approval=approval)
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    people = {}
    # They join in October, so October is a month they are expected to report.
    now, bot.now = bot.now, datetime(2026, 10, 5, 3, 0, tzinfo=UTC)
    bot.user(CHAIR, "Ketua")
    for user_id, name, phone in ((760, "Ani Lestari", True), (761, "Budi Santoso", True), (762, "Citra Dewi", False),
                                 (763, "Dewi <Batik> & Co", True)):
        user = bot.user(user_id, name.split()[0])
        await bot.register(user, batik, name=name, phone=phone)
        people[name] = user
    bot.now = now
    return batik, people


async def _report(user, text):
    await user.send(text)
    await user.press("Benar")


async def test_belumlapor_gives_tap_to_message_links(bot):
    """What they met: names only, no phone, no way to call or message."""
    batik, people = await _cluster(bot)
    await _report(people["Ani Lestari"], "/omzet oktober 5 juta")
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/belumlapor")
    message = chair.bot_messages()[-1]
    text = message["text"]
    assert "Belum melapor omzet Oktober 2026 di Batik Simbang Kulon: 3 dari 4 anggota." in text
    assert "2. Citra Dewi — nomor tidak dibagikan" in text
    assert "Dewi <Batik> & Co — +62812" in text  # escaped in the HTML, shown as typed
    links = {text[e["offset"]:e["offset"] + e["length"]]: e["url"] for e in message["entities"]}
    assert links["Budi Santoso"] == "tg://user?id=761"
    assert links["Citra Dewi"] == "tg://user?id=762"
    budi_phone = next(k for k, v in links.items() if v.startswith("https://t.me/+62") and k.endswith("761"))
    assert links[budi_phone] == f"https://t.me/{budi_phone}"
    assert "Ani Lestari" not in text
    assert chair.buttons() == ["Ingatkan"]
    await chair.press("Ingatkan")
    assert "Pengingat dikirim kepada 3 anggota" in chair.last_text


async def test_the_missing_list_after_the_deadline_has_the_links_too(bot):
    from bot.shell.background import run_monthly_jobs

    batik, people = await _cluster(bot)
    bot.now = datetime(2026, 11, 10, 11, 0, tzinfo=UTC)
    await run_monthly_jobs(bot.app)
    await bot.drain()
    chair = bot.api.user_handle(CHAIR)
    [message] = [m for m in chair.bot_messages() if "Belum melapor omzet Oktober 2026" in (m.get("text") or "")]
    assert {e["url"] for e in message["entities"]} >= {"tg://user?id=760", "tg://user?id=762"}


async def test_anggota_shows_each_members_state_and_filters(bot):
    """What they met: "(aktif)" for everyone."""
    batik, people = await _cluster(bot, approval=False)
    await _report(people["Ani Lestari"], "/omzet oktober 5 juta")
    await _report(people["Budi Santoso"], "/omzet oktober tutup")
    await people["Citra Dewi"].send("/berhenti")
    async with bot.uow() as uow:
        await uow.session.execute(update(Member).where(Member.telegram_user_id == 763).values(blocked_at=bot.now))
        await uow.commit()
    waiting = bot.user(764, "Eko")
    await bot.register(waiting, batik, name="Eko Prasetyo")
    async with bot.uow() as uow:
        await uow.session.execute(update(Member).where(Member.telegram_user_id == 764).values(status="pending"))
        await uow.commit()

    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/anggota")
    text = chair.last_text
    assert text.startswith("Anggota Batik Simbang Kulon — laporan Oktober 2026: 5 orang")
    assert "1. Ani Lestari — Usaha Ani Lestari: sudah melapor" in text
    assert "Budi Santoso — Usaha Budi Santoso: melapor: tidak ada penjualan" in text
    assert "Citra Dewi — Usaha Citra Dewi: belum melapor; berhenti menerima pengumuman" in text
    assert "Dewi <Batik> & Co — Usaha Dewi <Batik> & Co: belum melapor; memblokir bot" in text
    assert "Eko Prasetyo — Usaha Eko Prasetyo: menunggu persetujuan" in text
    assert "(aktif)" not in text and "Rp" not in text
    assert "belum melapor (2)" in chair.buttons()
    await chair.press("belum melapor (2)")
    shown = chair.last_text
    assert "Ditampilkan: belum melapor (2 orang)" in shown
    assert "Citra Dewi" in shown and "Ani Lestari" not in shown and "Eko Prasetyo" not in shown
    assert "Semua" in chair.buttons()
    await chair.press("memblokir bot (1)")
    assert "Dewi <Batik> & Co" in chair.last_text and "Citra Dewi —" not in chair.last_text
    # The filter button checks the role when pressed: a chair removed since sees nothing.
    from bot.services import roles as role_service

    async with bot.uow() as uow:
        await role_service.revoke_role(uow, CHAIR, Role.KETUA)
    await chair.press("Semua")
    assert "tidak memiliki hak" in chair.last_text


async def test_attendance_says_who_has_not_answered_with_phones(bot):
    """What they met: the attendance list showed who said "Ikut", not who has not answered."""
    batik, people = await _cluster(bot)
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Pelatihan")
    await chair.send("Pelatihan pewarnaan alami.")
    await chair.send("12/12/2026 09.00")
    await chair.send("Balai Desa Simbang Kulon")
    await chair.press("Kirim sekarang")
    await bot.drain()
    await people["Ani Lestari"].press("Ikut")
    await people["Budi Santoso"].press("Tidak bisa")
    await chair.press("Daftar hadir")
    text = chair.last_text
    assert "Daftar hadir: 1 ikut, 1 tidak bisa, 2 belum menjawab." in text
    assert "1. Ani Lestari — Usaha Ani Lestari — +62812" in text
    assert "Belum menjawab:\n1. Citra Dewi — tidak dibagikan\n2. Dewi <Batik> & Co — +62812" in text
