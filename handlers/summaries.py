"""Summaries glue: /ringkasan, /belumlapor, /ekspor, the nudge, and the renderers for jobs."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import InputFile, Update

from bot.chart import ChartLabels, ChartMonth, omzet_chart
from bot.dates import Month, MonthError, format_month, parse_month
from bot.domain import DomainError, NotAllowed, NotFound
from bot.export import summary_workbook
from bot.i18n import Translator
from bot.money import format_count, format_percent_change, format_rupiah, format_share
from bot.services import clusters as cluster_service
from bot.services import monthly
from bot.services import summaries as summary_service
from bot.services.summaries import Figures, Missing
from handlers import callbacks as cb
from handlers.cluster_admin import ask_for_cluster
from handlers.context import KlasterContext
from handlers.keyboards import inline
from handlers.replies import refuse, say


def summary_text(t: Translator, f: Figures, *, region: bool = False) -> str:
    """The summary as chairs and koordinator read it; money figures only with 3+ reporters."""
    month = format_month(f.month, t.locale)
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
    if f.suppressed:
        lines.append(t.gettext("Angka omzet: data belum cukup (kurang dari 3 anggota melapor)."))
        return "\n".join(lines)
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
    return "\n".join(lines)


def missing_text(t: Translator, missing: Missing) -> str:
    month = format_month(missing.month, t.locale)
    if not missing.names:
        return t.gettext("Semua anggota {klaster} sudah melapor omzet {bulan}.", klaster=missing.cluster.name, bulan=month)
    lines = [
        t.gettext(
            "Belum melapor omzet {bulan} di {klaster}: {n} dari {jumlah} anggota.",
            bulan=month, klaster=missing.cluster.name,
            n=format_count(len(missing.names), t.locale), jumlah=format_count(missing.members, t.locale),
        ),
        "",
    ]
    lines += [f"{i}. {name}" for i, (_, name) in enumerate(missing.names, 1)]
    return "\n".join(lines)[:3900]


def reminder_payload(t: Translator, month: Month) -> dict[str, Any]:
    return {
        "text": t.gettext(
            "Pengingat: mohon laporkan omzet {bulan}. Cukup ketik, misalnya: omzet 12,5 jt\n"
            "Jika tidak ada penjualan, ketik: omzet 0. Terima kasih!",
            bulan=format_month(month, t.locale),
        ),
        "buttons": [],
    }


def renders(context_or_runtime) -> tuple[Any, monthly.SummaryRenders]:
    """The payload builders the monthly jobs need, in each recipient's language."""
    i18n = context_or_runtime.i18n

    def reminder(language: str | None, month: Month) -> dict[str, Any]:
        return reminder_payload(i18n.translator(language), month)

    def summary(language: str | None, f: Figures) -> dict[str, Any]:
        t = i18n.translator(language)
        buttons = [] if f.cluster_id is None else [[{"text": t.gettext("Lihat grafik"), "data": cb.summary_action("chart", f.cluster_id, str(f.month))}]]
        return {"text": summary_text(t, f), "buttons": buttons}

    def missing(language: str | None, m: Missing) -> dict[str, Any]:
        t = i18n.translator(language)
        return {
            "text": missing_text(t, m),
            "buttons": [[{"text": t.gettext("Ingatkan"), "data": cb.summary_action("nudge", m.cluster.id, str(m.month))}]],
        }

    def card(language: str | None, f: Figures, amount: int) -> dict[str, Any]:
        t = i18n.translator(language)
        position = (
            t.gettext("di atas median klaster") if amount > (f.median or 0)
            else t.gettext("sama dengan median klaster") if amount == f.median
            else t.gettext("di bawah median klaster")
        )
        return {
            "text": t.gettext(
                "Terima kasih sudah melapor omzet {bulan}. Omzet Anda {jumlah}, {posisi} ({median}). "
                "Perubahan omzet klaster dari bulan lalu: {persen}. Lihat riwayat Anda dengan /riwayat.",
                bulan=format_month(f.month, t.locale), jumlah=format_rupiah(amount, t.locale), posisi=position,
                median=format_rupiah(f.median, t.locale), persen=format_percent_change(f.change_previous, t.locale),
            ),
            "buttons": [],
        }

    return reminder, monthly.SummaryRenders(summary=summary, missing=missing, card=card)


def _default_month(context: KlasterContext) -> Month:
    now = context.runtime.now().astimezone(ZoneInfo(context.runtime.settings.timezone))
    return Month.from_date(now.date()).previous()


def _split_month(context: KlasterContext, args: list[str]) -> tuple[list[str], Month]:
    """The trailing words that name a month (any form people use), and the rest."""
    today = context.runtime.now().astimezone(ZoneInfo(context.runtime.settings.timezone)).date()
    for size in (2, 1):
        if len(args) >= size:
            try:
                return args[:-size], parse_month(" ".join(args[-size:]), today)
            except MonthError:
                continue
    return args, _default_month(context)


