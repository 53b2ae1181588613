"""The OpenDocument text, reopened with odfpy: the same content and structure as the
Word file (headings, numbered goals, tables with header rows, signatories, appendix
with the board's picture and its alt text), title and language set, A4, Table 1.3 on a
landscape page, user markup kept as text."""

from __future__ import annotations

import io
import zipfile

import pytest
from odf import teletype
from odf.draw import Frame
from odf.namespaces import STYLENS, TEXTNS
from odf.opendocument import OpenDocument, load
from odf.style import MasterPage, PageLayout, PageLayoutProperties
from odf.svg import Desc, Title
from odf.table import Table, TableHeaderRows, TableRow
from odf.text import H, List, ListItem

from app.domain import document
from app.domain.document import Document
from app.domain.workshop import Workshop
from app.export import odt
from tests.export_support import (
    GOALS,
    HOSTILE_LINES,
    MISSION,
    SECTION_HEADINGS,
    SIGNER,
    UNICODE,
    agreed_room,
)


@pytest.fixture(scope="module")
def doc(workshop: Workshop) -> Document:
    room = agreed_room(workshop)
    return document.build(room, today=room.created_at)


@pytest.fixture(scope="module")
def data(doc: Document) -> bytes:
    return odt.render(doc)


@pytest.fixture(scope="module")
def opened(data: bytes) -> OpenDocument:
    return load(io.BytesIO(data))


def texts(opened: OpenDocument, kind: type) -> list[str]:
    return [teletype.extractText(e) for e in opened.getElementsByType(kind)]


def test_it_is_an_opendocument_text(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names[0] == "mimetype"
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        assert {"content.xml", "styles.xml", "meta.xml", "META-INF/manifest.xml"} <= set(names)
        assert any(n.startswith("Pictures/") and n.endswith(".png") for n in names)


def test_title_language_and_author(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        meta = archive.read("meta.xml").decode()
        styles = archive.read("styles.xml").decode()
    assert (
        "<dc:title>Joint statement of purpose and partnership agreement — Oakfield partnership"
        "</dc:title>" in meta
    )
    assert "<dc:language>en-GB</dc:language>" in meta
    assert "<dc:creator>Common Ground</dc:creator>" in meta
    assert 'fo:language="en"' in styles
    assert 'fo:country="GB"' in styles
    assert "Noto Sans CJK SC" in styles  # a font for every script


def test_headings_and_outline(opened: OpenDocument) -> None:
    headings = opened.getElementsByType(H)
    level_one = [
        teletype.extractText(h) for h in headings if h.getAttrNS(TEXTNS, "outline-level") == "1"
    ]
    assert level_one == [*SECTION_HEADINGS, "Appendix: what fed each statement"]
    all_headings = texts(opened, H)
    assert "Table 1.3 — the joint visioning grid" in all_headings
    assert "The board as it ended" in all_headings
    assert "Task 1.1 — Inner circle" in all_headings
    assert "Agreed over an objection" in all_headings


def test_goals_are_a_numbered_list(opened: OpenDocument) -> None:
    lists = opened.getElementsByType(List)
    assert len(lists) == 1
    assert lists[0].getAttrNS(TEXTNS, "style-name") == "Numbered"
    items = [teletype.extractText(i) for i in lists[0].getElementsByType(ListItem)]
    assert items == [*GOALS, UNICODE]


def test_tables_have_header_rows(opened: OpenDocument) -> None:
    tables = opened.getElementsByType(Table)
    assert len(tables) == 2
    signatories, grid = tables
    for table in tables:
        headers = table.getElementsByType(TableHeaderRows)
        assert len(headers) == 1
    head = [
        teletype.extractText(c)
        for c in signatories.getElementsByType(TableHeaderRows)[0].childNodes[0].childNodes
    ]
    assert head == ["Name", "Perspective", "Role and organisation", "Signed"]
    rows = signatories.getElementsByType(TableRow)[1:]
    first = [teletype.extractText(c) for c in rows[0].childNodes]
    assert first == [SIGNER, "Health", "—", "24 November 2026, 09:00"]
    grid_rows = [
        [teletype.extractText(c) for c in r.childNodes] for r in grid.getElementsByType(TableRow)
    ]
    assert grid_rows[0] == [
        "Aspect",
        "Education",
        "Health",
        "Social Care",
        "VCS / Other",
        "Overall agreed",
    ]
    assert grid_rows[2][-1] == MISSION
    assert grid_rows[5][3] == "<script>alert(3)</script> caseloads"


def test_user_markup_is_text(data: bytes, opened: OpenDocument) -> None:
    body = teletype.extractText(opened.text)
    for line in HOSTILE_LINES:
        assert line in body
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        content = archive.read("content.xml").decode()
    assert "<script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_a4_and_a_landscape_page_for_the_grid(opened: OpenDocument) -> None:
    layouts = {
        layout.getAttrNS(STYLENS, "name"): layout.getElementsByType(PageLayoutProperties)[0]
        for layout in opened.getElementsByType(PageLayout)
    }
    portrait, landscape = layouts["Portrait"], layouts["Landscape"]
    assert portrait.getAttribute("pagewidth") == "21cm"
    assert portrait.getAttribute("pageheight") == "29.7cm"
    assert landscape.getAttribute("printorientation") == "landscape"
    assert landscape.getAttribute("pagewidth") == "29.7cm"
    masters = {m.getAttrNS(STYLENS, "name") for m in opened.getElementsByType(MasterPage)}
    assert {"Standard", "Landscape"} <= masters
    grid_heading = next(
        h for h in opened.getElementsByType(H) if teletype.extractText(h).startswith("Appendix")
    )
    style = grid_heading.getAttrNS(TEXTNS, "style-name")
    assert style == "ToLandscape"


def test_the_boards_picture_has_alt_text(opened: OpenDocument) -> None:
    frames = opened.getElementsByType(Frame)
    assert len(frames) == 1
    title = teletype.extractText(frames[0].getElementsByType(Title)[0])
    desc = teletype.extractText(frames[0].getElementsByType(Desc)[0])
    assert title == "The board as it ended — Oakfield partnership"
    assert desc.startswith("Inner circle, 1 statement: “Keep <em>children</em> safe” (Health).")
    assert "Outer circle, 1 statement: “Fewer meetings” (Education)." in desc
