"""What authors and members read about market requests: the request, the pledge question and
its answers, the author's list and allocation, the follow-up questions, the omzet question and
the "Peluang pasar" figures."""

from __future__ import annotations

from datetime import date

from bot import callbacks as cb
from bot.dates import format_day, format_month
from bot.i18n import Translator
from bot.market import (
    Allocated,
    AuthorView,
    Fill,
    FollowUpAnswered,
    FollowUpSubject,
    MarketFigures,
    PaidThrough,
    Part,
    Pledged,
    PledgeOffer,
    Proposal,
    RequestStatus,
    RequestView,
    UnitTotal,
)
from bot.messages import Button, Payload, Rows
from bot.messages.announcements import sender_line, when
from bot.money import format_count, format_quantity, format_rupiah
from bot.services.summaries import MIN_REPORTERS


def _q(t: Translator, amount: int, unit: str) -> str:
    return format_quantity(amount, unit, t.locale)


def _day(t: Translator, day: date) -> str:
    return format_day(day, t.locale)


def fill_text(t: Translator, view: RequestView, fill: Fill) -> str:
    """ "430 dari 500 lembar, 9 anggota": how far a request is pledged, never by whom."""
    return t.gettext(
        "{terkumpul} dari {jumlah}, {n} anggota",
        terkumpul=format_count(fill.pledged, t.locale), jumlah=_q(t, view.quantity, view.unit),
        n=format_count(fill.pledgers, t.locale),
    )


def request_text(t: Translator, view: RequestView) -> str:
    """The request itself: who sent it, what, how much, by when, where, what is required."""
    lines = [t.gettext("PERMINTAAN PEMBELI")]
    sender = sender_line(t, view.sender)
    if sender:
        lines.append(sender)
    lines += ["", view.product]
    if view.details:
        lines.append(view.details)
    lines += ["", t.gettext("Jumlah: {jumlah}", jumlah=_q(t, view.quantity, view.unit))]
    if view.price_per_unit:
        lines.append(t.gettext(
            "Harga: {harga} per {satuan}", harga=format_rupiah(view.price_per_unit, t.locale), satuan=view.unit
        ))
    lines.append(t.gettext("Batas waktu: {tanggal}", tanggal=_day(t, view.deadline)))
    lines.append(t.gettext("Dikirim ke: {tempat}", tempat=view.place))
    if view.requirements:
        lines.append(t.gettext("Syarat: {syarat}", syarat=view.requirements))
    return "\n".join(lines)


def member_copy(t: Translator, view: RequestView, *, buttons: bool = True) -> Payload:
    """A member's copy (and, without buttons, the author's preview)."""
    text = request_text(t, view) + "\n\n" + t.gettext(
        "Tekan \"Sanggup\" lalu pilih berapa yang bisa Anda sediakan. Nama, nama usaha, dan nomor "
        "telepon Anda dikirim kepada pengirim; anggota lain tidak melihat sanggupan Anda."
    )
    rows: Rows = ((Button(t.gettext("Sanggup"), cb.request_action("s", view.id)),),) if buttons else ()
    return Payload(text, rows, photo=view.photo)


# --- composing -------------------------------------------------------------------------------


def compose_prompt(t: Translator, step: str) -> str:
    """The question of each step of /permintaan."""
    return {
        "product": t.gettext(
            "Produk apa yang dicari pembeli? Tulis nama produk di baris pertama, lalu spesifikasinya. "
            "Anda juga boleh mengirim foto dengan keterangan.\nContoh:\nBatik tulis motif jlamprang\n"
            "Kain katun primisima 2 x 1,15 m, pewarna alami"
        ),
        "quantity": t.gettext("Berapa jumlahnya, dengan satuannya?\nContoh: 500 lembar, 1.000 pcs, 200 kg"),
        "price": t.gettext(
            "Berapa harga per satuan yang ditawarkan pembeli? Contoh: 50 ribu atau 50.000. Tekan "
            "\"Lewati\" jika belum ada harga."
        ),
        "deadline": t.gettext("Kapan batas waktunya? Contoh: 12/12/2026 atau 12 Desember"),
        "place": t.gettext("Dikirim ke mana? Contoh: Gudang CV Batik Jaya, Jl. Hayam Wuruk 10, Pekalongan"),
        "requirements": t.gettext(
            "Ada syarat lain? Contoh: sertifikat Batikmark, atau kemasan plastik per lembar. Tekan "
            "\"Lewati\" jika tidak ada."
        ),
    }[step]


