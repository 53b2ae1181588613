"""Languages: gettext catalogues (Babel), the language each person reads, and its wording.

Nothing here is global state a request could leak into another: a `Locale` is
chosen at the edge (cookie, `Accept-Language`) and passed explicitly to whatever
renders text — templates get it as `i18n`, Python code calls `locale.gettext`.
"""

from __future__ import annotations

from app.i18n.locales import (
    DEFAULT,
    Locale,
    available,
    get,
    listed,
    negotiate,
    parse_accept_language,
)


def N_(message: str) -> str:
    """Mark `message` for the catalogue; it is translated where it is shown."""
    return message


def NP_(context: str, message: str) -> str:
    """Mark `message` for the catalogue in `context` (translated with `pgettext`)."""
    return message


__all__ = [
    "DEFAULT",
    "NP_",
    "N_",
    "Locale",
    "available",
    "get",
    "listed",
    "negotiate",
    "parse_accept_language",
]
