"""Menus at hand: the command menu Telegram shows next to the text box, and a persistent reply
keyboard of daily actions. Both follow the person's role: a member sees member commands, a
ketua and a koordinator also their own, and nobody sees what they may not use."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from telegram import BotCommand, BotCommandScopeChat, KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.domain import DEFAULT_LANGUAGE, Actor, MemberStatus
from bot.i18n import N_, I18n, Translator
from bot.runtime import runtime_of
from handlers.context import KlasterContext

# The default menu, for people who are not registered yet (and before a chat menu is set).
MENU = (
    ("start", N_("Mulai")),
    ("daftar", N_("Mendaftar sebagai anggota")),
    ("bahasa", N_("Ganti bahasa")),
    ("batal", N_("Batalkan langkah ini")),
    ("bantuan", N_("Bantuan")),
)
MEMBER_COMMANDS = (
    ("omzet", N_("Lapor omzet bulanan")),
    ("riwayat", N_("Riwayat omzet saya")),
    ("info", N_("Pengumuman terakhir")),
    ("profil", N_("Data saya")),
    ("dataku", N_("Salinan semua data saya")),
    ("hapusdata", N_("Hapus data saya")),
    ("berhenti", N_("Hentikan pengumuman")),
    ("lanjut", N_("Lanjutkan pengumuman")),
)
# Only an active member keeps products (a request still waiting for approval does not).
PRODUCT_COMMAND = ("produk", N_("Produk saya di katalog"))
# Someone who left their cluster keeps the right to their data.
FORMER_MEMBER_COMMANDS = (
    ("dataku", N_("Salinan semua data saya")),
    ("hapusdata", N_("Hapus data saya")),
)
CHAIR_COMMANDS = (
    ("umumkan", N_("Kirim pengumuman")),
    ("belumlapor", N_("Siapa yang belum melapor")),
    ("ringkasan", N_("Ringkasan klaster")),
    ("undang", N_("Tautan undangan klaster")),
    ("anggota", N_("Daftar anggota klaster")),
    ("katalog", N_("Katalog produk (PDF)")),
)
KOORDINATOR_COMMANDS = (
    ("ekspor", N_("Unduh ringkasan (Excel)")),
    ("klaster", N_("Buat klaster baru")),
    ("ketua", N_("Angkat atau copot ketua")),
)
COMMON_COMMANDS = (
    ("bahasa", N_("Ganti bahasa")),
    ("batal", N_("Batalkan langkah ini")),
    ("bantuan", N_("Bantuan")),
)

# The reply keyboard's buttons: (label, command). A press sends the label as text.
MEMBER_BUTTONS = ((N_("Lapor omzet"), "omzet"), (N_("Riwayat"), "riwayat"), (N_("Pengumuman"), "info"), (N_("Bantuan"), "bantuan"))
CHAIR_BUTTONS = ((N_("Umumkan"), "umumkan"), (N_("Belum lapor"), "belumlapor"), (N_("Ringkasan"), "ringkasan"), (N_("Anggota"), "anggota"))
KOORDINATOR_BUTTONS = ((N_("Ringkasan"), "ringkasan"), (N_("Umumkan"), "umumkan"), (N_("Ekspor"), "ekspor"), (N_("Klaster"), "klaster"))
GUEST_BUTTONS = ((N_("Daftar"), "daftar"), (N_("Bantuan"), "bantuan"))
ALL_BUTTONS = MEMBER_BUTTONS + CHAIR_BUTTONS + KOORDINATOR_BUTTONS + GUEST_BUTTONS


def is_member(actor: Actor) -> bool:
    """A member of a cluster now (active, or waiting for approval), not one who left."""
    return actor.member is not None and actor.member.status is not MemberStatus.LEFT


def commands_for(actor: Actor) -> list[tuple[str, str]]:
    """(command, untranslated description) this person may use, in menu order."""
    if actor.member is None and not actor.roles:
        return list(MENU)
    commands: list[tuple[str, str]] = []
    if is_member(actor):
        commands += MEMBER_COMMANDS
        if actor.is_active_member:
            commands.insert(1, PRODUCT_COMMAND)
    elif actor.member is not None:
        commands += FORMER_MEMBER_COMMANDS
    if actor.is_ketua or actor.is_koordinator:
        commands += CHAIR_COMMANDS
    if actor.is_koordinator:
        commands += KOORDINATOR_COMMANDS
    return commands + list(COMMON_COMMANDS)


def _buttons_for(actor: Actor) -> list[tuple[str, str]]:
    if actor.is_koordinator:
        buttons = list(KOORDINATOR_BUTTONS)
    elif actor.is_ketua:
        buttons = list(CHAIR_BUTTONS)
    elif is_member(actor):
        return list(MEMBER_BUTTONS)
    else:
        return list(GUEST_BUTTONS)
    # A ketua who is also a member reports too; help stays within reach for everyone.
    if is_member(actor):
        buttons.append(MEMBER_BUTTONS[0])
    buttons.append(MEMBER_BUTTONS[-1])
    return buttons


def keyboard(t: Translator, actor: Actor) -> ReplyKeyboardMarkup:
    """The person's daily actions, two a row, kept under the text box."""
    labels = [t.gettext(label) for label, _ in _buttons_for(actor)]
    rows = [[KeyboardButton(label) for label in labels[i : i + 2]] for i in range(0, len(labels), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def label_commands(i18n: I18n) -> dict[str, str]:
    """Every button label, in every language, and the command it stands for."""
    return {
        i18n.translator(language).gettext(label): command
        for language in i18n.languages
        for label, command in ALL_BUTTONS
    }


def on_menu_button(callbacks: Mapping[str, Callable]) -> Callable:
    """A press on the reply keyboard runs its command (through the mid-flow rule)."""

    async def run(update: Update, context: KlasterContext) -> None:
        command = label_commands(context.runtime.i18n).get((update.effective_message.text or "").strip())
        if command is None or command not in callbacks:
            return
        context.args = []
        await callbacks[command](update, context)

    return run


async def show_commands(update: Update, context: KlasterContext, actor: Actor | None = None) -> None:
    """Set this chat's command menu to the person's role, in their language."""
    actor = actor or context.require_actor()
    t = context.t
    commands = [BotCommand(name, t.gettext(description)) for name, description in commands_for(actor)]
    try:
        await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(update.effective_chat.id))
    except TelegramError:  # the default menu stays: nothing the person needs is lost
        pass


async def publish_menu(application: Application) -> None:
    """Set the default menu in Indonesian (default) and in every other language we have."""
    i18n = runtime_of(application).i18n
    for language in i18n.languages:
        t = i18n.translator(language)
        commands = [BotCommand(name, t.gettext(description)) for name, description in MENU]
        await application.bot.set_my_commands(
            commands, language_code=None if language == DEFAULT_LANGUAGE else language
        )
