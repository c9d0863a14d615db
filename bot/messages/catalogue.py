"""The catalogue's messages: product cards (the member's, a buyer's, inline), the product
flow's questions, and the notices of an enquiry relayed between buyer and member."""

from __future__ import annotations

from bot import callbacks as cb
from bot.catalogue_types import (
    CERTIFICATE_BUTTONS,
    AskQuestion,
    AskStep,
    Contact,
    EnquiryFields,
    ProductView,
    Question,
    Shelf,
    Step,
    kind_choices,
)
from bot.i18n import Translator
from bot.messages import Button, Payload, link, share
from bot.money import format_count, format_rupiah

CERTIFICATE_NAMES = {"batikmark": "Batikmark", "pirt": "PIRT", "halal": "Halal", "nib": "NIB", "sni": "SNI", "bpom": "BPOM"}


def deep_link(bot_username: str, product_id: int) -> str:
    return f"https://t.me/{bot_username}?start={cb.product_start_parameter(product_id)}"


def certificates_line(view: ProductView) -> str:
    return ", ".join(
        f"{CERTIFICATE_NAMES.get(name, name)} {number}".strip() for name, number in view.certificates.items()
    )


def card_lines(t: Translator, view: ProductView) -> list[str]:
    """Name, kind, prices, minimum order, capacity, lead time, certificates, business and cluster."""
    loc = t.locale
    lines = [view.name + (f" ({view.kind})" if view.kind else "")]
    if view.retail_price is not None:
        lines.append(t.gettext("Harga eceran: {harga} per {satuan}", harga=format_rupiah(view.retail_price, loc), satuan=view.unit))
    if view.wholesale_price is not None:
        lines.append(t.gettext("Harga grosir: {harga} per {satuan}", harga=format_rupiah(view.wholesale_price, loc), satuan=view.unit))
    if view.min_order is not None:
        lines.append(t.gettext("Pesanan minimum: {jumlah} {satuan}", jumlah=format_count(view.min_order, loc), satuan=view.unit))
    if view.capacity_per_month is not None:
        lines.append(t.gettext("Kapasitas: {jumlah} {satuan} per bulan", jumlah=format_count(view.capacity_per_month, loc), satuan=view.unit))
    if view.lead_days is not None:
        lines.append(t.gettext("Waktu pengerjaan: {hari} hari", hari=format_count(view.lead_days, loc)))
    if view.certificates:
        lines.append(t.gettext("Sertifikat: {daftar}", daftar=certificates_line(view)))
    lines.append(t.gettext("{usaha}, klaster {klaster} ({kabupaten})", usaha=view.business_name, klaster=view.cluster_name, kabupaten=view.kabupaten))
    if view.phone:
        lines.append(t.gettext("Telepon: {nomor}", nomor=view.phone))
    return lines


def member_card(t: Translator, view: ProductView) -> Payload:
    """The member's own product, with what they can do with it."""
    status = t.gettext("Terbit: dapat dilihat pembeli.") if view.published else t.gettext("Tersembunyi: belum dapat dilihat pembeli.")
    text = "\n".join([*card_lines(t, view), "", status])
    publish = (
        Button(t.gettext("Sembunyikan"), cb.catalogue("hide", view.id)) if view.published
        else Button(t.gettext("Terbitkan"), cb.catalogue("pub", view.id))
    )
    phone = (
        Button(t.gettext("Sembunyikan nomor"), cb.catalogue("nophone", view.id)) if view.show_phone
        else Button(t.gettext("Tampilkan nomor saya"), cb.catalogue("phone", view.id))
    )
    lines: list[tuple[Button, ...]] = [
        (publish, Button(t.gettext("Ubah"), cb.catalogue("edit", view.id))),
        (phone, Button(t.gettext("Hapus"), cb.catalogue("del", view.id))),
    ]
    if view.published:
        lines.append((share(t.gettext("Bagikan"), cb.product_start_parameter(view.id)),))
    lines.append((Button(t.gettext("« Semua produk"), cb.CATALOGUE_LIST),))
    return Payload(text, tuple(lines), photo=view.photos[0] if view.photos else None)


def field_label(t: Translator, step: Step) -> str:
    labels = {
        Step.NAME: t.gettext("Nama"), Step.PHOTO: t.gettext("Foto"), Step.KIND: t.gettext("Jenis"),
        Step.UNIT: t.gettext("Satuan"), Step.RETAIL: t.gettext("Harga eceran"), Step.WHOLESALE: t.gettext("Harga grosir"),
        Step.MIN_ORDER: t.gettext("Pesanan minimum"), Step.CAPACITY: t.gettext("Kapasitas"),
        Step.LEAD: t.gettext("Waktu pengerjaan"), Step.CERTIFICATES: t.gettext("Sertifikat"),
    }
    return labels[step]


