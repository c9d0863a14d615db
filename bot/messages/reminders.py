"""The omzet reminder a member gets when they have not reported a month yet."""

from __future__ import annotations

from bot.dates import Month, format_month
from bot.i18n import Translator
from bot.messages import Payload


def reminder(t: Translator, month: Month) -> Payload:
    """To a member who has not reported the month yet (the monthly reminder and the nudge)."""
    return Payload(
        t.gettext(
            "Pengingat: mohon laporkan omzet {bulan}. Cukup ketik, misalnya: omzet 12,5 jt\n"
            "Jika tidak ada penjualan, ketik: omzet 0. Terima kasih!",
            bulan=format_month(month, t.locale),
        )
    )