def compose_buttons(t: Translator, step: str) -> Rows:
    rows: list[tuple[Button, ...]] = []
    if step in ("price", "requirements"):
        rows.append((Button(t.gettext("Lewati"), cb.REQUEST_SKIP),))
    rows.append((Button(t.gettext("Batal"), cb.REQUEST_ABORT),))
    return tuple(rows)


def preview_buttons(t: Translator, key: str | None) -> Rows:
    return (
        (Button(t.gettext("Kirim sekarang"), cb.request_send(key)),),
        (Button(t.gettext("Batal"), cb.REQUEST_ABORT),),
    )


def posted(t: Translator, request_id: int, recipients: int) -> Payload:
    return Payload(
        t.gettext(
            "Permintaan sedang dikirim ke {n} anggota. Setiap sanggupan akan saya kabarkan di sini.",
            n=format_count(recipients, t.locale),
        ),
        author_buttons(t, request_id, RequestStatus.OPEN, has_pledges=False),
    )


# --- pledges ---------------------------------------------------------------------------------


def offer(t: Translator, o: PledgeOffer) -> Payload:
    """After "Sanggup": the total so far and the amounts to choose."""
    lines = [
        t.gettext("{produk}: terkumpul {isi}.", produk=o.request.product, isi=fill_text(t, o.request, o.fill)),
    ]
    if o.mine is not None:
        lines.append(t.gettext("Sanggupan Anda sekarang: {jumlah}.", jumlah=_q(t, o.mine, o.request.unit)))
    lines.append(t.gettext(
        "Berapa yang sanggup Anda sediakan sampai {tanggal}?", tanggal=_day(t, o.request.deadline)
    ))
    rid = o.request.id
    choices = tuple(Button(_q(t, n, o.request.unit), cb.request_quantity(rid, n)) for n in o.choices)
    rows: list[tuple[Button, ...]] = [choices[i : i + 2] for i in range(0, len(choices), 2)]
    rows.append((Button(t.gettext("Jumlah lain"), cb.request_action("o", rid)),))
    if o.mine is not None:
        rows.append((Button(t.gettext("Tarik sanggupan"), cb.request_action("w", rid)),))
    return Payload("\n".join(lines), tuple(rows))


def other_amount_prompt(t: Translator, view: RequestView) -> str:
    return t.gettext(
        "Tulis jumlah yang sanggup Anda sediakan, paling banyak {jumlah}. Contoh: 150 atau 1.500 {satuan}",
        jumlah=_q(t, view.quantity, view.unit), satuan=view.unit,
    )


def ready_by_prompt(t: Translator, view: RequestView) -> str:
    return t.gettext(
        "Kapan Anda siap mengirim? Paling lambat {tanggal}. Contoh: 10/12/2026", tanggal=_day(t, view.deadline)
    )


def pledged(t: Translator, p: Pledged) -> Payload:
    """The member's pledge as saved, the total so far, and the ways to change it."""
    rid, unit = p.request.id, p.request.unit
    isi = fill_text(t, p.request, p.fill)
    if p.quantity is None:
        text = t.gettext("Sanggupan Anda sudah ditarik. Terkumpul sekarang: {isi}.", isi=isi)
        return Payload(text, ((Button(t.gettext("Sanggup lagi"), cb.request_action("s", rid)),),))
    line = t.gettext(
        "Sanggupan Anda tercatat: {jumlah}, siap paling lambat {tanggal}.",
        jumlah=_q(t, p.quantity, unit), tanggal=_day(t, p.ready_by or p.request.deadline),
    ) if not p.changed else t.gettext(
        "Sanggupan Anda diubah: {jumlah}, siap paling lambat {tanggal}.",
        jumlah=_q(t, p.quantity, unit), tanggal=_day(t, p.ready_by or p.request.deadline),
    )
    text = line + "\n" + t.gettext("Terkumpul sekarang: {isi}.", isi=isi)
    return Payload(text, (
        (Button(t.gettext("Ubah jumlah"), cb.request_action("s", rid)),
         Button(t.gettext("Ubah tanggal siap"), cb.request_action("r", rid))),
        (Button(t.gettext("Tarik sanggupan"), cb.request_action("w", rid)),),
    ))


