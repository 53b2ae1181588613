"""The joint document as PDF: WeasyPrint renders the same HTML (fonts embedded)."""

from __future__ import annotations

from weasyprint import HTML


def render(html: str) -> bytes:
    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf
