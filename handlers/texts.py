"""Texts shared by several handlers: help, refusals, explanations of bad input."""

from __future__ import annotations

from bot.domain import (
    Actor,
    AlreadyDone,
    DomainError,
    InvalidInput,
    MemberNotActive,
    MemberStatus,
    NotAllowed,
    NotFound,
    NotRegistered,
    StaleAction,
    TooLong,
)
from bot.i18n import Translator
from bot.money import format_change_whole, format_count


def criteria_limits() -> tuple[int, int]:
    """The shortlist's size, read when a refusal is written (tests may lower it)."""
    from bot.services import criteria

    return criteria.SHORTLIST_MIN, criteria.SHORTLIST_MAX


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
        "phone_typed_invalid": t.gettext(
            "Nomor itu tidak bisa kami baca. Tulis nomor Anda seperti contoh ini: 0812 3456 7890 "
            "atau +62 812-3456-7890, tekan tombol \"Bagikan nomor saya\", atau tekan \"Lewati\"."
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
        "datetime_expected": t.gettext(
            "Mohon tulis tanggal dan jam. Contoh: 12/12/2026 09.00 atau besok 08.00"
        ),
        "datetime_unreadable": t.gettext(
            "Tanggal atau jam itu tidak bisa kami baca. Contoh: 12/12/2026 09.00, 15/12 09.00, "
            "tanggal 15 desember jam 9 pagi, besok pagi, atau lusa jam 2 siang"
        ),
        "datetime_past": t.gettext(
            "Waktu itu sudah lewat. Tulis waktu yang akan datang, contoh: besok 08.00"
        ),
        "place_expected": t.gettext("Mohon tulis tempatnya. Contoh: Balai Desa Simbang Kulon"),
        "place_not_a_date": t.gettext(
            "Itu tanggal dan jam, bukan tempat; waktunya sudah kami catat. Sekarang tulis tempatnya. "
            "Contoh: Balai Desa Simbang Kulon"
        ),
        "announcement_empty": t.gettext(
            "Pengumuman masih kosong. Tulis isinya, atau kirim foto/dokumen dengan keterangan."
        ),
        "amount_empty": t.gettext(
            "Silakan tulis jumlah omzetnya. Contoh: 12,5 juta atau 850 ribu. Jika tidak ada "
            "penjualan, tulis: tutup."
        ),
        "amount_malformed": t.gettext(
            "Jumlah itu tidak bisa kami baca. Silakan tulis seperti contoh ini: 12,5 juta, "
            "850 ribu, atau 12.500.000. Jika tidak ada penjualan, tulis: tutup."
        ),
        "amount_negative": t.gettext(
            "Omzet tidak bisa kurang dari nol. Silakan tulis jumlah penjualan Anda, contoh: "
            "12,5 juta atau 850 ribu. Jika tidak ada penjualan, tulis: tutup."
        ),
        "amount_too_large": t.gettext(
            "Jumlah itu terlalu besar untuk omzet satu bulan. Mohon periksa lagi, contoh: "
            "12,5 juta atau 850 ribu. Jika tidak ada penjualan, tulis: tutup."
        ),
        "month_unknown": t.gettext(
            "Nama bulan itu tidak kami kenal. Contoh: oktober 12,5 juta, bulan lalu 850 ribu, "
            "atau oktober tutup jika tidak ada penjualan."
        ),
        "month_future": t.gettext(
            "Bulan itu belum tiba. Omzet hanya bisa dilaporkan untuk bulan yang sudah selesai, "
            "contoh: bulan lalu 12,5 juta, atau bulan lalu tutup jika tidak ada penjualan."
        ),
        "criteria_format": t.gettext(
            "Tulis nama kriteria, titik dua, lalu bobotnya. Contoh: Pilihan Dinas 2027: tumbuh 40, tren6 20, lapor 20, pasar 20"
        ),
        "criteria_name": t.gettext("Kriteria perlu nama, paling sedikit dua huruf, sebelum titik dua."),
        "criteria_unknown": t.gettext(
            "Ada kriteria yang tidak kami kenal. Yang bisa dipakai: tumbuh, tren3, tren6, lapor, konsisten, "
            "anggota, pelatihan, pasar."
        ),
        "criteria_weight": t.gettext(
            "Setiap kriteria perlu satu bobot, angka bulat 0–100, dan paling sedikit satu bobot lebih dari 0."
        ),
        "shortlist_full": t.gettext(
            "Daftar pilihan paling banyak {n} klaster. Hapus satu dulu dengan /pilihan.", n=criteria_limits()[1]
        ),
        "month_too_old": t.gettext(
            "Laporan hanya bisa untuk 12 bulan terakhir yang sudah selesai. Contoh: bulan lalu "
            "12,5 juta, atau bulan lalu tutup jika tidak ada penjualan."
        ),
        "quantity_empty": t.gettext("Silakan tulis jumlahnya dengan angka. Contoh: 150 atau 1.500"),
        "quantity_malformed": t.gettext(
            "Jumlah itu tidak bisa kami baca. Tulis angkanya saja, boleh dengan satuan. Contoh: 150, "
            "1.500 atau 2 ribu lembar"
        ),
        "quantity_negative": t.gettext("Jumlah tidak bisa kurang dari nol. Contoh: 150"),
        "quantity_zero": t.gettext(
            "Jumlahnya harus lebih dari nol. Jika Anda tidak jadi menyanggupi, tekan \"Tarik sanggupan\"."
        ),
        "quantity_fraction": t.gettext("Mohon tulis bilangan bulat, tanpa koma. Contoh: 150 atau 1.500"),
        "quantity_too_large": t.gettext("Jumlah itu terlalu besar. Mohon periksa lagi jumlah nolnya."),
        "unit_expected": t.gettext("Tulis juga satuannya. Contoh: 500 lembar, 1.000 pcs, atau 200 kg"),
        "pledge_above_request": t.gettext(
            "Itu lebih dari seluruh permintaan. Tulis paling banyak sebesar jumlah yang diminta pembeli."
        ),
        "rupiah_empty": t.gettext("Silakan tulis jumlahnya dengan angka. Contoh: 25 juta atau 850 ribu"),
        "rupiah_malformed": t.gettext(
            "Jumlah itu tidak bisa kami baca. Tulis seperti contoh ini: 25 juta, 850 ribu, atau 25.000.000"
        ),
        "rupiah_negative": t.gettext("Jumlah tidak bisa kurang dari nol. Contoh: 25 juta atau 850 ribu"),
        "rupiah_too_large": t.gettext("Jumlah itu terlalu besar. Mohon periksa lagi jumlah nolnya."),
        "rupiah_ambiguous": t.gettext(
            "Maksudnya juta atau ribu? Tulis dengan satuannya, contoh: 12,5 juta atau 12,5 ribu"
        ),
        "rupiah_zero": t.gettext("Jumlahnya harus lebih dari nol. Contoh: 50 ribu atau 25 juta"),
        "product_expected": t.gettext("Tulis nama produknya. Contoh: Batik tulis motif jlamprang"),
        "photo_only_with_product": t.gettext(
            "Foto hanya bisa dikirim bersama nama produk. Silakan jawab pertanyaan terakhir dengan teks."
        ),
        "day_unreadable": t.gettext("Tanggal itu tidak bisa kami baca. Contoh: 12/12/2026 atau 12 Desember"),
        "day_past": t.gettext("Tanggal itu sudah lewat. Tulis tanggal hari ini atau sesudahnya."),
        "ready_after_deadline": t.gettext(
            "Tanggal itu lewat dari batas waktu pembeli. Tulis tanggal sebelum atau pada batas waktunya."
        ),
        "nothing_pledged": t.gettext("Belum ada sanggupan yang bisa dibagi."),
        "adjust_expected": t.gettext(
            "Tulis nomor pada daftar dan bagiannya, contoh: 2 120 (beberapa sekaligus: 2 120, 4 60)."
        ),
        "part_above_pledge": t.gettext("Bagian itu lebih besar dari sanggupan anggota tersebut."),
        "parts_above_request": t.gettext("Jumlah semua bagian lebih besar dari permintaan pembeli."),
        "delivered_above_request": t.gettext("Itu lebih dari seluruh permintaan. Mohon periksa lagi."),
    }
    if reason in ("use_buttons_phone", "use_buttons_match"):
        return t.gettext(
            "Untuk nomor telepon, tekan tombol \"Bagikan nomor saya\" di bawah (nomor Anda "
            "sendiri), atau tekan \"Lewati\" jika tidak ingin membagikannya."
        )
    if reason.startswith("use_buttons"):
        return t.gettext("Silakan pilih dengan menekan salah satu tombol pada pesan di atas.")
    return texts.get(reason, t.gettext("Jawaban itu tidak bisa kami pakai. Silakan coba lagi."))


