"""/riwayat: one line that matters, the months the member reported, then a chart picture."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from telegram import Update

from bot.chart import ChartLabels, ChartMonth, omzet_chart
from bot.dates import Month, format_month
from bot.domain import DomainError
from bot.i18n import Translator
from bot.money import format_change_whole, format_rupiah, format_rupiah_compact
from bot.services import reports
from bot.services.reports import History, HistoryMonth
from handlers.context import KlasterContext
from handlers.replies import refuse, say
from handlers.texts import change_words


def _change(t: Translator, ratio: Decimal) -> str:
    """ "naik 12%", "turun 47%", "sama": plain words, no signs."""
    share = format_change_whole(ratio, t.locale)
    if share.startswith("0"):
        return t.gettext("sama")
    return t.gettext("naik {persen}", persen=share) if ratio > 0 else t.gettext("turun {persen}", persen=share)


def _middle(t: Translator, line: HistoryMonth) -> str | None:
    if line.cluster_median is None or line.value is None or line.value.rupiah == line.cluster_median:
        return None
    if line.value.rupiah > line.cluster_median:
        return t.gettext("di atas nilai tengah klaster")
    return t.gettext("di bawah nilai tengah klaster")


def headline(t: Translator, history: History) -> str:
    """The newest reported month in one sentence: its amount, against the month before, and
    where it stands in the cluster when that may be shown."""
    latest = history.latest
    assert latest is not None
    month = format_month(latest.month, t.locale)
    if latest.value.no_sales:
        return t.gettext("{bulan}: tidak ada penjualan.", bulan=month)
    parts = [format_rupiah_compact(latest.value.rupiah, t.locale)]
    if latest.change_from_previous is not None:
        parts.append(change_words(t, latest.change_from_previous, format_month(latest.month.previous(), t.locale)))
    middle = _middle(t, latest)
    text = t.gettext("{bulan}: {isi}", bulan=month, isi=", ".join(parts))
    return f"{text}; {middle}." if middle else f"{text}."


def _month_line(t: Translator, line: HistoryMonth) -> str:
    month = format_month(line.month, t.locale, short=True)
    value = line.value
    if value.no_sales:
        amount = (
            t.gettext("tidak ada penjualan ({catatan})", catatan=value.note)
            if value.note
            else t.gettext("tidak ada penjualan")
        )
    else:
        amount = format_rupiah(value.rupiah, t.locale)
    if line.corrected:
        amount = t.gettext("{jumlah} (dikoreksi)", jumlah=amount)
    parts = [amount]
    if line.change_from_previous is not None:
        parts.append(_change(t, line.change_from_previous))
    if line.change_from_last_year is not None:
        parts.append(
            change_words(t, line.change_from_last_year, format_month(line.month.months_back(12), t.locale, short=True))
        )
    if line.cluster_median is not None:
        parts.append(
            t.gettext("nilai tengah klaster {jumlah}", jumlah=format_rupiah_compact(line.cluster_median, t.locale))
        )
    return f"{month}: " + " · ".join(parts)


def history_text(t: Translator, history: History) -> str:
    """Headline first, then only the months that were reported, newest first, in plain words."""
    lines = [headline(t, history), "", t.gettext("Omzet yang sudah Anda laporkan:")]
    lines += [_month_line(t, line) for line in reversed(history.reported)]
    first = history.reported[0].month
    gaps = sum(1 for m in history.months if m.month >= first and not m.reported)
    if gaps:
        lines.append(t.gettext("Bulan lain sejak {bulan}: belum dilaporkan.", bulan=format_month(first, t.locale, short=True)))
    lines.append("")
    if any(m.cluster_median is not None for m in history.months):
        lines.append(
            t.gettext(
                "Nilai tengah klaster: separuh anggota yang melapor omzetnya di atas angka ini, "
                "separuh di bawahnya. Ditampilkan hanya untuk bulan yang angkanya sudah terbit "
                "(setelah batas waktu, dengan sedikitnya 5 anggota yang melapor)."
            )
        )
    lines.append(t.gettext("Angka omzet Anda hanya dapat dilihat oleh Anda."))
    return "\n".join(lines)


def _chart(t: Translator, history: History) -> bytes:
    first: Month = history.reported[0].month
    last: Month = history.months[-1].month
    title = (
        t.gettext("Omzet Anda, {bulan}", bulan=format_month(last, t.locale, short=True))
        if first == last
        else t.gettext(
            "Omzet Anda, {awal} – {akhir}",
            awal=format_month(first, t.locale, short=True),
            akhir=format_month(last, t.locale, short=True),
        )
    )
    labels = ChartLabels(
        title=title,
        own=t.gettext("Omzet Anda"),
        cluster_median=t.gettext("Nilai tengah klaster"),
        not_reported=t.gettext("belum dilaporkan"),
        no_sales=t.gettext("tutup"),
    )
    months = [
        ChartMonth(
            month=m.month,
            rupiah=m.value.rupiah if m.value is not None else None,
            cluster_median=m.cluster_median,
        )
        for m in history.months
    ]
    return omzet_chart(months, labels=labels, locale=t.locale)


async def riwayat_command(update: Update, context: KlasterContext) -> None:
    """/riwayat: the headline and the reported months, then the chart as a photo."""
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            history = await reports.history(uow, update.effective_user.id, context.runtime.now())
    except DomainError as error:
        await refuse(update, context, error)
        return
    if not history.any_reported:
        await say(
            update,
            context,
            t.gettext("Anda belum pernah melapor omzet. Ketik /omzet untuk melapor."),
        )
        return
    await say(update, context, history_text(t, history))
    # Drawing takes a moment of CPU: keep the event loop free for other members meanwhile.
    picture = await asyncio.to_thread(_chart, t, history)
    await context.bot.send_photo(
        chat_id=update.effective_chat.id,
        photo=picture,
        caption=t.gettext("Grafik omzet Anda per bulan."),
    )
