"""Finding places and clusters (issue 16, item 3): kabupaten titles, a cluster by any part of
its name with buttons when several fit, and each role's /bantuan starting with what it does most."""

from __future__ import annotations

from bot.domain import Role
from tests.handlers.test_criteria import KOOR, programme

CHAIR = 40_000  # the first member of Batik Simbang Kulon


async def test_kabupaten_summary_is_titled_kabupaten(bot):
    """What they met: /ringkasan demak september titled "Ringkasan demak"."""
    await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan demak september")
    assert koor.last_text.startswith("Ringkasan Kabupaten Demak — September 2026")


async def test_a_cluster_by_any_part_of_its_name(bot):
    """What they met: "simbang kulon" did not find "Batik Simbang Kulon"."""
    batik, jambu, small = await programme(bot)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ringkasan simbang kulon oktober")
    assert koor.last_text.startswith("Ringkasan Batik Simbang Kulon — Oktober 2026")
    await koor.send("/ringkasan batik")
    assert 'Beberapa klaster cocok dengan "batik"' in koor.last_text
    assert koor.buttons() == ["Batik Kecil (Pekalongan)", "Batik Simbang Kulon (Pekalongan)"]
    await koor.press("Batik Kecil (Pekalongan)")
    assert koor.last_text.startswith("Ringkasan Batik Kecil — Oktober 2026")
    await koor.send("/anggota kulon")
    assert koor.last_text.startswith("Anggota Batik Simbang Kulon")
    await koor.send("/belumlapor jambu")
    assert "Jambu Lele" in koor.last_text
    # A chair finds only their own cluster by a part of a name; others' names never show.
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    chair = bot.api.user_handle(CHAIR)
    await chair.send("/belumlapor batik")
    assert "Batik Simbang Kulon" in chair.last_text and "Batik Kecil" not in chair.last_text
    await chair.send("/ringkasan jambu")
    assert "tidak ditemukan" in chair.last_text and "Jambu Lele" not in chair.last_text


async def test_each_roles_bantuan_starts_with_what_it_does_most(bot):
    """What they met: a koordinator's /bantuan started with "/daftar"."""
    batik, _, _ = await programme(bot)
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    koor, chair, member = bot.user(KOOR, "Koor"), bot.api.user_handle(CHAIR), bot.api.user_handle(40_001)
    for user in (koor, chair, member):
        await user.send("/bantuan")
    first = {name: user.last_text.splitlines()[2:4] for name, user in (("koor", koor), ("chair", chair), ("member", member))}
    assert first["koor"][0] == "Untuk koordinator:" and first["koor"][1].startswith("/ringkasan")
    assert first["chair"][0] == "Untuk ketua klaster:" and first["chair"][1].startswith("/belumlapor")
    assert first["member"][0].startswith("/omzet")
    assert "/daftar" not in koor.last_text
    assert "Sebagai anggota:" in chair.last_text and "/omzet" in chair.last_text
