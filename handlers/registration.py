"""Registration glue: /start, /daftar, the consent and summary buttons, typed answers."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import TelegramError

from bot import callbacks as cb
from bot.domain import AlreadyDone, DomainError, MemberStatus, StaleAction
from bot.i18n import Translator
from bot.services import registration as reg
from bot.services.registration import AlreadyRegistered, InviteProblem, RegistrationView, Step
from handlers import catalogue, menu
from handlers.context import KlasterContext
from handlers.keyboards import cluster_choice_keyboard, inline, share_phone_keyboard, skip_words
from handlers.replies import refuse, say
from handlers.texts import explain_error, help_text

log = logging.getLogger(__name__)


def _consent_text(context: KlasterContext) -> str:
    return context.t.gettext(
        "Sebelum mendaftar, mohon baca ini.\n\n"
        "Kami menyimpan nama Anda, nama usaha, produk utama, nomor telepon (jika Anda bagikan) "
        "dan laporan omzet bulanan Anda. Data ini dipakai untuk program klaster UMKM: "
        "pendampingan, peluang pasar, dan ringkasan untuk Dinas Koperasi dan UKM.\n\n"
        "Angka omzet Anda hanya dapat dilihat oleh Anda sendiri. Ketua klaster dan koordinator "
        "hanya melihat siapa yang sudah melapor dan angka gabungan.\n\n"
        "Kapan saja Anda bisa:\n"
        "• melihat dan mengubah data Anda dengan /profil\n"
        "• meminta salinan semua data Anda dengan /dataku\n"
        "• menghapus data Anda dengan /hapusdata; ini juga menarik persetujuan Anda\n\n"
        "Apakah Anda setuju?"
    )


def _back_label(t: Translator) -> str:
    return t.gettext("« Kembali")


def back_words(translators: list[Translator]) -> set[str]:
    """What "one step back" reads like, typed or pressed, in every language."""
    return {_back_label(t).casefold() for t in translators} | {"kembali", "« kembali", "back", "mundur", "balik"}


def _back_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    """Under a typed question: one button to go one step back."""
    return ReplyKeyboardMarkup([[KeyboardButton(_back_label(t))]], resize_keyboard=True)


def _phone_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    base = share_phone_keyboard(t)
    return ReplyKeyboardMarkup(
        [*base.keyboard, [KeyboardButton(_back_label(t))]], resize_keyboard=True, one_time_keyboard=True
    )


def _examples(t: Translator, view: RegistrationView) -> tuple[str, str]:
    """(business name, product) examples in the words of the cluster's commodity."""
    commodity = (view.draft.cluster.commodity if view.draft.cluster else "").casefold()
    if "batik" in commodity:
        return t.gettext("Batik Tulis Bu Siti"), t.gettext("batik tulis, batik cap")
    if "jambu" in commodity:
        return t.gettext("Kebun Jambu Pak Darto"), t.gettext("jambu kristal, jambu air")
    return t.gettext("Warung Bu Siti"), t.gettext("keripik singkong, kue kering")


def _summary_text(context: KlasterContext, view: RegistrationView) -> str:
    t, draft = context.t, view.draft
    cluster = (
        f"{draft.cluster.name} ({draft.cluster.kabupaten})" if draft.cluster else t.gettext("belum dipilih")
    )
    # Outside the summary's gettext call: the extractor does not see a call nested in another.
    if draft.phone and not draft.phone_verified:
        phone = t.gettext("{nomor} (diketik, belum diverifikasi)", nomor=draft.phone)
    else:
        phone = draft.phone or t.gettext("tidak dibagikan")
    return t.gettext(
        "Mohon periksa data Anda:\n\n"
        "Nama: {nama}\n"
        "Nama usaha: {usaha}\n"
        "Produk utama: {produk}\n"
        "Klaster: {klaster}\n"
        "Telepon: {telepon}\n\n"
        "Sudah benar?",
        nama=draft.name or "-",
        usaha=draft.business_name or "-",
        produk=draft.main_product or "-",
        klaster=cluster,
        telepon=phone,
    )


