"""The appendix's fixed wording in Welsh in every format: "merged with:" and the circles'
names were English in the Word, ODT and HTML (so PDF) files of a Welsh document; the
notes themselves stay as their people wrote them."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from datetime import UTC, datetime

import docx
import pytest

from app.domain import document
from app.domain.document import Document
from app.domain.workshop import Workshop
from app.export import board
from app.export import docx as docx_export
from app.export import html as html_export
from app.export import markdown as markdown_export
from app.export import odt as odt_export
from app.web.templating import Templates
from tests.export_support import agreed_room

NOTE = "Plant yn ddiogel gartref"
MERGED = "Keep children safe"


@pytest.fixture(scope="module")
def welsh(workshop: Workshop) -> Document:
    note = document.TracedNote(NOTE, "Iechyd", (MERGED,), ((MERGED, "Addysg"),), "health")
    base = document.build(agreed_room(workshop), today=datetime(2026, 12, 2, tzinfo=UTC))
    return dataclasses.replace(base, language="cy", inner_notes=(note,))


def _texts(welsh: Document) -> dict[str, str]:
    word = docx.Document(io.BytesIO(docx_export.render(welsh)))
    odt = zipfile.ZipFile(io.BytesIO(odt_export.render(welsh))).read("content.xml").decode()
    return {
        "docx": "\n".join(p.text for p in word.paragraphs),
        "odt": odt,
        "html": html_export.render(Templates(), welsh),
        "md": markdown_export.render(welsh),
    }


def test_merged_notes_are_said_in_welsh_in_every_format(welsh: Document):
    for kind, text in _texts(welsh).items():
        assert "wedi'i uno â:" in text.replace("&#39;", "'"), kind
        assert "merged with" not in text, kind
        assert MERGED in text, kind  # people's words as they wrote them
        assert "Tasg 1.1 — Cylch mewnol" in text, kind
        assert "Inner circle" not in text, kind


def test_the_merged_line_reads_whole(welsh: Document):
    word = docx.Document(io.BytesIO(docx_export.render(welsh)))
    lines = [p.text for p in word.paragraphs]
    assert f"{NOTE} — Iechyd (wedi'i uno â: “{MERGED}” — Addysg)" in lines


def test_peoples_words_in_the_html_are_not_labelled_welsh(welsh: Document):
    page = html_export.render(Templates(), welsh)
    assert f'<span lang="" dir="auto">{NOTE}</span>' in page
    assert f'“<span lang="" dir="auto">{MERGED}</span>”' in page


def test_the_boards_picture_is_described_in_welsh(welsh: Document):
    picture = board.svg(welsh)
    assert 'xml:lang="cy"' in picture
    assert "Y bwrdd fel yr oedd ar y diwedd — Oakfield partnership" in picture
    assert "Cylch mewnol, 1 datganiad: “Plant yn ddiogel gartref” (Iechyd)." in picture
    assert "Cylch allanol · " in picture
    assert "Inner circle" not in picture
    assert "1 statement" not in picture
    assert "contributions per row" not in picture