def explain_too_long(t: Translator, error: TooLong) -> str:
    """Said before anything is sent: how long it may be, and how long it is."""
    names = {"batas": format_count(error.limit, t.locale), "jumlah": format_count(error.given, t.locale)}
    if error.reason == "caption_too_long":
        return t.gettext(
            "Keterangan foto atau dokumen terlalu panjang: {jumlah} huruf, paling banyak {batas} "
            "untuk pengumuman ini. Mohon dipersingkat, atau kirim teksnya tanpa lampiran.",
            **names,
        )
    return t.gettext(
        "Pengumuman terlalu panjang: {jumlah} huruf, paling banyak {batas}. Mohon dipersingkat.",
        **names,
    )


def explain_done(t: Translator, error: AlreadyDone) -> str:
    """The second press of a button whose action happened already: what became of it."""
    names = error.names
    if error.what == "chair_appointed":
        return t.gettext("{nama} sudah menjadi ketua {klaster}.", nama=names["nama"], klaster=names["klaster"])
    if error.what == "shortlisted":
        return t.gettext("{klaster} sudah ada di daftar pilihan.", klaster=names["klaster"])
    if error.what == "member_removed":
        return t.gettext("{nama} sudah dikeluarkan dari {klaster}.", nama=names["nama"], klaster=names["klaster"])
    if error.what == "chair_removed":
        return t.gettext("{nama} sudah bukan ketua {klaster}.", nama=names["nama"], klaster=names["klaster"])
    texts = {
        "announcement_sent": t.gettext("Pengumuman ini sudah dikirim."),
        "announcement_scheduled": t.gettext("Pengumuman ini sudah dijadwalkan."),
        "schedule_cancelled": t.gettext("Jadwal ini sudah dibatalkan."),
        "report_saved": t.gettext("Laporan omzet ini sudah tersimpan."),
        "registered": t.gettext("Pendaftaran Anda sudah kami terima."),
        "request_decided": t.gettext("Permintaan ini sudah diputuskan."),
        "data_erased": t.gettext("Data Anda sudah dihapus."),
        "request_sent": t.gettext("Permintaan ini sudah dikirim."),
        "request_closed": t.gettext(
            "Permintaan ini sudah ditutup, jadi sanggupan tidak bisa ditambah atau diubah lagi. "
            "Sanggupan yang sudah tercatat tetap tersimpan."
        ),
        "request_allocated": t.gettext("Pesanan ini sudah dibagi."),
        "pledge_withdrawn": t.gettext("Sanggupan Anda sudah ditarik."),
        "part_answered": t.gettext("Anda sudah menjawab tentang bagian ini."),
        "followup_answered": t.gettext("Pertanyaan ini sudah Anda jawab. Terima kasih."),
        "unshortlisted": t.gettext("Klaster itu sudah tidak ada di daftar pilihan."),
        "draft_posted": t.gettext("Permintaan dari pertanyaan ini sudah dikirim ke anggota."),
        "draft_discarded": t.gettext("Pertanyaan ini sudah ditangani: drafnya diabaikan."),
        "draft_taken": t.gettext("Pertanyaan ini sudah ditangani oleh ketua lain."),
    }
    return texts.get(error.what, t.gettext("Ini sudah dilakukan."))


