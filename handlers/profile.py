"""/profil: a member sees their data and changes one field at a time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from telegram import ReplyKeyboardRemove, Update

from bot import callbacks as cb
from bot.dates import format_day
from bot.domain import DomainError, MemberProfile, MemberStatus, NotFound, StaleAction
from bot.services import profile as profile_service
from bot.services import registration as reg
from bot.services.profile import Field
from handlers.context import KlasterContext
from handlers.keyboards import inline, share_phone_keyboard
from handlers.registration import resume_or_point
from handlers.replies import refuse, say


def _status_text(context: KlasterContext, status: MemberStatus) -> str:
    t = context.t
    return {
        MemberStatus.ACTIVE: t.gettext("aktif"),
        MemberStatus.PENDING: t.gettext("menunggu persetujuan ketua"),
        MemberStatus.REJECTED: t.gettext("ditolak"),
        MemberStatus.LEFT: t.gettext("sudah keluar dari klaster"),
    }[status]


def _profile_text(context: KlasterContext, member: MemberProfile) -> str:
    t = context.t
    joined = format_day(member.joined_at.astimezone(ZoneInfo(member.cluster.timezone)).date(), t.locale)
    return t.gettext(
        "Data Anda:\n\n"
        "Nama: {nama}\n"
        "Nama usaha: {usaha}\n"
        "Produk utama: {produk}\n"
        "Telepon: {telepon}\n"
        "Klaster: {klaster} ({kabupaten})\n"
        "Status: {status}\n"
        "Bergabung: {tanggal}\n\n"
        "Pilih yang ingin Anda ubah:",
        nama=member.name,
        usaha=member.business_name,
        produk=member.main_product,
        telepon=member.phone or t.gettext("tidak dibagikan"),
        klaster=member.cluster.name,
        kabupaten=member.cluster.kabupaten,
        status=_status_text(context, member.status),
        tanggal=joined,
    )


def _edit_buttons(context: KlasterContext):
    t = context.t
    return inline(
        [
            [(t.gettext("Ubah nama"), cb.profile_edit("name")), (t.gettext("Ubah nama usaha"), cb.profile_edit("business"))],
            [(t.gettext("Ubah produk"), cb.profile_edit("product")), (t.gettext("Ubah telepon"), cb.profile_edit("phone"))],
        ]
    )


async def profile_command(update: Update, context: KlasterContext) -> None:
    """/profil: show the member's own data with edit buttons."""
    try:
        async with context.uow(read_only=True) as uow:
            member = await profile_service.my_profile(uow, update.effective_user.id)
    except NotFound:
        await say(update, context, context.t.gettext("Anda belum terdaftar. Ketik /daftar untuk mendaftar."))
        return
    await say(update, context, _profile_text(context, member), reply_markup=_edit_buttons(context))


async def on_button(update: Update, context: KlasterContext) -> None:
    """An edit button: ask for the new value."""
    query = update.callback_query
    match = cb.PROFILE_PATTERN.match(query.data or "")
    assert match is not None
    t, user_id = context.t, update.effective_user.id
    if context.active_step is not None and context.active_step.flow == reg.FLOW.name:
        await query.answer()
        await resume_or_point(update, context)
        return
    try:
        async with context.uow() as uow:
            if match["delphone"]:
                member = await profile_service.remove_phone(uow, user_id)
            else:
                await profile_service.start_edit(uow, user_id, Field(match["field"]))
                member = None
    except NotFound:
        await query.answer()
        await say(update, context, t.gettext("Anda belum terdaftar. Ketik /daftar untuk mendaftar."))
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    await query.answer()
    if member is not None:
        await say(update, context, t.gettext("Nomor telepon sudah dihapus."), reply_markup=ReplyKeyboardRemove())
        await say(update, context, _profile_text(context, member), reply_markup=_edit_buttons(context))
        return
    await _ask_field(update, context, Field(match["field"]))


async def _ask_field(update: Update, context: KlasterContext, field: Field) -> None:
    t = context.t
    if field is Field.PHONE:
        await say(
            update,
            context,
            t.gettext(
                "Tekan \"Bagikan nomor saya\" untuk menyimpan nomor Anda sendiri, atau \"Lewati\" "
                "untuk membiarkannya. Untuk menghapus nomor, tekan tombol Hapus nomor."
            ),
            reply_markup=share_phone_keyboard(t),
        )
        await say(
            update,
            context,
            t.gettext("Atau hapus nomor yang tersimpan:"),
            reply_markup=inline([[(t.gettext("Hapus nomor"), cb.PROFILE_REMOVE_PHONE)]]),
        )
        return
    prompts = {
        Field.NAME: t.gettext("Tulis nama baru Anda.\nContoh: Siti Aminah"),
        Field.BUSINESS: t.gettext("Tulis nama usaha yang baru.\nContoh: Batik Tulis Bu Siti"),
        Field.PRODUCT: t.gettext("Tulis produk utama yang baru.\nContoh: batik cap"),
    }
    await say(update, context, prompts[field], reply_markup=ReplyKeyboardRemove())


async def resume(update: Update, context: KlasterContext) -> None:
    """Ask again for the field being changed."""
    try:
        async with context.uow(read_only=True) as uow:
            field = await profile_service.editing_field(uow, update.effective_user.id)
    except StaleAction:
        await resume_or_point(update, context)
        return
    await _ask_field(update, context, field)


async def on_text(update: Update, context: KlasterContext, skip_words: set[str]) -> None:
    """A new value typed while editing a field."""
    text = update.effective_message.text or ""
    user_id = update.effective_user.id
    try:
        async with context.uow() as uow:
            field = await profile_service.editing_field(uow, user_id)
            if field is Field.PHONE and text.strip().casefold() in skip_words:
                member = await profile_service.stop_editing(uow, user_id)
            else:
                member = await profile_service.submit_text(uow, user_id, text)
    except StaleAction:
        await resume_or_point(update, context)
        return
    except DomainError as error:
        await refuse(update, context, error)
        return
    await say(update, context, context.t.gettext("Tersimpan."), reply_markup=ReplyKeyboardRemove())
    await say(update, context, _profile_text(context, member), reply_markup=_edit_buttons(context))


async def on_contact(update: Update, context: KlasterContext) -> None:
    """A shared contact while editing the phone."""
    contact = update.effective_message.contact
    try:
        async with context.uow() as uow:
            member = await profile_service.share_contact(
                uow, update.effective_user.id, contact_user_id=contact.user_id, phone_number=contact.phone_number
            )
    except DomainError as error:
        await refuse(update, context, error)
        return
    await say(update, context, context.t.gettext("Nomor Anda tersimpan."), reply_markup=ReplyKeyboardRemove())
    await say(update, context, _profile_text(context, member), reply_markup=_edit_buttons(context))
