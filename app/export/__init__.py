"""Document writers (Markdown, HTML, Word, OpenDocument, PDF), the record as data
(xlsx, CSV), the board's picture (SVG, PNG), and safe file names."""

from __future__ import annotations

import re
import unicodedata

from app.domain.document import Document

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


def filename(document: Document, extension: str, kind: str = "joint-statement") -> str:
    """e.g. oakfield-primary-joint-statement-2026-11-24.pdf, oakfield-primary-board-….svg"""
    name = slug(document.setting or document.title)
    return f"{name}-{kind}-{document.date.date().isoformat()}.{extension}"
