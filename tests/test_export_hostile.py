"""Hostile text through every document format: markup, formulas, control characters
(which XML cannot hold) and right-to-left overrides (which could reorder the words the
document puts after them) — each file still opens, and the text stays text."""

from __future__ import annotations

import dataclasses
import io
import xml.etree.ElementTree as ET
import zipfile

import docx
import pytest
from markdown_it import MarkdownIt
from odf import teletype
from odf.opendocument import load

from app.domain import document
from app.domain.document import Document, TracedNote
from app.domain.workshop import Workshop
from app.export import board, html, markdown, odt, pdf, safe
from app.export import docx as docx_export
from app.web.templating import Templates
from tests.export_support import agreed_room

RLO = "\u202e"
PDF = "\u202c"
NOTE = f"Keep {RLO}gnp.exe children safe"
CONTROLS = "Bell\x07 and\x0b vertical\x1b escape"
MARKUP = "<img src=x onerror=alert(1)> [click](javascript:alert(2)) `code` ~~gone~~"
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def doc(workshop: Workshop) -> Document:
    base = document.build(agreed_room(workshop), today=agreed_room(workshop).created_at)
    notes = (
        TracedNote(NOTE, "Health", perspective="health"),
        TracedNote(CONTROLS, "Education", ((MARKUP),), ((MARKUP, "Health"),), "education"),
        TracedNote(FORMULA, "Social Care", perspective="social-care"),
    )
    signer = dataclasses.replace(base.signatories[0], name=f"{RLO}Ana{CONTROLS}")
    return dataclasses.replace(
        base, inner_notes=notes, title=f"Oakfield {RLO}x", signatories=(signer,)
    )


def test_safe_text() -> None:
    assert safe.text(CONTROLS) == "Bell and vertical escape"
    assert safe.text(NOTE) == NOTE + PDF
    assert safe.text(f"{RLO}a{PDF}") == f"{RLO}a{PDF}"  # closed already
    assert safe.text("\u2067abc") == "\u2067abc\u2069"
    assert safe.text(safe.text(NOTE)) == safe.text(NOTE)  # once is enough
    assert safe.text("plain — text") == "plain — text"


def test_markdown_stays_inert(doc: Document) -> None:
    text = markdown.render(doc)
    assert "\x07" not in text
    assert f"{NOTE}{PDF} — *Health*" in text
    tokens = MarkdownIt("commonmark").enable("table").enable("strikethrough").parse(text)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or []}
    for bad in ("html_inline", "html_block", "link_open", "image", "code_inline", "s_open"):
        assert bad not in kinds, bad
    assert "fence" not in kinds
    assert "blockquote_open" not in kinds


def test_html_and_pdf(doc: Document) -> None:
    page = html.render(Templates(), doc)
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\x07" not in page
    assert NOTE + PDF in page
    assert pdf.render(page).startswith(b"%PDF-")


def test_word_opens(doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(doc)))
    lines = [p.text for p in word.paragraphs]
    assert f"{NOTE}{PDF} — Health" in lines
    assert any(line.startswith("Bell and vertical escape — Education") for line in lines)
    assert any(FORMULA in line for line in lines)


def test_opendocument_opens(doc: Document) -> None:
    opened = load(io.BytesIO(odt.render(doc)))
    body = teletype.extractText(opened.text)
    assert f"{NOTE}{PDF} — Health" in body
    assert MARKUP in body
    assert "\x07" not in body


def test_the_picture_parses(doc: Document) -> None:
    svg = board.svg(doc, standalone=True)
    root = ET.fromstring(svg.split("\n", 1)[1])
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<img" not in svg
    with zipfile.ZipFile(io.BytesIO(docx_export.render(doc))) as archive:
        assert "word/media/image1.png" in archive.namelist()
