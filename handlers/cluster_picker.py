"""One cluster picker for every command that works on one cluster: buttons by kabupaten, then
by cluster; what the chosen cluster leads to is a table given at registration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping

from telegram import Update

from bot import callbacks as cb
from bot.domain import ClusterInfo, DomainError, NotAllowed
from bot.services import clusters as cluster_service
from bot.services.clusters import ClusterChoices
from handlers.context import KlasterContext
from handlers.keyboards import cluster_choice_keyboard
from handlers.replies import refuse, say

Picked = Callable[[Update, KlasterContext, ClusterInfo], Awaitable[None]]


async def ask_for_cluster(
    update: Update, context: KlasterContext, purpose: str, choices: ClusterChoices, question: str | None = None
) -> None:
    """Buttons for the clusters in scope (by kabupaten first when there are many)."""
    t = context.t
    default = t.gettext("Pilih kabupaten/kota:") if choices.kabupaten else t.gettext("Pilih klaster:")
    await say(
        update,
        context,
        question if question and not choices.kabupaten else default,
        reply_markup=cluster_choice_keyboard(
            t,
            choices,
            kabupaten_data=lambda i, page: cb.pick_kabupaten(purpose, i, page),
            cluster_data=lambda cid: cb.pick_cluster(purpose, cid),
        ),
    )


def on_pick(
    purposes: Mapping[str, Picked], koordinator_only: Collection[str] = ()
) -> Callable[[Update, KlasterContext], Awaitable[None]]:
    """The handler of the picker's buttons: a kabupaten narrows the list, a cluster runs
    `purposes[purpose]` (checked against the reader's role and scope at the moment of the
    press; the purposes in `koordinator_only` are refused to anyone else)."""

    async def pressed(update: Update, context: KlasterContext) -> None:
        query = update.callback_query
        match = cb.PICK_PATTERN.match(query.data or "")
        assert match is not None
        actor = context.require_actor()
        purpose = match["purpose"]
        try:
            async with context.uow(read_only=True) as uow:
                if purpose in koordinator_only and not actor.is_koordinator:
                    raise NotAllowed("role")
                if match["cluster"]:
                    cluster = await cluster_service.managed_cluster(uow, actor, int(match["cluster"]))
                    choices = None
                else:
                    cluster = None
                    index = None if match["kab"] == "all" else int(match["kab"])
                    choices = await cluster_service.cluster_choices(
                        uow, actor, kabupaten_index=index, page=int(match["page"] or 0)
                    )
                    if not actor.roles:
                        raise NotAllowed("role")
        except DomainError as error:
            await refuse(update, context, error)
            return
        await query.answer()
        if cluster is not None:
            await purposes[purpose](update, context, cluster)
            return
        await ask_for_cluster(update, context, purpose, choices)

    return pressed
