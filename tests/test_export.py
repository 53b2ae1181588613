"""The joint document's files, each read back: Markdown text, parsed HTML, the .docx
reopened with python-docx, and the PDF through poppler (pdftotext, pdffonts, pdftoppm)."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.shared import Length
from docx.text.paragraph import Paragraph

from app import export
from app.domain import document
from app.domain.document import Document
from app.domain.workshop import Workshop
from app.export import docx as docx_export
from app.export import html as html_export
from app.export import markdown as markdown_export
from app.export import pdf as pdf_export
from app.web.templating import Templates
from tests.conftest import require
from tests.domain.support import create_room
from tests.export_support import (
    AGREEMENT_HEADINGS,
    GOALS,
    HOSTILE_LINES,
    LABELS,
    MEANS,
    MISSION,
    OVERRIDE,
    ROW_TITLES,
    SECTION_HEADINGS,
    SHOTS_DIR,
    SIGNER,
    UNICODE,
    agreed_room,
)


@pytest.fixture(scope="module")
def doc(workshop: Workshop) -> Document:
    room = agreed_room(workshop)
    return document.build(room, today=room.created_at)


@pytest.fixture(scope="module")
def empty_doc(workshop: Workshop) -> Document:
    room = create_room(workshop)
    return document.build(room, today=room.created_at)


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates()


@pytest.fixture(scope="module")
def html(templates: Templates, doc: Document) -> str:
    return html_export.render(templates, doc)


def squash(text: str) -> str:
    """Whitespace folded to single spaces (PDF text wraps lines)."""
    return " ".join(text.split())


# ------------------------------------------------------------------ file names
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oakfield Primary", "oakfield-primary"),
        ("Oakfield Primary (Y6)", "oakfield-primary-y6"),
        ("École Saint-Éxupéry", "ecole-saint-exupery"),
        ("  St. Mary's C of E  ", "st-mary-s-c-of-e"),
        ("../../etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ('"; rm -rf / ; "', "rm-rf"),
        ("!!!", "common-ground"),
        ("李小龍學校", "common-ground"),
        ("🙂🙂", "common-ground"),
        ("", "common-ground"),
    ],
)
def test_slug(text: str, expected: str) -> None:
    assert export.slug(text) == expected


def test_slug_is_short_and_trimmed() -> None:
    assert len(export.slug("x" * 200)) == 60
    long = export.slug("ab-" * 40)
    assert len(long) <= 60
    assert not long.endswith("-")
    assert export.slug("…", fallback="room") == "room"


def test_filename_is_meaningful(doc: Document) -> None:
    assert export.filename(doc, "pdf") == "oakfield-primary-joint-statement-2026-11-24.pdf"
    assert export.filename(doc, "docx") == "oakfield-primary-joint-statement-2026-11-24.docx"


def test_filename_uses_the_title_without_a_setting(doc: Document) -> None:
    plain = dataclasses.replace(doc, setting="")
    assert export.filename(plain, "md") == "oakfield-partnership-joint-statement-2026-11-24.md"


@pytest.mark.parametrize(
    ("title", "setting"),
    [
        ("Oakfield", "../../../etc/passwd"),
        ("Oakfield", 'a"b\\c/d\r\nSet-Cookie: x=1'),
        ("李小龍", ""),
        ("!!!", "???"),
        ("Ünïcødé ✓", ""),
        ("x" * 120, "y" * 120),
    ],
)
@pytest.mark.parametrize("extension", ["md", "html", "docx", "pdf"])
def test_filename_is_safe(doc: Document, title: str, setting: str, extension: str) -> None:
    name = export.filename(dataclasses.replace(doc, title=title, setting=setting), extension)
    assert re.fullmatch(rf"[a-z0-9]+(-[a-z0-9]+)*-joint-statement-2026-11-24\.{extension}", name)
    assert "/" not in name
    assert "\\" not in name
    assert ".." not in name
    assert len(name) <= 100


def test_filename_date_is_the_documents(doc: Document) -> None:
    later = dataclasses.replace(doc, date=datetime(2027, 1, 5, 23, 59, tzinfo=UTC))
    assert export.filename(later, "pdf").endswith("-2027-01-05.pdf")


def test_media_types() -> None:
    assert export.MEDIA_TYPES == {
        "md": "text/markdown; charset=utf-8",
        "html": "text/html; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
        "odt": "application/vnd.oasis.opendocument.text",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip": "application/zip",
        "svg": "image/svg+xml",
        "png": "image/png",
    }


# ------------------------------------------------------------------ Markdown
MD_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()<>#+\-.!|~&=])")


def unescape(line: str) -> str:
    return MD_ESCAPED.sub(r"\1", line).removesuffix("  ")


def test_markdown_headings(doc: Document) -> None:
    text = markdown_export.render(doc)
    lines = text.splitlines()
    assert lines[0] == "# Joint statement of purpose and partnership agreement"
    assert [line for line in lines if line.startswith("## ")] == [
        *(f"## {h}" for h in SECTION_HEADINGS),
        "## Appendix: what fed each statement",
    ]
    headings = [line for line in lines if re.match(r"^\s{0,3}#{1,6}(\s|$)", line)]
    assert headings == [
        "# Joint statement of purpose and partnership agreement",
        *(f"## {h}" for h in SECTION_HEADINGS[:4]),
        *(f"### {h}" for h in AGREEMENT_HEADINGS),
        "## 5. Signatories",
        "## Appendix: what fed each statement",
        *(f"### {t}" for t in ROW_TITLES),
        "### Task 1.1 — Inner circle",
        "### Task 1.1 — Outer circle",
        "### Agreed over an objection",
    ]
    assert "**Oakfield partnership** — Oakfield Primary" in lines
    assert "Date: 24 November 2026" in lines


def test_markdown_keeps_hostile_text_escaped(doc: Document) -> None:
    lines = markdown_export.render(doc).splitlines()
    # No line of user text becomes a heading, a list item, a quote or a fence.
    for bad in ("# heading", "- list", "**bold**", "<script>", "1. <script>"):
        assert not any(line.lstrip().startswith(bad) for line in lines), bad
    text = "\n".join(lines)
    assert not re.search(r"(?<!\\)<script", text)
    assert not re.search(r"(?<!\\)\]\(", text), "an unescaped link"
    assert not re.search(r"(?<!\\)\[link", text)
    assert "\\# heading" in text
    assert "\\- list" in text
    assert "\\*\\*bold\\*\\* \\[link\\](http://x) \\<script>" in text
    # The list items that are there are ours: the goals, numbered, and the appendix.
    items = [line for line in lines if re.match(r"^\s*([-+*]|\d+[.)])\s", line)]
    assert [i for i in items if re.match(r"^\d", i)] == [
        "1. Share information early & safely",
        "2. 1\\. \\<script>alert(2)\\</script>",
        "3. One plan per family",
        f"4. {UNICODE}",
    ]
    assert all(re.match(r"^(\d+\. |- \*\*|- \S)", i) for i in items)


def test_markdown_reads_back_to_the_statements(doc: Document) -> None:
    lines = markdown_export.render(doc).splitlines()
    start = lines.index("## 1. Statement of purpose") + 2
    assert [unescape(line) for line in lines[start : start + 3]] == HOSTILE_LINES
    assert f"*Agreed over an objection. Reason recorded: {OVERRIDE}*" in lines
    goals = lines.index("## 2. Common goals")
    assert [unescape(line)[3:] for line in lines[goals + 2 : goals + 6]] == [*GOALS, UNICODE]
    assert unescape(lines[lines.index("## 3. Mission statement") + 2]) == MISSION
    agreement = lines.index("## 4. Partnership agreement")
    assert lines[agreement + 2] == "The partners agree how they will work together."
    means = lines.index("### What partnership working means")
    assert lines[means + 2 : means + 5] == ["*Draft — not agreed:*", "", unescape(MEANS)]
    outcomes = lines.index("### Improving outcomes")
    assert lines[outcomes + 2] == "*Not agreed in this session.*"


def test_markdown_signatories_and_appendix(doc: Document) -> None:
    lines = markdown_export.render(doc).splitlines()
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| Name | Perspective | Role and organisation | Signed |"
    assert [row.split(" | ") for row in table[1:]] == [
        [f"| {SIGNER}", "Health", "—", "24 November 2026, 09:00 |"],
        ["| Ana \\<b>Ruiz\\</b>", "Social Care", "—", "24 November 2026, 09:00 |"],
    ]
    mission = lines.index("### Mission statement")
    assert lines[mission + 4 : mission + 9] == [
        "- **Education:** Together we help every child achieve",
        f"- **Health:** {UNICODE}",
        "- **Social Care:** *nothing written*",
        "- **VCS / Other:** *nothing written*",
        f"- **Overall (Agreed):** {markdown_export.escape(MISSION)}",
    ]
    inner = lines.index("### Task 1.1 — Inner circle")
    assert lines[inner + 2] == "- Keep \\<em>children\\</em> safe — *Health*"
    outer = lines.index("### Task 1.1 — Outer circle")
    assert lines[outer + 2] == "- Fewer meetings — *Education*"
    overrides = lines.index("### Agreed over an objection")
    assert lines[overrides + 2] == f"- **Statement of purpose:** {OVERRIDE}"


def test_markdown_cannot_make_a_setext_heading(doc: Document) -> None:
    """A line of '=' under user text would turn that text into a heading."""
    purpose = doc.sections[0].entries[0]
    sneaky = dataclasses.replace(purpose, text="Title\n===\nText\n---")
    sections = (dataclasses.replace(doc.sections[0], entries=(sneaky,)), *doc.sections[1:])
    lines = markdown_export.render(dataclasses.replace(doc, sections=sections)).splitlines()
    underlines = [line for line in lines if re.fullmatch(r" {0,3}(=+|-+)[ \t]*", line)]
    assert underlines == [], underlines


def test_markdown_of_an_empty_room(empty_doc: Document) -> None:
    lines = markdown_export.render(empty_doc).splitlines()
    assert lines.count("*Not agreed in this session.*") == 9
    assert "*No one has signed yet.*" in lines
    assert lines.count("*None.*") == 2
    assert "### Agreed over an objection" not in lines


# ------------------------------------------------------------------ HTML
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "area", "base"}


class Reader(HTMLParser):
    """Tags, text per heading, and a check that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        if tag in ("h1", "h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append((tag, squash("".join(self._heading))))
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def read_html(html: str) -> Reader:
    reader = Reader()
    reader.feed(html)
    reader.close()
    return reader


def test_html_is_well_formed_and_self_contained(html: str) -> None:
    reader = read_html(html)
    assert reader.errors == []
    assert reader.stack == []
    names = [tag for tag, _ in reader.tags]
    assert names[0] == "html"
    assert "script" not in names
    assert "link" not in names
    assert not any("href" in attrs for _, attrs in reader.tags)
    sources = [attrs["src"] for _, attrs in reader.tags if "src" in attrs]
    assert [tag for tag, attrs in reader.tags if "src" in attrs] == ["img"]  # the board
    assert all(str(src).startswith("data:image/svg+xml;base64,") for src in sources)
    assert not any(name.startswith("on") for _, attrs in reader.tags for name in attrs)
    assert names.count("style") == 1


def test_html_escapes_user_markup(html: str) -> None:
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert "Ana &lt;b&gt;Ruiz&lt;/b&gt;" in html
    assert "Keep &lt;em&gt;children&lt;/em&gt; safe" in html
    reader = read_html(html)
    names = {tag for tag, _ in reader.tags}
    assert "em" in names  # ours: "(draft)" in the appendix
    text = "".join(reader.text)
    # Read back as text, the user's markup is there verbatim.
    for line in HOSTILE_LINES:
        assert line in text


def test_html_sections(html: str) -> None:
    reader = read_html(html)
    h2 = [text for tag, text in reader.headings if tag == "h2"]
    assert h2 == [*SECTION_HEADINGS, "Appendix: what fed each statement"]
    h1 = [text for tag, text in reader.headings if tag == "h1"]
    assert h1 == ["Oakfield partnership"]
    h3 = [text for tag, text in reader.headings if tag == "h3"]
    assert h3[:6] == AGREEMENT_HEADINGS
    ids = [attrs.get("id") for tag, attrs in reader.tags if tag == "section"]
    assert ids == [
        "doc-purpose",
        "doc-goals",
        "doc-mission",
        "doc-agreement",
        "doc-signatories",
        "doc-appendix",
    ]
    classes = {
        attrs.get("id"): attrs.get("class") for tag, attrs in reader.tags if tag == "section"
    }
    assert "doc__section--agreed" in str(classes["doc-purpose"])
    assert "doc__section--draft" in str(classes["doc-agreement"])
    text = squash("".join(reader.text))
    assert MISSION in text
    assert UNICODE in text
    assert f"Agreed over an objection. Reason recorded: {OVERRIDE}" in text
    assert "Draft — not agreed" in text
    assert text.count("Not agreed in this session.") == 5
    assert SIGNER in text


def test_html_tables(html: str) -> None:
    reader = read_html(html)
    tables = [attrs.get("class") for tag, attrs in reader.tags if tag == "table"]
    assert tables == ["doc__table doc__signatories", "doc__table doc__grid"]
    rows = [attrs for tag, attrs in reader.tags if tag == "tr"]
    assert len(rows) == 1 + 2 + 1 + len(ROW_TITLES)  # signatories head+2, grid head+7


def test_html_of_an_empty_room(templates: Templates, empty_doc: Document) -> None:
    reader = read_html(html_export.render(templates, empty_doc))
    assert reader.errors == []
    text = squash("".join(reader.text))
    assert text.count("Not agreed in this session.") == 9
    assert "No one has signed yet." in text


# ------------------------------------------------------------------ Word
def style_of(paragraph: Paragraph) -> str:
    """A Word paragraph's style name (python-docx types the style as optional)."""
    assert paragraph.style is not None, paragraph.text
    return str(paragraph.style.name)


def test_docx_reopens_with_headings_and_statements(doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(doc)))
    headings = [p.text for p in word.paragraphs if style_of(p).startswith("Heading")]
    assert [h for h in headings if h[0].isdigit()] == SECTION_HEADINGS
    assert headings[4:10] == AGREEMENT_HEADINGS
    assert "Appendix: what fed each statement" in headings
    assert "Table 1.3 — the joint visioning grid" in headings
    assert "Task 1.1 — Inner circle" in headings
    assert "Agreed over an objection" in headings
    title = [p.text for p in word.paragraphs if style_of(p) == "Title"]
    assert title == ["Joint statement of purpose and partnership agreement"]

    paragraphs = [p.text for p in word.paragraphs]
    for line in HOSTILE_LINES:
        assert line in paragraphs
    numbered = [p.text for p in word.paragraphs if style_of(p) == "List Number"]
    assert numbered == [*GOALS, UNICODE]
    assert MISSION in paragraphs
    assert MEANS in paragraphs
    assert f"Agreed over an objection. Reason recorded: {OVERRIDE}" in paragraphs
    assert paragraphs.count("Not agreed in this session.") == 5
    assert word.core_properties.title == (
        "Joint statement of purpose and partnership agreement — Oakfield partnership"
    )
    assert "Oakfield partnership" in word.sections[0].footer.paragraphs[0].text


