"""Each downloadable file as an HTTP response: the document's formats, the board's
picture and the record as data, rendered off the event loop."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from starlette.responses import Response

from app import export
from app.domain.document import Document
from app.domain.record import Record
from app.export import board, data, docx, html, markdown, odt, pdf

DOCUMENTS = ("md", "html", "docx", "odt", "pdf")
PICTURES = ("svg", "png")
DATA = ("xlsx", "zip")


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


async def document_response(
    merged: Document, extension: str, templates: Any, *others: Document
) -> Response:
    """The document as a file; with `others` (itself in other languages), bilingual."""
    headers = _attachment(export.filename(merged, extension))
    body: str | bytes
    if extension == "md":
        body = "\n---\n\n".join(markdown.render(d) for d in (merged, *others))
    elif extension == "docx":
        body = await to_thread.run_sync(docx.render, merged, *others)
    elif extension == "odt":
        body = await to_thread.run_sync(odt.render, merged, *others)
    else:
        page = html.render(templates, merged, *others)
        body = page if extension == "html" else await to_thread.run_sync(pdf.render, page)
        headers["Content-Security-Policy"] = html.EXPORT_CSP
    return Response(body, media_type=export.MEDIA_TYPES[extension], headers=headers)


async def picture_response(merged: Document, extension: str) -> Response:
    headers = _attachment(export.filename(merged, extension, "board"))
    headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    svg = board.svg(merged, standalone=True)
    body: str | bytes = svg if extension == "svg" else await to_thread.run_sync(board.png, svg)
    return Response(body, media_type=export.MEDIA_TYPES[extension], headers=headers)


async def data_response(record: Record, extension: str) -> Response:
    headers = _attachment(export.filename(record.document, extension, "record"))
    write = data.workbook if extension == "xlsx" else data.csv_zip
    body = await to_thread.run_sync(write, record)
    return Response(body, media_type=export.MEDIA_TYPES[extension], headers=headers)
