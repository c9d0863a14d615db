"""What chairs, koordinator and members read about a month: summaries, missing lists, the
member's card."""

from __future__ import annotations

from html import escape

from bot import callbacks as cb
from bot.dates import format_month
from bot.i18n import Translator
from bot.messages import Button, Payload
from bot.messages.announcements import when
from bot.messages.places import region_title
from bot.money import format_count, format_percent_change, format_rupiah, format_share
from bot.services.summaries import MIN_REPORTERS, Figures, Missing, MissingPerson


def summary_text(t: Translator, f: Figures, *, region: bool = False) -> str:
    """The summary as chairs and koordinator read it; money figures only where the small-numbers
    rule allows (bot.services.summaries)."""
    month = format_month(f.month, t.locale)
    if region:
        title = region_title(t, f.title) if f.title else t.gettext("semua klaster di wilayah Anda")
    else:
        title = f.title or t.gettext("semua klaster di wilayah Anda")
    lines = [t.gettext("Ringkasan {nama} — {bulan}", nama=title, bulan=month), ""]
    lines.append(t.gettext("Anggota: {n}", n=format_count(f.members, t.locale)))
    lines.append(
        t.gettext(
            "Sudah melapor: {n} ({persen})",
            n=format_count(f.reporters, t.locale),
            persen=format_share(f.reporting_rate, t.locale),
        )
    )
    threshold = format_count(MIN_REPORTERS, t.locale)
    if not f.published:
        lines.append(t.gettext(
            "Angka omzet terbit setelah batas lapor, {waktu}.", waktu=when(t, f.publishes_at, f.zone or "Asia/Jakarta")
        ))
        return "\n".join(lines)
    if f.withheld:
        lines.append(t.gettext(
            "Angka omzet wilayah ini tidak ditampilkan: bersama angka klaster yang tampil, angka ini "
            "akan membuka omzet klaster yang pelapornya kurang dari {n}.", n=threshold,
        ))
    elif f.suppressed:
        lines.append(t.gettext("Angka omzet: data belum cukup (kurang dari {n} anggota melapor).", n=threshold))
    else:
        lines += [
            t.gettext("Total omzet: {jumlah}", jumlah=format_rupiah(f.total, t.locale)),
            t.gettext("Median omzet: {jumlah}", jumlah=format_rupiah(f.median, t.locale)),
            t.gettext("Rata-rata omzet: {jumlah}", jumlah=format_rupiah(f.mean, t.locale)),
            t.gettext("Dibanding bulan lalu: {persen}", persen=format_percent_change(f.change_previous, t.locale)),
            t.gettext("Dibanding tahun lalu: {persen}", persen=format_percent_change(f.change_year, t.locale)),
        ]
        if f.growth_since_joining is not None:
            lines.append(
                t.gettext(
                    "Pertumbuhan sejak bergabung: {persen} ({n} anggota: omzet bulan ini dibanding rata-rata "
                    "3 bulan pertama mereka melapor)",
                    persen=format_percent_change(f.growth_since_joining, t.locale),
                    n=format_count(f.growth_members, t.locale),
                )
            )
            lines += cohort_lines(t, f)
    if f.pending:
        lines.append(t.gettext(
            "Laporan susulan atau perubahan sejak angka ini terbit: {n}. Angka diperbarui setelah "
            "terkumpul {batas}.", n=format_count(f.pending, t.locale), batas=threshold,
        ))
    return "\n".join(lines)


def cohort_label(t: Translator, year: int | None) -> str:
    """ "Bergabung 2025" / "Bergabung sebelum mulai melapor"."""
    if year is None:
        return t.gettext("Bergabung sebelum mulai melapor")
    return t.gettext("Bergabung {tahun}", tahun=str(year))