def pledge_notice(
    t: Translator, view: RequestView, *, name: str, business: str, phone: str | None, quantity: int,
    previous: int | None, fill: Fill,
) -> Payload:
    """To the author: a new or changed pledge, with the member's contact and the fill."""
    if previous is None:
        head = t.gettext(
            "Sanggupan baru untuk {produk}: {nama} — {usaha}, {jumlah}.\nTelepon: {telepon}",
            produk=view.product, nama=name, usaha=business, jumlah=_q(t, quantity, view.unit),
            telepon=phone or t.gettext("tidak dibagikan"),
        )
    else:
        head = t.gettext(
            "{nama} — {usaha} mengubah sanggupannya untuk {produk}: {lama} menjadi {baru}.",
            nama=name, usaha=business, produk=view.product, lama=_q(t, previous, view.unit), baru=_q(t, quantity, view.unit),
        )
    return Payload(
        head + "\n" + t.gettext("Terkumpul: {isi}.", isi=fill_text(t, view, fill)),
        ((Button(t.gettext("Lihat sanggupan"), cb.request_action("l", view.id)),),),
    )


def withdrawal_notice(t: Translator, view: RequestView, *, name: str, business: str, previous: int, fill: Fill) -> Payload:
    return Payload(
        t.gettext(
            "{nama} — {usaha} menarik sanggupannya ({jumlah}) untuk {produk}.",
            nama=name, usaha=business, jumlah=_q(t, previous, view.unit), produk=view.product,
        ) + "\n" + t.gettext("Terkumpul: {isi}.", isi=fill_text(t, view, fill)),
        ((Button(t.gettext("Lihat sanggupan"), cb.request_action("l", view.id)),),),
    )


# --- the author's side -----------------------------------------------------------------------


def author_buttons(t: Translator, request_id: int, status: RequestStatus, *, has_pledges: bool) -> Rows:
    rows: list[tuple[Button, ...]] = [(Button(t.gettext("Lihat sanggupan"), cb.request_action("l", request_id)),)]
    if status is RequestStatus.OPEN:
        rows.append((Button(t.gettext("Tutup permintaan"), cb.request_action("c", request_id)),))
    if status is not RequestStatus.ALLOCATED and has_pledges:
        rows.append((Button(t.gettext("Bagi pesanan"), cb.request_action("a", request_id)),))
    return tuple(rows)


def _status(t: Translator, status: RequestStatus) -> str:
    return {
        RequestStatus.OPEN: t.gettext("terbuka untuk sanggupan"),
        RequestStatus.CLOSED: t.gettext("ditutup"),
        RequestStatus.ALLOCATED: t.gettext("sudah dibagi"),
    }[status]


def _confirmation(t: Translator, value: str | None) -> str:
    return {
        "confirmed": t.gettext("dikonfirmasi"),
        "declined": t.gettext("tidak bisa"),
    }.get(value or "", t.gettext("belum menjawab"))


def author_view(t: Translator, v: AuthorView) -> Payload:
    """The fill and every pledge the author may read, with contacts."""
    unit = v.request.unit
    lines = [
        t.gettext("Permintaan: {produk}", produk=v.request.product),
        t.gettext("Terkumpul: {isi}.", isi=fill_text(t, v.request, v.fill)),
        t.gettext("Status: {status}", status=_status(t, v.request.status)),
        "",
    ]
    if not v.lines:
        lines.append(t.gettext("Belum ada sanggupan."))
    for line in v.lines:
        entry = t.gettext(
            "{no}. {nama} — {usaha} — {telepon} — {jumlah}, siap {tanggal}",
            no=line.number, nama=line.name, usaha=line.business, telepon=line.phone or t.gettext("tidak dibagikan"),
            jumlah=_q(t, line.quantity, unit), tanggal=_day(t, line.ready_by or v.request.deadline),
        )
        if line.allocated is not None and v.request.status is RequestStatus.ALLOCATED:
            entry += " " + t.gettext(
                "(bagian {bagian}, {jawaban})", bagian=_q(t, line.allocated, unit), jawaban=_confirmation(t, line.confirmation)
            )
        lines.append(entry)
    return Payload("\n".join(lines), author_buttons(t, v.request.id, v.request.status, has_pledges=bool(v.lines)))


