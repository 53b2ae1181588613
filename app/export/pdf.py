"""The joint document as PDF/UA-1: WeasyPrint renders the same HTML, tagged (headings,
lists, tables with header cells), with the document's language, its title in the info
dictionary and XMP, and every font embedded (Noto for every script people write)."""

from __future__ import annotations

from weasyprint import HTML


def render(html: str) -> bytes:
    pdf: bytes = HTML(string=html, base_url=None).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, uncompressed_pdf=False
    )
    return pdf
