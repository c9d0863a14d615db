"""What people type besides answers: greetings, read as "show me what I can do"."""

from __future__ import annotations

import re

_GREETING = re.compile(
    r"^(?:halo+|hallo+|helo+|hai+|hi+|hello+|hey|p+|ping|tes|test|menu|mulai|start|permisi|"
    r"punten|misi|min|admin|pak|bu|kak|"
    r"(?:selamat|slmt|met)\s+(?:pagi|siang|sore|malam)|pagi|siang|sore|malam|"
    r"ass?alamu'?\s?alaikum(?:\s+wr\.?\s*wb\.?)?|assalamualaikum|asw|aslm|aslkm|salam|"
    r"om swastiastu|shalom|salam sejahtera)"
    r"(?:[\s,]+(?:pak|bu|kak|min|admin|mas|mbak|bot|klasterbot))?[\s!.?🙏]*$",
    re.IGNORECASE,
)


def is_greeting(text: str) -> bool:
    """ "halo", "selamat pagi bu", "assalamualaikum", "menu": a greeting or a call for the menu."""
    return bool(_GREETING.match(" ".join(text.split())))