def closed(t: Translator, v: AuthorView) -> Payload:
    return Payload(
        t.gettext(
            "Permintaan ditutup: tidak ada sanggupan baru. Terkumpul: {isi}.", isi=fill_text(t, v.request, v.fill)
        ),
        author_buttons(t, v.request.id, v.request.status, has_pledges=bool(v.lines)),
    )


def proposal(t: Translator, p: Proposal) -> Payload:
    """The split being prepared: each member's part within their pledge; typed lines adjust it."""
    unit = p.request.unit
    lines = [t.gettext("Usulan pembagian {produk} ({jumlah}):", produk=p.request.product, jumlah=_q(t, p.request.quantity, unit)), ""]
    for line in p.lines:
        lines.append(t.gettext(
            "{no}. {nama}: {bagian} dari sanggupan {sanggup}",
            no=line.number, nama=line.name, bagian=_q(t, line.allocated or 0, unit), sanggup=_q(t, line.quantity, unit),
        ))
    lines += [
        "",
        t.gettext("Jumlah: {total} dari {jumlah}.", total=_q(t, p.total, unit), jumlah=_q(t, p.request.quantity, unit)),
        t.gettext("Untuk mengubah, tulis nomor dan bagiannya, contoh: 2 120. Bagian 0 berarti tidak mendapat bagian."),
    ]
    return Payload("\n".join(lines), (
        (Button(t.gettext("Kirim pembagian"), cb.request_action("k", p.request.id)),),
        (Button(t.gettext("Batal"), cb.REQUEST_STOP),),
    ))


def allocated(t: Translator, a: Allocated) -> str:
    return t.gettext(
        "Pembagian dikirim: {total} kepada {n} anggota. Setiap anggota diminta mengonfirmasi bagiannya.",
        total=_q(t, a.total, a.request.unit), n=format_count(a.members, t.locale),
    )


def part_notice(t: Translator, view: RequestView, *, part: int, pledged: int) -> Payload:
    """To each pledging member: their confirmed part and deadline (or that none is needed)."""
    if part <= 0:
        return Payload(t.gettext(
            "Terima kasih atas sanggupan Anda untuk {produk}. Pesanan ini sudah terpenuhi, jadi kali ini "
            "Anda tidak mendapat bagian.", produk=view.product,
        ))
    return Payload(
        t.gettext(
            "Bagian Anda untuk {produk}: {bagian} (dari sanggupan {sanggup}).\nKirim paling lambat {tanggal} "
            "ke {tempat}.\nApakah Anda sanggup?",
            produk=view.product, bagian=_q(t, part, view.unit), sanggup=_q(t, pledged, view.unit),
            tanggal=_day(t, view.deadline), tempat=view.place,
        ),
        ((Button(t.gettext("Saya sanggup"), cb.request_action("y", view.id)),
          Button(t.gettext("Tidak bisa"), cb.request_action("n", view.id))),),
    )


def part_answered(t: Translator, p: Part) -> str:
    if p.accepted:
        return t.gettext(
            "Terima kasih! Bagian Anda {bagian} untuk {produk} sudah dikonfirmasi. Kirim paling lambat {tanggal}.",
            bagian=_q(t, p.quantity, p.request.unit), produk=p.request.product, tanggal=_day(t, p.request.deadline),
        )
    return t.gettext("Baik, pengirim sudah diberi tahu bahwa Anda tidak bisa mengambil bagian ini.")


def part_answer_notice(t: Translator, view: RequestView, *, name: str, part: int, accepted: bool) -> Payload:
    text = (
        t.gettext("{nama} mengonfirmasi bagiannya: {bagian} untuk {produk}.", nama=name, bagian=_q(t, part, view.unit), produk=view.product)
        if accepted
        else t.gettext("{nama} tidak bisa mengambil bagiannya ({bagian}) untuk {produk}.", nama=name, bagian=_q(t, part, view.unit), produk=view.product)
    )
    return Payload(text, ((Button(t.gettext("Lihat sanggupan"), cb.request_action("l", view.id)),),))


