"""Katalog klaster (issue 18): products added in the chat, found inline, asked about through
the bot without phones, printed as a PDF with QR codes that open the product."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.shell.sandbox.core import ApiError

# The member's registered phone (bot.register shares 0812 + the id), as stored: +62812...
PHONE_PREFIX = "81200000801"


def _jpeg_with_location(size=(2400, 1600)) -> bytes:
    """A camera photo: EXIF with the camera model and a GPS position."""
    image = Image.new("RGB", size, (150, 60, 30))
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # camera model
    exif[0x8825] = {1: "S", 2: (6.0, 53.0, 0.0), 3: "E", 4: (109.0, 40.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def _member_with_product(bot, user_id=801, *, publish=True, capacity="200"):
    cluster = await bot.cluster()
    member = bot.user(user_id, "Siti")
    await bot.register(member, cluster, name="Siti Aminah")
    await member.send("/produk")
    await member.press("Tambah produk")
    await member.send("Batik Tulis Motif Jlamprang")
    await member.send_photo(_jpeg_with_location())
    assert "sudah 1" in member.last_text
    await member.send("lanjut")
    await member.send("tulis")
    await member.send("lembar")
    await member.send("350 rb")
    await member.send("300rb")
    await member.send("10")
    await member.send(capacity)
    await member.send("14 hari")
    await member.send("Batikmark 123, PIRT")
    card = member.last_text
    assert "Rp350.000 per lembar" in card and "Batikmark 123, PIRT" in card and "Tersembunyi" in card
    if publish:
        await member.press("Terbitkan")
        assert "Terbit: dapat dilihat pembeli" in member.last_text
    async with bot.uow(read_only=True) as uow:
        (product,) = await uow.catalogue.of_member((await uow.members.by_telegram_id(user_id)).id)
    return cluster, member, product


async def test_photo_is_kept_resized_without_exif_or_location(bot):
    _, _, product = await _member_with_product(bot, publish=False)
    async with bot.uow(read_only=True) as uow:
        (photo,) = await uow.catalogue.photos(product.id)
    assert photo.telegram_file_id.startswith("FILE")
    image = Image.open(io.BytesIO(photo.jpeg))
    assert max(image.size) == 1024
    assert not image.getexif() and "exif" not in image.info


async def test_published_product_found_inline_with_typo_and_asked_about_without_phones(bot):
    _, member, product = await _member_with_product(bot)
    stranger = bot.user(9001, "Budi", username="budi_buyer")
    # Typed in another chat, with a typo and the last word still being typed.
    query_id = await stranger.inline_query("batk tul")
    results = stranger.inline_results(query_id)
    assert [r["id"] for r in results] == [f"p{product.id}"]
    card = results[0]
    assert card["type"] == "photo" and "Rp350.000" in card["caption"] and "Batik Simbang Kulon" in card["caption"]
    assert "Pesanan minimum: 10 lembar" in card["caption"]
    (button,) = card["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "Tanya / Pesan"
    assert button["url"] == f"https://t.me/{bot.api.bot_user['username']}?start=p_{product.id}"
    group = bot.api.group(-100500, "Pameran Inacraft")
    posted = stranger.choose_inline_result(query_id, card["id"], group)
    assert posted["via_bot"]["id"] == bot.api.bot_user["id"]

    buyer = bot.user(9002, "Rina")
    await buyer.open_link(button["url"])
    assert "Batik Tulis Motif Jlamprang" in buyer.last_text
    await buyer.press("Tanya / Pesan")
    await buyer.send("Ada warna biru?")
    await buyer.send("50")
    await buyer.send("akhir Januari")
    await buyer.send("Jakarta Selatan")
    await buyer.press("Tidak")
    assert "diteruskan kepada penjual" in buyer.last_text
    await bot.drain()
    notice = member.last_text
    assert "Ada warna biru?" in notice and "Jakarta Selatan" in notice and "50 lembar" in notice
    await member.press("Balas")
    await member.send("Ada, Rp360 rb per lembar.")
    await bot.drain()
    assert "Ada, Rp360 rb per lembar." in buyer.last_text
    # Neither phone reached the other: the member's (registered) and the buyer's (none).
    assert not any(PHONE_PREFIX in text for text in buyer.texts())
    assert not any("Rina" in text or "9002" in text for text in member.texts())


async def test_contacts_exchanged_only_when_both_agree(bot):
    _, member, product = await _member_with_product(bot)
    buyer = bot.user(9002, "Rina", username="rina_hotel")
    await buyer.send(f"/start p_{product.id}")
    await buyer.press("Tanya / Pesan")
    for answer in ("Seragam hotel", "20", "Februari", "Semarang"):
        await buyer.send(answer)
    await buyer.press("Boleh")
    await bot.drain()
    assert "@rina_hotel" not in member.last_text
    await member.press("Bagikan kontak saya")
    await bot.drain()
    assert "@rina_hotel" in member.last_text
    assert "Siti Aminah" in buyer.last_text and PHONE_PREFIX in buyer.last_text


async def test_enquiry_larger_than_capacity_goes_to_the_chair(bot):
    from bot.domain import Role

    cluster, member, product = await _member_with_product(bot, capacity="30")
    chair = bot.user(700, "Ketua")
    await bot.grant(700, Role.KETUA, cluster=cluster.name)
    chair.chat  # noqa: B018 - the chair has a private chat with the bot
    buyer = bot.user(9002, "Rina")
    await buyer.send(f"/start p_{product.id}")
    await buyer.press("Tanya / Pesan")
    for answer in ("Seragam", "500", "Maret", "Surabaya"):
        await buyer.send(answer)
    await buyer.press("Tidak")
    assert "ketua klaster" in buyer.last_text
    await bot.drain()
    assert "melebihi kapasitas" in chair.last_text and "500 lembar" in chair.last_text
    assert not any("Seragam" in text for text in member.texts())


async def test_enquiries_rate_limited_and_stoppable(bot):
    _, member, product = await _member_with_product(bot)
    buyer = bot.user(9002, "Rina")
    for _ in range(3):
        await buyer.send(f"/start p_{product.id}")
        await buyer.press("Tanya / Pesan")
        for answer in ("Tanya", "5", "besok", "Solo"):
            await buyer.send(answer)
        await buyer.press("Tidak")
    await buyer.send(f"/start p_{product.id}")
    await buyer.press("Tanya / Pesan")
    assert "3 pertanyaan dalam 24 jam" in buyer.last_text
    other = bot.user(9003, "Dewi")
    await member.send("/produk")
    await member.press("Hentikan pertanyaan pembeli")
    await other.send(f"/start p_{product.id}")
    await other.press("Tanya / Pesan")
    assert "tidak menerima pertanyaan" in other.last_text


async def test_hiding_removes_the_product_from_search_at_once(bot):
    _, member, product = await _member_with_product(bot)
    stranger = bot.user(9001, "Budi")
    await member.press("Sembunyikan")
    results = stranger.inline_results(await stranger.inline_query("batik tulis"))
    assert results == []
    await stranger.send(f"/start p_{product.id}")
    assert "sudah tidak ditampilkan" in stranger.last_text


async def test_answer_inline_query_refuses_what_telegram_refuses(bot):
    api = bot.api
    api.unanswered_inline.add("q1")
    too_many = [{"type": "article", "id": str(i), "title": "x", "input_message_content": {"message_text": "x"}} for i in range(51)]
    for results, error in (
        (too_many, "RESULTS_TOO_MUCH"),
        ([{**too_many[0], "id": "x" * 65}], "RESULT_ID_INVALID"),
        ([too_many[0], too_many[0]], "RESULT_ID_DUPLICATE"),
        ([{**too_many[0], "input_message_content": {}}], "MESSAGE_EMPTY"),
    ):
        answer = api.handle("answerInlineQuery", {"inline_query_id": "q1", "results": results})
        assert not answer["ok"] and error in answer["description"]
    assert api.handle("answerInlineQuery", {"inline_query_id": "q1", "results": too_many[:50]})["ok"]
    again = api.handle("answerInlineQuery", {"inline_query_id": "q1", "results": []})
    assert not again["ok"] and "query is too old" in again["description"]
    assert ApiError  # the emulator's error type, raised inside handle


async def test_katalog_pdf_has_the_product_and_a_qr_code_that_opens_it(bot):
    import pypdfium2
    import zxingcpp

    from bot.domain import Role

    cluster, _, product = await _member_with_product(bot)
    chair = bot.user(700, "Ketua")
    await bot.grant(700, Role.KETUA, cluster=cluster.name)
    await chair.send("/katalog")
    document = chair.bot_messages()[-1]["document"]
    pdf = bot.api.files[document["file_id"]]
    assert pdf.startswith(b"%PDF") and b"DejaVu" in pdf  # the font is embedded
    page = pypdfium2.PdfDocument(pdf)[1].render(scale=3).to_pil()
    (decoded,) = zxingcpp.read_barcodes(page)
    assert decoded.text == f"https://t.me/{bot.api.bot_user['username']}?start=p_{product.id}"
    text = pypdfium2.PdfDocument(pdf)[1].get_textpage().get_text_range()
    assert "Batik Tulis Motif Jlamprang" in text and "Rp350.000" in text


async def test_member_cannot_print_catalogue(bot):
    _, member, _ = await _member_with_product(bot)
    await member.send("/katalog")
    assert "ketua untuk klasternya" in member.last_text


@pytest.mark.parametrize("typed", ["/produk"])
async def test_stranger_has_no_products(bot, typed):
    stranger = bot.user(9001, "Budi")
    await stranger.send(typed)
    assert "belum terdaftar" in stranger.last_text


def _export(bot, user) -> dict:
    import json

    message = next(m for m in reversed(user.bot_messages()) if m.get("document"))
    return json.loads(bot.api.files[message["document"]["file_id"]])


async def _enquiry(bot, buyer, product):
    await buyer.send(f"/start p_{product.id}")
    await buyer.press("Tanya / Pesan")
    for answer in ("Warna biru", "12", "Januari", "Bandung"):
        await buyer.send(answer)
    await buyer.press("Tidak")
    await bot.drain()


async def test_dataku_holds_products_and_enquiries_of_member_and_buyer(bot):
    _, member, product = await _member_with_product(bot)
    buyer = bot.user(9002, "Rina")
    await _enquiry(bot, buyer, product)
    await member.send("/dataku")
    mine = _export(bot, member)
    assert [p["name"] for p in mine["products"]] == ["Batik Tulis Motif Jlamprang"]
    assert mine["products"][0]["photos"] == 1 and mine["products"][0]["retail_price_rupiah"] == 350000
    assert [(e["as"], e["what"], e["your_name"]) for e in mine["enquiries"]] == [("member", "Warna biru", None)]
    await buyer.send("/dataku")
    theirs = _export(bot, buyer)
    assert [(e["as"], e["quantity"], e["your_name"]) for e in theirs["enquiries"]] == [("buyer", 12, "Rina")]
    assert theirs["products"] == []


async def test_hapusdata_removes_products_photos_and_enquiries(bot):
    from sqlalchemy import func, select

    from db.models import CatalogueWord, Delivery, Enquiry, Product, ProductPhoto, ProductWord

    _, member, product = await _member_with_product(bot)
    buyer = bot.user(9002, "Rina")
    await _enquiry(bot, buyer, product)
    await buyer.send("/hapusdata")
    await buyer.press("Ya, hapus data saya")
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalar(select(func.count()).select_from(Enquiry))) == 0
        assert (await uow.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.dedupe_key.like("enq:%")))) == 0
        assert (await uow.session.scalar(select(func.count()).select_from(Product))) == 1  # the member's stays
    await _enquiry(bot, bot.user(9003, "Dewi"), product)
    await member.send("/hapusdata")
    await member.press("Ya, hapus data saya")
    async with bot.uow(read_only=True) as uow:
        for model in (Product, ProductPhoto, ProductWord, CatalogueWord, Enquiry):
            assert (await uow.session.scalar(select(func.count()).select_from(model))) == 0, model.__name__
    assert stranger_sees_nothing(await bot.user(9004, "X").inline_query("batik"), bot)


def stranger_sees_nothing(query_id, bot) -> bool:
    return bot.api.inline_answers[query_id]["results"] == []


async def test_product_of_a_member_who_leaves_is_unpublished(bot):
    from bot.services import catalogue

    _, member, product = await _member_with_product(bot)
    async with bot.uow() as uow:
        assert await catalogue.member_left(uow, product.member_id) == 1
        await uow.commit()
    stranger = bot.user(9001, "Budi")
    assert stranger.inline_results(await stranger.inline_query("batik tulis")) == []
    async with bot.uow(read_only=True) as uow:
        assert not (await uow.catalogue.get(product.id)).published
