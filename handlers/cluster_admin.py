"""Running a cluster from the chat: /undang, /anggota, /klaster, /ketua, join approvals."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot import callbacks as cb
from bot.domain import (
    CLUSTER_ZONES,
    Actor,
    ClusterInfo,
    DomainError,
    NotAllowed,
    StaleAction,
    zone_short_name,
)
from bot.messages import Payload, people
from bot.services import approval as approval_service
from bot.services import cluster_setup, leaving, member_states
from bot.services import clusters as cluster_service
from bot.services import roles as role_service
from bot.services.clusters import invite_link
from handlers.cluster_picker import ask_for_cluster
from handlers.context import KlasterContext
from handlers.keyboards import MAX_LIST_BUTTONS, inline
from handlers.replies import refuse, reply_payload, say

log = logging.getLogger(__name__)

def _may_manage(actor: Actor) -> bool:
    return actor.is_ketua or actor.is_koordinator


async def _refuse_role(update: Update, context: KlasterContext) -> None:
    await refuse(update, context, NotAllowed("role"))


# Only a koordinator appoints chairs or moves a cluster to another zone.
KOORDINATOR_PURPOSES = ("ketua", "zona")


async def _pick_cluster_or_run(
    update: Update, context: KlasterContext, purpose: str, argument: str | None = None
) -> None:
    """Run for the one cluster in scope, or ask which cluster (by kabupaten when many)."""
    actor = context.require_actor()
    if not _may_manage(actor) or (purpose in KOORDINATOR_PURPOSES and not actor.is_koordinator):
        await _refuse_role(update, context)
        return
    if argument is None:
        argument = " ".join(context.args or []).strip()
    try:
        async with context.uow(read_only=True) as uow:
            if argument:
                cluster = await cluster_service.find_cluster(uow, argument, partial_for=actor)
                if not actor.can_manage(cluster):
                    raise NotAllowed("cluster_scope")
                choices = None
            else:
                cluster = await cluster_service.default_managed_cluster(uow, actor)
                choices = None if cluster else await cluster_service.cluster_choices(uow, actor)
    except cluster_service.AmbiguousCluster as ambiguous:
        await ask_for_cluster(
            update, context, purpose, cluster_service.ClusterChoices(clusters=ambiguous.candidates),
            context.t.gettext("Beberapa klaster cocok dengan \"{teks}\". Pilih salah satu:", teks=ambiguous.text),
        )
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    if cluster is not None:
        await _run(update, context, purpose, cluster)
        return
    await ask_for_cluster(update, context, purpose, choices)


async def _run(update: Update, context: KlasterContext, purpose: str, cluster: ClusterInfo) -> None:
    await PICKED[purpose](update, context, cluster)


async def undang_command(update: Update, context: KlasterContext) -> None:
    """/undang [klaster]: the cluster's invite link, for its chair or a koordinator in scope."""
    await _pick_cluster_or_run(update, context, "undang")


async def anggota_command(update: Update, context: KlasterContext) -> None:
    """/anggota [klaster]: members and their status, never their omzet."""
    await _pick_cluster_or_run(update, context, "anggota")


async def ketua_command(update: Update, context: KlasterContext) -> None:
    """/ketua [klaster]: a koordinator appoints or removes a cluster's chair."""
    await _pick_cluster_or_run(update, context, "ketua")


async def send_invite(update: Update, context: KlasterContext, cluster: ClusterInfo) -> None:
    link = invite_link(context.bot.username, cluster)
    await say(
        update,
        context,
        context.t.gettext(
            "Tautan undangan {klaster}:\n{tautan}\n\nBagikan tautan ini kepada pelaku usaha di "
            "klaster Anda. Dengan membukanya, mereka langsung mendaftar ke klaster ini.\n"
            "Kode undangan: {kode}",
            klaster=cluster.name,
            tautan=link,
            kode=cluster.invite_code,
        ),
    )