# --- follow-ups ------------------------------------------------------------------------------


def _subject(t: Translator, s: FollowUpSubject) -> str:
    if s.request_id is not None:
        return t.gettext("permintaan {produk} ({jumlah})", produk=s.title, jumlah=_q(t, s.quantity or 0, s.unit or ""))
    return t.gettext("peluang pasar \"{judul}\"", judul=s.title)


def deal_question(t: Translator, followup_id: int, s: FollowUpSubject) -> Payload:
    """To the author, after the deadline: did it end in a sale?"""
    return Payload(
        t.gettext("Bagaimana hasil {hal}? Jadi transaksi?", hal=_subject(t, s)),
        (
            (Button(t.gettext("Ya"), cb.request_deal(followup_id, "deal")),
             Button(t.gettext("Masih nego"), cb.request_deal(followup_id, "nego")),
             Button(t.gettext("Tidak"), cb.request_deal(followup_id, "no"))),
            (Button(t.gettext("Tidak mau menjawab"), cb.request_deal(followup_id, "declined")),),
        ),
    )


def member_question(t: Translator, followup_id: int, s: FollowUpSubject) -> Payload:
    """To each allocated (or interested) member: what they delivered and were paid."""
    if s.request_id is not None:
        text = t.gettext(
            "Bagaimana hasil {hal}? Bagian Anda: {bagian}. Berapa yang sudah Anda kirim, dan berapa yang dibayar kepada Anda?",
            hal=_subject(t, s), bagian=_q(t, s.allocated or 0, s.unit or ""),
        )
    else:
        text = t.gettext(
            "Anda tertarik pada {hal}. Apakah jadi berjualan? Berapa yang dibayar kepada Anda?", hal=_subject(t, s)
        )
    return Payload(text, ((
        Button(t.gettext("Isi jawaban"), cb.request_member(followup_id, "fill")),
        Button(t.gettext("Tidak mau menjawab"), cb.request_member(followup_id, "declined")),
    ),))


def typed_prompt(t: Translator, step: str, s: FollowUpSubject) -> str:
    if step == "deal_value":
        return t.gettext("Berapa nilai transaksinya? Contoh: 25 juta atau 25.000.000")
    if step == "delivered":
        return t.gettext(
            "Berapa yang sudah Anda kirim? Contoh: 86 {satuan}, atau 0 jika belum.", satuan=s.unit or ""
        )
    return t.gettext("Berapa yang dibayar kepada Anda? Contoh: 4,3 juta atau 4.300.000, atau 0 jika belum dibayar.")


def typed_buttons(t: Translator) -> Rows:
    return ((Button(t.gettext("Tidak mau menjawab"), cb.REQUEST_DECLINE),), (Button(t.gettext("Batal"), cb.REQUEST_STOP),))


def answered(t: Translator, a: FollowUpAnswered) -> str:
    if a.answer == "declined":
        return t.gettext("Baik, tidak apa-apa. Terima kasih.")
    if a.role == "author":
        if a.answer == "deal":
            return t.gettext("Terima kasih! Transaksi tercatat: {nilai}.", nilai=format_rupiah(a.value or 0, t.locale))
        if a.answer == "nego":
            return t.gettext("Terima kasih. Kami akan bertanya lagi beberapa minggu lagi.")
        return t.gettext("Terima kasih, tercatat tidak jadi transaksi.")
    if a.delivered is not None and a.subject.unit:
        return t.gettext(
            "Terima kasih! Tercatat: dikirim {dikirim}, dibayar {dibayar}.",
            dikirim=_q(t, a.delivered, a.subject.unit), dibayar=format_rupiah(a.value or 0, t.locale),
        )
    return t.gettext("Terima kasih! Tercatat: dibayar {dibayar}.", dibayar=format_rupiah(a.value or 0, t.locale))


# --- counted in omzet ------------------------------------------------------------------------


