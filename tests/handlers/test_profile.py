"""/profil: a member sees and corrects their own data."""

from __future__ import annotations


async def _member(bot, user_id=801):
    cluster = await bot.cluster()
    user = bot.user(user_id)
    await bot.register(user, cluster, name="Siti Aminah")
    return user


async def _stored(bot, user_id):
    async with bot.uow(read_only=True) as uow:
        member = await uow.members.by_telegram_id(user_id)
        return member.name, member.business_name, member.main_product, member.phone


async def test_profile_shows_own_data_with_joined_date(bot):
    user = await _member(bot)
    await user.send("/profil")
    text = user.last_text
    assert "Nama: Siti Aminah" in text and "Klaster: Batik Simbang Kulon (Pekalongan)" in text
    assert "Status: aktif" in text
    # Joined 28 November 2026 (10:00 WIB), shown in the cluster's zone through Babel.
    assert "28 November 2026" in text
    assert user.buttons() == ["Ubah nama", "Ubah nama usaha", "Ubah produk", "Ubah telepon"]


async def test_edit_each_text_field(bot):
    user = await _member(bot)
    await user.send("/profil")
    await user.press("Ubah nama")
    await user.send("4444")
    assert "tidak boleh berisi angka" in user.last_text
    await user.send("Siti Rahayu")
    assert "Nama: Siti Rahayu" in user.last_text
    await user.press("Ubah nama usaha")
    await user.send("Batik Rahayu")
    await user.press("Ubah produk")
    await user.send("batik cap")
    assert await _stored(bot, user.id) == ("Siti Rahayu", "Batik Rahayu", "batik cap", "+6281200000801")
    async with bot.uow(read_only=True) as uow:
        updates = [e for e in await uow.audit.entries("member.update")]
    assert [e.details["field"] for e in updates] == ["name", "business", "product"]


async def test_phone_change_own_contact_only_and_removal(bot):
    user = await _member(bot)
    await user.send("/profil")
    await user.press("Ubah telepon")
    await user.share_contact("+62 813 1111 2222", owner_id=12345)
    assert "nomor orang lain" in user.last_text
    await user.share_contact("+62 813 1111 2222")
    assert (await _stored(bot, user.id))[3] == "+6281311112222"
    await user.press("Ubah telepon")
    await user.press("Hapus nomor")
    assert (await _stored(bot, user.id))[3] is None
    assert "tidak dibagikan" in user.last_text


async def test_profile_for_non_member(bot):
    user = bot.user(802)
    await user.send("/profil")
    assert "belum terdaftar" in user.last_text
    await user.press_data("prof:edit:name", user.bot_messages()[-1])
    assert "belum terdaftar" in user.last_text


async def test_profile_edit_survives_restart(bot):
    user = await _member(bot)
    await user.send("/profil")
    await user.press("Ubah produk")
    await bot.restart()
    await user.send("batik tulis halus")
    assert (await _stored(bot, user.id))[2] == "batik tulis halus"


async def test_batal_while_editing_keeps_the_old_value(bot):
    user = await _member(bot)
    await user.send("/profil")
    await user.press("Ubah nama")
    await user.send("/batal")
    assert user.last_text.startswith("Perubahan dibatalkan; data Anda tidak diubah.")
    stored = await _stored(bot, user.id)
    await user.send("Siti Rahayu")  # no step any more: not taken as the new name
    assert await _stored(bot, user.id) == stored