async def send_members(
    update: Update, context: KlasterContext, cluster: ClusterInfo, shown: member_states.State | None = None
) -> None:
    """Each member's state this month (reported, not yet, no sales, blocked, paused, waiting)."""
    from zoneinfo import ZoneInfo

    from bot.dates import Month

    t = context.t
    today = context.runtime.now().astimezone(ZoneInfo(cluster.timezone)).date()
    try:
        async with context.uow(read_only=True) as uow:
            found = await member_states.member_states(
                uow, context.require_actor(), cluster.id, Month.from_date(today).previous(), shown
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    if not found.total:
        await say(update, context, t.gettext("{klaster} belum memiliki anggota terdaftar.", klaster=cluster.name))
        return
    for payload in people.member_states(t, found):
        await reply_payload(update, context, payload)


async def on_members_filter(update: Update, context: KlasterContext) -> None:
    """A state's button under /anggota: only the members in that state (or all again)."""
    query = update.callback_query
    match = cb.ANGGOTA_PATTERN.match(query.data or "")
    assert match is not None
    try:
        async with context.uow(read_only=True) as uow:
            cluster = await cluster_service.managed_cluster(uow, context.require_actor(), int(match["cluster"]))
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    state = None if match["state"] == "semua" else member_states.State(match["state"])
    await send_members(update, context, cluster, state)


async def on_leave_button(update: Update, context: KlasterContext) -> None:
    """ "Keluarkan anggota" under /anggota: a member to pick, the confirmation, the removal."""
    query = update.callback_query
    match = cb.LEAVE_PATTERN.match(query.data or "")
    assert match is not None
    t, actor = context.t, context.require_actor()
    removed = None
    try:
        async with context.uow() as uow:
            if match["cluster"]:
                payload = people.removal_choices(t, await leaving.removable(uow, actor, int(match["cluster"]), int(match["page"])))
            elif match["action"] == "ask":
                payload = people.confirm_removal(t, await leaving.to_remove(uow, actor, int(match["member"])))
            elif match["action"] == "no":
                leaver = await leaving.to_remove(uow, actor, int(match["member"]))
                payload = Payload(t.gettext("Baik, {nama} tetap anggota {klaster}.", nama=leaver.name, klaster=leaver.cluster.name))
            else:
                removed = await leaving.remove_member(uow, actor, int(match["member"]), context.runtime.now(), context.runtime.i18n)
                payload = Payload(t.gettext(
                    "{nama} sudah dikeluarkan dari {klaster}. Produknya ({n}) tidak lagi ditampilkan dan ia sudah diberi tahu.",
                    nama=removed.name, klaster=removed.cluster.name, n=removed.unpublished))
    except leaving.ChairCannotLeave:
        await refuse_text(update, context, t.gettext(
            "Anggota ini adalah ketua klaster. Peran ketuanya dicopot dulu oleh koordinator dengan /ketua; "
            "setelah itu ia bisa dikeluarkan."))
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    if match["action"] in ("ok", "no"):
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError as exc:  # too old to edit, or already edited: harmless
            log.debug("could not remove buttons: %s", exc)
    await reply_payload(update, context, payload)
    if removed is not None:
        _wake_outbox(context)


async def refuse_text(update: Update, context: KlasterContext, text: str) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text[:190])
    await say(update, context, text)


async def send_chair_choice(update: Update, context: KlasterContext, cluster: ClusterInfo) -> None:
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            info, candidates = await role_service.chair_candidates(uow, context.require_actor(), cluster.id)
    except DomainError as error:
        await refuse(update, context, error)
        return
    if not candidates:
        await say(
            update,
            context,
            t.gettext(
                "{klaster} belum memiliki anggota aktif. Ketua dipilih dari anggota: bagikan dulu "
                "tautan undangan (/undang).",
                klaster=info.name,
            ),
        )
        return
    rows = []
    for c in candidates[:MAX_LIST_BUTTONS]:
        if c.is_chair:
            rows.append([(t.gettext("Copot {nama} (ketua)", nama=c.name), cb.chair(False, info.id, c.member_id))])
        else:
            rows.append([(t.gettext("Angkat {nama}", nama=c.name), cb.chair(True, info.id, c.member_id))])
    await say(
        update,
        context,
        t.gettext("Ketua {klaster}: pilih anggota yang diangkat atau dicopot.", klaster=info.name),
        reply_markup=inline(rows),
    )


