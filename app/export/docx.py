"""The joint document as Word (.docx): real headings, lists, and tables."""

from __future__ import annotations

import io

import docx
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

from app.domain.document import Document, Entry

GREY = RGBColor(0x55, 0x5F, 0x6B)


def _note(paragraph_text: str, word: WordDocument) -> None:
    run = word.add_paragraph().add_run(paragraph_text)
    run.italic = True
    run.font.color.rgb = GREY


def _entry(word: WordDocument, entry: Entry, *, with_heading: bool) -> None:
    if with_heading:
        word.add_heading(entry.heading, level=2)
    if entry.status == "missing":
        _note("Not agreed in this session.", word)
        return
    if entry.status == "draft":
        _note("Draft — not agreed:", word)
    if entry.items is not None:
        for item in entry.items:
            word.add_paragraph(item, style="List Number")
    else:
        for line in (entry.text or "").splitlines():
            word.add_paragraph(line)
    if entry.override_reason:
        _note(f"Agreed over an objection. Reason recorded: {entry.override_reason}", word)


def render(document: Document) -> bytes:
    word = docx.Document()
    word.core_properties.title = f"{document.document_title} — {document.title}"
    word.core_properties.subject = document.setting
    word.styles["Normal"].font.size = Pt(11)
    word.add_heading(document.document_title, level=0)
    lead = word.add_paragraph()
    lead.add_run(document.title).bold = True
    if document.setting:
        lead.add_run(f" — {document.setting}")
    word.add_paragraph(f"Date: {document.date.date().isoformat()}")
    for number, section in enumerate(document.sections, start=1):
        word.add_heading(f"{number}. {section.heading}", level=1)
        if section.intro:
            word.add_paragraph(section.intro)
        many = len(section.entries) > 1
        for entry in section.entries:
            _entry(word, entry, with_heading=many)
    word.add_heading(f"{len(document.sections) + 1}. Signatories", level=1)
    if document.signatories:
        table = word.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ("Name", "Perspective", "Signed (UTC)"), strict=True
        ):
            cell.text = text
        for s in document.signatories:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = s.name, s.perspective_label
            cells[2].text = f"{s.signed_at:%Y-%m-%d %H:%M}"
    else:
        _note("No one has signed yet.", word)

    if document.has_appendix:
        _appendix(document, word)
    footer = word.sections[0].footer.paragraphs[0]
    footer.text = (
        f"{document.title} · {document.document_title} · {document.date.date().isoformat()}"
    )
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _appendix(document: Document, word: WordDocument) -> None:
    """What fed each statement: the grid, the circles, the overrides."""
    word.add_page_break()  # type: ignore[no-untyped-call]
    word.add_heading("Appendix: what fed each statement", level=1)
    if document.rows:
        word.add_heading("Table 1.3 — the joint visioning grid", level=2)
        perspectives = [label for label, _ in document.rows[0].contributions]
        grid = word.add_table(rows=1, cols=len(perspectives) + 2)
        grid.style = "Table Grid"
        for cell, text in zip(
            grid.rows[0].cells, ["Aspect", *perspectives, "Overall agreed"], strict=True
        ):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for row in document.rows:
            cells = grid.add_row().cells
            cells[0].text = row.title
            for cell, (_, texts) in zip(cells[1:-1], row.contributions, strict=True):
                cell.text = "\n".join(texts) if texts else "—"
            status = {"agreed": "", "draft": " (draft)", "missing": ""}[row.statement.status]
            cells[-1].text = (row.statement.text or "—") + status
    circles = (("Inner circle", document.inner_notes), ("Outer circle", document.outer_notes))
    for heading, notes in circles if document.has_notes else ():
        word.add_heading(f"Task 1.1 — {heading}", level=2)
        if not notes:
            _note("None.", word)
        for note in notes:
            merged = f" (merged with: {'; '.join(note.merged)})" if note.merged else ""
            word.add_paragraph(
                f"{note.text} — {note.perspective_label}{merged}", style="List Bullet"
            )
    if document.overrides:
        word.add_heading("Agreed over an objection", level=2)
        for entry in document.overrides:
            word.add_paragraph(f"{entry.heading}: {entry.override_reason}", style="List Bullet")
