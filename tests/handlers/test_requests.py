"""Market access that ends in a sale (issue 17), through the real Application: a request for 500
lembar, pledges from many members with a change and a withdrawal, allocation, confirmations,
follow-up answers, the omzet question and the "Peluang pasar" figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.domain import Role
from bot.services import roles as role_service
from bot.shell.background import follow_up_market
from db.models import AuditEntry, Delivery, MarketFollowUp, MarketPledge, MarketRequest

CHAIR, KOOR = 3000, 3001
NAMES = ["Ani Lestari", "Budi Santoso", "Citra Dewi", "Dian Sari", "Eko Prasetyo"]


@pytest.fixture
async def cluster(bot):
    batik = await bot.cluster("Batik Simbang Kulon", "Pekalongan", "batik")
    await bot.grant(CHAIR, Role.KETUA, cluster=batik.name)
    members = []
    for i, name in enumerate(NAMES):
        user = bot.user(3010 + i, name.split()[0])
        await bot.register(user, batik, name=name)
        members.append(user)
    return batik, members


async def post_request(bot, chair, *, quantity="500 lembar", deadline="5/12/2026", photo=False):
    await chair.send("/permintaan")
    if photo:
        await chair.send_photo(caption="Batik tulis motif jlamprang\nKatun primisima 2 x 1,15 m")
    else:
        await chair.send("Batik tulis motif jlamprang\nKatun primisima 2 x 1,15 m")
    await chair.send(quantity)
    await chair.send("50 ribu")
    await chair.send(deadline)
    await chair.send("Gudang CV Batik Jaya, Pekalongan")
    await chair.press("Lewati")
    await chair.press("Kirim sekarang")
    await bot.drain()


async def pledge_typed(member, amount: str):
    await member.press("Sanggup")
    await member.press("Jumlah lain")
    await member.send(amount)


async def test_the_whole_loop_from_request_to_deal_and_figures(bot, cluster):
    batik, members = cluster
    ani, budi, citra, dian, eko = members
    chair = bot.user(CHAIR, "Ketua")
    await post_request(bot, chair)
    assert "sedang dikirim ke 5 anggota" in chair.texts()[-1]

    # Every member's copy names its sender and asks "Sanggup".
    copy = ani.message_with_button("Sanggup")
    assert copy["text"].startswith("PERMINTAAN PEMBELI")
    assert "Dari: ketua Batik Simbang Kulon" in copy["text"]
    assert "Jumlah: 500 lembar" in copy["text"] and "Harga: Rp50.000 per lembar" in copy["text"]
    assert "Batas waktu: 5 Desember 2026" in copy["text"]

    await ani.press("Sanggup")
    assert "terkumpul 0 dari 500 lembar, 0 anggota" in ani.last_text
    assert ani.buttons()[:4] == ["20 lembar", "50 lembar", "100 lembar", "200 lembar"]
    await ani.press("100 lembar")
    assert "Sanggupan Anda tercatat: 100 lembar" in ani.last_text
    await pledge_typed(budi, "150 lembar")
    assert "Terkumpul sekarang: 250 dari 500 lembar, 2 anggota" in budi.last_text
    await citra.press("Sanggup")
    await citra.press("50 lembar")
    await dian.press("Sanggup")
    await dian.press("200 lembar")
    await pledge_typed(eko, "100")
    # Eko changes his pledge: still one pledge, the total follows.
    await eko.press("Ubah jumlah")
    await eko.press("Jumlah lain")
    await eko.send("80 lembar")
    assert "Sanggupan Anda diubah: 80 lembar" in eko.last_text
    assert "580 dari 500 lembar, 5 anggota" in eko.last_text

    await bot.drain()
    assert any("Sanggupan baru untuk Batik tulis motif jlamprang: Ani Lestari" in t for t in chair.texts())
    assert any("Eko Prasetyo — Usaha Eko Prasetyo mengubah sanggupannya" in t and "100 lembar menjadi 80 lembar" in t
               for t in chair.texts())
    await chair.press("Lihat sanggupan")
    listing = chair.last_text
    assert "Terkumpul: 580 dari 500 lembar, 5 anggota." in listing
    assert "1. Ani Lestari — Usaha Ani Lestari — +62812" in listing and "— 100 lembar" in listing

    # A member never sees another member's name or pledge.
    for member, name in zip(members, NAMES, strict=True):
        others = [n for n in NAMES if n != name]
        assert not any(other in text for text in member.texts() for other in others), member.texts()

    await chair.press("Bagi pesanan")
    proposal = chair.last_text
    assert "1. Ani Lestari: 86 lembar dari sanggupan 100 lembar" in proposal
    assert "Jumlah: 500 lembar dari 500 lembar." in proposal
    await chair.send("2 130, 4 192")
    assert "lebih besar dari permintaan" in chair.last_text  # 520 of 500: nothing changed
    await chair.send("2 160")
    assert "lebih besar dari sanggupan" in chair.last_text
    await chair.send("2 120")
    assert "2. Budi Santoso: 120 lembar dari sanggupan 150 lembar" in chair.last_text
    assert "Jumlah: 491 lembar dari 500 lembar." in chair.last_text
    await chair.send("2 129")
    assert "Jumlah: 500 lembar dari 500 lembar." in chair.last_text
    await chair.press("Kirim pembagian")
    assert "Pembagian dikirim: 500 lembar kepada 5 anggota" in chair.last_text
    await bot.drain()
    parts = {"Ani": 86, "Budi": 129, "Citra": 43, "Dian": 173, "Eko": 69}
    for member in members:
        part = parts[member.data["first_name"]]
        assert f"Bagian Anda untuk Batik tulis motif jlamprang: {part} lembar" in member.last_text
        assert "Kirim paling lambat 5 Desember 2026 ke Gudang CV Batik Jaya" in member.last_text
        await member.press("Saya sanggup")
        assert "sudah dikonfirmasi" in member.last_text
    await bot.drain()
    await chair.press("Lihat sanggupan")
    assert "(bagian 86 lembar, dikonfirmasi)" in chair.last_text

    # A day after the deadline, at 09.00 in the cluster: the follow-up, once.
    bot.now = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)  # 08.00 WIB: not yet
    assert await follow_up_market(bot.app) == 0
    bot.now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 10.00 WIB
    assert await follow_up_market(bot.app) == 6
    assert await follow_up_market(bot.app) == 0
    await bot.drain()
    assert "Jadi transaksi?" in chair.last_text
    await chair.press("Ya")
    await chair.send("Rp25.000.000")
    assert "Transaksi tercatat: Rp25.000.000" in chair.last_text

    paid = {"Ani": "4,3 juta", "Budi": "6.450.000", "Citra": "2,15 juta", "Dian": "8.650.000", "Eko": "3.450.000"}
    for member in members:
        name = member.data["first_name"]
        assert "Berapa yang sudah Anda kirim" in member.last_text
        await member.press("Isi jawaban")
        await member.send(f"{parts[name]} lembar")
        await member.send(paid[name])
        assert "Tercatat: dikirim" in member.last_text
    async with bot.uow(read_only=True) as uow:
        asked = await uow.session.scalar(select(MarketFollowUp.id).where(MarketFollowUp.telegram_user_id == ani.id))
    await ani.press_data(f"req:m:{asked}:fill")  # the old button again: answered already
    assert "sudah Anda jawab" in ani.last_text

    # Ani reports December once it is over: she is asked whether the Rp4,3 juta is in it.
    bot.now = datetime(2027, 1, 3, 3, 0, tzinfo=UTC)
    await ani.send("/omzet desember 12 juta")
    await ani.press("Benar")
    assert "melalui \"Batik tulis motif jlamprang\"" in ani.last_text
    await ani.press("Sudah termasuk")
    assert "tercatat" in ani.last_text

    async with bot.uow(read_only=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(MarketPledge)) == 5
        actions = set((await uow.session.scalars(select(AuditEntry.action))).all())
    assert {"request.create", "request.pledge", "request.allocate", "request.part", "followup.answer", "followup.omzet"} <= actions

    # Once published (with the omzet figures, at the deadline of the month after): the figures.
    bot.now = datetime(2027, 1, 11, 3, 0, tzinfo=UTC)
    await chair.send("/ringkasan november")
    november = chair.last_text
    assert "Peluang pasar — November 2026" in november
    assert "Permintaan pembeli: 1, sampai kepada 5 anggota" in november
    assert "Disanggupi: 580 lembar (5 anggota)" in november
    assert "Dibagi: 500 lembar (5 anggota)" in november
    await chair.send("/ringkasan desember")
    december = chair.last_text
    assert "Dikirim: 500 lembar (5 anggota menjawab)" in december
    assert "Dibayar kepada anggota: Rp25.000.000" in december
    assert "Termasuk dalam omzet yang dilaporkan: Rp4.300.000" in december
    assert "Transaksi: 1, nilai Rp25.000.000" in december

    # The koordinator's export has the same figures on its "Peluang pasar" sheet.
    await bot.grant(KOOR, Role.KOORDINATOR)
    koor = bot.user(KOOR, "Koor")
    await koor.send("/ekspor")
    message = next(m for m in reversed(koor.bot_messages()) if m.get("document"))
    book = load_workbook(io.BytesIO(bot.api.files[message["document"]["file_id"]]))
    rows = {r[1]: r for r in book["Peluang pasar"].iter_rows(min_row=2, values_only=True)}
    assert rows["2026-11"][2:8] == (1, 5, 5, "580 lembar", 5, "500 lembar")
    assert rows["2026-12"][9:14] == ("500 lembar", 25_000_000, 4_300_000, 1, 25_000_000)


async def test_before_publication_only_counts_and_small_numbers_stay_hidden(bot, cluster):
    _, members = cluster
    chair = bot.user(CHAIR, "Ketua")
    await post_request(bot, chair)
    for member in members[:3]:
        await member.press("Sanggup")
        await member.press("100 lembar")
    await chair.press("Lihat sanggupan")
    await chair.press("Tutup permintaan")
    assert "Permintaan ditutup" in chair.last_text
    await chair.send("/ringkasan november")
    assert "Permintaan pembeli: 1, sampai kepada 5 anggota" in chair.last_text
    assert "terbit bersama angka omzet" in chair.last_text
    bot.now = datetime(2026, 12, 11, 12, 0, tzinfo=UTC)
    await chair.send("/ringkasan november")
    # Three pledgers: their sum would let each guess the others'.
    assert "Disanggupi: data belum cukup (3 anggota)" in chair.last_text
    assert "300 lembar" not in chair.last_text


async def test_bad_input_and_edge_cases(bot, cluster):
    batik, members = cluster
    ani, budi, citra = members[:3]
    chair = bot.user(CHAIR, "Ketua")
    # The composer refuses what it cannot use and stays at its question.
    await chair.send("/permintaan")
    await chair.send("Batik tulis")
    await chair.send("500")
    assert "Tulis juga satuannya" in chair.last_text
    await chair.send("-5 lembar")
    assert "tidak bisa kurang dari nol" in chair.last_text
    await chair.send("500 lembar")
    await chair.send("12,5")
    assert "juta atau ribu" in chair.last_text
    await chair.press("Lewati")
    await chair.send("1/1/2020")
    assert "sudah lewat" in chair.last_text
    await chair.send("5/12/2026")
    await chair.send("Pekalongan")
    await chair.send("Sertifikat Batikmark")
    await chair.press("Kirim sekarang")
    async with bot.uow(read_only=True) as uow:
        key = await uow.session.scalar(select(MarketRequest.draft_key))
    await chair.press_data(f"req:send:{key}")  # a second press of the same button
    assert "Permintaan ini sudah dikirim" in chair.last_text
    await bot.drain()

    await ani.press("Sanggup")
    await ani.press("Jumlah lain")
    for typed, answer in (
        ("600", "lebih dari seluruh permintaan"),
        ("0", "harus lebih dari nol"),
        ("-20", "tidak bisa kurang dari nol"),
        ("banyak", "tidak bisa kami baca"),
        ("2,5", "bilangan bulat"),
    ):
        await ani.send(typed)
        assert answer in ani.last_text, (typed, ani.last_text)
    await ani.send("120")
    assert "Sanggupan Anda tercatat: 120 lembar" in ani.last_text
    await ani.press_data(f"req:q:{await _request_id(bot)}:600")
    assert "lebih dari seluruh permintaan" in ani.last_text
    # A pledge can be withdrawn, and the author is told.
    await budi.press("Sanggup")
    await budi.press("50 lembar")
    await budi.press("Tarik sanggupan")
    assert "Sanggupan Anda sudah ditarik. Terkumpul sekarang: 120 dari 500 lembar, 1 anggota." in budi.last_text
    await budi.press_data(f"req:w:{await _request_id(bot)}")
    assert "sudah ditarik" in budi.last_text
    await bot.drain()
    assert any("Budi Santoso — Usaha Budi Santoso menarik sanggupannya (50 lembar)" in t for t in chair.texts())

    # After closing: a clear answer, and what was pledged stays.
    await chair.press("Lihat sanggupan")
    await chair.press("Tutup permintaan")
    await citra.press("Sanggup")
    assert "sudah ditutup" in citra.last_text and "tetap tersimpan" in citra.last_text
    await ani.press_data(f"req:w:{await _request_id(bot)}")
    assert "sudah ditutup" in ani.last_text
    async with bot.uow(read_only=True) as uow:
        assert (await uow.requests.fill(await _request_id(bot))) == (120, 1)

    # A member who deleted their data is told to register; their pledge on a closed request
    # stays in the totals, linked to nobody.
    await ani.send("/hapusdata")
    await ani.press("Ya, hapus data saya")
    await ani.press_data(f"req:s:{await _request_id(bot)}")
    assert "belum terdaftar" in ani.last_text
    async with bot.uow(read_only=True) as uow:
        assert (await uow.requests.fill(await _request_id(bot))) == (120, 1)
        pledge = await uow.session.scalar(select(MarketPledge).where(MarketPledge.quantity == 120))
        assert pledge.member_id is None
    # A forged or unknown request.
    await citra.press_data("req:s:999999")
    assert "tidak ditemukan" in citra.last_text


async def _request_id(bot) -> int:
    async with bot.uow(read_only=True) as uow:
        return await uow.session.scalar(select(func.max(MarketRequest.id)))


async def test_a_member_without_phone_is_told_and_offered_to_add_it(bot, cluster):
    batik, _ = cluster
    fajar = bot.user(3020, "Fajar")
    await bot.register(fajar, batik, name="Fajar Nugroho", phone=False)
    chair = bot.user(CHAIR, "Ketua")
    await post_request(bot, chair)
    await fajar.press("Sanggup")
    assert "Nomor telepon Anda belum tersimpan" in fajar.last_text
    assert "Tambah nomor telepon" in fajar.buttons()
    await fajar.press("Tambah nomor telepon")
    await fajar.share_contact("081299990000")
    await fajar.press("Sanggup")
    assert "Nomor telepon Anda belum tersimpan" not in fajar.last_text


async def test_a_revoked_author_sees_nothing_more(bot, cluster):
    _, members = cluster
    ani, budi = members[:2]
    chair = bot.user(CHAIR, "Ketua")
    await post_request(bot, chair)
    await ani.press("Sanggup")
    await ani.press("100 lembar")
    await bot.drain()
    assert "Ani Lestari" in chair.last_text
    async with bot.uow() as uow:
        assert await role_service.revoke_role(uow, CHAIR, Role.KETUA) == 1
    seen = len(chair.texts())
    await chair.press("Lihat sanggupan")
    assert "tidak memiliki hak" in chair.last_text
    await budi.press("Sanggup")
    await budi.press("50 lembar")
    assert "Sanggupan Anda tercatat" in budi.last_text  # the member's pledge is kept
    await bot.drain()
    later = chair.texts()[seen:]
    assert not any("Budi" in text or "+62812" in text for text in later), later
    await chair.press_data(f"req:a:{await _request_id(bot)}")
    assert "tidak memiliki hak" in chair.last_text
    # The follow-up asks the members, not the revoked author.
    bot.now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    await follow_up_market(bot.app)
    await bot.drain()
    assert "Jadi transaksi?" not in chair.last_text


async def test_followup_timing_is_configurable_and_asks_again_who_did_not_answer(bot, cluster, api):
    from dataclasses import replace

    from bot.services.requests import FollowUpSchedule
    from tests.support.harness import Harness

    await bot.stop()
    settings = replace(bot.settings, followups=FollowUpSchedule(days_after_deadline=(2, 10)))
    other = await Harness(settings, api).start()
    try:
        other.now = bot.now
        _, members = cluster
        chair = other.user(CHAIR, "Ketua")
        await post_request(other, chair)
        for member in members:
            await member.press("Sanggup")
            await member.press("100 lembar")
        await chair.press("Lihat sanggupan")
        await chair.press("Bagi pesanan")
        await chair.press("Kirim pembagian")
        await other.drain()
        other.now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
        assert await follow_up_market(other.app) == 0  # 2 days after: not yet
        other.now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
        assert await follow_up_market(other.app) == 6
        await other.drain()
        await chair.press("Masih nego")
        await members[0].press("Tidak mau menjawab")
        assert "tidak apa-apa" in members[0].last_text
        other.now = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)
        # Round 2: the author (still negotiating) and the four who did not answer.
        assert await follow_up_market(other.app) == 5
        async with other.uow(read_only=True) as uow:
            rounds = (await uow.session.execute(
                select(MarketFollowUp.round, func.count()).group_by(MarketFollowUp.round).order_by(MarketFollowUp.round)
            )).all()
        assert [tuple(r) for r in rounds] == [(1, 6), (2, 5)]
    finally:
        await other.stop()


async def test_plain_peluang_interest_works_and_is_followed_up(bot, cluster):
    _, members = cluster
    ani, budi = members[:2]
    chair = bot.user(CHAIR, "Ketua")
    await chair.send("/umumkan")
    await chair.press("Peluang pasar")
    await chair.send("Pembeli dari Semarang mencari 200 lembar batik tulis.")
    preview = chair.texts()[-2]
    assert "Dari: ketua Batik Simbang Kulon" in preview
    await chair.press("Kirim sekarang")
    await bot.drain()
    assert "Dari: ketua Batik Simbang Kulon" in ani.message_with_button("Saya tertarik")["text"]
    await ani.press("Saya tertarik")
    await ani.press("Saya tertarik")
    assert "sudah tercatat" in ani.last_text and "Tarik minat" in ani.buttons()
    await ani.press("Tarik minat")
    assert "Minat Anda sudah ditarik" in ani.last_text
    await bot.drain()
    assert "Ani Lestari — Usaha Ani Lestari menarik minatnya" in chair.last_text
    await ani.press("Saya tertarik")  # interested again: the author hears of it again
    await budi.press("Saya tertarik")
    await bot.drain()
    assert sum("Peminat baru" in t and "Ani Lestari" in t for t in chair.texts()) == 2
    async with bot.uow(read_only=True) as uow:
        notices = (await uow.session.scalars(select(Delivery.dedupe_key).where(Delivery.kind == "interest"))).all()
    assert any(k.startswith("lead:") for k in notices)

    bot.now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # 7 days after sending, and 1 more
    assert await follow_up_market(bot.app) == 3
    await bot.drain()
    assert "Jadi transaksi?" in chair.last_text
    await chair.press("Tidak")
    assert "tidak jadi transaksi" in chair.last_text
    assert "Apakah jadi berjualan?" in ani.last_text
    await ani.press("Isi jawaban")
    await ani.send("1,5 juta")
    assert "dibayar Rp1.500.000" in ani.last_text


async def test_only_my_products(bot, cluster):
    batik, members = cluster
    ani, budi = members[:2]
    await ani.send("/peluang")
    await ani.press("Hanya produk saya")
    assert "hanya menerima peluang pasar" in ani.last_text
    async with bot.uow() as uow:
        row = await uow.members.by_telegram_id(ani.id)
        row.main_product = "kerajinan bambu"
        cluster_row = await uow.clusters.get(batik.id)
        cluster_row.commodity = "kerajinan"
        await uow.commit()
    chair = bot.user(CHAIR, "Ketua")
    await post_request(bot, chair)
    assert not any(t.startswith("PERMINTAAN PEMBELI") for t in ani.texts())
    assert any(t.startswith("PERMINTAAN PEMBELI") for t in budi.texts())
    await chair.send("/permintaan")
    await chair.send("Tas kerajinan bambu anyam")
    await chair.send("100 pcs")
    await chair.press("Lewati")
    await chair.send("5/12/2026")
    await chair.send("Semarang")
    await chair.press("Lewati")
    await chair.press("Kirim sekarang")
    await bot.drain()
    assert any(t.startswith("PERMINTAAN PEMBELI") and "bambu" in t for t in ani.texts())
