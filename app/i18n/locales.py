"""Which languages there are, how a request picks one, and what a `Locale` offers."""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import babel

from app.i18n.catalogs import catalog_codes, translations
from app.i18n.pseudo import PSEUDO, PseudoTranslations

Direction = Literal["ltr", "rtl"]
DEFAULT = "en"
"""The source language (en-GB): what the code and templates are written in."""
TAGS = {"en": "en-GB"}
"""The BCP 47 tag a catalogue's pages say they are in, where it is not its code."""
FIELD_CONTEXT = "field"
"""The catalogue context of fields' names (app/i18n/fields.py)."""


@dataclass(frozen=True, slots=True)
class Locale:
    """One language a person reads: its code (`cy`), its tag for `lang` (`cy`,
    `en-GB`), its name in itself, its writing direction and its translations."""

    code: str
    tag: str
    name: str
    dir: Direction
    translations: gettext.NullTranslations = field(repr=False, compare=False)
    listed: bool = True
    """Offered in the language switch (the pseudo-locales are for testing)."""

    def gettext(self, message: str, /, **params: object) -> str:
        """`message` in this language, with `%(name)s` placeholders filled."""
        text = self.translations.gettext(message)
        return text % params if params else text

    def ngettext(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """The plural form for `n` (Welsh has six); `%(num)s` is `n`."""
        text = self.translations.ngettext(singular, plural, n)
        return text % {"num": n, **params}

    def message(self, message: str, /, **params: object) -> str:
        """`message` with `{name}` placeholders (the domain's error messages); a
        `{field}` is a field's name, translated too (app/i18n/fields.py)."""
        text = self.translations.gettext(message)
        if isinstance(field := params.get("field"), str):
            params = {**params, "field": self.translations.pgettext(FIELD_CONTEXT, field)}
        try:
            return text.format(**params) if params else text
        except (KeyError, IndexError, ValueError):  # a broken translation: say it in English
            return message.format(**params)


def _babel_locale(code: str) -> babel.Locale:
    return babel.Locale.parse(code.replace("-", "_"))


@cache
def get(code: str) -> Locale:
    """The `Locale` for a code `available()` lists (anything else: English)."""
    if code in PSEUDO:
        tag, way = PSEUDO[code]
        return Locale(code, tag, code, way, PseudoTranslations(way), listed=False)
    if code not in catalog_codes():
        code = DEFAULT
    place = _babel_locale(code)
    name = (place.get_display_name(place) or code).capitalize()
    direction: Direction = "rtl" if place.character_order == "right-to-left" else "ltr"
    return Locale(code, TAGS.get(code, code), name, direction, translations(code))


@cache
def available() -> tuple[str, ...]:
    """Every language code: the catalogues, then the pseudo-locales."""
    return (*catalog_codes(), *PSEUDO)


def listed() -> list[Locale]:
    """The languages the switch offers, English first."""
    return sorted((get(c) for c in available() if get(c).listed), key=lambda x: x.code != DEFAULT)


def _match(wanted: str) -> str | None:
    wanted = wanted.strip().lower().replace("_", "-")
    codes = {c.lower(): c for c in available()}
    if wanted in codes:
        return codes[wanted]
    primary = wanted.split("-")[0]
    return codes.get(primary) if primary not in PSEUDO else None


def parse_accept_language(header: str) -> list[str]:
    """The header's language ranges, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")[:20]):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if name and quality > 0:
            ranked.append((-quality, index, name.strip()))
    return [name for _, _, name in sorted(ranked)]


def negotiate(cookie: str | None, accept_language: str | None) -> Locale:
    """The language a person reads: their choice (the cookie), else their browser's
    first language we have, else English."""
    if cookie and (code := _match(cookie[:20])):
        return get(code)
    for wanted in parse_accept_language((accept_language or "")[:500]):
        if wanted == "*":
            break
        if code := _match(wanted):
            return get(code)
    return get(DEFAULT)
