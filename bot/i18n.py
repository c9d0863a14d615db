"""Texts: gettext catalogs with Indonesian msgids, locale negotiation, the Translator.

Indonesian is the source language, so `id` needs no catalog. Other languages are read from
`locales/<lang>/LC_MESSAGES/messages.po` at start and compiled in memory: no `.mo` in git.
"""

from __future__ import annotations

import gettext
from importlib import resources
from io import BytesIO
from typing import Any

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.domain import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

DOMAIN = "messages"


def N_(msgid: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a text for extraction; it is translated later, where the reader is known."""
    return msgid


def _locales_root() -> Any:
    return resources.files("locales")


def load_catalog(language: str) -> gettext.NullTranslations:
    """Compile one language's .po file in memory."""
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    po_file = _locales_root() / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = BytesIO()
    # Fuzzy entries are guesses; showing the Indonesian original is safer than a wrong text.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


class Translator:
    """Translate a msgid for one locale and fill its named placeholders."""

    def __init__(self, locale: str, catalog: gettext.NullTranslations) -> None:
        self.locale = locale
        self._catalog = catalog

    def gettext(self, msgid: str, /, **values: Any) -> str:
        text = self._catalog.gettext(msgid)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def __repr__(self) -> str:
        return f"Translator({self.locale!r})"


class I18n:
    """All catalogs of the bot, loaded once at start."""

    def __init__(self, languages: tuple[str, ...] = SUPPORTED_LANGUAGES) -> None:
        self.languages = languages
        self._translators = {lang: Translator(lang, load_catalog(lang)) for lang in languages}
        # Telegram's language code -> ours: a handful of codes, asked on every update.
        self._negotiated: dict[str, str] = {}

    def translator(self, language: str | None) -> Translator:
        return self._translators.get(language or DEFAULT_LANGUAGE, self._translators[DEFAULT_LANGUAGE])

    def negotiate(self, saved: str | None, telegram_language_code: str | None) -> str:
        """The user's saved choice, else Telegram's language if we have it, else Indonesian."""
        if saved in self.languages:
            return saved
        if telegram_language_code:
            known = self._negotiated.get(telegram_language_code)
            if known is None:
                known = self._negotiated[telegram_language_code] = self._from_telegram(telegram_language_code)
            return known
        return DEFAULT_LANGUAGE

    def _from_telegram(self, telegram_language_code: str) -> str:
        if len(self._negotiated) > 1000:  # codes are few; anything else is not worth keeping
            self._negotiated.clear()
        if telegram_language_code:
            found = negotiate_locale(
                [telegram_language_code.replace("-", "_")], list(self.languages), sep="_"
            )
            if found:
                return found
            base = telegram_language_code.split("-")[0].split("_")[0].lower()
            if base in self.languages:
                return base
        return DEFAULT_LANGUAGE

    @staticmethod
    def language_name(language: str) -> str:
        """The language's own name, e.g. 'Indonesia', 'English'."""
        return Locale.parse(language).get_display_name(language).capitalize()
