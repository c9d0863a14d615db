"""The cluster picker a page at a time: Telegram refuses more than 100 inline buttons, and a
province can have more clusters than that; every cluster stays reachable."""

from __future__ import annotations

import pytest

from bot.domain import Role

KOOR = 9500
NEXT, PREVIOUS = "Berikutnya »", "« Sebelumnya"


async def _collect(user):
    """All labels over the pages of the list now shown."""
    seen, pages = [], 0
    while True:
        labels = user.buttons()
        assert len(labels) <= 100 and len(user.bot_messages()[-1]["reply_markup"]["inline_keyboard"]) <= 100
        pages += 1
        seen += [label for label in labels if label not in (NEXT, PREVIOUS, "« Kabupaten lain", "« Kembali")]
        if NEXT not in labels:
            return seen, pages
        await user.press(NEXT)


@pytest.mark.parametrize("command", ["/undang", "/anggota", "/belumlapor", "/ringkasan"])
async def test_133_clusters_in_one_kabupaten_are_paged_and_all_reachable(bot, command):
    clusters = [await bot.cluster(f"Klaster Batik {i:03d}", "Pekalongan") for i in range(133)]
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    await koor.send(command)
    seen, pages = await _collect(koor)
    assert seen == [f"{c.name} (Pekalongan)" for c in clusters] and pages == 7
    await koor.press(PREVIOUS)
    assert "Klaster Batik 119 (Pekalongan)" in koor.buttons()
    await koor.press("Klaster Batik 110 (Pekalongan)")
    assert not bot.errors.records
    if command == "/undang":
        assert clusters[110].invite_code in koor.last_text


async def test_133_clusters_in_45_kabupaten_page_the_kabupaten_and_each_kabupaten(bot):
    kabupaten = [f"Kabupaten {chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(45)]
    clusters = [await bot.cluster(f"Klaster {i:03d}", kabupaten[i % 45]) for i in range(133)]
    # One kabupaten with more clusters than a page.
    big = [await bot.cluster(f"Klaster Besar {i:02d}", kabupaten[44]) for i in range(30)]
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/undang")
    seen, pages = await _collect(koor)
    assert seen == kabupaten and pages == 2
    await koor.press(kabupaten[44])
    seen, pages = await _collect(koor)
    assert set(seen) == {f"{c.name} ({c.kabupaten})" for c in [*clusters, *big] if c.kabupaten == kabupaten[44]}
    assert pages == 2
    await koor.press("« Kabupaten lain")
    assert koor.buttons()[0] == kabupaten[0] and NEXT in koor.buttons()
    assert not bot.errors.records


async def test_registration_without_an_invite_pages_too(bot):
    clusters = [await bot.cluster(f"Klaster Batik {i:03d}", "Pekalongan") for i in range(133)]
    ani = bot.user(9600, "Ani")
    await ani.send("/daftar")
    await ani.press("Setuju")
    for answer in ("Ani Lestari", "Usaha Ani", "keripik"):
        await ani.send(answer)
    seen, pages = await _collect(ani)
    assert seen == [f"{c.name} (Pekalongan)" for c in clusters] and pages == 7
    await ani.press("Klaster Batik 132 (Pekalongan)")
    assert "nomor telepon" in ani.last_text
