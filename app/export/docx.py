"""The joint document as Word (.docx): Heading styles, real numbered lists (each list
numbered from 1), tables whose header rows repeat on every page, the board's picture
with its alt text, Table 1.3 on a landscape page; title, subject, language and author
in the document's properties, A4 (Letter where the language's convention is)."""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from app.domain.document import Document, Entry
from app.export import UNKNOWN_LANGUAGE, around_reason, board, merged_line, safe, words
from app.i18n import N_, Locale
from app.i18n.dates import long_date

GREY = RGBColor(0x55, 0x5F, 0x6B)
FONTS = {
    "ascii": "Noto Sans",
    "hAnsi": "Noto Sans",
    "eastAsia": "Noto Sans CJK SC",
    "cs": "Noto Sans Arabic",
}
PAPER = {"A4": (Mm(210), Mm(297)), "Letter": (Mm(215.9), Mm(279.4))}
SIGNATORY_HEADERS = (N_("Name"), N_("Perspective"), N_("Role and organisation"), N_("Signed"))


def _note(paragraph_text: str, word: WordDocument) -> None:
    run = word.add_paragraph().add_run(paragraph_text)
    run.italic = True
    run.font.color.rgb = GREY


def _fonts_and_language(word: WordDocument, language: str) -> None:
    """Noto for every script (Latin, CJK, complex scripts), and the document's language,
    in the defaults every style inherits."""
    defaults = word.styles.element.find(qn("w:docDefaults"))
    assert defaults is not None
    rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
    assert rpr is not None
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for slot, name in FONTS.items():
        fonts.set(qn(f"w:{slot}"), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    for style in word.styles:
        element = style.element.find(qn("w:rPr"))
        theme = element.find(qn("w:rFonts")) if element is not None else None
        if theme is not None:  # headings name theme fonts: let them inherit Noto
            element.remove(theme)


def _theirs(run: Run) -> Run:
    """A run of what people wrote: its language undetermined, not the part's."""
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), UNKNOWN_LANGUAGE)
    run._r.get_or_add_rPr().append(lang)
    return run


def _their_cell(cell: Any, text: str) -> None:
    """A table cell holding what people wrote ("—" where nothing: the app's)."""
    cell.text = text
    if text != "—":
        for run in cell.paragraphs[0].runs:
            _theirs(run)


def _repeat_header(table: Table) -> None:
    """Mark the first row as a header row, repeated at the top of every page."""
    trpr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    cant_split = OxmlElement("w:cantSplit")
    trpr.append(cant_split)


def _table(word: WordDocument, headers: tuple[str, ...] | list[str]) -> Table:
    table = word.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table)
    found: Table = table
    return found


class Numbering:
    """Each numbered list its own w:num, so that every list starts at 1."""

    def __init__(self, word: WordDocument) -> None:
        self.part = word.part.numbering_part.element
        style = word.styles["List Number"].element
        num_id = style.find(qn("w:pPr") + "/" + qn("w:numPr") + "/" + qn("w:numId"))
        assert num_id is not None
        base = next(
            n
            for n in self.part.findall(qn("w:num"))
            if n.get(qn("w:numId")) == num_id.get(qn("w:val"))
        )
        self.abstract = base.find(qn("w:abstractNumId")).get(qn("w:val"))
        self.next = max(int(n.get(qn("w:numId"))) for n in self.part.findall(qn("w:num"))) + 1

    def restart(self) -> str:
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(self.next))
        abstract = OxmlElement("w:abstractNumId")
        abstract.set(qn("w:val"), self.abstract)
        num.append(abstract)
        override = OxmlElement("w:lvlOverride")
        override.set(qn("w:ilvl"), "0")
        start = OxmlElement("w:startOverride")
        start.set(qn("w:val"), "1")
        override.append(start)
        num.append(override)
        self.part.append(num)
        self.next += 1
        return str(self.next - 1)

    @staticmethod
    def apply(paragraph: Paragraph, num_id: str) -> None:
        ppr = paragraph._p.get_or_add_pPr()
        numpr = OxmlElement("w:numPr")
        level = OxmlElement("w:ilvl")
        level.set(qn("w:val"), "0")
        number = OxmlElement("w:numId")
        number.set(qn("w:val"), num_id)
        numpr.append(level)
        numpr.append(number)
        ppr.append(numpr)


