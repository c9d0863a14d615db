"""How places are named: "Kabupaten Demak", "Kota Pekalongan"."""

from __future__ import annotations

import re

from bot.i18n import Translator

# What people put before a name: "Kab. Demak", "kabupaten demak", "Kota Pekalongan".
_KOTA = re.compile(r"^kota\s+", re.IGNORECASE)
_KABUPATEN = re.compile(r"^(?:kabupaten|kab\.?)\s+", re.IGNORECASE)


def region_title(t: Translator, kabupaten: str) -> str:
    """A kabupaten/kota as a title: a name stored as "Kota Pekalongan" stays a kota; any other
    (clusters are created with the bare name, "Demak") is a kabupaten."""
    name = " ".join(kabupaten.split())
    if _KOTA.match(name):
        return t.gettext("Kota {nama}", nama=_KOTA.sub("", name))
    return t.gettext("Kabupaten {nama}", nama=_KABUPATEN.sub("", name))