def edit_menu(t: Translator, view: ProductView) -> Payload:
    steps = list(Step)
    buttons = tuple(
        tuple(Button(field_label(t, s), cb.catalogue_field(view.id, s.value)) for s in steps[i : i + 2])
        for i in range(0, len(steps), 2)
    )
    return Payload(t.gettext("Apa yang ingin diubah dari {produk}?", produk=view.name), buttons)


def confirm_delete(t: Translator, view: ProductView) -> Payload:
    return Payload(
        t.gettext("Hapus {produk} beserta fotonya? Ini tidak bisa dibatalkan.", produk=view.name),
        ((Button(t.gettext("Ya, hapus"), cb.catalogue("delok", view.id)), Button(t.gettext("Batal"), cb.catalogue("show", view.id))),),
    )


def shelf(t: Translator, products: Shelf) -> Payload:
    """/produk: the member's products as buttons, adding one, and stopping enquiries."""
    if products.products:
        text = t.gettext("Produk Anda. Pilih produk untuk melihat, mengubah, menerbitkan atau menyembunyikannya.")
    else:
        text = t.gettext(
            "Anda belum punya produk di katalog klaster. Tambahkan produk agar pembeli dapat menemukannya "
            "dan menghubungi Anda lewat bot, tanpa nomor telepon Anda terlihat."
        )
    lines: list[tuple[Button, ...]] = [
        (Button(("✅ " if p.published else "") + p.name, cb.catalogue("show", p.id)),) for p in products.products[:40]
    ]
    lines.append((Button(t.gettext("Tambah produk"), cb.CATALOGUE_ADD),))
    if products.enquiries_stopped:
        text += "\n\n" + t.gettext("Pertanyaan pembeli sedang Anda hentikan.")
        lines.append((Button(t.gettext("Terima pertanyaan lagi"), cb.CATALOGUE_RESUME),))
    else:
        lines.append((Button(t.gettext("Hentikan pertanyaan pembeli"), cb.CATALOGUE_STOP),))
    return Payload(text, tuple(lines))


def question(t: Translator, q: Question) -> str:
    """The product flow's question at a step, with an example fit for the commodity."""
    batik = "batik" in (q.commodity or "").lower()
    if q.step is Step.NAME:
        return t.gettext("Apa nama produknya? Contoh: Batik Tulis Motif Jlamprang") if batik else t.gettext(
            "Apa nama produknya? Contoh: Keripik Singkong Pedas")
    if q.step is Step.PHOTO:
        return t.gettext(
            "Kirim foto produk (paling banyak 3; sudah {jumlah}). Lokasi dan data kamera di foto akan dihapus. "
            "Ketik lanjut bila sudah.", jumlah=q.photos)
    if q.step is Step.KIND:
        return t.gettext("Jenisnya apa? Pilih salah satu tombol, atau ketik jenis lain. Tekan Lewati bila tidak perlu.") if batik else t.gettext(
            "Apa gradenya? Pilih salah satu tombol, atau ketik grade lain (contoh: super). Tekan Lewati bila tidak perlu.")
    if q.step is Step.UNIT:
        return t.gettext("Dijual per apa? Contoh: lembar, kg, pak. Ketik - untuk pcs.")
    if q.step is Step.RETAIL:
        return t.gettext("Berapa harga eceran per {satuan}? Contoh: 350 rb", satuan=q.product.unit)
    if q.step is Step.WHOLESALE:
        return t.gettext("Berapa harga grosir per {satuan}? Contoh: 300rb. Ketik - bila tidak ada.", satuan=q.product.unit)
    if q.step is Step.MIN_ORDER:
        return t.gettext("Berapa pesanan minimum ({satuan})? Contoh: 10. Ketik - bila tidak ada.", satuan=q.product.unit)
    if q.step is Step.CAPACITY:
        return t.gettext("Berapa yang bisa Anda buat sebulan ({satuan})? Contoh: 200. Ketik - bila tidak tahu.", satuan=q.product.unit)
    if q.step is Step.LEAD:
        return t.gettext("Berapa lama pengerjaan pesanan? Contoh: 14 hari, 2 minggu. Ketik - untuk melewati.")
    if q.pending_certificate:
        return t.gettext(
            "{sertifikat} dipilih. Ketik nomornya bila ada, pilih sertifikat lain, atau tekan Selesai.",
            sertifikat=CERTIFICATE_NAMES.get(q.pending_certificate, q.pending_certificate))
    if q.product.certificates:
        return t.gettext(
            "Sertifikat yang dipilih: {daftar}. Tekan lagi untuk membatalkan, pilih yang lain, atau tekan Selesai.",
            daftar=certificates_line(q.product))
    return t.gettext(
        "Sertifikat apa yang dimiliki? Pilih tombolnya (nomornya bisa diketik sesudahnya), atau tulis nama dan "
        "nomornya, contoh: Batikmark 123, PIRT, halal, NIB 912. Jangan kirim foto dokumen. Ketik - bila tidak ada.")