async def show_step(update: Update, context: KlasterContext, view: RegistrationView) -> None:
    """Ask for what the current step needs, with its buttons."""
    t = context.t
    if view.step is Step.CONSENT:
        await say(
            update,
            context,
            _consent_text(context),
            reply_markup=inline(
                [[(t.gettext("Setuju"), cb.REG_CONSENT_YES), (t.gettext("Tidak setuju"), cb.REG_CONSENT_NO)]]
            ),
        )
    elif view.step is Step.NAME:
        await say(
            update,
            context,
            t.gettext("Siapa nama lengkap Anda?\nContoh: Siti Aminah"),
            reply_markup=_back_keyboard(t),
        )
    elif view.step is Step.BUSINESS:
        await say(
            update,
            context,
            t.gettext("Apa nama usaha Anda?\nContoh: {contoh}", contoh=_examples(t, view)[0]),
            reply_markup=_back_keyboard(t),
        )
    elif view.step is Step.PRODUCT:
        await say(
            update,
            context,
            t.gettext("Apa produk utama usaha Anda?\nContoh: {contoh}", contoh=_examples(t, view)[1]),
            reply_markup=_back_keyboard(t),
        )
    elif view.step is Step.CLUSTER:
        await _show_cluster_choice(update, context, view)
    elif view.step is Step.MATCH:
        await say(
            update,
            context,
            t.gettext(
                "Apakah Dinas sudah mencatat data usaha Anda? Bagikan nomor telepon Anda dengan "
                "tombol \"Bagikan nomor saya\" di bawah: jika nomor Anda ada di daftar Dinas, Anda "
                "tinggal memeriksa datanya. Jika tidak ingin, tekan \"Lewati\"."
            ),
            reply_markup=share_phone_keyboard(t),
        )
    elif view.step is Step.PHONE:
        await say(
            update,
            context,
            t.gettext(
                "Bagikan nomor telepon Anda dengan tombol \"Bagikan nomor saya\" di bawah, atau "
                "tulis nomornya, contoh: 0812 3456 7890. Nomor ini hanya dipakai pengurus klaster "
                "untuk menghubungi Anda. Jika tidak ingin, tekan \"Lewati\"."
            ),
            reply_markup=_phone_keyboard(t),
        )
    else:
        await say(
            update,
            context,
            _summary_text(context, view),
            reply_markup=inline(
                [[(t.gettext("Benar"), cb.REG_CONFIRM), (t.gettext("Ubah"), cb.REG_EDIT)], [(_back_label(t), cb.REG_BACK)]]
            ),
        )


async def _show_cluster_choice(update: Update, context: KlasterContext, view: RegistrationView) -> None:
    t, choices = context.t, view.choices
    if not choices.kabupaten and not choices.clusters:
        await say(
            update,
            context,
            t.gettext(
                "Belum ada klaster yang terdaftar. Mohon minta tautan undangan kepada ketua "
                "klaster Anda atau koordinator Dinas. Jawaban Anda sudah tersimpan."
            ),
        )
        return
    text = (
        t.gettext("Di kabupaten/kota mana klaster Anda?")
        if choices.kabupaten
        else t.gettext("Pilih klaster Anda:")
    )
    keyboard = cluster_choice_keyboard(
        t,
        choices,
        kabupaten_data=cb.reg_kabupaten,
        cluster_data=cb.reg_cluster,
    )
    rows = [[(b.text, b.callback_data) for b in row] for row in keyboard.inline_keyboard]
    await say(update, context, text, reply_markup=inline([*rows, [(_back_label(t), cb.REG_BACK)]]))


async def _already_registered(update: Update, context: KlasterContext, error: AlreadyRegistered) -> None:
    t, member = context.t, error.member
    if member.status is MemberStatus.PENDING:
        text = t.gettext(
            "Permintaan Anda untuk bergabung dengan {klaster} masih menunggu persetujuan ketua "
            "klaster. Kami akan memberi tahu Anda.",
            klaster=member.cluster.name,
        )
    elif member.status is MemberStatus.LEFT:
        text = t.gettext(
            "Anda sudah tidak terdaftar sebagai anggota {klaster}. Untuk mendaftar lagi, hapus dulu data "
            "lama Anda dengan /hapusdata (laporan lama tetap dihitung tanpa nama), lalu ketik /daftar.",
            klaster=member.cluster.name,
        )
    else:
        text = t.gettext(
            "Anda sudah terdaftar sebagai anggota {klaster}. Ketik /bantuan untuk melihat apa "
            "yang bisa Anda lakukan.",
            klaster=member.cluster.name,
        )
    await say(update, context, text)


