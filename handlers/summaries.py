"""Summaries glue: /ringkasan, /belumlapor, /ekspor, the nudge, and the renderers for jobs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import InputFile, Update

from bot import callbacks as cb
from bot.chart import ChartLabels, ChartMonth, omzet_chart
from bot.dates import Month, MonthError, format_month, parse_month
from bot.domain import ClusterInfo, DomainError, NotAllowed, NotFound
from bot.export import MarketSheet, programme_workbook
from bot.messages import requests as market_texts
from bot.messages import summaries as texts
from bot.money import (
    format_count,
    format_quantity,
)
from bot.services import clusters as cluster_service
from bot.services import criteria as criteria_service
from bot.services import exports as export_service
from bot.services import requests as market_service
from bot.services import summaries as summary_service
from bot.services.clusters import AmbiguousCluster, ClusterChoices
from handlers import criteria as criteria_handlers
from handlers.cluster_picker import ask_for_cluster
from handlers.context import KlasterContext
from handlers.keyboards import inline
from handlers.replies import refuse, reply_payload, say


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
            figures = await summary_service.summary_for(
                uow, context.require_actor(), cluster_id, month, context.runtime.now(), context.runtime.settings.schedule
            )
            market = await market_service.cluster_market(
                uow, context.require_actor(), cluster_id, month, context.runtime.now(), context.runtime.settings.schedule
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    months = [month.months_back(back) for back in (3, 2, 1)] + ([month.next()] if month.next() <= _default_month(context) else [])
    await say(
        update,
        context,
        # A cluster's market month only where something happened in it.
        texts.summary_text(t, figures) + ("\n\n" + market_texts.market_text(t, market) if market.active else ""),
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
    now, schedule = context.runtime.now(), context.runtime.settings.schedule
    try:
        # Work out everything inside the unit of work; talk to Telegram only after it closed.
        async with context.uow() as uow:
            if target.casefold() in ("banding", "bandingkan", "compare"):
                comparison = await criteria_service.ranking(uow, actor, month, now, schedule)
            elif target.casefold() in ("semua", "all"):
                region = await summary_service.region_figures(uow, actor, month, None, now, schedule)
            elif target:
                try:
                    cluster_id = (await cluster_service.find_cluster(uow, target)).id
                except NotFound:
                    # Not a cluster's name: a kabupaten, then any part of a cluster's name.
                    try:
                        if not actor.is_koordinator:
                            raise NotFound("region") from None
                        region = await summary_service.region_figures(uow, actor, month, target, now, schedule)
                    except NotFound:
                        cluster_id = (await cluster_service.find_cluster(uow, target, partial_for=actor)).id
            else:
                cluster = await cluster_service.default_managed_cluster(uow, actor)
                if cluster is None:
                    choices = await cluster_service.cluster_choices(uow, actor)
                else:
                    cluster_id = cluster.id
    except AmbiguousCluster as ambiguous:
        await _ask_which(update, context, "ringkasan", ambiguous)
        return
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
        await criteria_handlers.send_ranking(update, context, comparison)
    elif region is not None:
        await say(update, context, texts.summary_text(t, region, region=True))
    elif choices is not None:
        await ask_for_cluster(
            update, context, "ringkasan", choices,
            t.gettext("Ringkasan klaster mana? (Ketik juga /ringkasan banding untuk membandingkan klaster.)"),
        )
    elif cluster_id is not None:
        await _send_summary(update, context, cluster_id, month)


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
                cluster = await cluster_service.find_cluster(uow, target, partial_for=actor)
            else:
                cluster = await cluster_service.default_managed_cluster(uow, actor)
            choices = None if cluster else await cluster_service.cluster_choices(uow, actor)
    except AmbiguousCluster as ambiguous:
        await _ask_which(update, context, "belumlapor", ambiguous)
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    if cluster is None:
        await ask_for_cluster(update, context, "belumlapor", choices)
        return
    await send_missing(update, context, cluster.id, month)


async def _ask_which(update: Update, context: KlasterContext, purpose: str, ambiguous: AmbiguousCluster) -> None:
    """A part of a name that fits several clusters: one button each."""
    await ask_for_cluster(
        update, context, purpose, ClusterChoices(clusters=ambiguous.candidates),
        context.t.gettext("Beberapa klaster cocok dengan \"{teks}\". Pilih salah satu:", teks=ambiguous.text),
    )


async def send_missing(update: Update, context: KlasterContext, cluster_id: int, month: Month) -> None:
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            missing = await summary_service.missing_reports(uow, context.require_actor(), cluster_id, month)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await reply_payload(update, context, texts.missing(t, missing))


async def summary_of_picked(update: Update, context: KlasterContext, cluster: ClusterInfo) -> None:
    """A cluster chosen from the buttons of /ringkasan."""
    await _send_summary(update, context, cluster.id, _default_month(context))


async def missing_of_picked(update: Update, context: KlasterContext, cluster: ClusterInfo) -> None:
    """A cluster chosen from the buttons of /belumlapor."""
    await send_missing(update, context, cluster.id, _default_month(context))


PICKED = {"ringkasan": summary_of_picked, "belumlapor": missing_of_picked}


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
        try:
            async with context.uow() as uow:
                queued = await summary_service.nudge_missing(
                    uow, context.require_actor(), cluster_id, month, context.runtime.now(), context.runtime.i18n
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
            history = await summary_service.history_of(
                uow, context.require_actor(), cluster_id, month, context.runtime.now(), deadline=context.runtime.settings.schedule
            )
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
    """/ekspor: the koordinator's Excel file: clusters by month, the ranking, the shortlist, notes."""
    t = context.t
    month = _default_month(context)
    try:
        async with context.uow() as uow:
            data = await export_service.export_for(
                uow, context.require_actor(), month, context.runtime.now(), context.runtime.settings.schedule
            )
            market = await market_service.market_export_rows(
                uow, context.require_actor(), month, context.runtime.now(), deadline=context.runtime.settings.schedule
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    content = programme_workbook(
        t, data, context.runtime.settings.timezone,
        market=MarketSheet(
            title=t.gettext("Peluang pasar"),
            headers=[
                t.gettext("Klaster"), t.gettext("Bulan"), t.gettext("Permintaan pembeli"), t.gettext("Anggota dijangkau"),
                t.gettext("Anggota menyanggupi"), t.gettext("Disanggupi"), t.gettext("Anggota mendapat bagian"),
                t.gettext("Dibagi"), t.gettext("Anggota menjawab"), t.gettext("Dikirim"),
                t.gettext("Dibayar kepada anggota"), t.gettext("Termasuk dalam omzet"), t.gettext("Transaksi"),
                t.gettext("Nilai transaksi"), t.gettext("Catatan"),
            ],
            rows=market,
            suppressed_note=t.gettext(
                "Jumlah dari kurang dari {n} anggota tidak ditampilkan", n=format_count(summary_service.MIN_REPORTERS, t.locale)
            ),
            unpublished_note=t.gettext("Belum terbit: angka peluang pasar terbit bersama angka omzet"),
            quantities=lambda totals: ", ".join(format_quantity(u.quantity, u.unit, t.locale) for u in totals),
        ),
    )
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(content, filename=f"ringkasan-klaster-{month}.xlsx"),
        caption=t.gettext(
            "Ringkasan klaster 12 bulan terakhir sampai {bulan}, dengan lembar Banding, Pilihan, Kohort dan Keterangan.",
            bulan=format_month(month, t.locale),
        ),
    )