def _kind_label(t: Translator, code: str, stored: str) -> str:
    labels = {"tulis": t.gettext("Tulis"), "cap": t.gettext("Cap"), "kombinasi": t.gettext("Kombinasi"),
              "printing": t.gettext("Printing")}
    return labels.get(code) or t.gettext("Grade {huruf}", huruf=code.upper())


def question_payload(t: Translator, q: Question) -> Payload:
    """The question with its buttons: kinds to pick, certificates to toggle; typing is still read."""
    pid = q.product.id
    if q.step is Step.KIND:
        choices = [Button(_kind_label(t, code, stored), cb.catalogue_kind(pid, code)) for code, stored in kind_choices(q.commodity)]
        rows = [tuple(choices[i:i + 2]) for i in range(0, len(choices), 2)]
        rows.append((Button(t.gettext("Lewati"), cb.catalogue_kind(pid, "skip")),))
        return Payload(question(t, q), tuple(rows))
    if q.step is Step.CERTIFICATES:
        toggles = [
            Button(("✅ " if name in q.product.certificates else "") + CERTIFICATE_NAMES[name], cb.catalogue_certificate(pid, name))
            for name in CERTIFICATE_BUTTONS
        ]
        rows = [tuple(toggles[i:i + 2]) for i in range(0, len(toggles), 2)]
        rows.append((Button(t.gettext("Selesai"), cb.catalogue("certok", pid)),))
        return Payload(question(t, q), tuple(rows))
    return Payload(question(t, q))


def buyer_card(t: Translator, view: ProductView) -> Payload:
    """A published product opened from a deep link, with "Tanya / Pesan"."""
    return Payload(
        "\n".join(card_lines(t, view)),
        ((Button(t.gettext("Tanya / Pesan"), cb.catalogue("ask", view.id)),),),
        photo=view.photos[0] if view.photos else None,
    )


def inline_card(t: Translator, view: ProductView, bot_username: str) -> Payload:
    """An inline result's message: the card with a "Tanya / Pesan" link into the bot."""
    return Payload("\n".join(card_lines(t, view)), ((link(t.gettext("Tanya / Pesan"), deep_link(bot_username, view.id)),),),
                   photo=view.photos[0] if view.photos else None)


def inline_description(t: Translator, view: ProductView) -> str:
    parts = []
    if view.retail_price is not None:
        parts.append(format_rupiah(view.retail_price, t.locale))
    parts.append(view.cluster_name)
    if view.min_order is not None:
        parts.append(t.gettext("min. {jumlah} {satuan}", jumlah=format_count(view.min_order, t.locale), satuan=view.unit))
    return " · ".join(parts)


def ask_question(t: Translator, q: AskQuestion) -> Payload:
    if q.step is AskStep.WHAT:
        return Payload(t.gettext(
            "Pertanyaan tentang {produk}. Pesan Anda diteruskan oleh bot; nomor telepon Anda dan penjual tidak "
            "ditampilkan.\n\n1/4 Apa yang Anda cari atau tanyakan? Contoh: motif dan warna lain", produk=q.product.name))
    if q.step is AskStep.QUANTITY:
        return Payload(t.gettext("2/4 Berapa banyak ({satuan})? Contoh: 50", satuan=q.product.unit))
    if q.step is AskStep.WHEN:
        return Payload(t.gettext("3/4 Dibutuhkan kapan? Contoh: akhir Januari"))
    if q.step is AskStep.WHERE:
        return Payload(t.gettext("4/4 Dikirim ke mana? Contoh: Jakarta Selatan"))
    return Payload(
        t.gettext("Bolehkah nama dan akun Telegram Anda diberikan kepada penjual bila ia juga setuju bertukar kontak?"),
        ((Button(t.gettext("Boleh"), cb.enquiry_consent(True)), Button(t.gettext("Tidak"), cb.enquiry_consent(False))),),
    )


