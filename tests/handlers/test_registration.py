"""Registration through the real Application and the fake Bot API."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain import CONSENT_VERSION, Role
from db.models import Member


async def _members(bot):
    async with bot.uow(read_only=True) as uow:
        rows = (await uow.session.scalars(select(Member).order_by(Member.id))).all()
        uow.session.expunge_all()  # keep the loaded values after the unit of work ends
        return rows


async def test_join_through_invite_link_happy_path(bot):
    cluster = await bot.cluster()
    siti = bot.user(501, "Siti")

    await siti.send(f"/start {cluster.invite_code}")
    assert "Batik Simbang Kulon" in siti.texts()[-2]
    assert "setuju" in siti.last_text.lower()
    assert siti.buttons() == ["Setuju", "Tidak setuju"]
    assert await _members(bot) == []

    await siti.press("Setuju")
    assert "nama lengkap" in siti.last_text
    await siti.send("Siti Aminah")
    assert "nama usaha" in siti.last_text
    await siti.send("Batik Tulis Bu Siti")
    assert "produk utama" in siti.last_text
    await siti.send("batik tulis")
    # The cluster came with the invite: straight to the phone, with the share-contact button.
    assert "nomor telepon" in siti.last_text
    keyboard = siti.reply_keyboard()
    assert keyboard[0]["request_contact"] is True
    await siti.share_contact("+62 812-3456-7890")
    assert "Mohon periksa data Anda" in siti.last_text
    assert "+6281234567890" in siti.last_text
    await siti.press("Benar")
    assert "sudah terdaftar sebagai anggota Batik Simbang Kulon" in siti.last_text

    [member] = await _members(bot)
    assert (member.name, member.business_name, member.main_product) == (
        "Siti Aminah",
        "Batik Tulis Bu Siti",
        "batik tulis",
    )
    assert member.phone == "+6281234567890"
    assert member.telegram_user_id == 501 and member.chat_id == 501
    assert member.status == "active"
    assert member.consent_version == CONSENT_VERSION
    assert member.consent_at == bot.now


async def test_refusing_consent_stores_nothing(bot):
    cluster = await bot.cluster()
    budi = bot.user(502, "Budi")
    await budi.send(f"/start {cluster.invite_code}")
    await budi.press("Tidak setuju")
    assert "tidak menyimpan data Anda" in budi.last_text
    assert await _members(bot) == []
    async with bot.uow(read_only=True) as uow:
        assert await uow.conversations.get(502) is None


async def test_daftar_without_invite_picks_cluster_from_buttons(bot):
    await bot.cluster("Batik Simbang Kulon", "Pekalongan")
    await bot.cluster("Jambu Lele", "Demak", "jambu")
    ani = bot.user(503, "Ani")
    await ani.send("/daftar")
    await ani.press("Setuju")
    await ani.send("Ani Lestari")
    await ani.send("Jambu Segar Ani")
    await ani.send("jambu air")
    assert "Pilih klaster" in ani.last_text
    assert ani.buttons() == ["Batik Simbang Kulon (Pekalongan)", "Jambu Lele (Demak)", "« Kembali"]
    await ani.press("Jambu Lele (Demak)")
    await ani.send("Lewati")
    assert "tidak dibagikan" in ani.last_text
    await ani.press("Benar")
    [member] = await _members(bot)
    assert member.phone is None
    async with bot.uow(read_only=True) as uow:
        cluster_name = (await uow.clusters.get(member.cluster_id)).name
    assert cluster_name == "Jambu Lele"


async def test_many_clusters_are_chosen_by_kabupaten_first(bot):
    for i in range(14):
        await bot.cluster(f"Klaster {i:02d}", "Pekalongan" if i % 2 else "Demak")
    ani = bot.user(504, "Ani")
    await ani.send("/daftar")
    await ani.press("Setuju")
    for answer in ("Ani Lestari", "Usaha Ani", "keripik"):
        await ani.send(answer)
    assert ani.buttons() == ["Demak", "Pekalongan", "« Kembali"]
    await ani.press("Pekalongan")
    assert "Klaster 01 (Pekalongan)" in ani.buttons()
    assert "« Kabupaten lain" in ani.buttons()
    await ani.press("« Kabupaten lain")
    assert ani.buttons() == ["Demak", "Pekalongan", "« Kembali"]
    await ani.press("Demak")
    await ani.press("Klaster 00 (Demak)")
    assert "nomor telepon" in ani.last_text


async def test_summary_edit_returns_to_summary_and_keeps_other_answers(bot):
    cluster = await bot.cluster()
    siti = bot.user(505)
    await siti.send(f"/start {cluster.invite_code}")
    await siti.press("Setuju")
    for answer in ("Siti Aminah", "Batik Siti", "batik cap"):
        await siti.send(answer)
    await siti.send("Lewati")
    await siti.press("Ubah")
    await siti.press("Nama usaha")
    assert "nama usaha" in siti.last_text
    await siti.send("Batik Tulis Siti")
    assert "Nama usaha: Batik Tulis Siti" in siti.last_text
    assert "Nama: Siti Aminah" in siti.last_text
    assert "Produk utama: batik cap" in siti.last_text


async def test_restart_mid_registration_resumes_at_the_same_step(bot):
    cluster = await bot.cluster()
    siti = bot.user(506)
    await siti.send(f"/start {cluster.invite_code}")
    await siti.press("Setuju")
    await siti.send("Siti Aminah")
    await bot.restart()
    await siti.send("Batik Tulis Bu Siti")
    assert "produk utama" in siti.last_text
    await bot.restart()
    await siti.send("/start")
    assert "lanjutkan dari langkah terakhir" in siti.texts()[-2]
    assert "produk utama" in siti.last_text
    await siti.send("batik")
    await siti.send("Lewati")
    assert "Nama: Siti Aminah" in siti.last_text
    assert "Nama usaha: Batik Tulis Bu Siti" in siti.last_text


async def test_approval_required_chair_accepts(bot):
    cluster = await bot.cluster(requires_approval=True)
    chair = bot.user(600, "Ketua")
    await bot.grant(600, Role.KETUA, cluster=cluster.name)
    siti = bot.user(507)
    await bot.register(siti, cluster)
    assert "menunggu" not in siti.last_text and "dikirim ke ketua" in siti.last_text
    await bot.drain()  # the join request leaves through the outbox
    assert "Permintaan bergabung ke Batik Simbang Kulon" in chair.last_text
    assert chair.buttons() == ["Terima", "Tolak"]
    [member] = await _members(bot)
    assert member.status == "pending"

    await chair.press("Terima")
    assert "diterima sebagai anggota" in chair.last_text
    await bot.drain()
    assert "Permintaan Anda diterima" in siti.last_text
    [member] = await _members(bot)
    assert member.status == "active"
    # A second press on the same request is stale, not a second decision.
    await chair.press_data(f"appr:no:{member.id}")
    [member] = await _members(bot)
    assert member.status == "active"
    async with bot.uow(read_only=True) as uow:
        actions = [e.action for e in await uow.audit.entries()]
    assert "member.approve" in actions


async def test_approval_refused_deletes_personal_data_and_tells_member(bot):
    cluster = await bot.cluster(requires_approval=True)
    chair = bot.user(601, "Ketua")
    await bot.grant(601, Role.KETUA, cluster=cluster.name)
    siti = bot.user(508)
    await bot.register(siti, cluster)
    await bot.drain()
    await chair.press("Tolak")
    await bot.drain()
    assert "tidak diterima" in siti.last_text
    assert await _members(bot) == []


async def test_another_clusters_chair_cannot_decide(bot):
    cluster = await bot.cluster(requires_approval=True)
    other = await bot.cluster("Jambu Lele", "Demak", "jambu")
    await bot.grant(602, Role.KETUA, cluster=cluster.name)
    bot.user(602, "Ketua")
    intruder = bot.user(603, "Ketua Lain")
    await bot.grant(603, Role.KETUA, cluster=other.name)
    siti = bot.user(509)
    await bot.register(siti, cluster)
    [member] = await _members(bot)
    await intruder.send("/bantuan")
    await intruder.press_data(f"appr:yes:{member.id}")
    assert "tidak memiliki hak" in intruder.last_text
    [member] = await _members(bot)
    assert member.status == "pending"