def _entry(
    word: WordDocument, entry: Entry, numbering: Numbering, say: Locale, *, with_heading: bool
) -> None:
    if with_heading:
        word.add_heading(say.gettext(entry.heading), level=2)
    if entry.status == "missing":
        _note(say.gettext("Not agreed in this session."), word)
        return
    if entry.status == "draft":
        _note(say.gettext("Draft — not agreed") + ":", word)
    if entry.items is not None:
        num_id = numbering.restart()
        for item in entry.items:
            paragraph = word.add_paragraph(style="List Number")
            run = paragraph.add_run(item)
            if entry.theirs:
                _theirs(run)
            Numbering.apply(paragraph, num_id)
    else:
        for line in (entry.text or "").splitlines():
            run = word.add_paragraph().add_run(line)
            if entry.theirs:
                _theirs(run)
    if entry.override_reason:
        before, after = around_reason(say)
        note = word.add_paragraph()
        for text, theirs in ((before, False), (entry.override_reason, True), (after, False)):
            if text:
                run = note.add_run(text)
                run.italic = True
                run.font.color.rgb = GREY
                if theirs:
                    _theirs(run)
    if entry.without_responses:
        _note(say.gettext("Agreed without responses."), word)


def _page(section: docx.section.Section, paper: tuple[Mm, Mm], *, landscape: bool) -> None:
    width, height = paper
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.8)


def render(document: Document, *others: Document) -> bytes:
    """The document as Word; with `others` (itself in other languages), bilingual: each
    language a part of its own, its runs tagged with their language (`w:lang`)."""
    document = safe.clean(document)
    word = docx.Document()
    props = word.core_properties
    props.title = document.full_title
    props.subject = document.setting or document.title
    props.author = props.last_modified_by = "Common Ground"
    props.language = document.language
    props.comments = f"Version {document.version}"
    props.created = props.modified = document.date.replace(tzinfo=None)
    props.revision = 1
    _fonts_and_language(word, document.language)
    word.styles["Normal"].font.size = Pt(11)
    paper = PAPER[document.paper]
    _page(word.sections[0], paper, landscape=False)
    numbering = Numbering(word)

    date = _body(word, document, numbering)
    for other in others:  # bilingual: the same document in another language, marked so
        word.add_page_break()  # type: ignore[no-untyped-call]
        start = len(word.element.body) - 1  # new paragraphs go before the last, sectPr
        _body(word, safe.clean(other), numbering)
        _mark_language(list(word.element.body)[start:], other.language)
    footer = word.sections[0].footer.paragraphs[0]
    footer.text = f"{document.title} · {document.document_title} · {date}"
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if document.has_appendix:
        _appendix(document, word, paper)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _body(word: WordDocument, document: Document, numbering: Numbering) -> str:
    """Title, date, sections and signatories, in the document's language; its date."""
    say = words(document)
    word.add_heading(document.document_title, level=0)
    lead = word.add_paragraph()
    _theirs(lead.add_run(document.title)).bold = True
    if document.setting:
        lead.add_run(" — ")
        _theirs(lead.add_run(document.setting))
    date = long_date(document.date, document.zone, say)
    word.add_paragraph(say.gettext("Date: %(date)s", date=date))
    for number, section in enumerate(document.sections, start=1):
        word.add_heading(f"{number}. {section.heading}", level=1)
        if section.intro:
            word.add_paragraph(section.intro)
        many = len(section.entries) > 1
        for entry in section.entries:
            _entry(word, entry, numbering, say, with_heading=many)
    word.add_heading(
        say.gettext("%(number)s. Signatories", number=len(document.sections) + 1), level=1
    )
    _signatories(word, document)
    return date


def _mark_language(elements: list[Any], language: str) -> None:
    """Every run in `elements` says it is in `language` (Word's proofing and speech)."""
    for element in elements:
        for run in element.iter(qn("w:r")):
            props = run.find(qn("w:rPr"))
            if props is None:
                props = OxmlElement("w:rPr")
                run.insert(0, props)
            lang = props.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                props.append(lang)
            elif lang.get(qn("w:val")) == UNKNOWN_LANGUAGE:
                continue  # what people wrote: not the part's language
            lang.set(qn("w:val"), language)


