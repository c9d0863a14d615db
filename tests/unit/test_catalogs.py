"""Catalogs stay honest: the .pot is current, English is complete, placeholders match."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _extracted() -> set[str]:
    ids: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_pot_is_current():
    pot = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(ROOT / "locales" / "messages.pot") if m.id}
    extracted = _extracted()
    assert extracted - pot == set(), "run: pybabel extract (see README, 'Texts')"
    assert pot - extracted == set(), "the .pot holds texts no longer in the code"


def test_english_is_complete_and_not_fuzzy():
    catalog = _catalog(ROOT / "locales" / "en" / "LC_MESSAGES" / "messages.po")
    extracted = _extracted()
    missing, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert extracted - ids == set()
    assert missing == [] and fuzzy == []


def test_placeholders_match():
    catalog = _catalog(ROOT / "locales" / "en" / "LC_MESSAGES" / "messages.po")
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0])) | (set(PLACEHOLDER.findall(ids[1])) if len(ids) > 1 else set())
        for text in strings:
            if text and set(PLACEHOLDER.findall(text)) - expected:
                wrong.append((ids[0], text))
            if text and len(ids) == 1 and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append((ids[0], text))
    assert wrong == []


def test_placeholder_check_catches_a_mismatch():
    expected = set(PLACEHOLDER.findall("Halo {nama}"))
    assert set(PLACEHOLDER.findall("Hello {name}")) != expected