async def on_chair_button(update: Update, context: KlasterContext) -> None:
    """Appoint or remove a chair; the member is told."""
    query = update.callback_query
    match = cb.CHAIR_PATTERN.match(query.data or "")
    assert match is not None
    try:
        async with context.uow() as uow:
            change = await role_service.set_chair(
                uow,
                context.require_actor(),
                int(match["cluster"]),
                int(match["member"]),
                appoint=match["action"] == "set",
                now=context.runtime.now(),
                i18n=context.runtime.i18n,
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    t = context.t
    if change.appointed:
        text = t.gettext("{nama} sekarang ketua {klaster}.", nama=change.member_name, klaster=change.cluster.name)
    else:
        text = t.gettext("{nama} bukan lagi ketua {klaster}.", nama=change.member_name, klaster=change.cluster.name)
    await say(update, context, text)
    _wake_outbox(context)  # the member's notice is queued


def _wake_outbox(context: KlasterContext) -> None:
    if context.runtime.outbox is not None:
        context.runtime.outbox.wake()


async def on_approval(update: Update, context: KlasterContext) -> None:
    """Terima / Tolak on a join request."""
    query = update.callback_query
    match = cb.APPROVAL_PATTERN.match(query.data or "")
    assert match is not None
    accept = match["decision"] == "yes"
    try:
        async with context.uow() as uow:
            decision = await approval_service.decide(
                uow, context.require_actor(), int(match["member"]), accept=accept, now=context.runtime.now(),
                i18n=context.runtime.i18n,
            )
    except StaleAction:
        await query.answer(context.t.gettext("Permintaan ini sudah diputuskan."))
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except TelegramError:
            pass
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    t, member = context.t, decision.member
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:
        log.debug("could not remove buttons: %s", exc)
    await say(
        update,
        context,
        t.gettext("{nama} diterima sebagai anggota {klaster}.", nama=member.name, klaster=member.cluster.name)
        if accept
        else t.gettext("Permintaan {nama} ditolak.", nama=member.name),
    )
    _wake_outbox(context)  # the member's notice is queued


async def klaster_command(update: Update, context: KlasterContext) -> None:
    """/klaster: a koordinator creates a cluster, one question at a time; /klaster zona
    [klaster]: moves one to another zone."""
    actor = context.require_actor()
    if not actor.is_koordinator:
        await _refuse_role(update, context)
        return
    args = context.args or []
    if args and args[0].casefold() in ("zona", "zone"):
        await _pick_cluster_or_run(update, context, "zona", " ".join(args[1:]).strip())
        return
    try:
        async with context.uow() as uow:
            await cluster_setup.begin(uow, actor)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await say(update, context, context.t.gettext("Nama klaster baru?\nContoh: Batik Simbang Kulon"))


async def cluster_setup_text(update: Update, context: KlasterContext) -> None:
    """A typed answer while creating a cluster."""
    try:
        async with context.uow() as uow:
            view = await cluster_setup.submit_text(uow, context.require_actor(), update.effective_message.text)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await _ask_setup_step(update, context, view.step)


async def resume_setup(update: Update, context: KlasterContext) -> None:
    """Ask again the question of the cluster being created."""
    try:
        async with context.uow(read_only=True) as uow:
            view = await cluster_setup.current(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await _ask_setup_step(update, context, view.step)


async def _ask_setup_step(update: Update, context: KlasterContext, step: cluster_setup.Step) -> None:
    t = context.t
    if step is cluster_setup.Step.NAME:
        await say(update, context, t.gettext("Nama klaster baru?\nContoh: Batik Simbang Kulon"))
    elif step is cluster_setup.Step.KABUPATEN:
        await say(update, context, t.gettext("Di kabupaten/kota mana?\nContoh: Pekalongan"))
    elif step is cluster_setup.Step.COMMODITY:
        await say(update, context, t.gettext("Komoditas utamanya?\nContoh: batik"))
    elif step is cluster_setup.Step.APPROVAL:
        await _ask_approval(update, context)
    else:
        # WIB first: most clusters are in it, and it is what a cluster gets by default.
        await say(
            update,
            context,
            t.gettext(
                "Zona waktu klaster? Pengingat dan ringkasan dikirim menurut jam setempat.\n"
                "WIB: Sumatra, Jawa, Kalimantan Barat dan Tengah\n"
                "WITA: Bali, Nusa Tenggara, Kalimantan Selatan, Timur dan Utara, Sulawesi\n"
                "WIT: Maluku dan Papua"
            ),
            reply_markup=inline([[(short, cb.cluster_setup_zone(short)) for short in CLUSTER_ZONES]]),
        )


async def _ask_approval(update: Update, context: KlasterContext) -> None:
    t = context.t
    await say(
        update,
        context,
        t.gettext("Apakah anggota baru perlu disetujui ketua sebelum bergabung?"),
        reply_markup=inline(
            [[(t.gettext("Ya, perlu"), cb.cluster_setup_approval(True)), (t.gettext("Tidak perlu"), cb.cluster_setup_approval(False))]]
        ),
    )


async def _drop_buttons(update: Update) -> None:
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:
        pass


async def on_cluster_setup_button(update: Update, context: KlasterContext) -> None:
    """The zone, then the last answer (approval needed or not); then the cluster exists."""
    query = update.callback_query
    match = cb.CLUSTER_SETUP_PATTERN.match(query.data or "")
    assert match is not None
    try:
        async with context.uow() as uow:
            if match["zone"]:
                await cluster_setup.choose_zone(uow, context.require_actor(), match["zone"])
                cluster = None
            else:
                cluster = await cluster_setup.finish(
                    uow, context.require_actor(), requires_approval=match["answer"] == "yes"
                )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    await _drop_buttons(update)
    if cluster is None:
        await _ask_approval(update, context)
        return
    await say(
        update,
        context,
        context.t.gettext(
            "Klaster {klaster} ({kabupaten}, {zona}) sudah dibuat.\nTautan undangan: {tautan}\n\n"
            "Angkat ketuanya dengan /ketua setelah ada anggota yang mendaftar.",
            klaster=cluster.name,
            kabupaten=cluster.kabupaten,
            zona=zone_short_name(cluster.timezone),
            tautan=invite_link(context.bot.username, cluster),
        ),
    )


async def offer_zones(update: Update, context: KlasterContext, cluster: ClusterInfo) -> None:
    """The cluster's zone and a button for each of the three."""
    try:
        async with context.uow(read_only=True) as uow:
            cluster = await cluster_service.zone_choice(uow, context.require_actor(), cluster.id)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await say(
        update,
        context,
        context.t.gettext(
            "Zona waktu {klaster}: {zona}. Pengingat dan ringkasan dikirim menurut jam zona ini.\n"
            "Pilih zona waktu:",
            klaster=cluster.name,
            zona=zone_short_name(cluster.timezone),
        ),
        reply_markup=inline([[(short, cb.cluster_zone(cluster.id, short)) for short in CLUSTER_ZONES]]),
    )


async def on_zone_button(update: Update, context: KlasterContext) -> None:
    """WIB, WITA or WIT pressed for an existing cluster: the zone changes (audited)."""
    query = update.callback_query
    match = cb.CLUSTER_ZONE_PATTERN.match(query.data or "")
    assert match is not None
    try:
        async with context.uow() as uow:
            change = await cluster_service.change_zone(
                uow, int(match["cluster"]), match["zone"], actor=context.require_actor()
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    await _drop_buttons(update)
    t, name, zone = context.t, change.cluster.name, zone_short_name(change.new)
    await say(
        update,
        context,
        t.gettext("Zona waktu {klaster} sekarang {zona}.", klaster=name, zona=zone)
        if change.changed
        else t.gettext("Zona waktu {klaster} tetap {zona}.", klaster=name, zona=zone),
    )


# What a cluster picked from /undang, /anggota, /ketua or /klaster zona leads to (the picker's table for them).
PICKED = {"undang": send_invite, "anggota": send_members, "ketua": send_chair_choice, "zona": offer_zones}
