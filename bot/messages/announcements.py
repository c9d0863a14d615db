"""What members, authors and chairs read about announcements: the announcement itself, the
training reminder, the notice of a new interested member, progress and the final report."""

from __future__ import annotations

from datetime import datetime

from bot import callbacks as cb
from bot.dates import format_moment
from bot.domain import AnnouncementKind as Kind
from bot.domain import Sender
from bot.i18n import Translator
from bot.messages import Button, Payload, Rows
from bot.messages.places import region_title
from bot.money import format_count


def when(t: Translator, moment: datetime, zone: str) -> str:
    """"2 Desember 2026, pukul 09.00 WIT": always in the reader's cluster zone, named."""
    day, clock, label = format_moment(moment, zone, t.locale)
    return t.gettext("{tanggal}, pukul {jam} {zona}", tanggal=day, jam=clock, zona=label)


def header(t: Translator, kind: Kind) -> str:
    return {
        Kind.PELUANG: t.gettext("PELUANG PASAR"),
        Kind.PELATIHAN: t.gettext("PELATIHAN"),
        Kind.UMUM: t.gettext("PENGUMUMAN"),
    }[kind]


def sender_line(t: Translator, sender: Sender | None) -> str | None:
    """"Dari: Siti Aminah, ketua Batik Simbang Kulon" / "Dari: koordinator Kabupaten Demak":
    every announcement and market request names who sent it (None: nobody to name)."""
    if sender is None:
        return None
    role = _role(t, sender)
    if sender.name:
        return t.gettext("Dari: {nama}, {peran}", nama=sender.name, peran=role)
    return t.gettext("Dari: {peran}", peran=role)


def sender_words(t: Translator, sender: Sender | None) -> str:
    """"Siti Aminah, ketua Batik Simbang Kulon": who sent it, inside a sentence."""
    if sender is None:
        return t.gettext("pengirim pengumuman ini")
    role = _role(t, sender)
    return t.gettext("{nama}, {peran}", nama=sender.name, peran=role) if sender.name else role


def _role(t: Translator, sender: Sender) -> str:
    if sender.role == "ketua":
        role = t.gettext("ketua {klaster}", klaster=sender.place) if sender.place else t.gettext("ketua klaster")
    elif sender.place:
        place = region_title(t, sender.place) if sender.region else sender.place
        role = t.gettext("koordinator {wilayah}", wilayah=place)
    else:
        role = t.gettext("koordinator Dinas Koperasi dan UKM")
    return role


def member_text(
    t: Translator,
    kind: Kind,
    text: str,
    *,
    training_at: datetime | None,
    training_place: str | None,
    zone: str,
    sender: Sender | None = None,
) -> str:
    """The text members read: header, who sends it, body, training details, what the buttons do."""
    head = [header(t, kind)] + ([sender_line(t, sender)] if sender is not None else [])
    parts = [*head, "", text] if text else head
    if kind is Kind.PELATIHAN and training_at is not None:
        parts += ["", t.gettext("Waktu: {waktu}", waktu=when(t, training_at, zone))]
        if training_place:
            parts.append(t.gettext("Tempat: {tempat}", tempat=training_place))
        parts += ["", t.gettext("Apakah Anda akan ikut? Jawaban bisa diubah nanti.")]
    if kind is Kind.PELUANG:
        parts += [
            "",
            t.gettext(
                "Tekan \"Saya tertarik\" jika Anda berminat. Nama, nama usaha, dan nomor telepon "
                "Anda akan dikirim kepada pengirim pengumuman ini, yang dapat meneruskan nama, usaha, dan "
                "produk Anda kepada pembeli; nomor Anda hanya bila Anda setujui."
            ),
        ]
    return "\n".join(parts)


def member_buttons(t: Translator, kind: Kind, announcement_id: int) -> Rows:
    if kind is Kind.PELATIHAN:
        return ((
            Button(t.gettext("Ikut"), cb.answer("ikut", announcement_id)),
            Button(t.gettext("Tidak bisa"), cb.answer("tidak", announcement_id)),
        ),)
    if kind is Kind.PELUANG:
        return ((Button(t.gettext("Saya tertarik"), cb.answer("tertarik", announcement_id)),),)
    return ()


def announcement(
    t: Translator,
    announcement_id: int,
    kind: Kind,
    text: str,
    *,
    training_at: datetime | None,
    training_place: str | None,
    zone: str,
    attachment_type: str | None = None,
    attachment_file_id: str | None = None,
    sender: Sender | None = None,
) -> Payload:
    """One member's copy of an announcement, with its answer buttons and attachment."""
    body = member_text(t, kind, text, training_at=training_at, training_place=training_place, zone=zone, sender=sender)
    return Payload(
        body,
        member_buttons(t, kind, announcement_id),
        photo=attachment_file_id if attachment_type == "photo" else None,
        document=attachment_file_id if attachment_type == "document" else None,
    )