async def _send_summary(update: Update, context: KlasterContext, cluster_id: int, month: Month) -> None:
    t = context.t
    try:
        async with context.uow() as uow:
            figures = await summary_service.summary_for(uow, context.require_actor(), cluster_id, month, context.runtime.now())
    except DomainError as error:
        await refuse(update, context, error)
        return
    months = [month.months_back(back) for back in (3, 2, 1)] + ([month.next()] if month.next() <= _default_month(context) else [])
    await say(
        update,
        context,
        summary_text(t, figures),
        reply_markup=inline(
            [
                [(format_month(m, t.locale, short=True), cb.summary_action("m", cluster_id, str(m))) for m in months],
                [(t.gettext("Lihat grafik"), cb.summary_action("chart", cluster_id, str(month))),
                 (t.gettext("Belum melapor"), cb.summary_action("missing", cluster_id, str(month)))],
            ]
        ),
    )


async def ringkasan_command(update: Update, context: KlasterContext) -> None:
    """/ringkasan [klaster|kabupaten|semua|banding] [bulan]."""
    actor = context.require_actor()
    t = context.t
    if not (actor.is_ketua or actor.is_koordinator):
        await refuse(update, context, NotAllowed("summary"))
        return
    words, month = _split_month(context, list(context.args or []))
    target = " ".join(words).strip()
    comparison = region = choices = None
    cluster_id: int | None = None
    try:
        # Work out everything inside the unit of work; talk to Telegram only after it closed.
        async with context.uow() as uow:
            if target.casefold() in ("banding", "bandingkan", "compare"):
                comparison = await summary_service.comparison(uow, actor, month, context.runtime.now())
            elif target.casefold() in ("semua", "all"):
                region = await summary_service.region_figures(uow, actor, month, None)
            elif target:
                try:
                    cluster_id = (await cluster_service.find_cluster(uow, target)).id
                except NotFound:
                    # Not a cluster: a kabupaten (NotFound again when it is neither).
                    region = await summary_service.region_figures(uow, actor, month, target)
            else:
                cluster = await cluster_service.default_managed_cluster(uow, actor)
                if cluster is None:
                    choices = await cluster_service.cluster_choices(uow, actor)
                else:
                    cluster_id = cluster.id
    except NotFound:
        await say(
            update,
            context,
            t.gettext(
                "Klaster atau kabupaten itu tidak ditemukan di wilayah Anda. Contoh: /ringkasan "
                "Batik Simbang Kulon oktober, /ringkasan Pekalongan, /ringkasan semua, /ringkasan banding"
            ),
        )
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    if comparison is not None:
        await _send_comparison(update, context, comparison, month)
    elif region is not None:
        await say(update, context, summary_text(t, region))
    elif choices is not None:
        await ask_for_cluster(
            update, context, "ringkasan", choices,
            t.gettext("Ringkasan klaster mana? (Ketik juga /ringkasan banding untuk membandingkan klaster.)"),
        )
    elif cluster_id is not None:
        await _send_summary(update, context, cluster_id, month)


async def _send_comparison(update: Update, context: KlasterContext, rows: list[Figures], month: Month) -> None:
    t = context.t
    lines = [
        t.gettext("Perbandingan klaster — {bulan}", bulan=format_month(month, t.locale)),
        t.gettext("Urutan: pertumbuhan sejak bergabung, lalu tingkat pelaporan dan median."),
        "",
    ]
    for i, f in enumerate(rows, 1):
        lines.append(
            t.gettext(
                "{no}. {nama}: tumbuh {tumbuh}, melapor {lapor}, median {median}",
                no=i,
                nama=f.title,
                tumbuh=format_percent_change(f.growth_since_joining, t.locale),
                lapor=format_share(f.reporting_rate, t.locale),
                median=format_rupiah(f.median, t.locale) if f.median is not None else t.gettext("data belum cukup"),
            )
        )
    text = "\n".join(lines)
    for start in range(0, len(text), 3800):
        await say(update, context, text[start : start + 3800])


async def belumlapor_command(update: Update, context: KlasterContext) -> None:
    """/belumlapor [klaster] [bulan]: who has not reported, with a one-tap nudge."""
    actor = context.require_actor()
    if not (actor.is_ketua or actor.is_koordinator):
        await refuse(update, context, NotAllowed("missing"))
        return
    words, month = _split_month(context, list(context.args or []))
    target = " ".join(words).strip()
    try:
        async with context.uow(read_only=True) as uow:
            if target:
                cluster = await cluster_service.find_cluster(uow, target)
            else:
                cluster = await cluster_service.default_managed_cluster(uow, actor)
            choices = None if cluster else await cluster_service.cluster_choices(uow, actor)
    except DomainError as error:
        await refuse(update, context, error)
        return
    if cluster is None:
        await ask_for_cluster(update, context, "belumlapor", choices)
        return
    await send_missing(update, context, cluster.id, month)


