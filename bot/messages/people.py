"""Notices to a person other than the one who acted: join requests, decisions, chair changes."""

from __future__ import annotations

from bot import callbacks as cb
from bot.domain import MemberProfile
from bot.i18n import Translator
from bot.messages import Button, Payload


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
