"""Document writers (Markdown, HTML, Word, OpenDocument, PDF), the record as data
(xlsx, CSV), the board's picture (SVG, PNG), and safe file names."""

from __future__ import annotations

import re
import unicodedata

from app import i18n
from app.domain.document import Document
from app.domain.document_model import TracedNote
from app.i18n import N_, Locale

MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
    "svg": "image/svg+xml",
    "png": "image/png",
}


def slug(text: str, fallback: str = "common-ground") -> str:
    """ASCII, lower-case, dashes: 'Oakfield Primary (Y6)' → 'oakfield-primary-y6'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return cleaned[:60].rstrip("-") or fallback


KINDS = (N_("joint-statement"), N_("board"), N_("record"))
"""The files' kinds, as their names say them (translated: `datganiad-ar-y-cyd`)."""


def words(document: Document) -> Locale:
    """The language of `document`'s fixed wording (its `language` tag: `cy`, `en-GB`)."""
    code = document.language.split(",")[0]
    return i18n.get(code if code in i18n.available() else code.split("-")[0])


UNKNOWN_LANGUAGE = "und"
"""The language tag the Word, ODT and PDF documents give what people wrote (ISO 639's
"undetermined"; the HTML says lang=""): a statement, a reason, a name is in whatever
language its writer wrote, which is not known — not the part's it is printed in."""


def around_reason(say: Locale) -> tuple[str, str]:
    """The "Agreed over an objection" sentence in `say`'s language, split around where
    its reason goes (people's words, marked apart from the sentence)."""
    said = say.gettext(
        "Agreed over an objection. Reason recorded: %(override_reason)s", override_reason="\0"
    )
    before, _, after = said.partition("\0")
    return before, after


def merged_line(note: TracedNote, say: Locale) -> str:
    """' (merged with: “text” — Health; “text” — Education)' in `say`'s language (the
    notes as their people wrote them), or nothing."""
    if not note.merged_from:
        return ""
    notes = "; ".join(f"“{text}” — {label}" for text, label in note.merged_from)
    return f" ({say.gettext('merged with:')} {notes})"


def filename(document: Document, extension: str, kind: str = "joint-statement") -> str:
    """e.g. oakfield-primary-joint-statement-2026-11-24.pdf, oakfield-primary-board-….svg
    (the kind in the document's language: …-datganiad-ar-y-cyd-….pdf)."""
    name = slug(document.setting or document.title)
    kind = slug(words(document).gettext(kind), kind)
    return f"{name}-{kind}-{document.date.date().isoformat()}.{extension}"
