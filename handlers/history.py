"""/riwayat: the member's last twelve months as text, then as a chart picture."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.chart import ChartLabels, ChartMonth, omzet_chart
from bot.dates import format_month
from bot.domain import DomainError
from bot.i18n import Translator
from bot.money import format_percent_change, format_rupiah
from bot.services import reports
from bot.services.reports import History, HistoryMonth
from handlers.context import KlasterContext
from handlers.replies import refuse, say


def _month_lines(t: Translator, line: HistoryMonth) -> list[str]:
    month = format_month(line.month, t.locale)
    if line.value is None:
        return [t.gettext("{bulan}: belum dilaporkan", bulan=month)]
    if line.value.no_sales:
        first = (
            t.gettext("{bulan}: tidak ada penjualan (dikoreksi)", bulan=month)
            if line.corrected
            else t.gettext("{bulan}: tidak ada penjualan", bulan=month)
        )
    else:
        amount = format_rupiah(line.value.rupiah, t.locale)
        first = (
            t.gettext("{bulan}: {jumlah} (dikoreksi)", bulan=month, jumlah=amount)
            if line.corrected
            else t.gettext("{bulan}: {jumlah}", bulan=month, jumlah=amount)
        )
    lines = [first]
    if line.change_from_previous is not None:
        lines.append(
            t.gettext(
                "    {persen} dari bulan sebelumnya",
                persen=format_percent_change(line.change_from_previous, t.locale),
            )
        )
    if line.change_from_last_year is not None:
        lines.append(
            t.gettext(
                "    {persen} dari {bulan}",
                persen=format_percent_change(line.change_from_last_year, t.locale),
                bulan=format_month(line.month.months_back(12), t.locale),
            )
        )
    if line.cluster_median is not None:
        lines.append(
            t.gettext(
                "    median klaster: {jumlah}",
                jumlah=format_rupiah(line.cluster_median, t.locale),
            )
        )
    return lines


def history_text(t: Translator, history: History) -> str:
    """The months oldest first; a month not reported says so and is never shown as zero."""
    first, last = history.months[0].month, history.months[-1].month
    lines = [
        t.gettext(
            "Riwayat omzet Anda, {awal} – {akhir}:",
            awal=format_month(first, t.locale),
            akhir=format_month(last, t.locale),
        ),
        "",
    ]
    for month in history.months:
        lines += _month_lines(t, month)
    lines += [
        "",
        t.gettext(
            "Median klaster hanya ditampilkan untuk bulan dengan sedikitnya 3 anggota yang "
            "melapor. Angka omzet Anda hanya dapat dilihat oleh Anda."
        ),
    ]
    return "\n".join(lines)


def _chart(t: Translator, history: History) -> bytes:
    first, last = history.months[0].month, history.months[-1].month
    labels = ChartLabels(
        title=t.gettext(
            "Omzet Anda, {awal} – {akhir}",
            awal=format_month(first, t.locale, short=True),
            akhir=format_month(last, t.locale, short=True),
        ),
        own=t.gettext("Omzet Anda"),
        cluster_median=t.gettext("Median klaster"),
        not_reported=t.gettext("Belum dilaporkan"),
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
    """/riwayat: the last twelve months with changes, then the chart as a photo."""
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
