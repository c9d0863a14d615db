"""The one table of conversations: for each flow, and where needed each step, what a typed
text, a shared contact, a photo or document, /batal, and a command that arrives mid-flow do.

The state itself lives in the core (bot/flows.py); the sender's flow and step are resolved once
per update (handlers/pipeline.py). Adding a step is adding a row here, not an `elif`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from telegram import Update

from bot import callbacks as cb
from bot.i18n import Translator
from bot.services import actors, announcements, catalogue, cluster_setup, reports
from bot.services import criteria as criteria_service
from bot.services import profile as profile_service
from bot.services import registration as reg
from bot.services import requests as market
from handlers import announcements as announcement_handlers
from handlers import catalogue as catalogue_handlers
from handlers import cluster_admin, menu, omzet, profile, registration
from handlers import criteria as criteria_handlers
from handlers import requests as market_handlers
from handlers.context import KlasterContext
from handlers.keyboards import inline, skip_words
from handlers.replies import say

Handler = Callable[[Update, KlasterContext], Awaitable[None]]


@dataclass(frozen=True)
class StepRoutes:
    """What each kind of message does at a step (None: not taken here)."""

    text: Handler | None = None
    contact: Handler | None = None
    media: Handler | None = None


@dataclass(frozen=True)
class FlowRoutes:
    # What the person is doing, for "Anda sedang ..." (a translated phrase).
    doing: Callable[[Translator], str]
    # What /batal says was dropped.
    cancelled: Callable[[Translator], str]
    # Shows where the person is again (the current question).
    resume: Handler
    # The commands that start or continue this flow: they run mid-flow; any other waits.
    commands: frozenset[str]
    default: StepRoutes
    steps: Mapping[str, StepRoutes] = field(default_factory=dict)
    # When another command interrupts: a button to go on (label, callback data) instead of
    # the current question at once, for a flow where the question would be read as the
    # answer to the command (someone registering who asked for /omzet).
    go_on: tuple[Callable[[Translator], str], str] | None = None

    def at(self, step: str) -> StepRoutes:
        return self.steps.get(step, self.default)


async def _profile_text(update: Update, context: KlasterContext) -> None:
    i18n = context.runtime.i18n
    await profile.on_text(update, context, skip_words([i18n.translator(code) for code in i18n.languages]))


FLOWS: dict[str, FlowRoutes] = {
    reg.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("mendaftar"),
        cancelled=lambda t: t.gettext("Pendaftaran dibatalkan dan jawaban Anda dihapus. Ketik /daftar untuk mulai lagi."),
        resume=registration.resume_or_point,
        commands=frozenset({"start", "daftar"}),
        default=StepRoutes(text=registration.on_text, contact=registration.on_contact),
        go_on=(lambda t: t.gettext("Lanjutkan pendaftaran"), cb.REG_RESUME),
    ),
    reports.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("melaporkan omzet"),
        cancelled=lambda t: t.gettext("Laporan omzet dibatalkan. Tidak ada yang disimpan."),
        resume=omzet.resume,
        commands=frozenset({"omzet"}),
        default=StepRoutes(text=omzet.on_text),
    ),
    announcements.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("menulis pengumuman"),
        cancelled=lambda t: t.gettext("Pengumuman dibatalkan. Tidak ada yang dikirim."),
        resume=announcement_handlers.resume,
        commands=frozenset({"umumkan"}),
        # The text may come with a photo or a document (its caption); dates are typed.
        default=StepRoutes(text=announcement_handlers.compose_message, media=announcement_handlers.compose_message),
        steps={
            announcements.Step.TRAINING_WHEN: StepRoutes(text=announcement_handlers.compose_message),
            announcements.Step.TRAINING_PLACE: StepRoutes(text=announcement_handlers.compose_message),
            announcements.Step.SCHEDULE_WHEN: StepRoutes(text=announcement_handlers.compose_message),
        },
    ),
    market.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("menulis permintaan pembeli"),
        cancelled=lambda t: t.gettext("Permintaan dibatalkan. Tidak ada yang dikirim."),
        resume=market_handlers.resume_compose,
        commands=frozenset({"permintaan"}),
        # A photo may come with the product (its caption); every other step is typed.
        default=StepRoutes(text=market_handlers.compose_message),
        steps={market.Step.PRODUCT: StepRoutes(text=market_handlers.compose_message, media=market_handlers.compose_message)},
    ),
    market.ANSWER_FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("menjawab tentang permintaan pembeli"),
        cancelled=lambda t: t.gettext("Dibatalkan. Tidak ada yang dicatat."),
        resume=market_handlers.resume_answer,
        commands=frozenset(),
        # A quantity, a day, an allocation change, a deal's value, a delivery or a payment.
        default=StepRoutes(text=market_handlers.on_answer_text),
    ),
    profile_service.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("mengubah profil"),
        cancelled=lambda t: t.gettext("Perubahan dibatalkan; data Anda tidak diubah. Lihat profil Anda dengan /profil."),
        resume=profile.resume,
        commands=frozenset({"profil"}),
        default=StepRoutes(text=_profile_text),
        steps={profile_service.Field.PHONE: StepRoutes(text=_profile_text, contact=profile.on_contact)},
    ),
    cluster_setup.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("membuat klaster baru"),
        cancelled=lambda t: t.gettext("Pembuatan klaster dibatalkan. Tidak ada yang disimpan."),
        resume=cluster_admin.resume_setup,
        commands=frozenset({"klaster"}),
        default=StepRoutes(text=cluster_admin.cluster_setup_text),
    ),
    catalogue.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("mengisi data produk"),
        cancelled=lambda t: t.gettext("Pengisian produk dihentikan. Yang sudah tersimpan tetap ada; lihat dengan /produk."),
        resume=catalogue_handlers.resume,
        commands=frozenset({"produk"}),
        default=StepRoutes(text=catalogue_handlers.on_text),
        steps={catalogue.Step.PHOTO: StepRoutes(text=catalogue_handlers.on_text, media=catalogue_handlers.on_photo)},
    ),
    catalogue.ASK_FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("menulis pertanyaan untuk penjual"),
        cancelled=lambda t: t.gettext("Pertanyaan dibatalkan. Tidak ada yang dikirim."),
        resume=catalogue_handlers.ask_resume,
        commands=frozenset(),
        default=StepRoutes(text=catalogue_handlers.ask_text),
    ),
    catalogue.REPLY_FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("menulis balasan"),
        cancelled=lambda t: t.gettext("Balasan dibatalkan. Tidak ada yang dikirim."),
        resume=catalogue_handlers.reply_resume,
        commands=frozenset(),
        default=StepRoutes(text=catalogue_handlers.reply_text),
    ),
    criteria_service.FLOW.name: FlowRoutes(
        doing=lambda t: t.gettext("menulis kriteria atau catatan daftar pilihan"),
        cancelled=lambda t: t.gettext("Dibatalkan. Kriteria dan daftar pilihan tidak diubah."),
        resume=criteria_handlers.resume,
        commands=frozenset({"kriteria", "pilihan"}),
        default=StepRoutes(text=criteria_handlers.on_text),
    ),
}

# Commands that never disturb a flow: help, language, and /batal itself.
FREE_COMMANDS = frozenset({"bantuan", "help", "bahasa", "batal", "cancel"})


def _routes(context: KlasterContext) -> FlowRoutes | None:
    step = context.active_step
    return FLOWS.get(step.flow) if step is not None else None


async def on_flow_message(update: Update, context: KlasterContext) -> bool:
    """Route a message of someone in the middle of a flow; False when they are in none."""
    routes = _routes(context)
    if routes is None:
        if context.active_step is not None:
            # A flow of an older version of the bot: nothing can go on with it.
            async with context.uow() as uow:
                await actors.cancel_current_step(uow, update.effective_user.id)
        return False
    message = update.effective_message
    at = routes.at(context.active_step.step)
    if message.contact is not None:
        kind, handler = "contact", at.contact
    elif message.photo or message.document:
        kind, handler = "media", at.media
    elif message.text is not None:
        kind, handler = "text", at.text
    else:
        kind, handler = "other", None
    if handler is not None:
        await handler(update, context)
        return True
    t = context.t
    if kind == "contact":
        await say(update, context, t.gettext("Terima kasih, tetapi saat ini saya tidak meminta nomor telepon."))
    else:
        # Photos, stickers, voice notes... where typed text is expected.
        await say(update, context, t.gettext("Maaf, saya hanya bisa membaca pesan teks di sini. Silakan ketik jawaban Anda."))
    await routes.resume(update, context)
    return True


def guarded(command: str, callback: Handler) -> Handler:
    """One rule for every command that arrives mid-flow: the flow's own commands and the free
    ones run; any other is answered with what the person is doing and its current question
    again, and nothing entered is lost."""
    if command in FREE_COMMANDS:
        return callback

    async def run(update: Update, context: KlasterContext) -> None:
        routes = _routes(context)
        if routes is None or command in routes.commands:
            await callback(update, context)
            return
        t = context.t
        if routes.go_on is not None:
            label, data = routes.go_on
            await say(
                update,
                context,
                t.gettext(
                    "Anda sedang {kegiatan}. Jawaban Anda sejauh ini tetap tersimpan. /{perintah} "
                    "bisa dipakai setelah langkah ini selesai. Tekan tombol di bawah untuk "
                    "melanjutkan, atau ketik /batal untuk membatalkannya.",
                    kegiatan=routes.doing(t),
                    perintah=command,
                ),
                reply_markup=inline([[(label(t), data)]]),
            )
            return
        await say(
            update,
            context,
            t.gettext(
                "Anda sedang {kegiatan}. Jawaban Anda sejauh ini tetap tersimpan. Lanjutkan dulu, "
                "atau ketik /batal untuk membatalkannya, lalu kirim /{perintah} lagi.",
                kegiatan=routes.doing(t),
                perintah=command,
            ),
        )
        await routes.resume(update, context)

    return run


async def cancel_command(update: Update, context: KlasterContext) -> None:
    """/batal: drop the current step and say what was dropped (registration answers too)."""
    async with context.uow() as uow:
        cancelled = await actors.cancel_current_step(uow, update.effective_user.id)
    t = context.t
    if cancelled is None:
        text = t.gettext("Tidak ada langkah yang sedang berjalan. Ketik /bantuan untuk melihat perintah.")
    else:
        routes = FLOWS.get(cancelled.flow)
        text = routes.cancelled(t) if routes is not None else t.gettext("Dibatalkan.")
    # The person's menu replaces whatever keyboard the dropped step showed (share-contact).
    await say(update, context, text, reply_markup=menu.keyboard(t, context.require_actor()))


async def point_to_current_step(update: Update, context: KlasterContext) -> None:
    """After /bantuan mid-flow: how to go on, and the current question."""
    routes = _routes(context)
    if routes is None:
        return
    await say(
        update,
        context,
        context.t.gettext(
            "Anda sedang di tengah sebuah langkah. Lanjutkan dengan menjawab pertanyaan "
            "terakhir, atau ketik /batal untuk membatalkannya."
        ),
    )
    await routes.resume(update, context)
