"""Texts shared by several handlers: help, refusals, explanations of bad input."""

from __future__ import annotations

from bot.domain import Actor, DomainError, InvalidInput, NotAllowed, NotFound, StaleAction
from bot.i18n import Translator


def explain_invalid(t: Translator, reason: str) -> str:
    """What was wrong with what the person typed, with an example that works."""
    texts = {
        "empty": t.gettext("Pesan Anda kosong. Silakan tulis jawabannya, contoh: Siti Aminah"),
        "too_long": t.gettext(
            "Tulisan Anda terlalu panjang. Mohon disingkat, contoh: Batik Tulis Bu Siti"
        ),
        "digits_in_name": t.gettext(
            "Nama tidak boleh berisi angka. Silakan tulis nama Anda dengan huruf, contoh: Siti Aminah"
        ),
        "needs_letters": t.gettext(
            "Mohon tulis dengan huruf, paling sedikit dua huruf. Contoh: Siti Aminah"
        ),
        "looks_like_command": t.gettext(
            "Itu terlihat seperti perintah, bukan jawaban. Silakan tulis jawabannya saja, "
            "contoh: Siti Aminah"
        ),
        "contact_not_own": t.gettext(
            "Itu nomor orang lain. Demi keamanan, hanya nomor Anda sendiri yang bisa disimpan: "
            "tekan tombol \"Bagikan nomor saya\" di bawah, atau tekan \"Lewati\"."
        ),
        "phone_invalid": t.gettext(
            "Nomor itu tidak bisa kami baca. Tekan tombol \"Bagikan nomor saya\" di bawah, "
            "atau tekan \"Lewati\"."
        ),
        "contact_unexpected": t.gettext(
            "Saat ini saya tidak meminta nomor telepon. Silakan tulis jawaban yang diminta."
        ),
        "cluster_name_taken": t.gettext(
            "Nama klaster itu sudah dipakai. Silakan tulis nama lain, contoh: Batik Simbang Kulon 2"
        ),
        "kabupaten_out_of_scope": t.gettext(
            "Anda hanya dapat membuat klaster di wilayah tugas Anda. Tulis nama kabupaten/kota "
            "dalam wilayah Anda, contoh: Pekalongan"
        ),
        "unknown_language": t.gettext("Bahasa itu belum tersedia. Pilih salah satu tombol."),
    }
    if reason.startswith("use_buttons_phone"):
        return t.gettext(
            "Untuk nomor telepon, tekan tombol \"Bagikan nomor saya\" di bawah (nomor Anda "
            "sendiri), atau tekan \"Lewati\" jika tidak ingin membagikannya."
        )
    if reason.startswith("use_buttons"):
        return t.gettext("Silakan pilih dengan menekan salah satu tombol pada pesan di atas.")
    return texts.get(reason, t.gettext("Jawaban itu tidak bisa kami pakai. Silakan coba lagi."))


def explain_error(t: Translator, error: DomainError) -> str:
    """A polite sentence for any domain refusal."""
    if isinstance(error, InvalidInput):
        return explain_invalid(t, error.reason)
    if isinstance(error, NotAllowed):
        return t.gettext(
            "Maaf, Anda tidak memiliki hak untuk itu. Ketik /bantuan untuk melihat perintah "
            "yang bisa Anda pakai."
        )
    if isinstance(error, StaleAction):
        return t.gettext("Tombol atau langkah ini sudah tidak berlaku.")
    if isinstance(error, NotFound):
        return t.gettext("Data yang Anda cari tidak ditemukan. Mungkin sudah dihapus atau diubah.")
    return t.gettext("Maaf, permintaan itu tidak bisa diproses.")


def help_text(t: Translator, actor: Actor) -> str:
    """The commands this person can use, by role."""
    lines = [t.gettext("Perintah yang bisa Anda pakai:"), ""]
    if actor.member is None:
        lines.append(t.gettext("/daftar — mendaftar sebagai anggota klaster"))
    else:
        lines.append(t.gettext("/profil — melihat dan mengubah data Anda"))
    if actor.is_ketua or actor.is_koordinator:
        lines += [
            "",
            t.gettext("Untuk ketua klaster dan koordinator:"),
            t.gettext("/undang — tautan undangan klaster"),
            t.gettext("/anggota — daftar anggota klaster dan statusnya"),
        ]
    if actor.is_koordinator:
        lines += [
            "",
            t.gettext("Untuk koordinator:"),
            t.gettext("/klaster — membuat klaster baru"),
            t.gettext("/ketua — mengangkat atau mencopot ketua klaster"),
        ]
    lines += [
        "",
        t.gettext("/bahasa — mengganti bahasa"),
        t.gettext("/batal — membatalkan langkah yang sedang berjalan"),
        t.gettext("/bantuan — menampilkan pesan ini"),
    ]
    return "\n".join(lines)