def explain_error(t: Translator, error: DomainError) -> str:
    """A polite sentence for any domain refusal."""
    if isinstance(error, TooLong):
        return explain_too_long(t, error)
    if isinstance(error, InvalidInput):
        return explain_invalid(t, error.reason)
    if isinstance(error, NotAllowed):
        return t.gettext(
            "Maaf, Anda tidak memiliki hak untuk itu. Ketik /bantuan untuk melihat perintah "
            "yang bisa Anda pakai."
        )
    if isinstance(error, AlreadyDone):
        return explain_done(t, error)
    if isinstance(error, StaleAction):
        return t.gettext("Tombol atau langkah ini sudah tidak berlaku.")
    if isinstance(error, NotRegistered):
        return t.gettext(
            "Anda belum terdaftar sebagai anggota klaster. Ketik /daftar untuk mendaftar."
        )
    if isinstance(error, MemberNotActive):
        if error.status is MemberStatus.LEFT:
            return t.gettext(
                "Anda sudah tidak terdaftar sebagai anggota klaster, jadi tidak bisa melapor omzet lagi. "
                "Laporan Anda yang sudah tersimpan tetap ada; salinannya ada di /dataku."
            )
        if error.status is MemberStatus.PENDING:
            return t.gettext(
                "Pendaftaran Anda masih menunggu persetujuan ketua klaster. Setelah disetujui, "
                "Anda bisa melapor omzet."
            )
        return t.gettext(
            "Permintaan bergabung Anda tidak disetujui, jadi Anda belum bisa melapor omzet. "
            "Silakan hubungi ketua klaster Anda."
        )
    if isinstance(error, NotFound):
        return t.gettext("Data yang Anda cari tidak ditemukan. Mungkin sudah dihapus atau diubah.")
    return t.gettext("Maaf, permintaan itu tidak bisa diproses.")


