"""The joint document as one self-contained, print-ready HTML page (A4 print CSS), with
the board's picture (an SVG as a data: URI, with its alt text) in the appendix."""

from __future__ import annotations

import base64
import re
from functools import cache
from typing import Any

from markupsafe import Markup

from app.domain.document import Document
from app.export import board, safe, words
from app.web.templating import STATIC_DIR

# The export carries its own styles and no script; it is served with a CSP
# that allows only that.
EXPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


@cache
def stylesheet() -> Markup:
    """Our own stylesheet, inlined (trusted: it is a file of the app)."""
    return Markup((STATIC_DIR / "document.css").read_text(encoding="utf-8"))  # noqa: S704


def picture(document: Document) -> dict[str, Any] | None:
    """The board's picture for the appendix: a data: URI, its alt text and size."""
    if not document.has_notes:
        return None
    svg = board.svg(document, standalone=True)
    width, height = board.svg_size(svg)
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return {
        "src": f"data:image/svg+xml;base64,{encoded}",
        "alt": board.description(document),
        "width": width,
        "height": height,
    }


PART = '<article class="doc-part" id="part-'
IDS = re.compile(r'(\sid=")(?!part-)')


def _own_ids(html: str) -> str:
    """Each part's ids prefixed with its language (`cy-doc-purpose`), so that the same
    section in two languages is two ids (the parts' own `part-<lang>` kept). Every text
    in the page is escaped, so `id="` is only ever our own markup."""
    head, *parts = html.split(PART)
    marked = []
    for part in parts:
        language = part.split('"', 1)[0]
        marked.append(IDS.sub(r"\g<1>" + language.replace("\\", "") + "-", part))
    return PART.join([head, *marked])


def render(templates: Any, document: Document, *others: Document) -> str:
    """The document as one HTML page; with `others` (the same document in other
    languages), bilingual: each language a part of its own, marked with its `lang`."""
    parts = [(safe.clean(d), words(d)) for d in (document, *others)]
    first = parts[0][0]
    html: str = templates.render(
        "document_export.html",
        {
            "doc": first,
            "parts": parts,
            "i18n": parts[0][1],
            "css": stylesheet(),
            "with_appendix": True,
            "board_picture": picture(first),
        },
    )
    return _own_ids(html) if others else html