async def start(update: Update, context: KlasterContext, invite_code: str | None) -> None:
    """Begin or resume registration; explain a bad invite code without losing answers."""
    t = context.t
    try:
        async with context.uow() as uow:
            view = await reg.begin(uow, update.effective_user.id, invite_code)
    except AlreadyRegistered as error:
        await _already_registered(update, context, error)
        return
    if view.invite_problem is not None:
        await say(
            update,
            context,
            t.gettext(
                "Kode undangan \"{kode}\" tidak dikenal. Periksa kembali tautan dari ketua klaster "
                "Anda. Anda tetap bisa mendaftar dan memilih klaster di langkah berikutnya.",
                kode=invite_code[:64] if invite_code else "",
            )
            if view.invite_problem is InviteProblem.UNKNOWN
            else t.gettext(
                "Tautan undangan itu tidak lengkap atau rusak. Mohon minta tautan baru kepada "
                "ketua klaster Anda. Anda tetap bisa mendaftar dan memilih klaster di langkah "
                "berikutnya."
            ),
        )
    if view.resumed:
        await say(
            update,
            context,
            t.gettext("Anda sudah mulai mendaftar sebelumnya. Kita lanjutkan dari langkah terakhir."),
        )
    elif view.draft.cluster is not None:
        await say(
            update,
            context,
            t.gettext(
                "Selamat datang! Anda diundang bergabung dengan klaster {klaster} ({kabupaten}).",
                klaster=view.draft.cluster.name,
                kabupaten=view.draft.cluster.kabupaten,
            ),
        )
    await show_step(update, context, view)


async def start_command(update: Update, context: KlasterContext) -> None:
    """/start [code]: welcome; with an invite code, registration into that cluster."""
    actor = context.require_actor()
    code = context.args[0] if context.args else None
    product = cb.PRODUCT_LINK.match(code or "")
    if product is not None:
        # A product's deep link (an inline card, the printed catalogue's QR code): anyone.
        await catalogue.open_product(update, context, int(product["id"]))
        return
    if code is None and actor.member is None and actor.roles and context.active_step is None:
        # Chairs and koordinator who are not members get their tools, not a registration form.
        await say(update, context, help_text(context.t, actor))
        return
    if code is None and actor.member is None and context.active_step is None:
        await say(
            update,
            context,
            context.t.gettext(
                "Selamat datang di klasterbot, layanan laporan dan informasi untuk anggota "
                "klaster UMKM."
            ),
        )
    await start(update, context, code)


async def daftar_command(update: Update, context: KlasterContext) -> None:
    """/daftar: start or resume registration."""
    await start(update, context, None)


async def on_button(update: Update, context: KlasterContext) -> None:
    """Consent, cluster choice, confirmation and edit buttons."""
    query = update.callback_query
    match = cb.REG_PATTERN.match(query.data or "")
    assert match is not None  # the handler's pattern guarantees it
    user_id = update.effective_user.id
    now = context.runtime.now()
    done: reg.Registered | None = None
    view: RegistrationView | None = None
    try:
        async with context.uow() as uow:
            if match["consent"]:
                view = await reg.answer_consent(uow, user_id, agreed=match["consent"] == "yes", now=now)
            elif match["kab"] == "all":
                view = await reg.show_all_kabupaten(uow, user_id, int(match["page"] or 0))
            elif match["kab"]:
                view = await reg.choose_kabupaten(uow, user_id, int(match["kab"]), int(match["page"] or 0))
            elif match["cluster"]:
                view = await reg.choose_cluster(uow, user_id, int(match["cluster"]))
            elif match["edit"]:
                view = await reg.edit_field(uow, user_id, Step(match["edit"]))
            elif match["ok"]:
                done = await reg.confirm(uow, user_id, update.effective_chat.id, now, context.runtime.i18n)
            elif match["back"]:
                view = await reg.go_back(uow, user_id)
            elif match["resume"]:
                view = await reg.current(uow, user_id)
                if view is None:
                    raise StaleAction("registration_step")
            else:  # "Ubah" on the summary: only valid while the summary is current
                view = await reg.current(uow, user_id)
                if view is None or view.step is not Step.CONFIRM:
                    raise StaleAction("registration_step")
    except DomainError as error:
        await _stale_or_refuse(update, context, error)
        return
    await query.answer()
    await _drop_buttons(update)
    if done is not None:
        await _registered(update, context, done)
    elif view is None:  # consent refused: the draft is gone
        await say(
            update,
            context,
            context.t.gettext(
                "Baik, tidak apa-apa. Kami tidak menyimpan data Anda. Jika berubah pikiran, "
                "ketik /daftar kapan saja."
            ),
        )
    elif match["menu"]:
        await say(
            update,
            context,
            context.t.gettext("Bagian mana yang ingin Anda ubah?"),
            reply_markup=_edit_keyboard(context),
        )
    else:
        await show_step(update, context, view)


def _edit_keyboard(context: KlasterContext):
    t = context.t
    return inline(
        [
            [(t.gettext("Nama"), cb.reg_edit("name")), (t.gettext("Nama usaha"), cb.reg_edit("business"))],
            [(t.gettext("Produk utama"), cb.reg_edit("product")), (t.gettext("Klaster"), cb.reg_edit("cluster"))],
            [(t.gettext("Telepon"), cb.reg_edit("phone"))],
        ]
    )


