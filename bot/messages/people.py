"""Notices to a person other than the one who acted: join requests, decisions, chair changes."""

from __future__ import annotations

from bot import callbacks as cb
from bot.dates import format_month
from bot.domain import MemberProfile
from bot.i18n import Translator
from bot.messages import Button, Payload, split_payload
from bot.money import format_count
from bot.services.member_states import STATES, Leaver, MemberStates, Removable, State


def join_request(t: Translator, member: MemberProfile) -> Payload:
    """To each approver: a new member asks to join, with Terima / Tolak."""
    return Payload(
        t.gettext(
            "Permintaan bergabung ke {klaster}:\n\nNama: {nama}\nNama usaha: {usaha}\n"
            "Produk utama: {produk}\n\nTerima anggota ini?",
            klaster=member.cluster.name,
            nama=member.name,
            usaha=member.business_name,
            produk=member.main_product,
        ),
        ((Button(t.gettext("Terima"), cb.approval(True, member.id)), Button(t.gettext("Tolak"), cb.approval(False, member.id))),),
    )


def join_decision(t: Translator, member: MemberProfile, accepted: bool) -> Payload:
    """To the member who asked: the chair's decision."""
    if accepted:
        return Payload(
            t.gettext(
                "Selamat! Permintaan Anda diterima. Anda sekarang anggota {klaster}. Ketik /bantuan "
                "untuk melihat apa yang bisa Anda lakukan.",
                klaster=member.cluster.name,
            )
        )
    return Payload(
        t.gettext(
            "Maaf, permintaan Anda untuk bergabung dengan {klaster} tidak diterima. Data Anda "
            "sudah kami hapus. Jika ada pertanyaan, hubungi ketua klaster.",
            klaster=member.cluster.name,
        )
    )


def chair_change(t: Translator, cluster_name: str, appointed: bool) -> Payload:
    """To the member appointed or removed as ketua."""
    if appointed:
        return Payload(
            t.gettext(
                "Anda diangkat menjadi ketua {klaster}. Ketik /bantuan untuk melihat perintah ketua.",
                klaster=cluster_name,
            )
        )
    return Payload(t.gettext("Anda tidak lagi menjadi ketua {klaster}.", klaster=cluster_name))


def state_label(t: Translator, state: State) -> str:
    return {
        State.REPORTED: t.gettext("sudah melapor"),
        State.NO_SALES: t.gettext("melapor: tidak ada penjualan"),
        State.NOT_YET: t.gettext("belum melapor"),
        State.BLOCKED: t.gettext("memblokir bot"),
        State.PAUSED: t.gettext("berhenti menerima pengumuman"),
        State.PENDING: t.gettext("menunggu persetujuan"),
    }[state]


def member_states(t: Translator, found: MemberStates) -> list[Payload]:
    """/anggota: each member's state this month, the counts, and a filter button per state;
    split over messages (the buttons under the last)."""
    month = format_month(found.month, t.locale)
    heading = [
        t.gettext("Anggota {klaster} — laporan {bulan}: {n} orang", klaster=found.cluster.name, bulan=month,
                  n=format_count(found.total, t.locale)),
        " · ".join(f"{state_label(t, s)} {format_count(found.counts[s], t.locale)}" for s in STATES if found.counts[s]),
    ]
    if found.shown is not None:
        heading.append(t.gettext("Ditampilkan: {keadaan} ({n} orang)", keadaan=state_label(t, found.shown),
                                 n=format_count(len(found.members), t.locale)))
    lines = [
        t.gettext("{no}. {nama} — {usaha}: {keadaan}", no=i, nama=m.name, usaha=m.business_name,
                  keadaan="; ".join(state_label(t, s) for s in m.states))
        for i, m in enumerate(found.members, 1)
    ]
    if not lines:
        lines = [t.gettext("Tidak ada anggota dengan keadaan ini.")]
    text = "\n".join([*heading, "", *lines])
    filters = [
        Button(t.gettext("{keadaan} ({n})", keadaan=state_label(t, s), n=format_count(found.counts[s], t.locale)),
               cb.members_filter(found.cluster.id, s.value))
        for s in STATES if found.counts[s] and s is not found.shown
    ]
    if found.shown is not None:
        filters.append(Button(t.gettext("Semua"), cb.members_filter(found.cluster.id, "semua")))
    rows = tuple(tuple(filters[i:i + 2]) for i in range(0, len(filters), 2))
    rows += ((Button(t.gettext("Keluarkan anggota"), cb.leave_page(found.cluster.id, 0)),),)
    return split_payload(Payload(text, rows))


def removal_choices(t: Translator, found: Removable) -> Payload:
    """ "Keluarkan anggota": the cluster's active members as buttons, a page at a time."""
    names = [m.name for m in found.members]
    rows: list[tuple[Button, ...]] = [
        (Button(m.name if names.count(m.name) == 1 else f"{m.name} ({m.business_name})", cb.leave("ask", m.member_id)),)
        for m in found.members
    ]
    paging = []
    if found.page > 0:
        paging.append(Button(t.gettext("« Sebelumnya"), cb.leave_page(found.cluster.id, found.page - 1)))
    if found.more:
        paging.append(Button(t.gettext("Berikutnya »"), cb.leave_page(found.cluster.id, found.page + 1)))
    if paging:
        rows.append(tuple(paging))
    if not found.members:
        return Payload(t.gettext("{klaster} tidak memiliki anggota aktif.", klaster=found.cluster.name))
    return Payload(t.gettext("Siapa yang keluar dari {klaster}? Pilih namanya.", klaster=found.cluster.name), tuple(rows))


def confirm_removal(t: Translator, leaver: Leaver) -> Payload:
    return Payload(
        t.gettext(
            "Keluarkan {nama} dari {klaster}? Ia tidak lagi menerima pengumuman dan tidak bisa melapor omzet; "
            "produknya tidak lagi ditampilkan di katalog. Laporan bulan-bulan saat ia menjadi anggota tetap "
            "dihitung. Ia akan diberi tahu.", nama=leaver.name, klaster=leaver.cluster.name),
        ((Button(t.gettext("Ya, keluarkan"), cb.leave("ok", leaver.member_id)), Button(t.gettext("Batal"), cb.leave("no", leaver.member_id))),),
    )


def member_removed(t: Translator, cluster_name: str) -> Payload:
    """To the member who was removed: politely, what it means and what stays."""
    return Payload(t.gettext(
        "Anda tidak lagi terdaftar sebagai anggota {klaster}. Terima kasih atas keikutsertaan Anda selama ini. "
        "Laporan omzet Anda yang sudah tersimpan tetap dihitung untuk bulan-bulan saat Anda menjadi anggota; "
        "produk Anda tidak lagi ditampilkan di katalog. Anda bisa melihat data Anda dengan /dataku atau "
        "menghapusnya dengan /hapusdata. Bila ini keliru, silakan hubungi ketua klaster.", klaster=cluster_name))
