"""The catalogues on disk: `app/locales/<lang>/LC_MESSAGES/messages.po`, in git.

`make run` (its install step) compiles them to `.mo`; a `.mo` missing or older
than its `.po` is compiled here, in memory, at start-up — so a fresh checkout, an
edited catalogue or a wheel built without the compile step still serves every
language, never a stale one.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"


def po_path(code: str) -> Path:
    return LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_codes() -> list[str]:
    """The catalogue directories there are (a new language is a new directory)."""
    return sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_catalog(path: Path, code: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=code)


@cache
def translations(code: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `code` (from its `.mo` when that is up to date)."""
    po = po_path(code)
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(po, code), use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def template_ids() -> tuple[tuple[str, str | None], ...]:
    """Every (msgid, plural msgid) the code and templates use, from `messages.pot`."""
    ids: list[tuple[str, str | None]] = []
    for message in read_catalog(TEMPLATE):
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            ids.append((str(message.id[0]), str(message.id[1])))
        else:
            ids.append((str(message.id), None))
    return tuple(ids)
