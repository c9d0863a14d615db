"""Criteria and the shortlist glue: /kriteria, /pilihan, the ranking of /ringkasan banding."""

from __future__ import annotations

from telegram import InputFile, Update

from bot import callbacks as cb
from bot.chart import ScoreChartLabels, score_chart
from bot.dates import Month, format_month
from bot.domain import DomainError, NotAllowed
from bot.messages import criteria as texts
from bot.services import criteria as criteria_service
from bot.services.criteria import Ranking, Step
from handlers.context import KlasterContext
from handlers.keyboards import markup
from handlers.replies import refuse, reply_payload, say


async def send_ranking(update: Update, context: KlasterContext, ranking: Ranking) -> None:
    t = context.t
    messages = texts.ranking_texts(t, ranking)
    for text in messages[:-1]:
        await say(update, context, text)
    await say(update, context, messages[-1], reply_markup=markup(texts.ranking_buttons(t, ranking)))


async def _ranking(update: Update, context: KlasterContext, month: Month, set_id: int | None) -> Ranking | None:
    try:
        async with context.uow() as uow:
            return await criteria_service.ranking(
                uow, context.require_actor(), month, context.runtime.now(), context.runtime.settings.schedule, set_id
            )
    except DomainError as error:
        await refuse(update, context, error)
        return None


async def kriteria_command(update: Update, context: KlasterContext) -> None:
    """/kriteria: the sets; /kriteria baru: define one; /kriteria <nama>: <bobot>: save at once."""
    actor = context.require_actor()
    if not actor.is_koordinator:
        await refuse(update, context, NotAllowed("criteria"))
        return
    argument = " ".join(context.args or []).strip()
    if argument.casefold() in ("baru", "new"):
        await _begin_define(update, context)
        return
    if argument:
        await _save(update, context, argument)
        return
    await _send_list(update, context)


async def _send_list(update: Update, context: KlasterContext) -> None:
    try:
        async with context.uow(read_only=True) as uow:
            found = await criteria_service.list_sets(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await reply_payload(update, context, texts.criteria_list(context.t, found))


async def _begin_define(update: Update, context: KlasterContext) -> None:
    try:
        async with context.uow() as uow:
            await criteria_service.begin_define(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await say(update, context, texts.define_prompt(context.t))


def _default_month(context: KlasterContext) -> Month:
    from zoneinfo import ZoneInfo

    now = context.runtime.now().astimezone(ZoneInfo(context.runtime.settings.timezone))
    return Month.from_date(now.date()).previous()


async def _save(update: Update, context: KlasterContext, text: str) -> None:
    try:
        async with context.uow() as uow:
            saved = await criteria_service.save_set(uow, context.require_actor(), text, context.runtime.now())
    except DomainError as error:
        await refuse(update, context, error)
        await say(update, context, texts.define_prompt(context.t))
        return
    await reply_payload(update, context, texts.saved(context.t, saved, str(_default_month(context))))


async def pilihan_command(update: Update, context: KlasterContext) -> None:
    """/pilihan: the koordinator's shortlist with notes."""
    await _send_shortlist(update, context)


async def _send_shortlist(update: Update, context: KlasterContext) -> None:
    try:
        async with context.uow(read_only=True) as uow:
            items = await criteria_service.shortlist(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await reply_payload(update, context, texts.shortlist(context.t, items))


async def on_text(update: Update, context: KlasterContext) -> None:
    """Typed in the criteria flow: a name with weights, or the note of a shortlisted cluster."""
    t = context.t
    try:
        async with context.uow() as uow:
            typed = await criteria_service.submit_text(
                uow, context.require_actor(), update.effective_message.text, context.runtime.now()
            )
    except DomainError as error:
        await refuse(update, context, error)
        await resume(update, context)
        return
    if typed.saved is not None:
        await reply_payload(update, context, texts.saved(t, typed.saved, str(_default_month(context))))
    elif typed.noted is not None:
        await say(update, context, t.gettext("Catatan untuk {klaster} tersimpan.", klaster=typed.noted.name))
        await _send_shortlist(update, context)


async def resume(update: Update, context: KlasterContext) -> None:
    """The current question of the criteria flow again."""
    try:
        async with context.uow(read_only=True) as uow:
            step, cluster = await criteria_service.current_step(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    if step is Step.NOTE:
        await say(update, context, texts.note_prompt(context.t, cluster.name if cluster else ""))
    else:
        await say(update, context, texts.define_prompt(context.t))


async def on_button(update: Update, context: KlasterContext) -> None:
    """Use a set, define one, rank, chart, shortlist add / remove / note."""
    query = update.callback_query
    match = cb.CRITERIA_PATTERN.match(query.data or "")
    assert match is not None
    t = context.t
    actor = context.require_actor()
    now = context.runtime.now()
    if match["plain"] == "list":
        await query.answer()
        await _send_list(update, context)
        return
    if match["plain"] == "new":
        await query.answer()
        await _begin_define(update, context)
        return
    if match["plain"] == "short":
        await query.answer()
        await _send_shortlist(update, context)
        return
    if match["view"]:
        try:
            month = Month.parse_iso(match["month"])
        except ValueError:
            await query.answer(t.gettext("Tombol ini sudah tidak berlaku."))
            return
        ranking = await _ranking(update, context, month, int(match["set"]))
        if ranking is None:
            return
        await query.answer()
        if match["view"] == "rank":
            await send_ranking(update, context, ranking)
        else:
            await _send_chart(update, context, ranking)
        return
    target = int(match["id"])
    action = match["action"]
    try:
        async with context.uow() as uow:
            if action == "use":
                chosen = await criteria_service.choose_set(uow, actor, target, now)
            elif action == "add":
                items = await criteria_service.add_to_shortlist(uow, actor, target, now)
            elif action == "del":
                items = await criteria_service.remove_from_shortlist(uow, actor, target)
            else:
                noted = await criteria_service.begin_note(uow, actor, target)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    if action == "use":
        await say(update, context, t.gettext(
            "Mulai sekarang /ringkasan banding memakai kriteria {nama}.", nama=texts.set_title(t, chosen)
        ))
        ranking = await _ranking(update, context, _default_month(context), None)
        if ranking is not None:
            await send_ranking(update, context, ranking)
    elif action in ("add", "del"):
        await reply_payload(update, context, texts.shortlist(t, items))
    else:
        await say(update, context, texts.note_prompt(t, noted.name))


async def _send_chart(update: Update, context: KlasterContext, ranking: Ranking) -> None:
    t = context.t
    bars = texts.chart_bars(ranking)
    if not bars:
        await say(update, context, t.gettext("Belum ada klaster yang datanya cukup untuk diperingkat dengan kriteria ini."))
        return
    png = score_chart(
        bars,
        labels=ScoreChartLabels(
            title=t.gettext("Skor klaster — {bulan}", bulan=format_month(ranking.month, t.locale)),
            parts=[texts.label(t, c) for c in ranking.used],
            axis=t.gettext("Skor total (0–100), dibagi menurut kriteria"),
        ),
        locale=t.locale,
    )
    await context.bot.send_photo(
        update.effective_chat.id, InputFile(png, filename="banding.png"),
        caption=t.gettext("Kriteria: {nama}", nama=texts.set_title(t, ranking.criteria)),
    )
