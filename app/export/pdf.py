"""The joint document as PDF/UA-1: WeasyPrint renders the same HTML, tagged (headings,
lists, tables with header cells), with the document's language, its title in the info
dictionary and XMP, and every font embedded (Noto for every script people write).

Bilingual, each part's structure elements say their language (`/Lang` on its `/Art`,
which what is inside inherits). WeasyPrint (70) writes `/Lang` only on the catalogue,
from `<html lang>`: its tag tree (weasyprint/pdf/tags.py, `_build_box_tree`) gives a
structure element `Type`, `S`, `K`, `Pg`, `P` (and `A`/`Alt`) and never a `Lang`, so
the parts' languages are added here, by its public `finisher` hook: each part starts a
page (document.css) and is an anchor `part-<lang>` (document_export.html), so the page
an `/Art` is on says which part it belongs to."""

from __future__ import annotations

from typing import Any

import pydyf
from weasyprint import HTML

PART = "part-"
"""The id of each part of a bilingual document: `part-cy`, `part-en-GB`."""


def part_languages(document: Any, pdf: Any) -> None:
    """Give every `/Art` structure element the language of the part it is in (a
    WeasyPrint finisher: `document` its Document, `pdf` its pydyf.PDF)."""
    starts = sorted(
        (index, anchor.removeprefix(PART))
        for index, page in enumerate(document.pages)
        for anchor in page.anchors
        if anchor.startswith(PART)
    )
    if not starts:  # one language: the catalogue's /Lang says it
        return
    pages = {str(reference): index for index, reference in enumerate(pdf.page_references)}
    for element in pdf.objects:
        if not isinstance(element, pydyf.Dictionary) or element.get("S") != "/Art":
            continue
        page = pages.get(str(element.get("Pg")), 0)
        languages = [language for start, language in starts if start <= page]
        element["Lang"] = pydyf.String(languages[-1] if languages else starts[0][1])


def render(html: str) -> bytes:
    pdf: bytes = HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, uncompressed_pdf=False, finisher=part_languages
    )
    return pdf