def _signatory_table(word: WordDocument, document: Document, *, current: bool) -> None:
    say = words(document)
    table = _table(word, [say.gettext(h) for h in SIGNATORY_HEADERS])
    chosen = document.current_signatories if current else document.earlier_signatories
    for s in chosen:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        _their_cell(cells[0], s.name)
        cells[1].text = s.perspective_label
        _their_cell(cells[2], ", ".join(s.details) or "—")
        cells[3].text = document.local_time(s.signed_at)


def _signatories(word: WordDocument, document: Document) -> None:
    say = words(document)
    if document.current_signatories:
        _signatory_table(word, document, current=True)
    else:
        _note(
            say.gettext("No one has signed this version yet.")
            if document.earlier_signatories
            else say.gettext("No one has signed yet."),
            word,
        )
    if document.earlier_signatories:
        word.add_heading(say.gettext("Signed an earlier version"), level=2)
        they = "They signed before a statement changed, and have not signed this version."
        _note(say.gettext(they), word)
        _signatory_table(word, document, current=False)


def _picture(word: WordDocument, document: Document) -> None:
    png = board.png(board.svg(document))
    word.add_picture(io.BytesIO(png), width=Cm(16))
    inline = word.inline_shapes[-1]._inline
    doc_pr = inline.docPr
    doc_pr.set("title", board.title(document))
    doc_pr.set("descr", board.description(document))


def _appendix(document: Document, word: WordDocument, paper: tuple[Mm, Mm]) -> None:
    """What fed each statement: the grid (on a landscape page), the circles, the overrides."""
    say = words(document)
    if document.rows:
        landscape = word.add_section(WD_SECTION.NEW_PAGE)
        _page(landscape, paper, landscape=True)
        word.add_heading(say.gettext("Appendix: what fed each statement"), level=1)
        word.add_heading(say.gettext("Table 1.3 — the joint visioning grid"), level=2)
        perspectives = [label for label, _ in document.rows[0].contributions]
        aspect, overall = say.gettext("Aspect"), say.gettext("Overall agreed")
        grid = _table(word, [aspect, *perspectives, overall])
        grid.autofit = False
        widths = [Cm(4.2), *[Cm(15.0 / max(len(perspectives), 1))] * len(perspectives), Cm(6.2)]
        for row in document.rows:
            cells = grid.add_row().cells  # type: ignore[no-untyped-call]
            cells[0].text = row.title
            for cell, (_, texts) in zip(cells[1:-1], row.contributions, strict=True):
                _their_cell(cell, "\n".join(texts) if texts else "—")
            _their_cell(cells[-1], row.statement.text or "—")
            if row.statement.status == "draft":
                cells[-1].paragraphs[0].add_run(" " + say.gettext("(draft)"))
        for table_row in grid.rows:
            for cell, width in zip(table_row.cells, widths, strict=True):
                cell.width = width
        after = word.add_section(WD_SECTION.NEW_PAGE)
        _page(after, paper, landscape=False)
    else:
        word.add_page_break()  # type: ignore[no-untyped-call]
        word.add_heading(say.gettext("Appendix: what fed each statement"), level=1)
    circles = (
        (say.gettext("Inner circle"), document.inner_notes),
        (say.gettext("Outer circle"), document.outer_notes),
    )
    if document.has_notes:
        word.add_heading(say.gettext("The board as it ended"), level=2)
        _picture(word, document)
    for heading, notes in circles if document.has_notes else ():
        word.add_heading(say.gettext("Task 1.1 — %(heading)s", heading=heading), level=2)
        if not notes:
            _note(say.gettext("None."), word)
        for note in notes:
            merged = merged_line(note, say)
            line = word.add_paragraph(style="List Bullet")
            _theirs(line.add_run(note.text))
            line.add_run(f" — {note.perspective_label}{merged}")
    if document.overrides:
        word.add_heading(say.gettext("Agreed over an objection"), level=2)
        for entry in document.overrides:
            line = word.add_paragraph(style="List Bullet")
            line.add_run(f"{say.gettext(entry.heading)}: ")
            _theirs(line.add_run(entry.override_reason or ""))
    for result in document.results:  # a phase's results (a dot-vote)
        word.add_heading(say.gettext(result.heading), level=2)
        for said in result.items or ():
            word.add_paragraph(said, style="List Bullet")
