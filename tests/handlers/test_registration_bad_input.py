"""Every bad-input branch of registration: a clear message, and nothing entered is lost."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Member


async def _at_name_step(bot, user_id=701):
    cluster = await bot.cluster()
    user = bot.user(user_id)
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    return cluster, user


async def _draft(bot, user_id):
    async with bot.uow(read_only=True) as uow:
        state = await uow.conversations.get(user_id)
        return (state.step, dict(state.data)) if state else None


async def test_digits_as_a_name_are_refused_with_an_example(bot):
    _, user = await _at_name_step(bot)
    await user.send("12345")
    assert "tidak boleh berisi angka" in user.last_text
    assert "Contoh" in user.last_text or "contoh" in user.last_text
    step, _ = await _draft(bot, user.id)
    assert step == "name"
    await user.send("Siti Aminah")
    assert "nama usaha" in user.last_text


async def test_very_long_text_is_refused_and_step_kept(bot):
    _, user = await _at_name_step(bot)
    await user.send("Siti Aminah")
    await user.send("B" * 500)
    assert "terlalu panjang" in user.last_text
    step, data = await _draft(bot, user.id)
    assert step == "business" and data["name"] == "Siti Aminah"


async def test_blank_and_symbol_only_answers(bot):
    _, user = await _at_name_step(bot)
    await user.send("   ")
    assert "kosong" in user.last_text
    await user.send("!!")
    assert "huruf" in user.last_text
    assert (await _draft(bot, user.id))[0] == "name"


async def test_photo_and_sticker_where_text_is_expected(bot):
    _, user = await _at_name_step(bot)
    await user.send("Siti Aminah")
    await user.send_sticker()
    assert "pesan teks" in user.texts()[-2]
    assert "nama usaha" in user.last_text
    await user.send_photo()
    assert "nama usaha" in user.last_text
    step, data = await _draft(bot, user.id)
    assert step == "business" and data["name"] == "Siti Aminah"


async def test_a_strangers_contact_is_refused_and_not_stored(bot):
    _, user = await _at_name_step(bot)
    for answer in ("Siti Aminah", "Batik Siti", "batik"):
        await user.send(answer)
    await user.share_contact("081299998888", owner_id=999)
    assert "nomor orang lain" in user.last_text
    step, data = await _draft(bot, user.id)
    assert step == "phone" and data.get("phone") is None
    await user.share_contact("081299998888")
    assert "+6281299998888" in user.last_text


@pytest.mark.parametrize("typed", ["08123456789", "0812-3456-789", "+62 812 3456 789", "628123456789"])
async def test_a_typed_phone_number_is_taken_and_marked_not_verified(bot, typed):
    # Issue 15: a typed number was refused though indonesian.md accepts 0812...
    _, user = await _at_name_step(bot)
    for answer in ("Siti Aminah", "Batik Siti", "batik"):
        await user.send(answer)
    await user.send(typed)
    assert "Telepon: +628123456789 (diketik, belum diverifikasi)" in user.last_text
    await user.press("Benar")
    async with bot.uow(read_only=True) as uow:
        member = await uow.members.by_telegram_id(user.id)
    assert (member.phone, member.phone_verified) == ("+628123456789", False)


async def test_a_typed_text_that_is_no_phone_number_is_explained(bot):
    _, user = await _at_name_step(bot)
    for answer in ("Siti Aminah", "Batik Siti", "batik"):
        await user.send(answer)
    await user.send("nanti saja")
    assert "0812 3456 7890" in user.last_text
    assert (await _draft(bot, user.id))[0] == "phone"


async def test_unknown_invite_code_keeps_registration_going(bot):
    await bot.cluster()
    user = bot.user(702)
    await user.send("/start KODESALAH")
    assert "tidak dikenal" in user.texts()[-2]
    assert user.buttons() == ["Setuju", "Tidak setuju"]
    await user.press("Setuju")
    for answer in ("Siti Aminah", "Batik Siti", "batik"):
        await user.send(answer)
    assert "Pilih klaster" in user.last_text


async def test_malformed_invite_code(bot):
    await bot.cluster()
    user = bot.user(703)
    await user.send("/start abc$%^")
    assert "tidak lengkap atau rusak" in user.texts()[-2]


async def test_invite_link_opened_mid_registration_keeps_answers(bot):
    cluster = await bot.cluster()
    await bot.cluster("Jambu Lele", "Demak", "jambu")
    user = bot.user(704)
    await user.send("/daftar")
    await user.press("Setuju")
    await user.send("Siti Aminah")
    await user.send(f"/start {cluster.invite_code}")
    assert "lanjutkan" in user.texts()[-2]
    step, data = await _draft(bot, user.id)
    assert data["name"] == "Siti Aminah" and data["cluster_id"] == cluster.id and step == "business"


async def test_old_button_pressed_later_is_stale_and_current_step_shown(bot):
    _, user = await _at_name_step(bot)
    consent_message = user.bot_messages()[-2]
    await user.send("Siti Aminah")
    # An hour later the member scrolls up and presses "Setuju" on the old consent message.
    await user.press_data("reg:consent:yes", consent_message)
    assert "sudah tidak berlaku" in user.texts()[-2]
    assert "nama usaha" in user.last_text
    step, data = await _draft(bot, user.id)
    assert step == "business" and data["name"] == "Siti Aminah"


async def test_forged_button_data_is_answered_and_ignored(bot):
    _, user = await _at_name_step(bot)
    await user.press_data("reg:cl:999999")
    await user.press_data("zzz:nonsense")
    await user.press_data("appr:yes:1")
    assert (await _draft(bot, user.id))[0] == "name"


async def test_commands_in_the_middle_of_a_step(bot):
    _, user = await _at_name_step(bot)
    await user.send("Siti Aminah")
    await user.send("/bantuan")
    assert "nama usaha" in user.last_text
    await user.send("/profil")
    # Registering: told so, with a button to go on (the question would read as /profil's).
    assert "Anda sedang mendaftar" in user.last_text
    await user.press("Lanjutkan pendaftaran")
    assert "nama usaha" in user.last_text
    await user.send("/entahapa")
    assert "tidak saya kenal" in user.texts()[-2]
    await user.send("/klaster")
    # Any other command mid-flow: the one rule, and a button back to the question; nothing is lost.
    assert "Anda sedang mendaftar" in user.last_text
    await user.press("Lanjutkan pendaftaran")
    assert "nama usaha" in user.last_text
    step, data = await _draft(bot, user.id)
    assert step == "business" and data["name"] == "Siti Aminah"


async def test_batal_cancels_and_forgets_answers(bot):
    _, user = await _at_name_step(bot)
    await user.send("Siti Aminah")
    await user.send("/batal")
    assert "dibatalkan" in user.last_text
    assert await _draft(bot, user.id) is None
    await user.send("/batal")
    assert "Tidak ada langkah" in user.last_text


async def test_registered_member_cannot_register_twice(bot):
    cluster = await bot.cluster()
    user = bot.user(705)
    await bot.register(user, cluster)
    await user.send(f"/start {cluster.invite_code}")
    assert "sudah terdaftar" in user.last_text
    await user.send("/daftar")
    assert "sudah terdaftar" in user.last_text
    async with bot.uow(read_only=True) as uow:
        assert len((await uow.session.scalars(select(Member))).all()) == 1


async def test_double_confirm_press_creates_one_member(bot):
    cluster = await bot.cluster()
    user = bot.user(706)
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    for answer in ("Siti Aminah", "Batik Siti", "batik"):
        await user.send(answer)
    await user.send("Lewati")
    summary = user.message_with_button("Benar")
    await user.press("Benar")
    await user.press_data("reg:ok", summary)
    async with bot.uow(read_only=True) as uow:
        assert len((await uow.session.scalars(select(Member))).all()) == 1


async def test_no_clusters_yet_keeps_answers(bot):
    user = bot.user(707)
    await user.send("/daftar")
    await user.press("Setuju")
    for answer in ("Siti Aminah", "Batik Siti", "batik"):
        await user.send(answer)
    assert "Belum ada klaster" in user.last_text
    step, data = await _draft(bot, user.id)
    assert step == "cluster" and data["main_product"] == "batik"


async def test_text_at_a_button_step_asks_for_the_buttons(bot):
    _, user = await _at_name_step(bot)
    await user.send("/batal")
    cluster_user = bot.user(708)
    await cluster_user.send("/daftar")
    await cluster_user.send("ya saya setuju")
    assert "menekan salah satu tombol" in cluster_user.last_text