def training_reminder(
    t: Translator, kind: Kind, text: str, *, training_at: datetime, training_place: str | None, zone: str,
    today: bool = False,
) -> Payload:
    """To those who said Ikut, at their cluster's hour: the day before, or that morning when
    they answered too late for the day before."""
    body = member_text(t, kind, text, training_at=training_at, training_place=training_place, zone=zone)
    opening = t.gettext("Pengingat: hari ini Anda ikut pelatihan ini.") if today else t.gettext("Pengingat: besok Anda ikut pelatihan ini.")
    return Payload(opening + "\n\n" + body)


def list_button(t: Translator, kind: Kind, announcement_id: int) -> Rows:
    """The author's way to the attendance or interest list."""
    if kind is Kind.PELATIHAN:
        label = t.gettext("Daftar hadir")
    elif kind is Kind.PELUANG:
        label = t.gettext("Daftar peminat")
    else:
        return ()
    return ((Button(label, cb.answer("list", announcement_id)),),)


def new_interest(
    t: Translator, announcement_id: int, *, name: str, business: str, phone: str | None
) -> Payload:
    """To the author: someone tapped "Saya tertarik"."""
    return Payload(
        t.gettext(
            "Peminat baru untuk peluang pasar Anda:\n{nama} — {usaha}\nTelepon: {telepon}",
            nama=name,
            usaha=business,
            telepon=phone or t.gettext("tidak dibagikan"),
        ),
        list_button(t, Kind.PELUANG, announcement_id),
    )


def interest_withdrawn(t: Translator, announcement_id: int, *, name: str, business: str) -> Payload:
    """To the author: someone withdrew their "Saya tertarik"."""
    return Payload(
        t.gettext("{nama} — {usaha} menarik minatnya pada peluang pasar Anda.", nama=name, usaha=business),
        list_button(t, Kind.PELUANG, announcement_id),
    )


# The version of the text a member agrees to when their phone may go to the buyer; kept on
# their answer (announcement_responses.phone_to_buyer_version). Change it with the text.
PHONE_TO_BUYER_VERSION = "2026-12"


def phone_to_buyer_question(t: Translator, announcement_id: int, sender: Sender | None) -> Payload:
    """After "Saya tertarik", to a member who shared a phone: may it go to the buyer? Says who
    passes it on and who sees it."""
    return Payload(
        t.gettext(
            "Bolehkah nomor telepon Anda diteruskan kepada pembeli? Nomor Anda akan diteruskan oleh "
            "{pengirim}, kepada pembeli dalam peluang pasar ini, bersama nama, nama usaha, dan produk Anda, "
            "dalam daftar peminat. Selain pengirim, hanya pembeli itu yang menerima nomor Anda. Tanpa "
            "persetujuan Anda, pembeli menerima daftar itu tanpa nomor Anda.",
            pengirim=sender_words(t, sender),
        ),
        ((
            Button(t.gettext("Ya, teruskan nomor saya"), cb.answer("nomorya", announcement_id)),
            Button(t.gettext("Jangan teruskan"), cb.answer("nomortidak", announcement_id)),
        ),),
    )


def interest_buttons(t: Translator, announcement_id: int) -> Rows:
    """Under "already recorded": the way to withdraw."""
    return ((Button(t.gettext("Tarik minat"), cb.answer("batal", announcement_id)),),)


def progress(t: Translator, sent: int, total: int) -> str:
    return t.gettext(
        "Mengirim pengumuman: terkirim {terkirim} dari {jumlah}.",
        terkirim=format_count(sent, t.locale),
        jumlah=format_count(total, t.locale),
    )


def final_report(
    t: Translator, kind: Kind, announcement_id: int, *, sent: int, blocked: int, failed: int, unreachable: int
) -> Payload:
    return Payload(
        t.gettext(
            "Laporan pengiriman pengumuman:\nTerkirim: {terkirim}\nMemblokir bot: {blokir}\nGagal: {gagal}\n"
            "Belum pernah memulai bot: {belum}",
            terkirim=format_count(sent, t.locale),
            blokir=format_count(blocked, t.locale),
            gagal=format_count(failed, t.locale),
            belum=format_count(unreachable, t.locale),
        ),
        list_button(t, kind, announcement_id),
    )
