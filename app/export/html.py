"""The joint document as one self-contained, print-ready HTML page (A4 print CSS)."""

from __future__ import annotations

from functools import cache
from typing import Any

from markupsafe import Markup

from app.domain.document import Document
from app.web.templating import STATIC_DIR

# The export carries its own styles and no script; it is served with a CSP
# that allows only that.
EXPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


@cache
def stylesheet() -> Markup:
    """Our own stylesheet, inlined (trusted: it is a file of the app)."""
    return Markup((STATIC_DIR / "document.css").read_text(encoding="utf-8"))  # noqa: S704


def render(templates: Any, document: Document) -> str:
    html: str = templates.render(
        "document_export.html", {"doc": document, "css": stylesheet(), "with_appendix": True}
    )
    return html