def cohort_lines(t: Translator, f: Figures) -> list[str]:
    """Growth since joining by year of joining, each with the members behind it."""
    if not f.cohorts:
        return []
    lines = [t.gettext("Menurut tahun bergabung:")]
    for c in f.cohorts:
        if c.year is None:
            lines.append(t.gettext(
                "- {kohort}: {persen} ({n} anggota; sejak 3 bulan pertama mereka melapor)",
                kohort=cohort_label(t, None), persen=format_percent_change(c.growth, t.locale),
                n=format_count(c.members, t.locale),
            ))
        else:
            lines.append(t.gettext(
                "- {kohort}: {persen} ({n} anggota)", kohort=cohort_label(t, c.year),
                persen=format_percent_change(c.growth, t.locale), n=format_count(c.members, t.locale),
            ))
    if f.cohorts_hidden:
        lines.append(t.gettext(
            "  Kelompok yang terlalu kecil untuk ditampilkan sendiri: {n} anggota (angka kecil tidak ditampilkan).",
            n=format_count(f.cohorts_hidden, t.locale),
        ))
    return lines


def _person_line(t: Translator, number: int, person: MissingPerson) -> str:
    """ "3. <Nama> — <+62…>": the name opens a chat with them, the phone too (tap to message)."""
    name = escape(person.name, quote=False) or escape(t.gettext("(tanpa nama)"), quote=False)
    if person.telegram_user_id:
        name = f'<a href="tg://user?id={person.telegram_user_id}">{name}</a>'
    if person.phone:
        phone = escape(person.phone, quote=False)
        contact = f'<a href="https://t.me/{escape(person.phone)}">{phone}</a>'
    else:
        contact = escape(t.gettext("nomor tidak dibagikan"), quote=False)
    return f"{number}. {name} — {contact}"


def missing_text(t: Translator, missing: Missing) -> str:
    """Telegram HTML: who has not reported, each a tap-to-message link."""
    month = format_month(missing.month, t.locale)
    if not missing.people:
        return escape(t.gettext("Semua anggota {klaster} sudah melapor omzet {bulan}.", klaster=missing.cluster.name, bulan=month), quote=False)
    lines = [
        escape(t.gettext(
            "Belum melapor omzet {bulan} di {klaster}: {n} dari {jumlah} anggota.",
            bulan=month, klaster=missing.cluster.name,
            n=format_count(len(missing.people), t.locale), jumlah=format_count(missing.members, t.locale),
        ), quote=False),
        escape(t.gettext("Ketuk nama untuk mengirim pesan, atau nomor untuk menghubungi lewat nomornya."), quote=False),
        "",
    ]
    # Everyone, one line each: a long list leaves in several messages, cut at line ends
    # (bot.text_limits), never inside a link.
    lines += [_person_line(t, number, person) for number, person in enumerate(missing.people, 1)]
    return "\n".join(lines)


def summary(t: Translator, f: Figures) -> Payload:
    """A cluster's monthly summary for its chair and koordinator, with the chart button."""
    buttons = () if f.cluster_id is None else ((Button(t.gettext("Lihat grafik"), cb.summary_action("chart", f.cluster_id, str(f.month))),),)
    return Payload(summary_text(t, f), buttons)


def missing(t: Translator, m: Missing) -> Payload:
    """Who has not reported, each a tap-to-message link, with the one-tap nudge (to the chair
    after the deadline, and /belumlapor)."""
    buttons = ((Button(t.gettext("Ingatkan"), cb.summary_action("nudge", m.cluster.id, str(m.month))),),) if m.people else ()
    return Payload(missing_text(t, m), buttons, html=True)


def card(t: Translator, f: Figures, amount: int) -> Payload:
    """To each reporter after the deadline: where they stand against the cluster, only where the
    cluster's figures are shown (otherwise the median would be one of a handful of reports)."""
    if f.suppressed:
        raise ValueError("a card compares only with figures that are shown")
    position = (
        t.gettext("di atas median klaster") if amount > (f.median or 0)
        else t.gettext("sama dengan median klaster") if amount == f.median
        else t.gettext("di bawah median klaster")
    )
    return Payload(
        t.gettext(
            "Terima kasih sudah melapor omzet {bulan}. Omzet Anda {jumlah}, {posisi} ({median}). "
            "Perubahan omzet klaster dari bulan lalu: {persen}. Lihat riwayat Anda dengan /riwayat.",
            bulan=format_month(f.month, t.locale), jumlah=format_rupiah(amount, t.locale), posisi=position,
            median=format_rupiah(f.median, t.locale), persen=format_percent_change(f.change_previous, t.locale),
        )
    )