def help_text(t: Translator, actor: Actor) -> str:
    """The commands this person can use, what their role does most first."""
    koordinator = [
        t.gettext("/ringkasan — ringkasan omzet klaster, kabupaten atau semua, per bulan"),
        t.gettext("/ringkasan banding — membandingkan klaster menurut kriteria yang disepakati"),
        t.gettext("/kriteria — kriteria dan bobot untuk memilih klaster"),
        t.gettext("/pilihan — daftar 3–5 klaster pilihan, dengan catatan"),
        t.gettext("/ekspor — mengunduh ringkasan dalam berkas Excel"),
        t.gettext("/umumkan — mengirim pengumuman kepada anggota"),
        t.gettext("/permintaan — meneruskan pesanan pembeli; anggota menyatakan sanggup berapa"),
        t.gettext("/terjadwal — pengumuman terjadwal, dan membatalkannya"),
        t.gettext("/belumlapor — siapa yang belum melapor, dan mengingatkan mereka"),
        t.gettext("/anggota — daftar anggota klaster dan keadaannya bulan ini"),
        t.gettext("/katalog — katalog produk per klaster, kabupaten atau komoditas (PDF dengan kode QR)"),
        t.gettext("/undang — tautan undangan klaster"),
        t.gettext("/klaster — membuat klaster baru"),
        t.gettext("/klaster zona — mengubah zona waktu klaster (WIB, WITA, WIT)"),
        t.gettext("/ketua — mengangkat atau mencopot ketua klaster"),
    ]
    chair = [
        t.gettext("/belumlapor — siapa yang belum melapor, dan mengingatkan mereka"),
        t.gettext("/umumkan — mengirim pengumuman kepada anggota"),
        t.gettext("/permintaan — meneruskan pesanan pembeli; anggota menyatakan sanggup berapa"),
        t.gettext("/ringkasan — ringkasan omzet klaster per bulan"),
        t.gettext("/anggota — daftar anggota klaster dan keadaannya bulan ini"),
        t.gettext("/terjadwal — pengumuman terjadwal, dan membatalkannya"),
        t.gettext("/katalog — katalog produk klaster dalam PDF untuk pameran dan pembeli"),
        t.gettext("/undang — tautan undangan klaster"),
    ]
    member = [
        t.gettext("/omzet — melapor omzet bulanan"),
        *([t.gettext("/produk — produk Anda di katalog klaster: tambah, terbitkan, bagikan ke pembeli")]
          if actor.is_active_member else []),
        t.gettext("/riwayat — melihat riwayat omzet Anda dengan grafik"),
        t.gettext("/info — pengumuman terakhir untuk klaster Anda"),
        t.gettext("/peluang — memilih peluang pasar yang Anda terima"),
        t.gettext("/profil — melihat dan mengubah data Anda"),
        t.gettext("/berhenti, /lanjut — menghentikan atau melanjutkan pengumuman"),
    ]
    lines = [t.gettext("Perintah yang bisa Anda pakai:"), ""]
    if actor.is_koordinator:
        lines += [t.gettext("Untuk koordinator:"), *koordinator]
        if actor.is_ketua:
            lines += ["", t.gettext("Untuk ketua klaster:"), *[c for c in chair if c.split()[0] not in {k.split()[0] for k in koordinator}]]
    elif actor.is_ketua:
        lines += [t.gettext("Untuk ketua klaster:"), *chair]
    if actor.member is not None and actor.member.status is not MemberStatus.LEFT:
        if len(lines) > 2:
            lines += ["", t.gettext("Sebagai anggota:")]
        lines += member
    elif not actor.roles:
        lines.append(t.gettext("/daftar — mendaftar sebagai anggota klaster"))
    lines += [
        "",
        t.gettext("/dataku — salinan semua data yang kami simpan tentang Anda"),
        t.gettext("/hapusdata — menghapus data Anda (juga menarik persetujuan)"),
        t.gettext("/bahasa — mengganti bahasa"),
        t.gettext("/batal — membatalkan langkah yang sedang berjalan"),
        t.gettext("/bantuan — menampilkan pesan ini"),
    ]
    return "\n".join(lines)


def change_words(t: Translator, ratio, month: str) -> str:
    """ "naik 12% dari Oktober 2026" in plain words, never a signed percentage."""
    share = format_change_whole(ratio, t.locale)
    if share.startswith("0"):
        return t.gettext("sama dengan {bulan}", bulan=month)
    if ratio > 0:
        return t.gettext("naik {persen} dari {bulan}", persen=share, bulan=month)
    return t.gettext("turun {persen} dari {bulan}", persen=share, bulan=month)
