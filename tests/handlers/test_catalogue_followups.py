"""The rest of issue 18: a larger enquiry becomes a draft request for the ketua; a member who
leaves the cluster (removed by the ketua or a koordinator from /anggota) has their products
unpublished; kind and certificates as buttons in /produk; help and menus name /produk and
/katalog for the roles that can use them."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain import Role
from db.models import AuditEntry, Enquiry, MarketRequest, Member, Product
from tests.handlers.test_catalogue import _member_with_product

CHAIR, OTHER_CHAIR, KOOR = 700, 702, 701


async def _large_enquiry(bot, product, *, consent: bool, buyer_id=9002, username="rina_hotel"):
    buyer = bot.user(buyer_id, "Rina", username=username)
    await buyer.send(f"/start p_{product.id}")
    await buyer.press("Tanya / Pesan")
    for answer in ("Seragam batik tulis untuk karyawan hotel", "500", "12 Desember", "Hotel Santika Surabaya"):
        await buyer.send(answer)
    await buyer.press("Boleh" if consent else "Tidak")
    return buyer


# --- 1. a larger enquiry becomes a draft market request for the ketua -------------------------


async def test_larger_enquiry_becomes_a_draft_request_the_chair_posts(bot):
    cluster, member, product = await _member_with_product(bot, capacity="30")
    other = bot.user(811, "Ani")
    await bot.register(other, cluster, name="Ani Lestari")
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    chair.chat  # noqa: B018 - the chair has a private chat with the bot
    buyer = await _large_enquiry(bot, product, consent=True)
    assert "ketua klaster Batik Simbang Kulon" in buyer.last_text
    await bot.drain()
    notice = chair.last_text
    assert "Seragam batik tulis" in notice and "500 lembar" in notice and "Hotel Santika Surabaya" in notice
    # The buyer agreed to share their name and account: the chair sees them (and only they).
    assert "Rina" in notice and "@rina_hotel" in notice
    assert set(chair.buttons()) >= {"Buka draf permintaan", "Abaikan"}
    await chair.press("Buka draf permintaan")
    # What, how many, by when and where are filled in; the price is asked first.
    assert "harga per satuan" in chair.last_text
    await chair.press("Lewati")
    assert "syarat lain" in chair.last_text
    await chair.press("Lewati")
    preview = chair.texts()[-2]
    assert "Seragam batik tulis" in preview and "500 lembar" in preview and "Hotel Santika Surabaya" in preview
    assert "12 Desember 2026" in preview
    assert "rina_hotel" not in preview  # the members see the order, never the buyer's account
    await chair.press("Kirim sekarang")
    assert "sedang dikirim ke 2 anggota" in chair.last_text
    await bot.drain()
    assert any("Seragam batik tulis" in text for text in other.texts())
    async with bot.uow(read_only=True) as uow:
        (request,) = (await uow.session.scalars(select(MarketRequest))).all()
        assert (request.quantity, request.unit, request.place) == (500, "lembar", "Hotel Santika Surabaya")
        (enquiry,) = (await uow.session.scalars(select(Enquiry))).all()
        assert enquiry.draft_state == "posted" and enquiry.draft_key == request.draft_key


async def test_buyer_contact_reaches_the_chair_only_when_agreed(bot):
    cluster, _, product = await _member_with_product(bot, capacity="30")
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    chair.chat  # noqa: B018
    await _large_enquiry(bot, product, consent=False)
    await bot.drain()
    assert "500 lembar" in chair.last_text
    assert "rina_hotel" not in chair.last_text and "9002" not in chair.last_text


async def test_draft_opened_once_by_one_chair(bot):
    cluster, _, product = await _member_with_product(bot, capacity="30")
    chair, second = bot.user(CHAIR, "Ketua"), bot.user(OTHER_CHAIR, "Wakil")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    await bot.grant(OTHER_CHAIR, Role.KETUA, cluster=cluster.name)
    chair.chat, second.chat  # noqa: B018
    await _large_enquiry(bot, product, consent=False)
    await bot.drain()
    message = chair.message_with_button("Buka draf permintaan")
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == "Buka draf permintaan")
    await chair.press_data(data, message)
    await chair.send("50 ribu")  # the price; the draft goes on to the next step
    assert "syarat lain" in chair.last_text
    # A double press does not start the draft again: the chair is where they were.
    await chair.press_data(data, message)
    assert "syarat lain" in chair.last_text
    # The other chair is told it is being handled.
    await second.press("Buka draf permintaan")
    assert "sudah ditangani" in second.last_text
    await second.press("Abaikan")
    assert "sudah ditangani" in second.last_text
    await chair.press("Lewati")
    await chair.press("Kirim sekarang")
    await chair.press_data(data, message)
    assert "sudah dikirim" in chair.last_text
    async with bot.uow(read_only=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(MarketRequest)) == 1


async def test_chair_discards_the_draft(bot):
    cluster, _, product = await _member_with_product(bot, capacity="30")
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    chair.chat  # noqa: B018
    await _large_enquiry(bot, product, consent=False)
    await bot.drain()
    await chair.press("Abaikan")
    assert "diabaikan" in chair.last_text
    await chair.press("Buka draf permintaan")
    assert "sudah ditangani" in chair.last_text
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalar(select(Enquiry.draft_state))) == "discarded"
        assert await uow.session.scalar(select(func.count()).select_from(MarketRequest)) == 0


async def test_chair_in_another_flow_keeps_it(bot):
    cluster, _, product = await _member_with_product(bot, capacity="30")
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    await _large_enquiry(bot, product, consent=False)
    await bot.drain()
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.press("Buka draf permintaan")
    assert "/batal" in chair.last_text
    await chair.send("Besok pagi ada kunjungan Dinas.")
    assert "Kirim sekarang" in chair.buttons()  # the announcement went on where it was
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalar(select(Enquiry.draft_state))) == "waiting"


# --- 2. a member who leaves the cluster ---------------------------------------------------------


async def _remove(chair, name="Siti Aminah"):
    await chair.send("/anggota")
    await chair.press("Keluarkan anggota")
    await chair.press(name)


async def test_chair_removes_a_member_products_unpublished_member_told(bot):
    from db.summary_queries import member_in_month

    cluster, member, product = await _member_with_product(bot)
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    stranger = bot.user(9001, "Budi")
    assert stranger.inline_results(await stranger.inline_query("batik tulis"))
    await _remove(chair)
    assert "Keluarkan Siti Aminah dari Batik Simbang Kulon?" in chair.last_text
    await chair.press("Ya, keluarkan")
    assert "Siti Aminah sudah dikeluarkan dari Batik Simbang Kulon" in chair.last_text
    # Unpublished at once, everywhere.
    assert stranger.inline_results(await stranger.inline_query("batik tulis")) == []
    await stranger.send(f"/start p_{product.id}")
    assert "sudah tidak ditampilkan" in stranger.last_text
    await bot.drain()
    assert "tidak lagi terdaftar sebagai anggota Batik Simbang Kulon" in member.last_text
    async with bot.uow(read_only=True) as uow:
        row = await uow.session.scalar(select(Member).where(Member.telegram_user_id == 801))
        assert row.left_at is not None and row.status == "left"
        assert not (await uow.session.get(Product, product.id)).published
        assert await uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "member.remove")) == 1
        # The month they were in still counts them; the next does not.
        counted = [await uow.session.scalar(select(func.count()).select_from(Member).where(
            Member.id == row.id, member_in_month(month, "Asia/Jakarta"))) for month in ("2026-11", "2026-12")]
        assert counted == [1, 0]
    # No longer a member: no /omzet, no /produk, not in /anggota.
    await member.send("/produk")
    assert "anggota aktif" in member.last_text
    await chair.send("/anggota")
    assert "Siti Aminah" not in chair.last_text
    await member.send("/omzet")
    assert "tidak bisa melapor omzet lagi" in member.last_text
    await member.send("/daftar")
    assert "/hapusdata" in member.last_text and "/daftar" in member.last_text
    await member.send("/bantuan")
    assert "/omzet" not in member.last_text and "/hapusdata" in member.last_text


async def test_removed_member_gets_no_announcements(bot):
    cluster, member, _ = await _member_with_product(bot)
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    other = bot.user(811, "Ani")
    await bot.register(other, cluster, name="Ani Lestari")
    await _remove(chair)
    await chair.press("Ya, keluarkan")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("Besok pagi ada kunjungan Dinas.")
    await chair.press("Kirim sekarang")
    await bot.drain()
    assert any("kunjungan Dinas" in text for text in other.texts())
    assert not any("kunjungan Dinas" in text for text in member.texts())


async def test_removal_claimed_once_and_within_scope(bot):
    cluster, member, _ = await _member_with_product(bot)
    jambu = await bot.cluster("Jambu Lele", "Demak", "jambu")
    chair, outsider = bot.user(CHAIR, "Ketua"), bot.user(OTHER_CHAIR, "Lain")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    await bot.grant(OTHER_CHAIR, Role.KETUA, cluster=jambu.name)
    await _remove(chair)
    confirm = chair.message_with_button("Ya, keluarkan")
    data = next(b["callback_data"] for row in confirm["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == "Ya, keluarkan")
    # A chair of another cluster cannot use the button.
    await outsider.send("/bantuan")
    await outsider.press_data(data)
    assert "tidak memiliki hak" in outsider.last_text
    await chair.press_data(data, confirm)
    await chair.press_data(data, confirm)
    assert "sudah dikeluarkan" in chair.last_text
    await bot.drain()
    told = [text for text in member.texts() if "tidak lagi terdaftar" in text]
    assert len(told) == 1
    async with bot.uow(read_only=True) as uow:
        assert await uow.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "member.remove")) == 1


async def test_koordinator_removes_and_chair_is_not_removed(bot):
    cluster, member, _ = await _member_with_product(bot)
    koor = bot.user(KOOR, "Koor")
    await bot.grant(KOOR, Role.KOORDINATOR)
    chair = bot.user(CHAIR, "Ketua")
    await bot.register(chair, cluster, name="Ketua Klaster")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    await _remove(koor, "Ketua Klaster")
    await koor.press("Ya, keluarkan")
    assert "ketua" in koor.last_text and "/ketua" in koor.last_text
    await _remove(koor)
    await koor.press("Ya, keluarkan")
    assert "Siti Aminah sudah dikeluarkan" in koor.last_text


# --- 3. kind and certificates as buttons --------------------------------------------------------


async def _to_kind(bot, commodity="batik", cluster_name="Batik Simbang Kulon"):
    cluster = await bot.cluster(cluster_name, "Pekalongan", commodity)
    member = bot.user(801, "Siti")
    await bot.register(member, cluster, name="Siti Aminah")
    await member.send("/produk")
    await member.press("Tambah produk")
    await member.send("Produk Satu")
    await member.send("lanjut")
    return member


async def test_batik_kind_and_certificates_by_buttons(bot):
    member = await _to_kind(bot)
    assert set(member.buttons()) >= {"Tulis", "Cap", "Kombinasi", "Printing", "Lewati"}
    await member.press("Cap")
    assert "Dijual per apa" in member.last_text
    for answer in ("lembar", "350 rb", "-", "-", "-", "-"):
        await member.send(answer)
    assert set(member.buttons()) >= {"Batikmark", "PIRT", "Halal", "NIB", "Selesai"}
    await member.press("PIRT")
    assert "nomor" in member.last_text
    await member.send("2063327010123")
    await member.press("Halal")
    await member.press("Batikmark")
    await member.press("Batikmark")  # chosen twice: off again
    await member.press("Selesai")
    card = member.last_text
    assert "Produk Satu (cap)" in card and "Sertifikat: PIRT 2063327010123, Halal" in card
    assert "Batikmark" not in card
    # Data of every button stays within Telegram's 64 bytes.
    for message in member.bot_messages():
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                assert len(button.get("callback_data", "").encode()) <= 64


async def test_a_typed_certificate_after_buttons_adds_to_what_was_pressed(bot):
    member = await _to_kind(bot)
    await member.press("Cap")
    for answer in ("lembar", "350 rb", "-", "-", "-", "-"):
        await member.send(answer)
    await member.press("Batikmark")  # its number may come next; a typed list instead...
    await member.send("PIRT 123")  # ...adds to what was pressed: Batikmark stays
    card = member.last_text
    assert "Batikmark" in card and "PIRT 123" in card


async def test_produce_grade_by_button_and_typing_still_works(bot):
    member = await _to_kind(bot, "keripik", "Keripik Bawang")
    assert set(member.buttons()) >= {"Grade A", "Grade B", "Grade C"}
    assert "Tulis" not in member.buttons()
    await member.send("super")  # typing is still taken
    for answer in ("pak", "25 rb", "-", "-", "-", "-"):
        await member.send(answer)
    await member.send("PIRT 123, halal")
    assert "Produk Satu (super)" in member.last_text and "Sertifikat: PIRT 123, Halal" in member.last_text


async def test_grade_button(bot):
    member = await _to_kind(bot, "keripik", "Keripik Bawang")
    await member.press("Grade B")
    assert "Dijual per apa" in member.last_text
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalar(select(Product.kind))) == "Grade B"


async def test_old_kind_button_after_the_step_is_refused_politely(bot):
    member = await _to_kind(bot)
    message = member.message_with_button("Tulis")
    await member.press("Cap")
    data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "Tulis")
    await member.press_data(data, message)
    async with bot.uow(read_only=True) as uow:
        assert (await uow.session.scalar(select(Product.kind))) == "cap"


# --- 4. help and menus --------------------------------------------------------------------------


def _menu(bot, user) -> list[str]:
    return [c["command"] for c in bot.api.commands[f"chat:{user.id}|"]]


async def test_help_and_menu_name_produk_and_katalog_by_role(bot):
    cluster = await bot.cluster()
    member = bot.user(801, "Siti")
    await bot.register(member, cluster, name="Siti Aminah")
    await member.send("/bantuan")
    assert "/produk" in member.last_text and "/katalog" not in member.last_text
    assert "produk" in _menu(bot, member) and "katalog" not in _menu(bot, member)
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    await chair.send("/bantuan")
    assert "/katalog" in chair.last_text and "/produk" not in chair.last_text
    assert "katalog" in _menu(bot, chair) and "produk" not in _menu(bot, chair)
    koor = bot.user(KOOR, "Koor")
    await bot.grant(KOOR, Role.KOORDINATOR)
    await koor.send("/bantuan")
    assert "/katalog" in koor.last_text
    assert "katalog" in _menu(bot, koor)


async def test_announcement_still_being_sent_skips_a_member_removed_meanwhile(bot):
    cluster, member, _ = await _member_with_product(bot)
    chair = bot.user(CHAIR, "Ketua")
    await bot.grant(CHAIR, Role.KETUA, cluster=cluster.name)
    other = bot.user(811, "Ani")
    await bot.register(other, cluster, name="Ani Lestari")
    await chair.send("/umumkan")
    await chair.press("Umum")
    await chair.send("Besok pagi ada kunjungan Dinas.")
    await chair.press("Kirim sekarang")
    assert "sedang dikirim ke 2 anggota" in chair.last_text
    await _remove(chair)  # before the outbox sent anything
    await chair.press("Ya, keluarkan")
    await bot.drain()
    assert any("kunjungan Dinas" in text for text in other.texts())
    assert not any("kunjungan Dinas" in text for text in member.texts())
    # The sending report still ends, counting the copy that was not sent.
    assert "Terkirim: 1" in chair.last_text