def _enquiry_lines(t: Translator, view: ProductView, e: EnquiryFields) -> str:
    return t.gettext(
        "Produk: {produk}\nYang dicari: {apa}\nJumlah: {jumlah} {satuan}\nDibutuhkan: {kapan}\nDikirim ke: {tujuan}",
        produk=view.name, apa=e.what, jumlah=format_count(e.quantity, t.locale), satuan=view.unit,
        kapan=e.needed_by, tujuan=e.deliver_to,
    )


def new_enquiry(t: Translator, view: ProductView, e: EnquiryFields) -> Payload:
    """To the member: a buyer's enquiry, relayed; answer through the bot."""
    return Payload(
        t.gettext("Pertanyaan pembeli #{nomor}:", nomor=e.id) + "\n" + _enquiry_lines(t, view, e) + "\n\n"
        + t.gettext("Balas lewat bot; kontak Anda tidak ditampilkan kecuali Anda berdua setuju."),
        (
            (Button(t.gettext("Balas"), cb.enquiry("reply", e.id)), Button(t.gettext("Bagikan kontak saya"), cb.enquiry("share", e.id))),
            (Button(t.gettext("Hentikan pertanyaan pembeli"), cb.CATALOGUE_STOP),),
        ),
    )


def large_enquiry(t: Translator, view: ProductView, e: EnquiryFields, buyer: Contact | None = None) -> Payload:
    """To the chairs: an enquiry larger than the member makes in a month, as a draft market
    request to open (and post to the cluster's members) or to set aside; the buyer's name and
    account only when they agreed to share them."""
    lines = [
        t.gettext(
            "Pertanyaan pembeli #{nomor} untuk klaster {klaster} melebihi kapasitas satu anggota "
            "({usaha}). Mohon ditangani bersama anggota klaster:", nomor=e.id, klaster=view.cluster_name,
            usaha=view.business_name,
        ),
        _enquiry_lines(t, view, e),
        "",
    ]
    if buyer is not None:
        account = f"@{buyer.username}" if buyer.username else f"tg://user?id={buyer.telegram_user_id}"
        lines.append(t.gettext("Pembeli: {nama} ({akun}). Kontak ini hanya untuk Anda; tidak ikut dikirim ke anggota.",
                               nama=buyer.name or "-", akun=account))
    else:
        lines.append(t.gettext("Pembeli memilih tidak membagikan kontaknya."))
    lines.append(t.gettext(
        "Sudah saya siapkan draf permintaan pembeli dari pertanyaan ini. Buka drafnya untuk melengkapi dan "
        "mengirimnya ke anggota klaster."))
    return Payload(
        "\n".join(lines),
        ((Button(t.gettext("Buka draf permintaan"), cb.enquiry("draft", e.id)), Button(t.gettext("Abaikan"), cb.enquiry("drop", e.id))),),
    )


def relayed(t: Translator, enquiry_id: int, *, from_buyer: bool, text: str) -> Payload:
    head = t.gettext("Pesan dari pembeli (pertanyaan #{nomor}):", nomor=enquiry_id) if from_buyer else t.gettext(
        "Balasan penjual (pertanyaan #{nomor}):", nomor=enquiry_id)
    return Payload(
        head + "\n" + text,
        ((Button(t.gettext("Balas"), cb.enquiry("reply", enquiry_id)), Button(t.gettext("Bagikan kontak saya"), cb.enquiry("share", enquiry_id))),),
    )


def contact_offered(t: Translator, enquiry_id: int, *, from_buyer: bool) -> Payload:
    text = t.gettext("Pembeli (pertanyaan #{nomor}) bersedia bertukar kontak.", nomor=enquiry_id) if from_buyer else t.gettext(
        "Penjual (pertanyaan #{nomor}) bersedia bertukar kontak.", nomor=enquiry_id)
    return Payload(text, ((Button(t.gettext("Bagikan kontak saya"), cb.enquiry("share", enquiry_id)),),))


def contact_of(t: Translator, enquiry_id: int, other: Contact) -> Payload:
    lines = [t.gettext("Kalian berdua setuju bertukar kontak (pertanyaan #{nomor}):", nomor=enquiry_id), other.name]
    if other.business_name:
        lines.append(other.business_name)
    if other.phone:
        lines.append(t.gettext("Telepon: {nomor}", nomor=other.phone))
    if other.username:
        lines.append(f"@{other.username}")
    elif other.telegram_user_id:
        lines.append(f"tg://user?id={other.telegram_user_id}")
    return Payload("\n".join(lines))
