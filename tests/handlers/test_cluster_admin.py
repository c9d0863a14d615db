"""Running a cluster from the chat, and every privileged command x role and scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain import Role
from db.models import Cluster, RoleGrant

KOOR_PROVINCE, KOOR_DEMAK, KOOR_ONE_CLUSTER = 900, 901, 902
KETUA_BATIK, KETUA_JAMBU = 910, 911
MEMBER, STRANGER = 920, 930


@pytest.fixture
async def programme(bot):
    """Two clusters in two kabupaten, their chairs, three koordinator scopes, a member."""
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    await bot.grant(KOOR_PROVINCE, Role.KOORDINATOR)
    await bot.grant(KOOR_DEMAK, Role.KOORDINATOR, kabupaten="Demak")
    await bot.grant(KOOR_ONE_CLUSTER, Role.KOORDINATOR, cluster=batik.name)
    await bot.grant(KETUA_BATIK, Role.KETUA, cluster=batik.name)
    await bot.grant(KETUA_JAMBU, Role.KETUA, cluster=jambu.name)
    member = bot.user(MEMBER, "Siti")
    await bot.register(member, batik, name="Siti Aminah")
    return batik, jambu


REFUSAL = "tidak memiliki hak"
ZONES = ["WIB", "WITA", "WIT"]


@pytest.mark.parametrize("user_id", [MEMBER, STRANGER])
@pytest.mark.parametrize("command", ["/undang", "/anggota", "/klaster", "/ketua"])
async def test_members_and_strangers_are_refused_politely(bot, programme, user_id, command):
    user = bot.user(user_id)
    await user.send(command)
    assert REFUSAL in user.last_text


async def test_ketua_gets_own_invite_link_directly(bot, programme):
    batik, _ = programme
    chair = bot.user(KETUA_BATIK)
    await chair.send("/undang")
    assert f"https://t.me/klasterbot_test_bot?start={batik.invite_code}" in chair.last_text


async def test_ketua_cannot_reach_another_cluster(bot, programme):
    _, jambu = programme
    chair = bot.user(KETUA_BATIK)
    await chair.send("/undang Jambu Lele")
    assert REFUSAL in chair.last_text
    assert jambu.invite_code not in chair.last_text
    await chair.send("/anggota Jambu Lele")
    assert REFUSAL in chair.last_text
    await chair.press_data(f"pick:undang:cl:{jambu.id}")
    assert REFUSAL in chair.last_text
    await chair.send("/ketua")
    assert REFUSAL in chair.last_text
    await chair.send("/klaster")
    assert REFUSAL in chair.last_text


async def test_anggota_lists_members_with_status_never_omzet(bot, programme):
    chair = bot.user(KETUA_BATIK)
    await chair.send("/anggota")
    assert "Siti Aminah" in chair.last_text
    assert "belum melapor" in chair.last_text  # the state this month, not "(aktif)" for everyone
    assert "Rp" not in chair.last_text


async def test_province_koordinator_picks_a_cluster(bot, programme):
    batik, jambu = programme
    koor = bot.user(KOOR_PROVINCE)
    await koor.send("/undang")
    assert koor.buttons() == ["Batik Simbang Kulon (Pekalongan)", "Jambu Lele (Demak)"]
    await koor.press("Jambu Lele (Demak)")
    assert jambu.invite_code in koor.last_text
    await koor.send("/anggota Batik Simbang Kulon")
    assert "Siti Aminah" in koor.last_text


async def test_kabupaten_koordinator_sees_only_own_kabupaten(bot, programme):
    batik, jambu = programme
    koor = bot.user(KOOR_DEMAK)
    await koor.send("/undang")
    # One cluster in scope: no question, the link straight away.
    assert jambu.invite_code in koor.last_text
    await koor.send(f"/undang {batik.invite_code}")
    assert REFUSAL in koor.last_text
    await koor.press_data(f"pick:anggota:cl:{batik.id}")
    assert REFUSAL in koor.last_text


async def test_koordinator_creates_cluster_in_scope_only(bot, programme):
    koor = bot.user(KOOR_DEMAK)
    await koor.send("/klaster")
    await koor.send("Jambu Mete Sayung")
    # Scoped to one kabupaten: it is not asked.
    assert "Komoditas" in koor.last_text
    await koor.send("jambu mete")
    assert koor.buttons() == ZONES
    await koor.press("WIB")
    await koor.press("Ya, perlu")
    assert "Jambu Mete Sayung (Demak, WIB) sudah dibuat" in koor.last_text
    assert "https://t.me/klasterbot_test_bot?start=" in koor.last_text
    async with bot.uow(read_only=True) as uow:
        cluster = await uow.session.scalar(select(Cluster).where(Cluster.name == "Jambu Mete Sayung"))
        assert (cluster.kabupaten, cluster.commodity, cluster.requires_approval) == ("Demak", "jambu mete", True)
        assert cluster.timezone == "Asia/Jakarta"
        actions = [e.action for e in await uow.audit.entries()]
    assert "cluster.create" in actions

    one = bot.user(KOOR_ONE_CLUSTER)
    await one.send("/klaster")
    assert REFUSAL in one.last_text


async def test_province_koordinator_types_kabupaten_and_duplicate_names_are_refused(bot, programme):
    koor = bot.user(KOOR_PROVINCE)
    await koor.send("/klaster")
    await koor.send("Batik Simbang Kulon")
    assert "sudah dipakai" in koor.last_text
    await koor.send("Batik Laweyan")
    assert "kabupaten" in koor.last_text.lower()
    await koor.send("Surakarta")
    await koor.send("batik")
    await koor.press("WIB")
    await koor.press("Tidak perlu")
    assert "Batik Laweyan (Surakarta, WIB) sudah dibuat" in koor.last_text


async def test_klaster_asks_the_zone_with_wib_first(bot, programme):
    koor = bot.user(KOOR_PROVINCE)
    await koor.send("/klaster")
    await koor.send("Tenun Ikat Sikka")
    await koor.send("Sikka")
    await koor.send("tenun ikat")
    assert "Zona waktu klaster?" in koor.last_text and "WITA: Bali, Nusa Tenggara" in koor.last_text
    assert koor.buttons() == ZONES  # WIB first: the default
    await koor.send("WITA")  # typed, not pressed: the buttons are the answer
    assert "menekan salah satu tombol" in koor.last_text
    await koor.press_data("klaster:appr:no")  # a later step's button, too early
    assert "sudah tidak berlaku" in koor.last_text
    await koor.press("WITA")
    assert koor.buttons(koor.message_with_button("Tidak perlu")) == ["Ya, perlu", "Tidak perlu"]
    assert koor.message_with_button("Tidak perlu") is koor.bot_messages()[-1]
    await koor.press_data("klaster:tz:WIT")  # the zone question again, once answered
    assert "sudah tidak berlaku" in koor.last_text
    await koor.press("Tidak perlu")
    assert "Tenun Ikat Sikka (Sikka, WITA) sudah dibuat" in koor.last_text
    async with bot.uow(read_only=True) as uow:
        zone = await uow.session.scalar(select(Cluster.timezone).where(Cluster.name == "Tenun Ikat Sikka"))
    assert zone == "Asia/Makassar"


async def test_klaster_in_english_asks_the_zone(bot, programme):
    koor = bot.user(KOOR_PROVINCE, language_code="en")
    await koor.send("/klaster")
    await koor.send("Noken Wamena")
    await koor.send("Jayawijaya")
    await koor.send("noken")
    assert "Time zone of the cluster?" in koor.last_text and "WIT (UTC+9): Maluku and Papua" in koor.last_text
    await koor.press("WIT")
    await koor.press("Not needed")
    assert "Noken Wamena (Jayawijaya, WIT) has been created" in koor.last_text


async def _zone(bot, name):
    async with bot.uow(read_only=True) as uow:
        return await uow.session.scalar(select(Cluster.timezone).where(Cluster.name == name))


async def test_koordinator_changes_a_cluster_zone_from_the_picker(bot, programme):
    batik, jambu = programme
    koor = bot.user(KOOR_PROVINCE)
    await koor.send("/klaster zona")
    assert koor.buttons() == ["Batik Simbang Kulon (Pekalongan)", "Jambu Lele (Demak)"]
    await koor.press("Jambu Lele (Demak)")
    assert koor.last_text.startswith("Zona waktu Jambu Lele: WIB.")
    assert koor.buttons() == ZONES
    await koor.press("WIT")
    assert koor.last_text == "Zona waktu Jambu Lele sekarang WIT."
    assert koor.buttons(koor.bot_messages()[-2]) == []  # the question's buttons are gone
    assert await _zone(bot, "Jambu Lele") == "Asia/Jayapura"
    # The same press again (a copy of the old button) changes nothing and says so.
    await koor.press_data(f"zona:{jambu.id}:WIT")
    assert koor.last_text == "Zona waktu Jambu Lele tetap WIT."
    # By name, straight to the buttons.
    await koor.send("/klaster zona batik simbang kulon")
    assert koor.last_text.startswith("Zona waktu Batik Simbang Kulon: WIB.")
    await koor.press("WITA")
    assert await _zone(bot, "Batik Simbang Kulon") == "Asia/Makassar"
    async with bot.uow(read_only=True) as uow:
        audit = [(e.actor_telegram_user_id, e.subject, e.details) for e in await uow.audit.entries("cluster.zone")]
    assert audit == [
        (KOOR_PROVINCE, "Jambu Lele", {"cluster_id": jambu.id, "old": "Asia/Jakarta", "new": "Asia/Jayapura"}),
        (KOOR_PROVINCE, "Batik Simbang Kulon", {"cluster_id": batik.id, "old": "Asia/Jakarta", "new": "Asia/Makassar"}),
    ]


async def test_zone_changes_only_within_a_koordinators_scope(bot, programme):
    batik, jambu = programme
    demak = bot.user(KOOR_DEMAK)
    await demak.send("/klaster zona")  # one cluster in scope: no question which
    assert demak.last_text.startswith("Zona waktu Jambu Lele: WIB.")
    await demak.send("/klaster zona Batik Simbang Kulon")
    assert REFUSAL in demak.last_text
    await demak.press_data(f"zona:{batik.id}:WIT")
    assert REFUSAL in demak.last_text
    await demak.press_data(f"pick:zona:cl:{batik.id}")
    assert REFUSAL in demak.last_text
    one = bot.user(KOOR_ONE_CLUSTER)  # scoped to Batik: may not create clusters, may move its own
    await one.send("/klaster zona")
    await one.press("WIT")
    assert one.last_text == "Zona waktu Batik Simbang Kulon sekarang WIT."
    # A chair runs the cluster but does not move it to another zone.
    chair = bot.user(KETUA_BATIK)
    await chair.send("/klaster zona")
    assert REFUSAL in chair.last_text
    await chair.press_data(f"zona:{batik.id}:WIB")
    assert REFUSAL in chair.last_text
    await chair.press_data(f"pick:zona:cl:{batik.id}")
    assert REFUSAL in chair.last_text
    member = bot.user(MEMBER)
    await member.press_data(f"zona:{jambu.id}:WITA")
    assert REFUSAL in member.last_text
    assert (await _zone(bot, "Batik Simbang Kulon"), await _zone(bot, "Jambu Lele")) == ("Asia/Jayapura", "Asia/Jakarta")


async def test_koordinator_appoints_and_removes_a_chair(bot, programme):
    batik, _ = programme
    koor = bot.user(KOOR_PROVINCE)
    member = bot.user(MEMBER)
    await koor.send("/ketua Batik Simbang Kulon")
    assert koor.buttons() == ["Angkat Siti Aminah"]
    await koor.press("Angkat Siti Aminah")
    assert "sekarang ketua" in koor.last_text
    await bot.drain()  # the member's notice leaves through the outbox
    assert "diangkat menjadi ketua" in member.last_text
    await member.send("/undang")
    assert batik.invite_code in member.last_text

    await koor.send("/ketua Batik Simbang Kulon")
    await koor.press("Copot Siti Aminah (ketua)")
    assert "bukan lagi ketua" in koor.last_text
    await member.send("/undang")
    assert REFUSAL in member.last_text
    async with bot.uow(read_only=True) as uow:
        audit = [(e.action, e.subject) for e in await uow.audit.entries()]
    assert ("role.grant", str(MEMBER)) in audit and ("role.revoke", str(MEMBER)) in audit


async def test_chair_buttons_outside_scope_are_refused(bot, programme):
    batik, jambu = programme
    async with bot.uow(read_only=True) as uow:
        member = await uow.members.by_telegram_id(MEMBER)
        member_id = member.id
    koor = bot.user(KOOR_DEMAK)
    await koor.send("/bantuan")
    await koor.press_data(f"ketua:set:{batik.id}:{member_id}")
    assert REFUSAL in koor.last_text
    chair = bot.user(KETUA_BATIK)
    await chair.send("/bantuan")
    await chair.press_data(f"ketua:set:{batik.id}:{member_id}")
    assert REFUSAL in chair.last_text
    async with bot.uow(read_only=True) as uow:
        grants = (await uow.session.scalars(select(RoleGrant).where(RoleGrant.telegram_user_id == MEMBER))).all()
    assert grants == []


async def test_many_clusters_koordinator_picks_kabupaten_first(bot):
    await bot.grant(KOOR_PROVINCE, Role.KOORDINATOR)
    for i in range(13):
        await bot.cluster(f"Klaster {i:02d}", ["Demak", "Pekalongan", "Solo"][i % 3])
    koor = bot.user(KOOR_PROVINCE)
    await koor.send("/anggota")
    assert koor.buttons() == ["Demak", "Pekalongan", "Solo"]
    await koor.press("Solo")
    assert "Klaster 02 (Solo)" in koor.buttons()
    await koor.press("Klaster 02 (Solo)")
    assert "belum memiliki anggota" in koor.last_text


async def test_help_lists_commands_by_role(bot, programme):
    member, chair, koor, stranger = (bot.user(i) for i in (MEMBER, KETUA_BATIK, KOOR_PROVINCE, STRANGER))
    for user in (member, chair, koor, stranger):
        await user.send("/bantuan")
    assert "/profil" in member.last_text and "/undang" not in member.last_text
    assert "/undang" in chair.last_text and "/klaster" not in chair.last_text
    assert "/klaster" in koor.last_text and "/ketua" in koor.last_text
    assert "/klaster zona — mengubah zona waktu klaster (WIB, WITA, WIT)" in koor.last_text
    assert "/daftar" in stranger.last_text and "/undang" not in stranger.last_text
