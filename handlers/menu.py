"""The command menu Telegram shows next to the text box, per language."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import Application

from bot.domain import DEFAULT_LANGUAGE
from bot.i18n import N_
from bot.runtime import runtime_of

# Only what every user can use; role commands are listed by /bantuan for those who have them.
MENU = (
    ("start", N_("Mulai")),
    ("daftar", N_("Mendaftar sebagai anggota")),
    ("omzet", N_("Lapor omzet bulanan")),
    ("riwayat", N_("Riwayat omzet saya")),
    ("profil", N_("Data saya")),
    ("dataku", N_("Salinan semua data saya")),
    ("hapusdata", N_("Hapus data saya")),
    ("bahasa", N_("Ganti bahasa")),
    ("batal", N_("Batalkan langkah ini")),
    ("bantuan", N_("Bantuan")),
)


async def publish_menu(application: Application) -> None:
    """Set the menu in Indonesian (default) and in every other language we have."""
    i18n = runtime_of(application).i18n
    for language in i18n.languages:
        t = i18n.translator(language)
        commands = [BotCommand(name, t.gettext(description)) for name, description in MENU]
        await application.bot.set_my_commands(
            commands, language_code=None if language == DEFAULT_LANGUAGE else language
        )