async def send_missing(update: Update, context: KlasterContext, cluster_id: int, month: Month) -> None:
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            missing = await summary_service.missing_reports(uow, context.require_actor(), cluster_id, month)
    except DomainError as error:
        await refuse(update, context, error)
        return
    markup = inline([[(t.gettext("Ingatkan"), cb.summary_action("nudge", cluster_id, str(month)))]]) if missing.names else None
    await say(update, context, missing_text(t, missing), reply_markup=markup)


async def on_pick(update: Update, context: KlasterContext, purpose: str, cluster_id: int) -> None:
    """A cluster chosen from the buttons of /ringkasan or /belumlapor."""
    if purpose == "ringkasan":
        await _send_summary(update, context, cluster_id, _default_month(context))
    else:
        await send_missing(update, context, cluster_id, _default_month(context))


async def on_button(update: Update, context: KlasterContext) -> None:
    """Another month, the chart, the missing list, or the nudge."""
    query = update.callback_query
    match = cb.SUMMARY_PATTERN.match(query.data or "")
    assert match is not None
    t = context.t
    cluster_id = int(match["cluster"])
    try:
        month = Month.parse_iso(match["month"])
    except MonthError:
        await query.answer(t.gettext("Tombol ini sudah tidak berlaku."))
        return
    action = match["action"]
    if action == "m":
        await query.answer()
        await _send_summary(update, context, cluster_id, month)
    elif action == "missing":
        await query.answer()
        await send_missing(update, context, cluster_id, month)
    elif action == "chart":
        await _send_chart(update, context, cluster_id, month)
    else:
        reminder, _ = renders(context.runtime)
        try:
            async with context.uow() as uow:
                queued = await summary_service.nudge_missing(
                    uow, context.require_actor(), cluster_id, month, context.runtime.now(), reminder
                )
        except DomainError as error:
            await refuse(update, context, error)
            return
        await query.answer()
        if context.runtime.outbox is not None:
            context.runtime.outbox.wake()
        await say(
            update,
            context,
            t.gettext("Pengingat dikirim kepada {n} anggota.", n=format_count(queued, t.locale))
            if queued
            else t.gettext("Tidak ada pengingat baru: semua sudah melapor atau sudah diingatkan hari ini."),
        )


async def _send_chart(update: Update, context: KlasterContext, cluster_id: int, month: Month) -> None:
    t = context.t
    try:
        async with context.uow() as uow:
            history = await summary_service.history_of(uow, context.require_actor(), cluster_id, month, context.runtime.now())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await update.callback_query.answer()
    title = history[-1].title if history else ""
    png = omzet_chart(
        [ChartMonth(f.month, f.median) for f in history],
        labels=ChartLabels(
            title=t.gettext("Median omzet anggota {klaster}", klaster=title),
            own=t.gettext("Median omzet"),
            cluster_median=t.gettext("Median klaster"),
            not_reported=t.gettext("data belum cukup"),
        ),
        locale=t.locale,
    )
    await context.bot.send_photo(update.effective_chat.id, InputFile(png, filename="ringkasan.png"), caption=title)


async def ekspor_command(update: Update, context: KlasterContext) -> None:
    """/ekspor: the koordinator's Excel file of clusters by month."""
    t = context.t
    month = _default_month(context)
    try:
        async with context.uow() as uow:
            rows = await summary_service.export_rows(uow, context.require_actor(), month, context.runtime.now())
    except DomainError as error:
        await refuse(update, context, error)
        return
    headers = [
        t.gettext("Klaster"), t.gettext("Bulan"), t.gettext("Anggota"), t.gettext("Sudah melapor"),
        t.gettext("Tingkat pelaporan"), t.gettext("Total omzet"), t.gettext("Median omzet"),
        t.gettext("Rata-rata omzet"), t.gettext("Perubahan dari bulan lalu"),
        t.gettext("Pertumbuhan sejak bergabung"), t.gettext("Catatan"),
    ]
    data = summary_workbook(
        rows, headers, t.gettext("Data belum cukup: kurang dari 3 anggota melapor"), t.gettext("Ringkasan")
    )
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(data, filename=f"ringkasan-klaster-{month}.xlsx"),
        caption=t.gettext("Ringkasan klaster 12 bulan terakhir sampai {bulan}.", bulan=format_month(month, t.locale)),
    )