async def _drop_buttons(update: Update) -> None:
    """Remove the pressed keyboard so an old button cannot be pressed again by mistake."""
    message = update.callback_query.message
    if message is None:
        return
    try:
        await update.callback_query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as exc:  # too old to edit, or already edited: harmless
        log.debug("could not remove buttons: %s", exc)


async def _stale_or_refuse(update: Update, context: KlasterContext, error: DomainError) -> None:
    """A button from an old message: say so, then show where the person really is."""
    if not isinstance(error, StaleAction) or isinstance(error, AlreadyDone):
        # Done already (the first of two presses registered them): say so, point nowhere.
        await refuse(update, context, error)
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    await say(update, context, explain_error(context.t, error))
    await resume_or_point(update, context)


async def resume_or_point(update: Update, context: KlasterContext) -> None:
    """Show the current registration step, or say what to do next."""
    async with context.uow(read_only=True) as uow:
        view = await reg.current(uow, update.effective_user.id)
    if view is not None:
        await show_step(update, context, view)
    elif context.actor is not None and context.actor.member is None:
        await say(update, context, context.t.gettext("Ketik /daftar untuk mendaftar sebagai anggota klaster."))
    else:
        await say(update, context, context.t.gettext("Ketik /bantuan untuk melihat perintah yang tersedia."))


async def _registered(update: Update, context: KlasterContext, done: reg.Registered) -> None:
    t, member = context.t, done.member
    # The update was resolved before the member existed: their menus are a member's now.
    joined = replace(context.require_actor(), member=member)
    if done.needs_approval:
        await say(
            update,
            context,
            t.gettext(
                "Terima kasih, {nama}! Permintaan Anda untuk bergabung dengan {klaster} sudah "
                "dikirim ke ketua klaster. Kami akan memberi tahu Anda setelah diputuskan.",
                nama=member.name,
                klaster=member.cluster.name,
            ),
        )
        _ask_approvers(context, done)
        return
    await say(
        update,
        context,
        t.gettext(
            "Terima kasih, {nama}! Anda sudah terdaftar sebagai anggota {klaster}. "
            "Ketik /bantuan untuk melihat apa yang bisa Anda lakukan.",
            nama=member.name,
            klaster=member.cluster.name,
        ),
        reply_markup=menu.keyboard(t, joined),
    )
    await menu.show_commands(update, context, joined)


def _ask_approvers(context: KlasterContext, done: reg.Registered) -> None:
    """The join request is already queued for every approver: send it now."""
    if not done.approvers:
        log.warning("cluster %s requires approval but has no chair or koordinator", done.member.cluster.id)
    elif context.runtime.outbox is not None:
        context.runtime.outbox.wake()


async def on_text(update: Update, context: KlasterContext) -> None:
    """A typed answer during registration."""
    message = update.effective_message
    text = message.text or ""
    user_id = update.effective_user.id
    translators = [context.t, context.runtime.i18n.translator("id")]
    try:
        async with context.uow() as uow:
            view = await reg.current(uow, user_id)
            if view is not None and text.strip().casefold() in back_words(translators):
                # "Kembali" is never an answer (it was once saved as a business name).
                view = await reg.go_back(uow, user_id)
                skipped = False
            elif view is not None and view.step in (Step.PHONE, Step.MATCH) and text.strip().casefold() in skip_words(
                translators
            ):
                view = await reg.skip_phone(uow, user_id)
                skipped = True
            else:
                skipped = False
                view = await reg.submit_text(uow, user_id, text)
    except DomainError as error:
        await refuse(update, context, error)
        return
    if skipped:
        await say(update, context, context.t.gettext("Baik, tanpa nomor telepon."), reply_markup=ReplyKeyboardRemove())
    await show_step(update, context, view)


async def on_contact(update: Update, context: KlasterContext) -> None:
    """A shared contact during registration: only the member's own number."""
    contact = update.effective_message.contact
    try:
        async with context.uow() as uow:
            view = await reg.share_contact(
                uow,
                update.effective_user.id,
                contact_user_id=contact.user_id,
                phone_number=contact.phone_number,
            )
    except StaleAction:
        await say(update, context, context.t.gettext("Saat ini saya tidak meminta nomor telepon."))
        await resume_or_point(update, context)
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    t = context.t
    if view.roster_match:
        text = t.gettext("Nomor Anda ada di daftar Dinas. Data Anda sudah kami isi; mohon periksa.")
    elif view.roster_miss:
        text = t.gettext("Nomor Anda tersimpan, tetapi belum ada di daftar Dinas. Mari isi data Anda.")
    else:
        text = t.gettext("Nomor Anda tersimpan.")
    await say(update, context, text, reply_markup=ReplyKeyboardRemove())
    await show_step(update, context, view)
