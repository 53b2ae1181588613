"""The PDF is PDF/UA-1 and its text layer reads whole with every extractor.

People write in every script: a room with names and statements in Latin, Greek,
Cyrillic, Chinese, Japanese, Arabic, Hebrew, Devanagari and emoji is rendered, and
each sentence is read back by PDFium (Chromium's engine), poppler's pdftotext,
pypdf and pdfminer.six. Right-to-left and Indic scripts are shaped and reordered,
which extractors undo differently: for those, every letter must come back (no
lost glyph, no NUL bytes) rather than the exact sentence. The structure (tags,
language, title, XMP's pdfuaid, fonts embedded) is read with pikepdf.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfminer.high_level
import pikepdf
import pypdf
import pypdfium2
import pytest

from app.domain import document
from app.domain.document import Document
from app.domain.room import Room
from app.domain.workshop import Workshop
from app.export import html as html_export
from app.export import pdf as pdf_export
from app.web.templating import Templates
from tests.conftest import require
from tests.domain.support import agree, contribute, create_room, draft, join, move_to, sign

# (name, perspective): one per script; the names sign, so they are in the table.
SIGNERS = [
    ("Zoë Ødegård", "health"),
    ("李小龙", "education"),
    ("Ελένη Παπαδοπούλου", "social-care"),
    ("Дмитрий Иванов", "vcs-other"),
    ("山田 花子", "health"),
    ("محمد علي", "education"),
    ("דוד לוי", "social-care"),
    ("प्रिया शर्मा", "vcs-other"),
]
SENTENCES = [  # read back exactly, by every extractor
    "Every child in Oakfield thrives because we work as one team.",
    "每个孩子都安全、健康、准备好学习。",
    "Κάθε παιδί είναι ασφαλές και υγιές.",
    "Каждый ребёнок в безопасности и здоров.",
    "すべての子どもが安全で健康です。",
]
SHAPED = [  # read back letter for letter (the order of shaped scripts varies)
    "كل طفل آمن وصحي",
    "כל ילד בטוח ובריא",
    "हर बच्चा सुरक्षित और स्वस्थ है",
]
EMOJI = "Together we can 🙂🌍"


def multiscript_room(workshop: Workshop) -> Room:
    room = create_room(workshop, title="Oakfield partnership 🌍")
    for n, (name, perspective) in enumerate(SIGNERS, start=1):
        join(room, f"p{n}", name=name, perspective=perspective)
    move_to(room, "purpose-agree")
    draft(room, "purpose", text="\n".join(SENTENCES))
    agree(room, "purpose")
    draft(room, "goals", items=[*SHAPED, EMOJI])
    agree(room, "goals")
    move_to(room, "grid-write")
    contribute(room, "p2", "mission", "c1", "我们一起帮助每个孩子")
    move_to(room, "document")
    for n in range(1, len(SIGNERS) + 1):
        sign(room, f"p{n}")
    return room


@pytest.fixture(scope="module")
def doc(workshop: Workshop) -> Document:
    room = multiscript_room(workshop)
    return document.build(room, today=room.created_at)


@pytest.fixture(scope="module")
def pdf_path(doc: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "multiscript.pdf"
    path.write_bytes(pdf_export.render(html_export.render(Templates(), doc)))
    return path


def squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdfium_text(path: Path) -> str:
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def poppler_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    require(tool is not None, "pdftotext is missing (apt-get install -y poppler-utils)")
    assert tool is not None
    out = subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pypdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(str(path)).pages)


def pdfminer_text(path: Path) -> str:
    text: str = pdfminer.high_level.extract_text(str(path))
    return text


EXTRACTORS = {
    "pdfium": pdfium_text,
    "poppler": poppler_text,
    "pypdf": pypdf_text,
    "pdfminer": pdfminer_text,
}


@pytest.fixture(scope="module")
def texts(pdf_path: Path) -> dict[str, str]:
    return {name: read(pdf_path) for name, read in EXTRACTORS.items()}


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
def test_every_sentence_reads_whole(texts: dict[str, str], extractor: str) -> None:
    text = squash(texts[extractor])
    assert "\x00" not in text
    for sentence in SENTENCES:
        assert squash(sentence) in text, (extractor, sentence)
    for name, _ in SIGNERS[:5]:
        assert squash(name) in text, (extractor, name)
    assert "Oakfield partnership" in text
    assert "我们一起帮助每个孩子" in text


@pytest.mark.parametrize("extractor", list(EXTRACTORS))
def test_shaped_scripts_lose_no_letter(texts: dict[str, str], extractor: str) -> None:
    letters = {c for c in texts[extractor] if unicodedata.category(c).startswith("L")}
    for sentence in SHAPED:
        wanted = {c for c in sentence if unicodedata.category(c).startswith("L")}
        assert wanted <= letters, (extractor, sorted(wanted - letters))
    for name, _ in SIGNERS[5:]:
        wanted = {c for c in name if unicodedata.category(c).startswith("L")}
        assert wanted <= letters, (extractor, name)


@pytest.mark.parametrize("extractor", ["poppler", "pypdf", "pdfminer"])
def test_emoji_are_text(texts: dict[str, str], extractor: str) -> None:
    assert "🙂" in texts[extractor]
    assert "🌍" in texts[extractor]


def test_the_extractors_read_the_same_words(texts: dict[str, str]) -> None:
    """Identically: the same Latin, Greek, Cyrillic and CJK words, in the same order."""

    def words(text: str) -> list[str]:
        keep = ("Latin", "GREEK", "CYRILLIC", "CJK")
        return [
            w
            for w in squash(text).split()
            if all(any(k in unicodedata.name(c, "") for k in keep) or not c.isalpha() for c in w)
            and any(c.isalpha() for c in w)
        ]

    def letters(text: str) -> list[str]:
        return [c for w in words(text) for c in w if c.isalpha()]

    reference = letters(texts["poppler"])
    for name, text in texts.items():
        assert letters(text) == reference, name


# ------------------------------------------------------------------ PDF/UA-1
@pytest.fixture(scope="module")
def pdf(pdf_path: Path) -> pikepdf.Pdf:
    return pikepdf.open(pdf_path)


def structure(node: pikepdf.Object) -> list[tuple[str, pikepdf.Object]]:
    """Every structure element under `node`, depth first: (type, element)."""
    found: list[tuple[str, pikepdf.Object]] = []
    kids = node.get("/K")
    children = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    for child in children:
        if isinstance(child, pikepdf.Dictionary) and "/S" in child:
            found.append((str(child["/S"]), child))
            found += structure(child)
    return found


def test_pdf_ua_identification_and_metadata(pdf: pikepdf.Pdf, doc: Document) -> None:
    root = pdf.Root
    assert str(root["/Lang"]) == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    info = pdf.docinfo
    assert str(info["/Title"]) == doc.full_title
    assert str(info["/Author"]) == "Common Ground"
    assert str(info["/Subject"]) == "Oakfield Primary"
    xmp = str(pdf.open_metadata())
    assert 'pdfuaid:part="1"' in xmp or "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert doc.full_title in xmp


def test_pdf_is_tagged_with_headings_lists_and_tables(pdf: pikepdf.Pdf) -> None:
    elements = structure(pdf.Root["/StructTreeRoot"])
    kinds = [kind for kind, _ in elements]
    assert kinds[0] == "/Document"
    for kind in ("/H1", "/H2", "/H3", "/L", "/LI", "/Lbl", "/LBody", "/Table", "/TR", "/TH"):
        assert kind in kinds, kind
    assert kinds.count("/H2") >= 6  # five sections and the appendix
    header_cells = [e for kind, e in elements if kind == "/TH"]
    assert len(header_cells) >= 4 + 6  # the signatories' and the grid's header rows
    tables = [e for kind, e in elements if kind == "/Table"]
    assert len(tables) == 2
    assert any(kind == "/Figure" for kind in kinds)  # the board's picture


def test_the_boards_picture_has_alt_text(pdf: pikepdf.Pdf) -> None:
    figures = [e for kind, e in structure(pdf.Root["/StructTreeRoot"]) if kind == "/Figure"]
    assert figures
    alt = str(figures[0].get("/Alt", ""))
    assert alt.startswith("Inner circle")


def test_reading_order_follows_the_document(texts: dict[str, str]) -> None:
    text = squash(texts["poppler"])
    headings = [
        "1. Statement of purpose",
        "2. Common goals",
        "3. Mission statement",
        "4. Partnership agreement",
        "5. Signatories",
        "Appendix: what fed each statement",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)


def test_every_font_is_embedded(pdf: pikepdf.Pdf) -> None:
    fonts = []
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            descendants = font.get("/DescendantFonts")
            target = descendants[0] if descendants is not None else font
            descriptor = target["/FontDescriptor"]
            fonts.append(str(target["/BaseFont"]))
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
            assert "/ToUnicode" in font, font
    families = " ".join(fonts)
    assert "Noto-Sans" in families
    assert "CJK" in families


def test_the_pdf_bytes_are_read_whole_by_pypdf_streams(pdf_path: Path) -> None:
    """No text comes out as NUL-interleaved bytes (the old custom-encoding bug)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes()))
    for page in reader.pages:
        assert "\x00" not in page.extract_text()


def test_table_cells_name_their_headers(pdf: pikepdf.Pdf) -> None:
    """Header cells carry IDs and data cells their headers (PDF/UA's 15-003)."""
    elements = structure(pdf.Root["/StructTreeRoot"])
    header_ids = {str(e["/ID"]) for kind, e in elements if kind == "/TH"}
    assert header_ids
    cells = [e for kind, e in elements if kind == "/TD"]
    assert cells
    for cell in cells:
        headers = {str(h) for h in cell["/A"]["/Headers"]}
        assert headers
        assert headers <= header_ids


def test_the_page_footer_is_an_artifact(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        contents = page.obj["/Contents"]
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        data = b"".join(s.read_bytes() for s in streams)
        assert b"/Artifact" in data
