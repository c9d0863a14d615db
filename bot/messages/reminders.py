"""The omzet reminder a member gets when they have not reported a month yet."""

from __future__ import annotations

from datetime import date

from bot.dates import Month, format_day, format_month
from bot.i18n import Translator
from bot.messages import Payload


def reminder(t: Translator, month: Month, deadline: date | None = None) -> Payload:
    """To a member who has not reported the month yet (the monthly reminder and the nudge):
    the deadline, and how to answer (a reply to this message is a report for its month)."""
    if deadline is None:
        return Payload(
            t.gettext(
                "Pengingat: mohon laporkan omzet {bulan} secepatnya.\n"
                "Balas saja pesan ini dengan jumlahnya, misalnya 12,5 juta. "
                "Jika tutup, balas: tutup. Terima kasih!",
                bulan=format_month(month, t.locale),
            )
        )
    return Payload(
        t.gettext(
            "Pengingat: mohon laporkan omzet {bulan} paling lambat {batas}.\n"
            "Balas saja pesan ini dengan jumlahnya, misalnya 12,5 juta. "
            "Jika tutup, balas: tutup. Terima kasih!",
            bulan=format_month(month, t.locale),
            batas=format_day(deadline, t.locale),
        )
    )
