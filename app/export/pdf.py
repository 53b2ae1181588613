"""The joint document as PDF/UA-1: WeasyPrint renders the same HTML, tagged (headings,
lists, tables with header cells), with the document's language, its title in the info
dictionary and XMP, and every font embedded (Noto for every script people write).

Languages of parts: WeasyPrint (70) writes `/Lang` only on the catalogue, from
`<html lang>` — its tag tree (weasyprint/pdf/tags.py, `_build_box_tree`) gives a
structure element `Type`, `S`, `K`, `Pg`, `P` (and `A`/`Alt`), never a `Lang`. So the
tree is built here through `_build_box_tree` wrapped (the module's own recursion calls
it by name): each structure element of an HTML element that says `lang` says it too —
a bilingual document's parts (`<article lang="cy">`), and what people wrote, which the
HTML marks `lang=""` (unknown) and the PDF `und` (ISO 639's "undetermined": a language
tag a PDF/UA checker accepts, which no reader mistakes for the part's language).
tests/test_export_languages.py reads the tags back, so a WeasyPrint that builds its
tree otherwise fails there, not silently."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydyf
from weasyprint import HTML
from weasyprint.pdf import tags

UNKNOWN = "und"
"""The PDF's language tag for text whose language is not known (people's own words)."""

_build_box_tree = tags._build_box_tree


def _build_with_languages(box: Any, parent: Any, pdf: Any, *rest: Any) -> Iterator[Any]:
    """WeasyPrint's structure elements for `box`, with the language its element says."""
    element = getattr(box, "element", None)
    said = element.get("lang") if element is not None and element.tag != "html" else None
    for made in _build_box_tree(box, parent, pdf, *rest):
        if said is not None and "Lang" not in made:
            made["Lang"] = pydyf.String(said or UNKNOWN)
        yield made


tags._build_box_tree = _build_with_languages


def render(html: str) -> bytes:
    pdf: bytes = HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, uncompressed_pdf=False
    )
    return pdf
