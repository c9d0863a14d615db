"""/dataku, /hapusdata and withdrawing consent: what the person reads, in their language.

The copy itself is a JSON file (`data_file`): every detail, exact (integer rupiah, ISO dates in
UTC), with the same keys in every language, so that it can be read by another system as well
as by a person; the message says in words what it holds.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import callbacks as cb
from bot.dates import format_day
from bot.domain import MemberProfile, MemberStatus, Role, RoleScope
from bot.i18n import Translator
from bot.messages import Button, Payload
from bot.money import format_count
from bot.services.privacy import Erased, ErasurePreview, ErasureReason, MyData


def role_text(t: Translator, scope: RoleScope) -> str:
    """One role with its scope: "ketua Batik Simbang Kulon", "koordinator Pekalongan"."""
    if scope.role is Role.KETUA:
        return t.gettext("ketua {klaster}", klaster=scope.cluster_name or "")
    if scope.cluster_id is not None:
        return t.gettext("koordinator klaster {klaster}", klaster=scope.cluster_name or "")
    if scope.kabupaten:
        return t.gettext("koordinator {kabupaten}", kabupaten=scope.kabupaten)
    return t.gettext("koordinator seluruh provinsi")


def _roles(t: Translator, roles: tuple[RoleScope, ...]) -> str:
    return "; ".join(role_text(t, r) for r in roles)


def _day(t: Translator, moment: datetime, member: MemberProfile) -> str:
    """A day in the member's cluster's zone, as the member reads dates elsewhere."""
    return format_day(moment.astimezone(ZoneInfo(member.cluster.timezone)).date(), t.locale)


def _status(t: Translator, status: MemberStatus) -> str:
    return {
        MemberStatus.ACTIVE: t.gettext("aktif"),
        MemberStatus.PENDING: t.gettext("menunggu persetujuan ketua"),
        MemberStatus.REJECTED: t.gettext("ditolak"),
        MemberStatus.LEFT: t.gettext("sudah keluar dari klaster"),
    }[status]


def nothing_held(t: Translator) -> Payload:
    """/dataku or /hapusdata from someone we hold nothing about."""
    return Payload(t.gettext(
        "Kami tidak menyimpan data pribadi tentang Anda. Jika ingin menjadi anggota klaster, ketik /daftar."
    ))


def data_summary(t: Translator, data: MyData) -> Payload:
    """/dataku: what is held, in words; the file follows. Members get "Tarik persetujuan"."""
    parts: list[str] = []
    member = data.member
    if member is not None:
        parts.append(t.gettext(
            "Data Anda yang kami simpan:\n\n"
            "Nama: {nama}\n"
            "Nama usaha: {usaha}\n"
            "Produk utama: {produk}\n"
            "Telepon: {telepon}\n"
            "Klaster: {klaster} ({kabupaten}), {status}, sejak {tanggal}\n"
            "Persetujuan: {tanggal_setuju}, teks versi {versi}\n"
            "Laporan omzet: {laporan} bulan, {koreksi} kali diubah\n"
            "Jawaban atas pengumuman: {jawaban}",
            nama=member.name,
            usaha=member.business_name,
            produk=member.main_product,
            telepon=member.phone or t.gettext("tidak dibagikan"),
            klaster=member.cluster.name,
            kabupaten=member.cluster.kabupaten,
            status=_status(t, member.status),
            tanggal=_day(t, member.joined_at, member),
            tanggal_setuju=_day(t, member.consent_at, member),
            versi=member.consent_version,
            laporan=format_count(data.reports, t.locale),
            koreksi=format_count(data.corrections, t.locale),
            jawaban=format_count(data.answers, t.locale),
        ))
    else:
        parts.append(t.gettext(
            "Anda tidak terdaftar sebagai anggota klaster, jadi kami tidak menyimpan nama, usaha, "
            "telepon atau omzet Anda."
        ))
    if data.roles:
        parts.append(t.gettext("Peran Anda: {peran}", peran=_roles(t, data.roles)))
    if data.has_draft:
        parts.append(t.gettext("Ada langkah yang belum selesai; jawaban yang sudah Anda isi ikut di berkas."))
    parts.append(t.gettext(
        "Semua rinciannya ada di berkas terlampir: profil, persetujuan, keanggotaan dan peran, "
        "setiap laporan omzet dengan semua perubahannya, jawaban atas pengumuman, dan catatan "
        "tentang Anda. Berkas ini hanya berisi data Anda sendiri."
    ))
    if member is not None:
        parts.append(t.gettext(
            "Ubah data dengan /profil. Hapus data dengan /hapusdata. Anda juga bisa menarik "
            "persetujuan Anda: tekan tombol di bawah untuk membaca apa akibatnya."
        ))
        return Payload("\n\n".join(parts), ((Button(t.gettext("Tarik persetujuan"), cb.PRIVACY_WITHDRAW),),))
    parts.append(t.gettext("Hapus data ini dengan /hapusdata."))
    return Payload("\n\n".join(parts))


def data_file(data: MyData) -> bytes:
    """The copy: the whole document as UTF-8 JSON, indented so it reads on a phone too."""
    return json.dumps(data.document, ensure_ascii=False, indent=2).encode("utf-8")


def data_file_name(data: MyData) -> str:
    return f"dataku-{data.document['exported_at'][:10]}.json"


def data_file_caption(t: Translator) -> str:
    return t.gettext("Salinan data Anda (berkas JSON).")


def erasure_question(t: Translator, preview: ErasurePreview, reason: ErasureReason) -> Payload:
    """What will be deleted and what stays, the roles that go, then "Ya" or "Batal"."""
    member = preview.member
    parts: list[str] = []
    if reason is ErasureReason.CONSENT_WITHDRAWN and member is not None:
        parts.append(t.gettext(
            "Tarik persetujuan?\n\n"
            "Anda memberi persetujuan pada {tanggal} (teks versi {versi}). Tanpa persetujuan, kami "
            "tidak boleh lagi menyimpan data pribadi Anda. Jadi menarik persetujuan berarti "
            "keanggotaan Anda berakhir dan data Anda dihapus sekarang juga, sama seperti /hapusdata.",
            tanggal=_day(t, member.consent_at, member),
            versi=member.consent_version,
        ))
    else:
        parts.append(t.gettext("Hapus data Anda?"))
    parts.append(t.gettext(
        "Yang dihapus sekarang juga:\n"
        "• nama, nama usaha, produk utama dan nomor telepon Anda\n"
        "• akun Telegram Anda di bot ini, bahasa pilihan Anda, dan langkah yang belum selesai\n"
        "• jawaban Anda atas pengumuman, juga tempat Anda di daftar peminat dan daftar hadir\n"
        "• data Anda di daftar anggota dari Dinas (dengan nomor telepon yang sama)"
    ))
    if preview.roles:
        parts.append(t.gettext(
            "Perhatian: Anda juga kehilangan peran Anda ({peran}). Setelah itu Anda tidak bisa lagi "
            "mengirim pengumuman, melihat ringkasan, atau melihat daftar anggota.",
            peran=_roles(t, preview.roles),
        ))
    if preview.keeps_member_row and preview.reports:
        parts.append(t.gettext(
            "Yang tetap disimpan, tanpa nama:\n"
            "• {laporan} laporan omzet Anda, hanya sebagai bagian dari angka gabungan klaster. "
            "Laporan itu tidak lagi terhubung dengan siapa pun, dan ringkasan bulan-bulan yang "
            "sudah lewat tidak berubah.\n"
            "• catatan bahwa data dihapus, tanpa nama atau nomor",
            laporan=format_count(preview.reports, t.locale),
        ))
    elif preview.keeps_member_row:
        parts.append(t.gettext(
            "Yang tetap disimpan, tanpa nama: hitungan anggota bulan-bulan yang sudah lewat (agar "
            "ringkasannya tidak berubah) dan catatan bahwa data dihapus."
        ))
    else:
        parts.append(t.gettext("Yang tetap disimpan: hanya catatan bahwa data dihapus, tanpa nama atau nomor."))
    if member is not None:
        if reason is ErasureReason.REQUEST:
            parts.append(t.gettext(
                "Menghapus data juga menarik persetujuan Anda dan mengakhiri keanggotaan Anda: Anda "
                "tidak lagi menerima pengumuman dan pengingat."
            ))
        parts.append(t.gettext(
            "Ini tidak bisa dibatalkan. Jika nanti ingin bergabung lagi, daftar dari awal dengan "
            "/daftar. Hanya ingin berhenti menerima pengumuman? Ketik /berhenti."
        ))
    else:
        parts.append(t.gettext("Ini tidak bisa dibatalkan."))
    if reason is ErasureReason.CONSENT_WITHDRAWN:
        yes = Button(t.gettext("Ya, tarik persetujuan"), cb.privacy_erase(reason.value, preview.token))
    else:
        yes = Button(t.gettext("Ya, hapus data saya"), cb.privacy_erase(reason.value, preview.token))
    return Payload("\n\n".join(parts), ((yes, Button(t.gettext("Batal"), cb.PRIVACY_KEEP)),))


def erased(t: Translator, done: Erased) -> Payload:
    """After the deletion: what happened, and how to come back."""
    if done.reason is ErasureReason.CONSENT_WITHDRAWN:
        parts = [t.gettext("Persetujuan Anda sudah ditarik dan data Anda sudah dihapus.")]
    else:
        parts = [t.gettext("Data Anda sudah dihapus.")]
    if done.reports_kept:
        parts.append(t.gettext(
            "{laporan} laporan omzet tetap ada tanpa nama, hanya dalam angka gabungan klaster.",
            laporan=format_count(done.reports_kept, t.locale),
        ))
    if done.roles_removed:
        parts.append(t.gettext("Peran Anda sudah dicabut: {peran}.", peran=_roles(t, done.roles_removed)))
    parts.append(t.gettext(
        "Terima kasih telah ikut program klaster. Jika ingin bergabung lagi, ketik /daftar."
    ))
    return Payload("\n\n".join(parts))


def kept(t: Translator) -> Payload:
    return Payload(t.gettext("Baik, data Anda tidak diubah."))
