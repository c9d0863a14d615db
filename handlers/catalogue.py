"""Katalog glue: /produk (a member's products), the product flow's answers and photos, inline
queries, deep links to a product, "Tanya / Pesan", relayed replies, and /katalog (the PDF)."""

from __future__ import annotations

import io
import logging

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
    Update,
)
from telegram.ext import ApplicationHandlerStop

from bot import callbacks as cb
from bot.catalogue_types import ProductView, Question, Step
from bot.domain import DomainError, InvalidInput, NotAllowed
from bot.i18n import Translator
from bot.messages import Payload
from bot.messages import catalogue as render
from bot.services import catalogue as service
from bot.services import requests as market
from bot.services.requests import ComposeView
from handlers.context import KlasterContext
from handlers.keyboards import markup
from handlers.replies import refuse, reply_payload, say
from handlers.requests import show_compose
from handlers.texts import explain_error

log = logging.getLogger(__name__)


def explain(t: Translator, error: DomainError) -> str:
    """The catalogue's own refusals; anything else as everywhere."""
    reason = error.reason if isinstance(error, InvalidInput) else str(error) if isinstance(error, NotAllowed) else None
    texts = {
        "price_invalid": t.gettext("Harga itu tidak bisa kami baca. Tulis seperti contoh: 350 rb, 1,2 juta, 75000"),
        "count_invalid": t.gettext("Tulis jumlahnya dengan angka, contoh: 50"),
        "lead_invalid": t.gettext("Tulis lamanya dengan angka, contoh: 14 hari atau 2 minggu"),
        "certificate_unknown": t.gettext(
            "Sertifikat yang bisa dicatat: Batikmark, PIRT, halal, NIB, SNI, BPOM, masing-masing dengan nomornya "
            "bila ada. Contoh: PIRT 2063327010123, halal"),
        "photo_expected": t.gettext("Kirim foto produk, atau ketik lanjut untuk melanjutkan."),
        "photos_full": t.gettext("Sudah ada 3 foto untuk produk ini."),
        "photo_unreadable": t.gettext("Foto itu tidak bisa dibuka. Silakan kirim foto lain (JPG atau PNG)."),
        "product_needs_price": t.gettext("Isi harga eceran dulu sebelum menerbitkan produk (Ubah > Harga eceran)."),
        "enquiries_stopped": t.gettext("Maaf, penjual ini sedang tidak menerima pertanyaan."),
        "enquiries_limit": t.gettext("Anda sudah mengirim 3 pertanyaan dalam 24 jam. Silakan coba lagi besok."),
        "own_product": t.gettext("Ini produk Anda sendiri."),
        "relay_limit": t.gettext("Percakapan ini sudah panjang; silakan bertukar kontak untuk melanjutkan."),
        "catalogue_role": t.gettext("Katalog cetak dibuat oleh ketua untuk klasternya, atau koordinator untuk wilayahnya."),
        "member_not_active": t.gettext("Produk hanya bisa dikelola oleh anggota aktif klaster."),
        "finish_current_step": t.gettext(
            "Anda sedang mengerjakan langkah lain. Selesaikan dulu, atau ketik /batal, lalu tekan tombol ini lagi. "
            "Draf permintaan ini tetap menunggu."),
    }
    if reason in texts:
        return texts[reason]
    if str(error) == "catalogue_selector":
        return t.gettext("Tidak ada klaster dengan nama, kabupaten atau komoditas itu. Contoh: /katalog batik")
    return explain_error(t, error)


async def _refuse(update: Update, context: KlasterContext, error: DomainError) -> None:
    text = explain(context.t, error)
    if update.callback_query is not None:
        await update.callback_query.answer(text[:190])
    await say(update, context, text)


def _next(t: Translator, found: Question | ProductView) -> Payload:
    return render.member_card(t, found) if isinstance(found, ProductView) else render.question_payload(t, found)


async def _ask(update: Update, context: KlasterContext, found: Question | ProductView) -> None:
    if isinstance(found, ProductView):
        await reply_payload(update, context, render.member_card(context.t, found))
    else:
        await reply_payload(update, context, render.question_payload(context.t, found))


# --- /produk ---------------------------------------------------------------------------------


async def produk_command(update: Update, context: KlasterContext) -> None:
    """/produk: the member's products, or (mid-flow) the current question again."""
    try:
        async with context.uow() as uow:
            if context.active_step is not None and context.active_step.flow == service.FLOW.name:
                found = await service.current_question(uow, update.effective_user.id)
            else:
                shelf = await service.my_products(uow, update.effective_user.id)
                found = None
    except DomainError as error:
        await _refuse(update, context, error)
        return
    if found is not None:
        await _ask(update, context, found)
    else:
        await reply_payload(update, context, render.shelf(context.t, shelf))


async def resume(update: Update, context: KlasterContext) -> None:
    try:
        async with context.uow(read_only=True) as uow:
            found = await service.current_question(uow, update.effective_user.id)
    except DomainError as error:
        await _refuse(update, context, error)
        return
    await _ask(update, context, found)


