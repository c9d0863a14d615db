"""Announcements glue: /umumkan, the preview, member answers, /info, /berhenti, /lanjut."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import InputFile, Update
from telegram.error import TelegramError

from bot import callbacks as cb
from bot.dates import format_clock, format_day
from bot.domain import DomainError, NotFound, zone_short_name
from bot.export import interest_workbook
from bot.messages import announcements as msg
from bot.money import format_count
from bot.quiet_hours import QUIET_FROM, QUIET_UNTIL
from bot.services import announcements as ann
from bot.services.announcements import Answer, ComposeView, Kind, Step
from handlers.context import KlasterContext
from handlers.keyboards import MAX_LIST_BUTTONS, inline, markup
from handlers.replies import refuse, reply_payload, say

log = logging.getLogger(__name__)


async def _show(update: Update, context: KlasterContext, view: ComposeView) -> None:
    t = context.t
    zone = zone_short_name(view.draft.zone)
    if view.unsent:
        await _ask_continue(update, context, view)
    elif view.step is Step.TARGET:
        rows = []
        for option in view.targets:
            if option.key == "all":
                label = t.gettext("Semua klaster di wilayah Anda ({n})", n=option.clusters)
            elif option.key.startswith("kab:"):
                label = t.gettext("Kab./Kota {nama} ({n} klaster)", nama=option.label, n=option.clusters)
            elif option.key.startswith("kom:"):
                label = t.gettext("Komoditas {nama} ({n} klaster)", nama=option.label, n=option.clusters)
            else:
                label = option.label
            rows.append([(label, cb.compose_target(option.key))])
        rows.append([(t.gettext("Batal"), cb.compose_action("abort"))])
        await say(update, context, t.gettext("Pengumuman untuk siapa?"), reply_markup=inline(rows))
    elif view.step is Step.KIND:
        await say(
            update,
            context,
            t.gettext("Jenis pengumuman untuk {klaster}?", klaster=", ".join(view.draft.cluster_names)),
            reply_markup=inline(
                [
                    [(t.gettext("Peluang pasar"), cb.compose_kind("peluang"))],
                    [(t.gettext("Pelatihan"), cb.compose_kind("pelatihan"))],
                    [(t.gettext("Umum"), cb.compose_kind("umum"))],
                    [(t.gettext("Batal"), cb.compose_action("abort"))],
                ]
            ),
        )
    elif view.step is Step.TEXT:
        await say(
            update,
            context,
            t.gettext(
                "Tulis isi pengumuman. Anda juga boleh mengirim foto atau dokumen dengan "
                "keterangan sebagai isinya.\nContoh: Ada pembeli dari Semarang mencari 200 lembar "
                "batik tulis motif jlamprang. Harga Rp250.000 per lembar."
            ),
        )
    elif view.step is Step.TRAINING_WHEN:
        await say(update, context, t.gettext(
            "Kapan pelatihannya? Tulis tanggal dan jam ({zona}).\nContoh: 12/12/2026 09.00, tanggal 15 desember "
            "jam 9 pagi, atau lusa jam 2 siang", zona=zone,
        ))
    elif view.step is Step.TRAINING_PLACE:
        await say(update, context, t.gettext("Di mana tempatnya?\nContoh: Balai Desa Simbang Kulon"))
    elif view.step is Step.SCHEDULE_WHEN:
        await say(
            update,
            context,
            t.gettext(
                "Kapan pengumuman dikirim? Tulis tanggal dan jam ({zona}).\nContoh: besok 08.00, 15/12 09.00, "
                "atau tanggal 15 desember jam 9 pagi. Pesan tidak dikirim antara pukul {dari} dan {sampai} {zona}: "
                "waktu di antaranya terkirim pukul {sampai} paginya.",
                zona=zone, dari=format_clock(QUIET_FROM, t.locale), sampai=format_clock(QUIET_UNTIL, t.locale),
            ),
        )
    else:
        await _preview(update, context, view)


async def _preview(update: Update, context: KlasterContext, view: ComposeView) -> None:
    t, draft = context.t, view.draft
    await say(update, context, t.gettext("Pratinjau — anggota akan menerima pesan seperti ini:"))
    await reply_payload(update, context, ann.member_copy(t, draft, announcement_id=0))
    rows = [[(t.gettext("Kirim sekarang"), cb.compose_action("send", draft.key))]]
    if draft.scheduled_for is not None:
        rows.append(
            [(
                t.gettext("Jadwalkan {waktu}", waktu=msg.when(t, draft.scheduled_for, draft.zone)),
                cb.compose_action("schedok", draft.key),
            )]
        )
    rows += [
        [(t.gettext("Jadwalkan"), cb.compose_action("sched")), (t.gettext("Ubah teks"), cb.compose_action("edit"))],
        [(t.gettext("Batal"), cb.compose_action("abort"))],
    ]
    lines = [t.gettext("Untuk: {klaster}. Kirim sekarang atau jadwalkan?", klaster=", ".join(draft.cluster_names))]
    if draft.asked_for is not None and draft.scheduled_for is not None:
        lines.insert(0, t.gettext(
            "Pukul {jam} {zona} termasuk jam tenang ({dari}–{sampai}): pengumuman akan terkirim {waktu}.",
            jam=format_clock(draft.asked_for.astimezone(ZoneInfo(draft.zone)), t.locale), zona=zone_short_name(draft.zone),
            dari=format_clock(QUIET_FROM, t.locale), sampai=format_clock(QUIET_UNTIL, t.locale),
            waktu=msg.when(t, draft.scheduled_for, draft.zone),
        ))
    await say(update, context, "\n".join(lines), reply_markup=inline(rows))


async def _ask_continue(update: Update, context: KlasterContext, view: ComposeView) -> None:
    """A second /umumkan while a draft is unsent: continue it, or start a new one."""
    t, draft = context.t, view.draft
    text = " ".join((draft.text or "").split())
    await say(
        update,
        context,
        t.gettext(
            "Anda masih punya pengumuman yang belum dikirim{untuk}{isi}. Lanjutkan pengumuman itu, atau mulai "
            "yang baru? (Yang belum dikirim akan dihapus jika Anda mulai baru.)",
            untuk=t.gettext(" untuk {klaster}", klaster=", ".join(draft.cluster_names)) if draft.cluster_names else "",
            isi=f": \"{text[:80]}{'…' if len(text) > 80 else ''}\"" if text else "",
        ),
        reply_markup=inline([
            [(t.gettext("Lanjutkan"), cb.compose_action("cont")), (t.gettext("Mulai baru"), cb.compose_action("new"))],
        ]),
    )


async def umumkan_command(update: Update, context: KlasterContext) -> None:
    """/umumkan: a chair (own cluster) or koordinator (clusters in scope) writes an announcement."""
    actor = context.require_actor()
    try:
        async with context.uow() as uow:
            view = await ann.begin(uow, actor)
    except DomainError as error:
        await refuse(update, context, error)
        return
    await _show(update, context, view)


async def on_compose_button(update: Update, context: KlasterContext) -> None:
    """Audience, kind, send, schedule, edit and cancel buttons of the composer."""
    query = update.callback_query
    match = cb.COMPOSE_PATTERN.match(query.data or "")
    assert match is not None
    actor = context.require_actor()
    now = context.runtime.now()
    sent = cancelled = None
    view = None
    try:
        async with context.uow() as uow:
            if match["target"]:
                view = await ann.choose_target(uow, actor, match["target"])
            elif match["kind"]:
                view = await ann.choose_kind(uow, actor, Kind(match["kind"]))
            elif match["unsched"]:
                cancelled = await ann.cancel_scheduled(uow, actor, int(match["unsched"]))
            elif match["action"] == "abort":
                await ann.abandon(uow, actor)
            elif match["action"] == "cont":
                view = await ann.current(uow, actor)
            elif match["action"] == "new":
                view = await ann.begin(uow, actor, fresh=True)
            elif match["action"] == "edit":
                view = await ann.edit_text(uow, actor)
            elif match["action"] == "sched":
                view = await ann.ask_schedule(uow, actor)
            else:
                sent = await ann.publish(
                    uow, actor, now, context.runtime.i18n, scheduled=match["action"] == "schedok", key=match["draft"]
                )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    t = context.t
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:
        pass
    if view is not None:
        await _show(update, context, view)
    elif cancelled is not None:
        await say(update, context, t.gettext("Jadwal dibatalkan. Pengumuman tidak akan dikirim."))
    elif sent is not None:
        await _confirm_sent(update, context, sent)
    else:
        await say(update, context, t.gettext("Pengumuman dibatalkan."))


async def _confirm_sent(update: Update, context: KlasterContext, sent: ann.Sent) -> None:
    t = context.t
    if sent.scheduled_for is not None:
        await say(
            update,
            context,
            t.gettext(
                "Pengumuman dijadwalkan: akan terkirim {waktu} kepada {n} anggota. Anda akan melihat laporan "
                "pengirimannya di sini. Semua jadwal Anda: /terjadwal",
                waktu=msg.when(t, sent.scheduled_for, sent.zone),
                n=format_count(sent.recipients, t.locale),
            ),
            reply_markup=inline([[(t.gettext("Batalkan jadwal"), cb.unschedule(sent.announcement_id))]]),
        )
    else:
        # The progress message itself comes from the outbox, first in line: one owner.
        await say(
            update,
            context,
            t.gettext(
                "Pengumuman sedang dikirim ke {n} anggota. Laporan pengirimannya akan muncul di sini.",
                n=format_count(sent.recipients, t.locale),
            ),
        )
    outbox = context.runtime.outbox
    if outbox is not None:
        outbox.wake()


async def terjadwal_command(update: Update, context: KlasterContext) -> None:
    """/terjadwal: the author's scheduled announcements, each with its cancel button."""
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            items = await ann.scheduled_of(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    if not items:
        await say(update, context, t.gettext("Tidak ada pengumuman terjadwal. Buat dengan /umumkan."))
        return
    kinds = {Kind.PELUANG: t.gettext("Peluang pasar"), Kind.PELATIHAN: t.gettext("Pelatihan"), Kind.UMUM: t.gettext("Umum")}
    lines = [t.gettext("Pengumuman terjadwal Anda:"), ""]
    buttons = []
    for i, item in enumerate(items, 1):
        text = " ".join(item.text.split())
        lines.append(t.gettext(
            "{no}. {waktu} — {jenis}, untuk {klaster} ({n} anggota): {isi}",
            no=i, waktu=msg.when(t, item.scheduled_for, item.zone), jenis=kinds[item.kind],
            klaster=", ".join(item.cluster_names), n=format_count(item.recipients, t.locale),
            isi=text[:80] + ("…" if len(text) > 80 else ""),
        ))
        buttons.append([(t.gettext("Batalkan {no}", no=i), cb.unschedule(item.announcement_id))])
    await say(update, context, "\n".join(lines), reply_markup=inline(buttons[:MAX_LIST_BUTTONS]))


async def resume(update: Update, context: KlasterContext) -> None:
    """Show again where the announcement being written is."""
    try:
        async with context.uow(read_only=True) as uow:
            view = await ann.current(uow, context.require_actor())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await _show(update, context, view)


async def compose_message(update: Update, context: KlasterContext) -> None:
    """Text, photo or document while composing."""
    message = update.effective_message
    attachment_type = attachment_id = None
    if message.photo:
        attachment_type, attachment_id = "photo", message.photo[-1].file_id
    elif message.document:
        attachment_type, attachment_id = "document", message.document.file_id
    text = message.text if message.text is not None else message.caption
    try:
        async with context.uow() as uow:
            step = (await ann.current(uow, context.require_actor())).step
            if step in (Step.TRAINING_WHEN, Step.SCHEDULE_WHEN):
                view = await ann.submit_when(uow, context.require_actor(), text, context.runtime.now())
            else:
                view = await ann.submit_text(
                    uow, context.require_actor(), text, attachment_type=attachment_type, attachment_file_id=attachment_id,
                    now=context.runtime.now(),
                )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await _show(update, context, view)


async def on_answer(update: Update, context: KlasterContext) -> None:
    """Ikut / Tidak bisa / Saya tertarik from members; the lists for the author."""
    query = update.callback_query
    match = cb.ANSWER_PATTERN.match(query.data or "")
    assert match is not None
    announcement_id = int(match["announcement"])
    t = context.t
    if match["answer"] == "list":
        await _send_list(update, context, announcement_id)
        return
    if match["answer"] == "batal":
        await _withdraw(update, context, announcement_id)
        return
    if match["answer"] == "xlsx":
        await _send_interest_file(update, context, announcement_id)
        return
    if match["answer"] in ("nomorya", "nomortidak"):
        await _phone_to_buyer(update, context, announcement_id, match["answer"] == "nomorya")
        return
    try:
        async with context.uow() as uow:
            response = await ann.respond(
                uow, update.effective_user.id, announcement_id, Answer(match["answer"]), context.runtime.now(), context.runtime.i18n
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    if response.answer is Answer.TERTARIK and response.previous == Answer.TERTARIK.value:
        # A second press: nothing is sent again; say so and offer the way back.
        text = t.gettext("Minat Anda sudah tercatat dan sudah dikirim kepada pengirim. Ingin menariknya?")
        await query.answer(text[:190])
        await say(update, context, text, reply_markup=markup(msg.interest_buttons(t, announcement_id)))
        return
    confirmations = {
        Answer.IKUT: t.gettext("Terima kasih, Anda tercatat akan ikut. Kami akan mengingatkan sehari sebelumnya."),
        Answer.TIDAK: t.gettext("Terima kasih, Anda tercatat tidak bisa ikut."),
        Answer.TERTARIK: t.gettext("Terima kasih! Data Anda sudah dikirim kepada pengirim pengumuman."),
    }
    await query.answer(confirmations[response.answer][:190])
    if response.answer is Answer.TERTARIK:
        await say(update, context, confirmations[response.answer], reply_markup=markup(msg.interest_buttons(t, announcement_id)))
        if not response.phone:
            await say_phone_missing(update, context)
        elif response.forwardable:
            await reply_payload(update, context, msg.phone_to_buyer_question(t, announcement_id, response.sender))
    else:
        await say(update, context, confirmations[response.answer])
    if response.answer is Answer.TERTARIK and response.previous is None and context.runtime.outbox is not None:
        context.runtime.outbox.wake()  # the author's "Peminat baru" is queued


async def say_phone_missing(update: Update, context: KlasterContext) -> None:
    """The sender cannot call a member without a phone: say so, with the way to add it."""
    t = context.t
    await say(
        update,
        context,
        t.gettext(
            "Nomor telepon Anda belum tersimpan, jadi pengirim tidak bisa menghubungi Anda. "
            "Tambahkan nomor Anda supaya bisa dihubungi."
        ),
        reply_markup=inline([[(t.gettext("Tambah nomor telepon"), cb.profile_edit("phone"))]]),
    )


async def _withdraw(update: Update, context: KlasterContext, announcement_id: int) -> None:
    t = context.t
    try:
        async with context.uow() as uow:
            withdrawn = await ann.withdraw_interest(
                uow, update.effective_user.id, announcement_id, context.runtime.now(), context.runtime.i18n
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    text = (
        t.gettext("Minat Anda sudah ditarik. Pengirim sudah diberi tahu.")
        if withdrawn
        else t.gettext("Minat Anda sudah ditarik sebelumnya.")
    )
    await update.callback_query.answer(text[:190])
    await say(update, context, text)
    if withdrawn and context.runtime.outbox is not None:
        context.runtime.outbox.wake()


async def _phone_to_buyer(update: Update, context: KlasterContext, announcement_id: int, agree: bool) -> None:
    t = context.t
    try:
        async with context.uow() as uow:
            recorded = await ann.phone_to_buyer(uow, update.effective_user.id, announcement_id, agree, context.runtime.now())
    except DomainError as error:
        await refuse(update, context, error)
        return
    if not recorded:
        text = t.gettext("Minat Anda sudah ditarik, jadi tidak ada nomor yang diteruskan.")
    elif agree:
        text = t.gettext(
            "Terima kasih. Nomor Anda boleh diteruskan kepada pembeli dalam peluang pasar ini. Anda dapat "
            "membatalkannya dengan tombol \"Jangan teruskan\" di atas."
        )
    else:
        text = t.gettext("Baik, nomor Anda tidak akan diteruskan kepada pembeli. Pengirim tetap dapat menghubungi Anda.")
    await update.callback_query.answer(text[:190])
    await say(update, context, text)


async def _send_interest_file(update: Update, context: KlasterContext, announcement_id: int) -> None:
    """The interest list as a small .xlsx to forward to the buyer."""
    t = context.t
    try:
        async with context.uow() as uow:
            data = await ann.interest_list(uow, context.require_actor(), announcement_id, context.runtime.now())
    except DomainError as error:
        await refuse(update, context, error)
        return
    await update.callback_query.answer()
    shared = sum(p.phone is not None for p in data.people)
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(interest_workbook(t, data), filename=f"peminat-{announcement_id}.xlsx"),
        caption=t.gettext(
            "Daftar peminat untuk pembeli: {n} orang, {telepon} dengan nomor telepon (yang setuju nomornya "
            "diteruskan).", n=format_count(len(data.people), t.locale), telepon=format_count(shared, t.locale),
        ),
    )


async def _send_list(update: Update, context: KlasterContext, announcement_id: int) -> None:
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            kind, people = await ann.responses(uow, context.require_actor(), announcement_id)
            silent = await ann.unanswered(uow, context.require_actor(), announcement_id) if kind is Kind.PELATIHAN else []
    except DomainError as error:
        await refuse(update, context, error)
        return
    await update.callback_query.answer()
    if kind is Kind.PELATIHAN:
        going = [p for p in people if p.answer is Answer.IKUT]
        not_going = [p for p in people if p.answer is Answer.TIDAK]
        not_shared = t.gettext("tidak dibagikan")
        lines = [t.gettext(
            "Daftar hadir: {ikut} ikut, {tidak} tidak bisa, {belum} belum menjawab.", ikut=format_count(len(going), t.locale),
            tidak=format_count(len(not_going), t.locale), belum=format_count(len(silent), t.locale),
        ), ""]
        lines += [t.gettext("Ikut:")] + [
            f"{i}. {p.name} — {p.business_name} — {p.phone or not_shared}" for i, p in enumerate(going, 1)
        ]
        if not_going:
            lines += ["", t.gettext("Tidak bisa:")] + [f"{i}. {p.name}" for i, p in enumerate(not_going, 1)]
        if silent:
            # Whom to call before the day: everyone it reached who has not said yet.
            lines += ["", t.gettext("Belum menjawab:")] + [
                f"{i}. {p.name} — {p.phone or not_shared}" for i, p in enumerate(silent, 1)
            ]
    else:
        lines = [t.gettext("Daftar peminat: {n} orang.", n=format_count(len(people), t.locale)), ""]
        lines += [
            f"{i}. {p.name} — {p.business_name} — {p.phone or t.gettext('tidak dibagikan')}" for i, p in enumerate(people, 1)
        ]
    # A long list goes in several messages, each cut at a line's end (handlers.replies.say);
    # the button for the buyer's file sits under the last.
    markup_ = None
    if kind is Kind.PELUANG and people:
        markup_ = inline([[(t.gettext("Unduh daftar untuk pembeli (Excel)"), cb.answer("xlsx", announcement_id))]])
    await say(update, context, "\n".join(lines), reply_markup=markup_)


async def info_command(update: Update, context: KlasterContext) -> None:
    """/info: the last announcements of the member's cluster."""
    t = context.t
    try:
        async with context.uow(read_only=True) as uow:
            zone, items = await ann.recent_for_member(uow, update.effective_user.id)
    except NotFound:
        await say(update, context, t.gettext("Anda belum terdaftar sebagai anggota aktif. Ketik /daftar untuk mendaftar."))
        return
    if not items:
        await say(update, context, t.gettext("Belum ada pengumuman untuk klaster Anda."))
        return
    await say(update, context, t.gettext("Pengumuman terakhir untuk klaster Anda:"))
    for item in reversed(items):
        text = msg.member_text(
            t, item.kind, item.text, training_at=item.training_at, training_place=item.training_place, zone=zone,
            sender=item.sender,
        )
        stamp = format_day(item.created_at.astimezone(ZoneInfo(zone)).date(), t.locale)
        await say(update, context, f"{stamp}\n{text}", reply_markup=markup(msg.member_buttons(t, item.kind, item.id)))


async def pause_command(update: Update, context: KlasterContext) -> None:
    """/berhenti: no more announcements; omzet reminders still come."""
    await _set_paused(update, context, True)


async def resume_command(update: Update, context: KlasterContext) -> None:
    """/lanjut: announcements again."""
    await _set_paused(update, context, False)


async def _set_paused(update: Update, context: KlasterContext, paused: bool) -> None:
    t = context.t
    try:
        async with context.uow() as uow:
            await ann.set_paused(uow, update.effective_user.id, paused)
    except NotFound:
        await say(update, context, t.gettext("Anda belum terdaftar. Ketik /daftar untuk mendaftar."))
        return
    if paused:
        text = t.gettext(
            "Baik, Anda tidak akan menerima pengumuman lagi. Pengingat laporan omzet tetap dikirim. "
            "Ketik /lanjut untuk menerima pengumuman lagi."
        )
    else:
        text = t.gettext("Baik, Anda akan menerima pengumuman lagi.")
    await say(update, context, text)
