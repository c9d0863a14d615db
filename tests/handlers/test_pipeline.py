"""Group chats, duplicate updates, edits, language, the command menu, the error handler."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import ConversationState, ProcessedUpdate, TelegramUser


async def _count(bot, model):
    async with bot.uow(read_only=True) as uow:
        return await uow.session.scalar(select(func.count()).select_from(model))


async def test_group_chat_gets_one_pointer_and_nothing_is_stored(bot):
    cluster = await bot.cluster()
    group = bot.api.group(-100123, "Grup Batik")
    user = bot.user(1001)
    await user.send(f"/start {cluster.invite_code}", chat=group)
    await user.send("/daftar", chat=group)
    await user.send("halo semua", chat=group)
    replies = [m for m in group.messages if m["from"]["id"] == bot.api.bot_user["id"]]
    assert len(replies) == 2  # one per command; plain chatter gets nothing
    assert "chat pribadi" in replies[0]["text"] and "t.me/klasterbot_test_bot" in replies[0]["text"]
    assert await _count(bot, ConversationState) == 0
    assert await _count(bot, ProcessedUpdate) == 0
    assert await _count(bot, TelegramUser) == 0


async def test_same_update_twice_is_handled_once(bot):
    cluster = await bot.cluster()
    user = bot.user(1002)
    update = await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    before = len(user.texts())
    answer = await user.send("Siti Aminah")
    assert len(user.texts()) == before + 1
    await bot.api.deliver(answer)  # Telegram redelivers the very same update
    assert len(user.texts()) == before + 1
    await bot.api.deliver(update)
    assert len(user.texts()) == before + 1


async def test_edited_message_is_not_a_second_answer(bot):
    cluster = await bot.cluster()
    user = bot.user(1003)
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    await user.send("Siti Aminah")
    before = len(user.texts())
    await user.edit_last("Siti Aminah Rahayu")
    assert len(user.texts()) == before
    async with bot.uow(read_only=True) as uow:
        state = await uow.conversations.get(1003)
    assert state.step == "business" and state.data["name"] == "Siti Aminah"


async def test_language_switch_to_english_and_back(bot):
    user = bot.user(1004)
    await user.send("/bahasa")
    assert user.buttons() == ["Indonesia", "English"]
    await user.press("English")
    assert user.last_text == "OK, I will use English."
    await user.send("/bantuan")
    assert "Commands you can use" in user.last_text
    await bot.restart()
    await user.send("/daftar")
    assert "Do you agree?" in user.last_text
    await user.send("/bahasa")
    await user.press("Indonesia")
    assert user.last_text == "Baik, saya akan memakai Bahasa Indonesia."


async def test_telegram_language_is_used_until_a_choice_is_saved(bot):
    english = bot.user(1005, language_code="en-GB")
    await english.send("/bantuan")
    assert "Commands you can use" in english.last_text
    javanese = bot.user(1006, language_code="jv")
    await javanese.send("/bantuan")
    assert "Perintah yang bisa Anda pakai" in javanese.last_text


async def test_menu_is_set_per_language_at_start(bot):
    commands = bot.api.commands
    # The default menu is a newcomer's; members and chairs get theirs per chat (handlers/menu.py).
    assert [c["command"] for c in commands[""]] == ["start", "daftar", "bahasa", "batal", "bantuan"]
    assert commands[""][1]["description"] == "Mendaftar sebagai anggota"
    assert commands["en"][1]["description"] == "Register as a member"


async def test_plain_text_without_a_step(bot):
    stranger = bot.user(1007)
    await stranger.send("halo")
    assert "/daftar" in stranger.last_text
    await stranger.send_sticker()
    assert "pesan teks" in stranger.last_text
    await stranger.share_contact("08123456789")
    assert "tidak meminta nomor telepon" in stranger.last_text


async def test_unexpected_error_apologises_and_keeps_answers(bot, monkeypatch):
    cluster = await bot.cluster()
    user = bot.user(1008)
    await user.send(f"/start {cluster.invite_code}")
    await user.press("Setuju")
    from bot.services import registration

    async def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(registration, "submit_text", broken)
    bot.expect_errors = True
    await user.send("Siti Aminah")
    assert "terjadi gangguan" in user.last_text
    assert "tetap tersimpan" in user.last_text
    assert bot.errors.records
    monkeypatch.undo()
    await user.send("Siti Aminah")
    assert "nama usaha" in user.last_text