def included_question(t: Translator, paid: PaidThrough, month_text: str) -> Payload:
    """After an omzet report for a month paid through a request: is that amount in it?"""
    return Payload(
        t.gettext(
            "Untuk {bulan} Anda mencatat pembayaran {jumlah} melalui \"{judul}\". Apakah jumlah itu sudah "
            "termasuk dalam omzet yang Anda laporkan?",
            bulan=month_text, jumlah=format_rupiah(paid.paid, t.locale), judul=paid.title,
        ),
        (
            (Button(t.gettext("Sudah termasuk"), cb.request_included(paid.followup_id, "included")),
             Button(t.gettext("Belum termasuk"), cb.request_included(paid.followup_id, "not_included"))),
            (Button(t.gettext("Tidak mau menjawab"), cb.request_included(paid.followup_id, "declined")),),
        ),
    )


def included_answered(t: Translator, answer: str) -> str:
    if answer == "not_included":
        return t.gettext("Terima kasih. Jika ingin, koreksi omzet Anda dengan /omzet.")
    return t.gettext("Terima kasih, tercatat.")


# --- who receives opportunities ------------------------------------------------------------


def preference(t: Translator, only_mine: bool) -> Payload:
    text = (
        t.gettext("Anda hanya menerima peluang pasar dan permintaan pembeli yang menyebut produk utama atau komoditas klaster Anda.")
        if only_mine
        else t.gettext("Anda menerima semua peluang pasar dan permintaan pembeli untuk klaster Anda.")
    )
    return Payload(text, ((
        Button(t.gettext("Semua peluang"), cb.request_filter(False)),
        Button(t.gettext("Hanya produk saya"), cb.request_filter(True)),
    ),))


# --- the "Peluang pasar" figures -----------------------------------------------------------


def _units(t: Translator, totals: tuple[UnitTotal, ...] | None) -> str:
    if totals is None:
        return t.gettext("data belum cukup")
    if not totals:
        return format_count(0, t.locale)
    return ", ".join(_q(t, u.quantity, u.unit) for u in totals)


def _money(t: Translator, value: int | None) -> str:
    return t.gettext("data belum cukup") if value is None else format_rupiah(value, t.locale)


def market_text(t: Translator, f: MarketFigures) -> str:
    """The cluster's "Peluang pasar" month; sums over members only from MIN_REPORTERS members."""
    lines = [t.gettext("Peluang pasar — {bulan}", bulan=format_month(f.month, t.locale))]
    lines.append(t.gettext(
        "Permintaan pembeli: {n}, sampai kepada {anggota} anggota",
        n=format_count(f.requests, t.locale), anggota=format_count(f.reached, t.locale),
    ))
    if not f.published:
        lines.append(t.gettext(
            "Angka peluang pasar terbit bersama angka omzet, {waktu}.", waktu=when(t, f.publishes_at, f.zone or "Asia/Jakarta")
        ))
        return "\n".join(lines)
    lines += [
        t.gettext("Disanggupi: {jumlah} ({n} anggota)", jumlah=_units(t, f.pledged), n=format_count(f.pledgers, t.locale)),
        t.gettext("Dibagi: {jumlah} ({n} anggota)", jumlah=_units(t, f.allocated), n=format_count(f.allocated_members, t.locale)),
        t.gettext("Dikirim: {jumlah} ({n} anggota menjawab)", jumlah=_units(t, f.delivered), n=format_count(f.answered_members, t.locale)),
        t.gettext("Dibayar kepada anggota: {jumlah}", jumlah=_money(t, f.paid)),
        t.gettext("Termasuk dalam omzet yang dilaporkan: {jumlah}", jumlah=_money(t, f.paid_in_omzet)),
        t.gettext("Transaksi: {n}, nilai {nilai}", n=format_count(f.deals, t.locale), nilai=_money(t, f.deal_value)),
    ]
    if any(v is None for v in (f.pledged, f.allocated, f.delivered, f.paid, f.deal_value)):
        lines.append(t.gettext(
            "Jumlah dari kurang dari {n} anggota tidak ditampilkan.", n=format_count(MIN_REPORTERS, t.locale)
        ))
    return "\n".join(lines)