async def on_text(update: Update, context: KlasterContext) -> None:
    """A typed answer in the product flow."""
    try:
        async with context.uow() as uow:
            found = await service.answer(uow, update.effective_user.id, update.effective_message.text)
    except DomainError as error:
        await say(update, context, explain(context.t, error))
        return
    await _ask(update, context, found)


async def on_photo(update: Update, context: KlasterContext) -> None:
    """A photo at the photo step: downloaded once to keep a clean copy (no EXIF, no location)."""
    message = update.effective_message
    if not message.photo:
        await say(update, context, explain(context.t, InvalidInput("photo_expected")))
        return
    largest = message.photo[-1]
    data = bytes(await (await context.bot.get_file(largest.file_id)).download_as_bytearray())
    try:
        async with context.uow() as uow:
            found = await service.add_photo(uow, update.effective_user.id, largest.file_id, data)
    except DomainError as error:
        await say(update, context, explain(context.t, error))
        return
    await _ask(update, context, found)


async def on_button(update: Update, context: KlasterContext) -> None:
    """Every kat: button: the member's product actions and the buyer's enquiry."""
    query = update.callback_query
    match = cb.CATALOGUE_PATTERN.match(query.data or "")
    assert match is not None
    user = update.effective_user
    now = context.runtime.now()
    i18n = context.runtime.i18n
    t = context.t
    reply: Payload | None = None
    composed: ComposeView | None = None
    answer = ""
    try:
        async with context.uow() as uow:
            action = match["action"]
            product_id = int(match["product"]) if match["product"] else None
            if match["add"]:
                reply = render.question_payload(t, await service.start_adding(uow, user.id))
            elif match["list"]:
                reply = render.shelf(t, await service.my_products(uow, user.id))
            elif match["stop"] or match["resume"]:
                shelf = await service.set_enquiries_stopped(uow, user.id, bool(match["stop"]))
                answer = t.gettext("Pertanyaan pembeli dihentikan.") if match["stop"] else t.gettext("Pertanyaan pembeli diterima lagi.")
                reply = render.shelf(t, shelf)
            elif action == "show":
                reply = render.member_card(t, await service.show_product(uow, user.id, product_id))
            elif action in ("pub", "hide"):
                view = await service.set_published(uow, user.id, product_id, action == "pub")
                answer = t.gettext("Produk diterbitkan.") if action == "pub" else t.gettext("Produk disembunyikan.")
                reply = render.member_card(t, view)
            elif action in ("phone", "nophone"):
                reply = render.member_card(t, await service.set_show_phone(uow, user.id, product_id, action == "phone"))
            elif action == "edit":
                reply = render.edit_menu(t, await service.show_product(uow, user.id, product_id))
            elif action == "del":
                reply = render.confirm_delete(t, await service.show_product(uow, user.id, product_id))
            elif action == "delok":
                name = await service.delete_product(uow, user.id, product_id)
                reply = Payload(t.gettext("{produk} sudah dihapus.", produk=name))
            elif match["field"]:
                q = await service.start_edit(uow, user.id, int(match["fproduct"]), Step(match["field"]))
                reply = render.question_payload(t, q)
            elif match["kind"]:
                reply = _next(t, await service.choose_kind(uow, user.id, int(match["kproduct"]), match["kind"]))
            elif match["cert"]:
                reply = _next(t, await service.toggle_certificate(uow, user.id, int(match["cproduct"]), match["cert"]))
            elif action == "certok":
                reply = _next(t, await service.certificates_done(uow, user.id, product_id))
            elif action == "ask":
                reply = render.ask_question(t, await service.start_enquiry(uow, user.id, product_id, now))
            elif match["consent"]:
                sent = await service.send_enquiry(
                    uow, user.id, share_contact=match["consent"] == "yes", buyer_name=user.full_name,
                    buyer_username=user.username, now=now, i18n=i18n,
                )
                reply = Payload(
                    t.gettext(
                        "Terima kasih. Pertanyaan Anda diteruskan kepada ketua klaster {klaster}, karena jumlahnya "
                        "melebihi kapasitas satu anggota. Ketua akan menawarkannya kepada anggota klaster.",
                        klaster=sent.cluster_name)
                    if sent.to_chair else
                    t.gettext("Terima kasih. Pertanyaan Anda sudah diteruskan kepada penjual. Balasannya akan datang lewat bot ini.")
                )
            elif match["enq_action"] == "reply":
                await service.start_reply(uow, user.id, int(match["enquiry"]))
                reply = Payload(t.gettext("Tulis pesan Anda. Pesan akan diteruskan oleh bot."))
            elif match["enq_action"] == "draft":
                composed = await market.from_enquiry(uow, context.require_actor(), int(match["enquiry"]), now, i18n)
            elif match["enq_action"] == "drop":
                await market.discard_enquiry_draft(uow, context.require_actor(), int(match["enquiry"]))
                reply = Payload(t.gettext(
                    "Baik, draf permintaan dari pertanyaan #{nomor} diabaikan. Tidak ada yang dikirim.", nomor=match["enquiry"]))
            elif match["enq_action"] == "share":
                exchanged = await service.agree_to_share(uow, user.id, int(match["enquiry"]), now, i18n)
                reply = Payload(
                    t.gettext("Kontak kalian sudah saling dikirim.") if exchanged
                    else t.gettext("Baik. Kontak Anda baru diberikan bila pihak lain juga setuju.")
                )
    except DomainError as error:
        await _refuse(update, context, error)
        return
    await query.answer(answer)
    if reply is not None:
        await reply_payload(update, context, reply)
    if composed is not None:
        await show_compose(update, context, composed)


