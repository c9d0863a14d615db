"""Market requests glue: /permintaan (compose and post), "Sanggup" and pledges, the author's list,
close and allocation, follow-up answers, the omzet question, /peluang."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot import callbacks as cb
from bot.dates import format_month
from bot.domain import DomainError
from bot.market import (
    Allocated,
    AuthorView,
    DealAnswer,
    FollowUpAnswered,
    FollowUpSubject,
    Part,
    Pledged,
    PledgeOffer,
    Proposal,
)
from bot.messages import Payload
from bot.messages import requests as msg
from bot.services import requests as service
from bot.services.requests import AnswerStep, ComposeView, Step
from handlers.announcements import say_phone_missing
from handlers.context import KlasterContext
from handlers.keyboards import inline, markup
from handlers.replies import refuse, reply_payload, say

log = logging.getLogger(__name__)


def _target_label(context: KlasterContext, option) -> str:
    t = context.t
    if option.key == "all":
        return t.gettext("Semua klaster di wilayah Anda ({n})", n=option.clusters)
    if option.key.startswith("kab:"):
        return t.gettext("Kab./Kota {nama} ({n} klaster)", nama=option.label, n=option.clusters)
    if option.key.startswith("kom:"):
        return t.gettext("Komoditas {nama} ({n} klaster)", nama=option.label, n=option.clusters)
    return option.label


async def show_compose(update: Update, context: KlasterContext, view: ComposeView) -> None:
    t = context.t
    if view.step is Step.TARGET:
        rows = [[(_target_label(context, o), cb.request_target(o.key))] for o in view.targets]
        rows.append([(t.gettext("Batal"), cb.REQUEST_ABORT)])
        await say(update, context, t.gettext("Permintaan pembeli untuk siapa?"), reply_markup=inline(rows))
    elif view.step is Step.PREVIEW:
        await say(update, context, t.gettext("Pratinjau — anggota akan menerima pesan seperti ini:"))
        await reply_payload(update, context, msg.member_copy(t, view.draft, buttons=False))
        await say(
            update, context,
            t.gettext("Untuk: {klaster}. Kirim sekarang?", klaster=", ".join(view.draft.cluster_names)),
            reply_markup=markup(msg.preview_buttons(t, view.key)),
        )
    else:
        await say(update, context, msg.compose_prompt(t, view.step.value), reply_markup=markup(msg.compose_buttons(t, view.step.value)))


async def permintaan_command(update: Update, context: KlasterContext) -> None:
    """/permintaan: a chair or koordinator describes a buyer's order for the clusters in scope."""
    try:
        async with context.uow() as uow:
            view = await service.begin(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await show_compose(update, context, view)


async def resume_compose(update: Update, context: KlasterContext) -> None:
    """Show again where the request being written is."""
    try:
        async with context.uow(read_only=True) as uow:
            view = await service.current(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await show_compose(update, context, view)


async def compose_message(update: Update, context: KlasterContext) -> None:
    """Text, or a photo with its caption, while composing."""
    message = update.effective_message
    photo = message.photo[-1].file_id if message.photo else None
    if message.document:
        await say(update, context, context.t.gettext("Untuk permintaan, kirim foto (bukan dokumen) dengan keterangan."))
        return
    text = message.text if message.text is not None else message.caption
    try:
        async with context.uow() as uow:
            view = await service.submit(uow, context.require_actor(), text, context.runtime.now(), photo=photo)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await show_compose(update, context, view)


async def _drop_buttons(update: Update) -> None:
    if update.callback_query is None or update.callback_query.message is None:
        return
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:  # too old to edit, or already edited: harmless
        log.debug("could not remove buttons: %s", exc)


async def on_button(update: Update, context: KlasterContext) -> None:
    """Every button of market requests."""
    query = update.callback_query
    match = cb.REQUEST_PATTERN.match(query.data or "")
    assert match is not None
    t, user_id, now, i18n = context.t, update.effective_user.id, context.runtime.now(), context.runtime.i18n
    result = None
    keep_buttons = False
    try:
        async with context.uow() as uow:
            actor = context.require_actor()
            if match["target"]:
                result = await service.choose_target(uow, actor, match["target"])
            elif match["compose"] == "skip":
                result = await service.skip(uow, actor)
            elif match["compose"] == "abort":
                await service.abandon(uow, actor)
                result = t.gettext("Permintaan dibatalkan. Tidak ada yang dikirim.")
            elif match["compose"] == "send":
                result = await service.post(uow, actor, now, i18n, match["draft"])
            elif match["stop"]:
                await service.drop_answer(uow, user_id)
                result = t.gettext("Dibatalkan. Tidak ada yang dicatat.")
            elif match["decline"]:
                result = await service.decline_typed(uow, user_id, now)
            elif match["qrequest"]:
                result = await service.pledge(uow, user_id, int(match["qrequest"]), int(match["quantity"]), now, i18n)
            elif match["deal"]:
                result = await service.answer_deal(uow, user_id, int(match["deal"]), DealAnswer(match["deal_answer"]), now)
            elif match["mfollowup"]:
                result = await service.answer_member(uow, user_id, int(match["mfollowup"]), match["member_answer"] == "declined", now)
            elif match["ifollowup"]:
                answer = await service.answer_included(uow, user_id, int(match["ifollowup"]), match["included"])
                result = msg.included_answered(t, answer)
            elif match["filter"]:
                only_mine = await service.set_only_my_products(uow, user_id, match["filter"] == "mine", now)
                result = msg.preference(t, only_mine)
            else:
                result, keep_buttons = await _request_action(uow, update, context, match["action"], int(match["request"]))
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    if not keep_buttons:
        await _drop_buttons(update)
    await _reply(update, context, result)


async def _request_action(uow, update: Update, context: KlasterContext, action: str, request_id: int):
    """(what to answer, whether the pressed message keeps its buttons)."""
    user_id, now, i18n = update.effective_user.id, context.runtime.now(), context.runtime.i18n
    actor = context.require_actor()
    if action == "s":
        return await service.offer(uow, user_id, request_id), True
    if action == "o":
        return ("other", await service.ask_other_amount(uow, user_id, request_id)), False
    if action == "w":
        return await service.withdraw(uow, user_id, request_id, now, i18n), False
    if action == "r":
        return ("ready_by", await service.ask_ready_by(uow, user_id, request_id)), False
    if action == "l":
        return await service.author_view(uow, actor, request_id), True
    if action == "c":
        return ("closed", await service.close(uow, actor, request_id, now)), False
    if action == "a":
        return await service.propose(uow, actor, request_id), False
    if action == "k":
        return await service.send_allocation(uow, actor, request_id, now, i18n), False
    return await service.answer_part(uow, user_id, request_id, action == "y", now, i18n), False


async def _reply(update: Update, context: KlasterContext, result) -> None:
    """Answer the person who acted with what their action produced; wake the outbox when a
    notice to someone else may be waiting."""
    t = context.t
    outbox = context.runtime.outbox
    if isinstance(result, ComposeView):
        await show_compose(update, context, result)
    elif isinstance(result, str):
        await say(update, context, result)
    elif isinstance(result, Payload):
        await reply_payload(update, context, result)
    elif isinstance(result, service.Posted):
        await reply_payload(update, context, msg.posted(t, result.request_id, result.recipients))
    elif isinstance(result, PledgeOffer):
        await reply_payload(update, context, msg.offer(t, result))
        if result.phone_missing:
            await say_phone_missing(update, context)
    elif isinstance(result, Pledged):
        await reply_payload(update, context, msg.pledged(t, result))
        if result.phone_missing and result.quantity is not None:
            await say_phone_missing(update, context)
    elif isinstance(result, AuthorView):
        await reply_payload(update, context, msg.author_view(t, result))
    elif isinstance(result, Proposal):
        await reply_payload(update, context, msg.proposal(t, result))
    elif isinstance(result, Allocated):
        await say(update, context, msg.allocated(t, result))
    elif isinstance(result, Part):
        await say(update, context, msg.part_answered(t, result))
    elif isinstance(result, FollowUpAnswered):
        await say(update, context, msg.answered(t, result))
    elif isinstance(result, FollowUpSubject):
        await _ask_typed(update, context, result)
    elif isinstance(result, tuple):
        kind, value = result
        if kind == "closed":
            await reply_payload(update, context, msg.closed(t, value))
        elif kind == "other":
            await say(update, context, msg.other_amount_prompt(t, value), reply_markup=inline([[(t.gettext("Batal"), cb.REQUEST_STOP)]]))
        else:
            await say(update, context, msg.ready_by_prompt(t, value), reply_markup=inline([[(t.gettext("Batal"), cb.REQUEST_STOP)]]))
    if outbox is not None:
        outbox.wake()


async def _ask_typed(update: Update, context: KlasterContext, subject: FollowUpSubject) -> None:
    """The next typed question of a follow-up (its step is in the person's state)."""
    async with context.uow(read_only=True) as uow:
        step, _ = await service.current_answer(uow, update.effective_user.id)
    t = context.t
    await say(update, context, msg.typed_prompt(t, step.value, subject), reply_markup=markup(msg.typed_buttons(t)))


async def on_answer_text(update: Update, context: KlasterContext) -> None:
    """A typed quantity, day, allocation change, deal value, delivery or payment."""
    text = update.effective_message.text or ""
    try:
        async with context.uow() as uow:
            result = await service.submit_answer_text(uow, update.effective_user.id, text, context.runtime.now(), context.runtime.i18n)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await _reply(update, context, result)


async def resume_answer(update: Update, context: KlasterContext) -> None:
    """Ask again the typed question the person is at."""
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            step, value = await service.current_answer(uow, update.effective_user.id)
    except DomainError as error:
        await refuse(update, context, error)
        return
    if step is AnswerStep.PLEDGE_AMOUNT:
        await _reply(update, context, ("other", value))
    elif step is AnswerStep.READY_BY:
        await _reply(update, context, ("ready_by", value))
    elif step is AnswerStep.ADJUST:
        await reply_payload(update, context, msg.proposal(t, value))
    else:
        await say(update, context, msg.typed_prompt(t, step.value, value), reply_markup=markup(msg.typed_buttons(t)))


async def peluang_command(update: Update, context: KlasterContext) -> None:
    """/peluang: a member chooses to receive every opportunity or only their products'."""
    try:
        async with context.uow(read_only=True) as uow:
            only_mine = await service.only_my_products(uow, update.effective_user.id)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await reply_payload(update, context, msg.preference(context.t, only_mine))


async def ask_included(update: Update, context: KlasterContext, outcome) -> None:
    """After an omzet report was saved: for each payment through a request or opportunity in
    that month (reports.Recorded.paid_through), whether the reported omzet includes it."""
    t = context.t
    for item in getattr(outcome, "paid_through", ()):
        await reply_payload(update, context, msg.included_question(t, item, format_month(outcome.month, t.locale)))

