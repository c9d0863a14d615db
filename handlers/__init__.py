"""Telegram glue. `register` adds every handler, in the order they must be tried."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks as cb
from bot.runtime import runtime_of
from handlers import (
    announcements,
    catalogue,
    cluster_admin,
    cluster_picker,
    criteria,
    flows,
    general,
    history,
    menu,
    omzet,
    pipeline,
    privacy,
    profile,
    registration,
    requests,
    summaries,
)
from handlers.errors import on_error


def register(app: Application) -> None:
    """Wire handlers in groups: -3..-1 run for every update, 0 picks one feature handler."""
    # Inline queries come from anyone, in any chat, with no chat of ours: answered before the
    # private-chat filter and without resolving (or storing) the sender.
    app.add_handler(InlineQueryHandler(catalogue.on_inline_query), group=-4)
    # Before anything else: group chats, edits and duplicates stop here; the sender is resolved.
    app.add_handler(TypeHandler(Update, pipeline.keep_to_private_chats), group=-3)
    app.add_handler(TypeHandler(Update, pipeline.admit_update), group=-2)

    private = filters.ChatType.PRIVATE
    commands = {
        "start": registration.start_command,
        "daftar": registration.daftar_command,
        "profil": profile.profile_command,
        "dataku": privacy.dataku_command,
        "hapusdata": privacy.hapusdata_command,
        "omzet": omzet.omzet_command,
        "riwayat": history.riwayat_command,
        "umumkan": announcements.umumkan_command,
        "permintaan": requests.permintaan_command,
        "peluang": requests.peluang_command,
        "terjadwal": announcements.terjadwal_command,
        "info": announcements.info_command,
        "berhenti": announcements.pause_command,
        "lanjut": announcements.resume_command,
        "ringkasan": summaries.ringkasan_command,
        "belumlapor": summaries.belumlapor_command,
        "ekspor": summaries.ekspor_command,
        "kriteria": criteria.kriteria_command,
        "pilihan": criteria.pilihan_command,
        "bantuan": general.help_command,
        "help": general.help_command,
        "batal": flows.cancel_command,
        "cancel": flows.cancel_command,
        "bahasa": general.language_command,
        "undang": cluster_admin.undang_command,
        "anggota": cluster_admin.anggota_command,
        "klaster": cluster_admin.klaster_command,
        "ketua": cluster_admin.ketua_command,
        "produk": catalogue.produk_command,
        "katalog": catalogue.katalog_command,
    }
    guarded = {name: flows.guarded(name, callback) for name, callback in commands.items()}
    for name, callback in guarded.items():
        # Mid-flow, one rule for every command (handlers/flows.py): nothing entered is lost.
        app.add_handler(CommandHandler(name, callback, filters=private))

    app.add_handler(CallbackQueryHandler(registration.on_button, pattern=cb.REG_PATTERN))
    app.add_handler(CallbackQueryHandler(cluster_admin.on_approval, pattern=cb.APPROVAL_PATTERN))
    app.add_handler(CallbackQueryHandler(general.on_language, pattern=cb.LANGUAGE_PATTERN))
    app.add_handler(CallbackQueryHandler(profile.on_button, pattern=cb.PROFILE_PATTERN))
    app.add_handler(CallbackQueryHandler(privacy.on_button, pattern=cb.PRIVACY_PATTERN))
    picked = {**cluster_admin.PICKED, **summaries.PICKED}
    app.add_handler(CallbackQueryHandler(cluster_picker.on_pick(picked, cluster_admin.KOORDINATOR_PURPOSES), pattern=cb.PICK_PATTERN))
    app.add_handler(CallbackQueryHandler(cluster_admin.on_chair_button, pattern=cb.CHAIR_PATTERN))
    app.add_handler(CallbackQueryHandler(cluster_admin.on_members_filter, pattern=cb.ANGGOTA_PATTERN))
    app.add_handler(CallbackQueryHandler(cluster_admin.on_leave_button, pattern=cb.LEAVE_PATTERN))
    app.add_handler(
        CallbackQueryHandler(cluster_admin.on_cluster_setup_button, pattern=cb.CLUSTER_SETUP_PATTERN)
    )
    app.add_handler(CallbackQueryHandler(cluster_admin.on_zone_button, pattern=cb.CLUSTER_ZONE_PATTERN))
    app.add_handler(CallbackQueryHandler(omzet.on_button, pattern=cb.OMZET_PATTERN))
    app.add_handler(CallbackQueryHandler(announcements.on_compose_button, pattern=cb.COMPOSE_PATTERN))
    app.add_handler(CallbackQueryHandler(announcements.on_answer, pattern=cb.ANSWER_PATTERN))
    app.add_handler(CallbackQueryHandler(requests.on_button, pattern=cb.REQUEST_PATTERN))
    app.add_handler(CallbackQueryHandler(summaries.on_button, pattern=cb.SUMMARY_PATTERN))
    app.add_handler(CallbackQueryHandler(catalogue.on_button, pattern=cb.CATALOGUE_PATTERN))
    app.add_handler(CallbackQueryHandler(criteria.on_button, pattern=cb.CRITERIA_PATTERN))
    # Any other button: forged, truncated, or from an older version of the bot.
    app.add_handler(CallbackQueryHandler(general.stale_button))

    app.add_handler(MessageHandler(private & filters.COMMAND, general.unknown_command))
    # A press on the reply keyboard is its command, under the same mid-flow rule.
    labels = list(menu.label_commands(runtime_of(app).i18n))
    app.add_handler(MessageHandler(private & filters.Text(labels), menu.on_menu_button(guarded)))
    app.add_handler(MessageHandler(private & ~filters.COMMAND, general.on_message))

    app.add_error_handler(on_error)
