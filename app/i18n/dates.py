"""Dates as each language writes them ('2 December 2026', '2 Rhagfyr 2026'), by Babel."""

from __future__ import annotations

from datetime import datetime, tzinfo

from babel.dates import format_date

from app.i18n.locales import DEFAULT, Locale


def _babel_code(locale: Locale) -> str:
    return DEFAULT if not locale.listed else locale.code.replace("-", "_")


def long_date(moment: datetime, zone: tzinfo, locale: Locale) -> str:
    """The documents' one date format, in `locale`: day, month name, year."""
    text = format_date(moment.astimezone(zone).date(), "d MMMM y", locale=_babel_code(locale))
    return locale.translations.gettext(text) if not locale.listed else text


def local_time(moment: datetime, zone: tzinfo, locale: Locale) -> str:
    """'2 December 2026, 14:05' in the room's zone and the reader's language."""
    return f"{long_date(moment, zone, locale)}, {moment.astimezone(zone):%H:%M}"
    # (a pseudo-locale transforms the month's name like any message: it is wording)
