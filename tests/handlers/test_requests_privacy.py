"""Market requests and the data subject's rights: /dataku copies a member's pledges, follow-up
answers and preference (and a chair's requests), nobody else's; /hapusdata leaves nothing that
names them, while what they pledged on a closed request stays in the figures, linked to nobody."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.domain import Role
from bot.shell.background import follow_up_market
from db.models import Base, Delivery, MarketFollowUp, MarketPledge, MarketRequest

CHAIR = 7320001
RATNA, BAYU = 987611111, 987622222
RATNA_NAME, BAYU_NAME = "Ratna Kusumawati", "Bayu Wicaksono"
RATNA_PHONE = "+6281287611111"


async def _programme(bot):
    cluster = await bot.cluster()
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    ratna, bayu = bot.user(RATNA, "Ratna"), bot.user(BAYU, "Bayu")
    await bot.register(ratna, cluster, name=RATNA_NAME)
    await bot.register(bayu, cluster, name=BAYU_NAME)
    return cluster, ratna, bayu


async def _request(bot, chair, product: str, deadline: str = "5/12/2026") -> int:
    await chair.send("/permintaan")
    await chair.send(product)
    await chair.send("500 lembar")
    await chair.press("Lewati")
    await chair.send(deadline)
    await chair.send("Pekalongan")
    await chair.press("Lewati")
    await chair.press("Kirim sekarang")
    await bot.drain()
    async with bot.uow(read_only=True) as uow:
        return await uow.session.scalar(select(func.max(MarketRequest.id)))


def _export(bot, user) -> tuple[dict, str]:
    message = next(m for m in reversed(user.bot_messages()) if m.get("document"))
    raw = bot.api.files[message["document"]["file_id"]]
    return json.loads(raw), raw.decode("utf-8")


async def _database_text(bot) -> str:
    texts = []
    async with bot.uow(read_only=True) as uow:
        for table in Base.metadata.sorted_tables:
            for row in (await uow.session.execute(select(table))).all():
                texts += [json.dumps(v, default=str, ensure_ascii=False) for v in row if v is not None]
    return "\n".join(texts)


async def _loop(bot):
    """A closed and allocated request both answered, and a second one still open."""
    cluster, ratna, bayu = await _programme(bot)
    chair = bot.user(CHAIR, "Ketua")
    first = await _request(bot, chair, "Batik tulis motif jlamprang")
    for member, label in ((ratna, "100 lembar"), (bayu, "200 lembar")):
        await member.press_data(f"req:s:{first}")
        await member.press(label)
    await chair.press_data(f"req:a:{first}")
    await chair.press("Kirim pembagian")
    await bot.drain()
    await ratna.press("Saya sanggup")
    bot.now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    await follow_up_market(bot.app)
    await bot.drain()
    await ratna.press("Isi jawaban")
    await ratna.send("100")
    await ratna.send("5 juta")
    await bayu.press("Isi jawaban")
    await bayu.send("200")
    await bayu.send("7.777.000")
    await ratna.send("/peluang")
    await ratna.press("Hanya produk saya")
    second = await _request(bot, chair, "Batik cap motif parang", "20/12/2026")
    await ratna.press_data(f"req:s:{second}")
    await ratna.press("50 lembar")
    await bot.drain()
    return cluster, ratna, bayu, chair, first, second


async def test_dataku_copies_pledges_answers_and_preference_and_nothing_of_anyone_else(bot):
    _, ratna, _, chair, first, second = await _loop(bot)
    await ratna.send("/dataku")
    document, raw = _export(bot, ratna)
    pledges = {p["request_id"]: p for p in document["market_pledges"]}
    assert pledges[first]["quantity"] == 100 and pledges[first]["allocated"] == 100
    assert pledges[first]["confirmation"] == "confirmed" and pledges[second]["quantity"] == 50
    [answer] = document["market_followups"]
    assert answer["value_rupiah"] == 5_000_000 and answer["delivered"] == 100 and answer["role"] == "member"
    assert document["profile"]["only_opportunities_for_my_products"] is True
    assert document["market_requests_sent"] == []
    for foreign in ("Bayu", "7777000", str(CHAIR)):
        assert foreign not in raw, foreign
    # Bayu's 200 as a value anywhere (a bare "200" can sit inside a timestamp's microseconds).
    assert not re.search(r'":\s*"?200\b', raw)

    await chair.send("/dataku")
    document, raw = _export(bot, chair)
    assert [r["request_id"] for r in document["market_requests_sent"]] == [first, second]
    assert [f["role"] for f in document["market_followups"]] == ["author"]
    assert "Ratna" not in raw and "Bayu" not in raw


async def test_hapusdata_leaves_nothing_that_names_the_member_and_keeps_the_figures(bot):
    _, ratna, bayu, chair, first, second = await _loop(bot)
    assert RATNA_NAME in await _database_text(bot)
    await ratna.send("/hapusdata")
    await ratna.press("Ya, hapus data saya")
    assert "dihapus" in ratna.last_text

    text = await _database_text(bot)
    for trace in (RATNA_NAME, "Ratna", RATNA_PHONE, str(RATNA)):
        assert trace not in text, trace
    async with bot.uow(read_only=True) as uow:
        # The closed request keeps her 100 lembar, linked to nobody; the open one lost her 50.
        assert await uow.requests.fill(first) == (300, 2)
        assert await uow.requests.fill(second) == (0, 0)
        kept = await uow.session.scalar(select(MarketPledge).where(MarketPledge.request_id == first, MarketPledge.quantity == 100))
        assert kept.member_id is None and kept.allocated == 100
        answers = (await uow.session.scalars(select(MarketFollowUp).where(MarketFollowUp.value == 5_000_000))).all()
        assert [(a.member_id, a.telegram_user_id) for a in answers] == [(None, None)]
        leads = await uow.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.dedupe_key.like("lead:%")))
    # Only Bayu's notices to the author are left.
    assert leads == 1
    # The author's list no longer shows her.
    await chair.press_data(f"req:l:{first}")
    assert "Bayu Wicaksono" in chair.last_text and "Terkumpul: 300 dari 500 lembar, 2 anggota." in chair.last_text


async def test_an_author_who_erases_their_data_is_named_nowhere(bot):
    _, ratna, _, chair, first, _ = await _loop(bot)
    await chair.send("/hapusdata")
    await chair.press("Ya, hapus data saya")
    async with bot.uow(read_only=True) as uow:
        authors = set((await uow.session.scalars(select(MarketRequest.author_telegram_user_id))).all())
        asked = set((await uow.session.scalars(select(MarketFollowUp.telegram_user_id).where(MarketFollowUp.role == "author"))).all())
    assert authors == {0} and asked == {None}
    # Members can still read the request and are told it is closed.
    await ratna.press_data(f"req:s:{first}")
    assert "belum terdaftar" in ratna.last_text or "ditutup" in ratna.last_text