def test_docx_tables(doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(doc)))
    assert len(word.tables) == 2
    signed, grid = word.tables
    rows = [[c.text for c in row.cells] for row in signed.rows]
    assert rows[0] == ["Name", "Perspective", "Role and organisation", "Signed"]
    assert rows[1:] == [
        [SIGNER, "Health", "—", "24 November 2026, 09:00"],
        ["Ana <b>Ruiz</b>", "Social Care", "—", "24 November 2026, 09:00"],
    ]

    cells = [[c.text for c in row.cells] for row in grid.rows]
    assert cells[0] == ["Aspect", *LABELS, "Overall agreed"]
    assert [r[0] for r in cells[1:]] == ROW_TITLES
    assert cells[2] == [
        "Mission statement",
        "Together we help every child achieve",
        UNICODE,
        "—",
        "—",
        MISSION,
    ]
    assert cells[1][-1] == f"{MEANS} (draft)"
    assert cells[5][3] == "<script>alert(3)</script> caseloads"


def test_docx_of_an_empty_room(empty_doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(empty_doc)))
    paragraphs = [p.text for p in word.paragraphs]
    assert "No one has signed yet." in paragraphs
    assert paragraphs.count("Not agreed in this session.") == 9
    assert len(word.tables) == 1  # only the grid