# --- the buyer ------------------------------------------------------------------------------


async def open_product(update: Update, context: KlasterContext, product_id: int) -> None:
    """/start p_<id> (a deep link from a card, the PDF's QR code): the product, "Tanya / Pesan"."""
    try:
        async with context.uow(read_only=True) as uow:
            view = await service.for_buyer(uow, product_id)
    except DomainError:
        await say(update, context, context.t.gettext("Produk ini sudah tidak ditampilkan oleh penjualnya."))
        return
    await reply_payload(update, context, render.buyer_card(context.t, view))


async def ask_resume(update: Update, context: KlasterContext) -> None:
    try:
        async with context.uow(read_only=True) as uow:
            q = await service.current_ask(uow, update.effective_user.id)
    except DomainError as error:
        await _refuse(update, context, error)
        return
    await reply_payload(update, context, render.ask_question(context.t, q))


async def ask_text(update: Update, context: KlasterContext) -> None:
    try:
        async with context.uow() as uow:
            q = await service.ask_answer(uow, update.effective_user.id, update.effective_message.text)
    except DomainError as error:
        await say(update, context, explain(context.t, error))
        return
    await reply_payload(update, context, render.ask_question(context.t, q))


async def reply_resume(update: Update, context: KlasterContext) -> None:
    await say(update, context, context.t.gettext("Tulis pesan Anda. Pesan akan diteruskan oleh bot."))


async def reply_text(update: Update, context: KlasterContext) -> None:
    try:
        async with context.uow() as uow:
            await service.relay(uow, update.effective_user.id, update.effective_message.text,
                                context.runtime.now(), context.runtime.i18n)
    except DomainError as error:
        await refuse(update, context, error) if not isinstance(error, (InvalidInput, NotAllowed)) else await say(
            update, context, explain(context.t, error))
        return
    await say(update, context, context.t.gettext("Pesan Anda sudah diteruskan."))


# --- inline mode ----------------------------------------------------------------------------


async def on_inline_query(update: Update, context: KlasterContext) -> None:
    """`@bot <words>` in any chat: matching published products as cards. Anyone may ask;
    nothing is stored about them, so this runs before the sender is resolved."""
    query = update.inline_query
    i18n = context.runtime.i18n
    t = i18n.translator(i18n.negotiate(None, query.from_user.language_code))
    before = int(query.offset) if query.offset.isdigit() else None
    async with context.uow(read_only=True) as uow:
        found = await service.search(uow, query.query, before_id=before)
    username = context.bot.username
    results = []
    for view in found:
        card = render.inline_card(t, view, username)
        keyboard = markup(card.buttons)
        if card.photo:
            results.append(InlineQueryResultCachedPhoto(
                id=f"p{view.id}", photo_file_id=card.photo, title=view.name,
                description=render.inline_description(t, view), caption=card.text, reply_markup=keyboard,
            ))
        else:
            results.append(InlineQueryResultArticle(
                id=f"p{view.id}", title=view.name, description=render.inline_description(t, view),
                input_message_content=InputTextMessageContent(card.text), reply_markup=keyboard,
            ))
    more = len(found) == service.INLINE_RESULTS
    await query.answer(results, cache_time=30, is_personal=False, next_offset=str(found[-1].id) if more else "")
    raise ApplicationHandlerStop


# --- /katalog -------------------------------------------------------------------------------


async def katalog_command(update: Update, context: KlasterContext) -> None:
    """/katalog [cluster, kabupaten or commodity]: the printed catalogue as an A4 PDF."""
    selector = " ".join(context.args or []) or None
    try:
        async with context.uow(read_only=True) as uow:
            data = await service.catalogue_data(uow, context.require_actor(), selector)
    except DomainError as error:
        await _refuse(update, context, error)
        return
    if not data.products:
        await say(update, context, context.t.gettext("Belum ada produk yang diterbitkan di klaster ini."))
        return
    # fpdf (with numpy, Pillow and fontTools) loads when a catalogue is printed, not at start:
    # about 0.3 s of start-up and 20 MB that most processes never need.
    from bot.catalogue_pdf import render_catalogue

    pdf = render_catalogue(context.t, data, context.bot.username, dinas=context.t.gettext("Dinas Koperasi dan UKM"))
    await context.bot.send_document(
        update.effective_chat.id, io.BytesIO(pdf), filename="katalog-klaster.pdf",
        caption=context.t.gettext("Katalog produk: {jumlah} produk.", jumlah=len(data.products)),
    )
