"""F10: random text, commands, stale buttons and media in every registration state.

Never an unhandled exception (the `bot` fixture fails on any), always a reply.
"""

from __future__ import annotations

import random

import pytest

from bot.domain import Role

NOISE_TEXT = ["", " ", "ok", "1", "🙂🙂", "x" * 5000, "/", "/start", "/start ../../etc", "/daftar extra args",
              "/batal", "/bantuan", "/profil", "/undang", "/anggota", "/klaster", "/ketua", "/bahasa",
              "/tidakada", "/dataku", "/hapusdata", "Lewati", "Setuju", "12,5 juta", "omzet 12jt", "<b>html</b>", "Siti Aminah"]
NOISE_BUTTONS = ["reg:consent:yes", "reg:consent:no", "reg:ok", "reg:edit", "reg:edit:phone", "reg:kab:0",
                 "reg:kab:all", "reg:kab:9999", "reg:cl:1", "reg:cl:999", "appr:yes:1", "appr:no:999",
                 "lang:xx", "lang:en", "prof:edit:name", "prof:phone:del", "pick:undang:cl:1",
                 "pick:anggota:kab:5", "ketua:set:1:1", "ketua:del:1:1", "klaster:appr:yes", "priv:withdraw", "priv:keep", "priv:request:999999",
                 "priv:consent_withdrawn:0", "junk", "x" * 64]

STEPS = ["consent", "name", "business", "product", "phone", "confirm", "registered", "omzet", "announce"]


async def _walk_to(bot, user, cluster, step):
    await user.send(f"/start {cluster.invite_code}")
    answers = {"name": None, "business": "Siti Aminah", "product": "Batik Siti", "phone": "batik"}
    if step == "consent":
        return
    await user.press("Setuju")
    for name, answer in answers.items():
        if answer is not None:
            await user.send(answer)
        if name == step:
            return
    await user.send("Lewati")
    if step == "confirm":
        return
    await user.press("Benar")
    if step == "omzet":
        await user.send("/omzet")
    elif step == "announce":
        await bot.grant(user.id, Role.KETUA, cluster=cluster.name)
        await user.send("/umumkan")


@pytest.mark.parametrize("step", STEPS)
async def test_noise_in_every_state_always_gets_a_reply(bot, step):
    cluster = await bot.cluster()
    await bot.grant(99, Role.KOORDINATOR)
    user = bot.user(3000 + STEPS.index(step))
    await _walk_to(bot, user, cluster, step)
    rng = random.Random(step)
    inputs = [("text", t) for t in NOISE_TEXT] + [("button", b) for b in NOISE_BUTTONS] + [("sticker", None), ("photo", None), ("contact", None)]
    rng.shuffle(inputs)
    for kind, value in inputs:
        before = len(bot.api.calls)
        if kind == "text":
            if not value.strip():
                continue  # Telegram never delivers an empty message
            await user.send(value)
        elif kind == "button":
            await user.press_data(value)
        elif kind == "sticker":
            await user.send_sticker()
        elif kind == "photo":
            await user.send_photo()
        else:
            await user.share_contact("08123", owner_id=rng.choice([user.id, 5]))
        replies = [c for c in bot.api.calls[before:] if c.method in ("sendMessage", "answerCallbackQuery")]
        assert replies, f"no reply to {kind} {value!r} at step {step}"