# ------------------------------------------------------------------ PDF
def poppler(tool: str) -> str:
    path = shutil.which(tool)
    require(path is not None, f"{tool} is missing (apt-get install -y poppler-utils)")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def pdf_file(html: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = pdf_export.render(html)
    path = tmp_path_factory.mktemp("pdf") / "joint-statement.pdf"
    path.write_bytes(data)
    return path


def test_pdf_starts_like_a_pdf(pdf_file: Path) -> None:
    data = pdf_file.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")


def test_pdf_text_has_the_statements(pdf_file: Path) -> None:
    out = subprocess.run(
        [poppler("pdftotext"), "-enc", "UTF-8", str(pdf_file), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    text = squash(out)
    assert MISSION in text
    assert UNICODE in text
    assert SIGNER in text
    for heading in SECTION_HEADINGS:
        assert heading in text
    assert "<script>alert(1)</script>" in text  # printed as text, not run
    assert "Appendix: what fed each statement" in text
    assert re.search(r"\b1 ?/ ?[2-9]\b", text)  # the page footer: "1 / 3"


def test_pdf_embeds_every_font(pdf_file: Path) -> None:
    out = subprocess.run(
        [poppler("pdffonts"), str(pdf_file)], capture_output=True, check=True, text=True
    ).stdout
    header, _rule, *fonts = out.splitlines()
    assert fonts, out
    column = header.index("emb")
    for line in fonts:
        assert line[column : column + 3] == "yes", out


def test_pdf_renders_pages(pdf_file: Path, tmp_path: Path) -> None:
    info = subprocess.run(
        [poppler("pdfinfo"), str(pdf_file)], capture_output=True, check=True, text=True
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    assert pages >= 2  # the appendix starts on a new page
    assert re.search(r"^Page size:\s+595\.\d* x 841\.\d* pts \(A4\)", info, re.M), info
    subprocess.run(
        [
            poppler("pdftoppm"),
            "-r",
            "50",
            "-png",
            "-f",
            "1",
            "-l",
            "2",
            str(pdf_file),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    rendered = sorted(tmp_path.glob("page-*.png"))
    assert len(rendered) == 2
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    for number, png in enumerate(rendered, start=1):
        data = png.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(data) > 5_000  # not a blank page
        shutil.copy(png, SHOTS_DIR / f"export-pdf-page-{number}.png")


def test_docx_properties_language_and_fonts(doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(doc)))
    props = word.core_properties
    assert props.author == "Common Ground"
    assert props.last_modified_by == "Common Ground"
    assert props.subject == "Oakfield Primary"
    assert props.language == "en-GB"
    styles = word.styles.element.xml
    assert 'w:val="en-GB"' in styles
    assert 'w:eastAsia="Noto Sans CJK SC"' in styles  # a font for every script
    assert 'w:ascii="Noto Sans"' in styles


def test_docx_pages_are_a4_with_the_grid_in_landscape(doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(doc)))
    sizes = [
        (round(Length(s.page_width or 0).mm), round(Length(s.page_height or 0).mm))
        for s in word.sections
    ]
    assert sizes == [(210, 297), (297, 210), (210, 297)]
    grid_section = word.sections[1]
    assert grid_section.orientation == WD_ORIENT.LANDSCAPE


def test_docx_header_rows_repeat(doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(doc)))
    for table in word.tables:
        rows = table._tbl.tr_lst
        header = rows[0].trPr
        assert header is not None
        assert header.find(docx.oxml.ns.qn("w:tblHeader")) is not None
        assert all(
            r.trPr is None or r.trPr.find(docx.oxml.ns.qn("w:tblHeader")) is None for r in rows[1:]
        )


def test_docx_numbered_lists_each_start_at_one(doc: Document) -> None:
    twice = dataclasses.replace(doc, sections=(*doc.sections, doc.sections[1]))
    word = docx.Document(io.BytesIO(docx_export.render(twice)))
    numbered = [p for p in word.paragraphs if style_of(p) == "List Number"]
    ids = [p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")[0] for p in numbered]
    assert len(set(ids)) == 2  # two lists, two numberings
    numbering = word.part.numbering_part.element
    for num_id in set(ids):
        num = next(n for n in numbering.num_lst if str(n.numId) == num_id)
        start = num.find(
            docx.oxml.ns.qn("w:lvlOverride") + "/" + docx.oxml.ns.qn("w:startOverride")
        )
        assert start is not None
        assert start.get(docx.oxml.ns.qn("w:val")) == "1"


def test_docx_picture_has_alt_text(doc: Document) -> None:
    word = docx.Document(io.BytesIO(docx_export.render(doc)))
    assert len(word.inline_shapes) == 1
    doc_pr = word.inline_shapes[0]._inline.docPr
    assert doc_pr.get("title") == "The board as it ended — Oakfield partnership"
    assert doc_pr.get("descr").startswith("Inner circle, 1 statement:")
    headings = [p.text for p in word.paragraphs if style_of(p).startswith("Heading")]
    assert "The board as it ended" in headings


def test_docx_merged_notes_name_their_perspective(workshop: Workshop) -> None:
    merged = document.TracedNote(
        "Keep children safe",
        "Health",
        ("Children safe at home",),
        (("Children safe at home", "VCS / Other"),),
        "health",
    )
    base = document.build(agreed_room(workshop), today=datetime(2026, 12, 2, tzinfo=UTC))
    word = docx.Document(
        io.BytesIO(docx_export.render(dataclasses.replace(base, inner_notes=(merged,))))
    )
    lines = [p.text for p in word.paragraphs if style_of(p) == "List Bullet"]
    assert (
        "Keep children safe — Health (merged with: “Children safe at home” — VCS / Other)" in lines
    )
    assert not any(".;" in line for line in lines)
    assert "Date: 2 December 2026" in [p.text for p in word.paragraphs]
