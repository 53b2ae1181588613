"""The joint document as OpenDocument text (.odt, the UK government's open standard for
editable documents): the same content and structure as the Word file — headings,
numbered goals, tables with repeated header rows, signatories, the appendix with the
board's picture (with its alt text) and Table 1.3 on a landscape page.
"""

from __future__ import annotations

import io
from typing import Any

from odf import dc, meta
from odf.draw import Frame, Image
from odf.opendocument import OpenDocumentText
from odf.style import (
    FontFace,
    GraphicProperties,
    ListLevelProperties,
    MasterPage,
    PageLayout,
    PageLayoutProperties,
    ParagraphProperties,
    Style,
    TableCellProperties,
    TableColumnProperties,
    TableProperties,
    TextProperties,
)
from odf.svg import Desc, Title
from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
from odf.text import H, List, ListItem, ListLevelStyleNumber, ListStyle, P, Span

from app.domain.document import Document, Entry
from app.export import UNKNOWN_LANGUAGE, around_reason, board, merged_line, safe, words
from app.export.odt_languages import LanguageStyles, odf_language
from app.i18n import N_
from app.i18n.dates import long_date

SANS = "Noto Sans"
ASIAN = "Noto Sans CJK SC"
COMPLEX = "Noto Sans Arabic"
PAPER = {"A4": ("21cm", "29.7cm"), "Letter": ("8.5in", "11in")}


class Writer:
    def __init__(self, document: Document) -> None:
        self.doc = document
        self.odt = OpenDocumentText()
        self.body = self.odt.text
        self._styles()

    # ------------------------------------------------------------- styles
    def _styles(self) -> None:
        odt, doc = self.odt, self.doc
        for name in (SANS, ASIAN, COMPLEX):
            odt.fontfacedecls.addElement(
                FontFace(name=name, fontfamily=f"'{name}'", fontfamilygeneric="swiss")
            )
        language, country = odf_language(doc.language)
        text = {
            "fontname": SANS,
            "fontnameasian": ASIAN,
            "fontnamecomplex": COMPLEX,
            "fontsize": "11pt",
            "language": language,
            "country": country,
        }
        default = Style(name="Standard", family="paragraph")
        default.addElement(TextProperties(**text))
        default.addElement(ParagraphProperties(marginbottom="0.18cm"))
        odt.styles.addElement(default)
        self.heading = {}
        for level, size in ((1, "16pt"), (2, "13pt")):
            style = Style(
                name=f"Heading {level}",
                displayname=f"Heading {level}",
                family="paragraph",
                parentstylename="Standard",
                defaultoutlinelevel=str(level),
            )
            style.addElement(TextProperties(fontsize=size, fontweight="bold", color="#1f3a5f"))
            style.addElement(
                ParagraphProperties(margintop="0.4cm", marginbottom="0.15cm", keepwithnext="always")
            )
            odt.styles.addElement(style)
            self.heading[level] = style
        self.title = Style(name="Title", family="paragraph", parentstylename="Standard")
        self.title.addElement(TextProperties(fontsize="22pt", fontweight="bold"))
        odt.styles.addElement(self.title)
        self.note = Style(name="Note", family="paragraph", parentstylename="Standard")
        self.note.addElement(TextProperties(fontstyle="italic", color="#555f6b"))
        odt.styles.addElement(self.note)
        self.bold = Style(name="Strong", family="text")
        self.bold.addElement(TextProperties(fontweight="bold"))
        odt.styles.addElement(self.bold)
        # What people wrote: its language undetermined, not the part's (a text style's
        # language overrides its paragraph's, which says the part's: odt_languages).
        unknown = {"language": UNKNOWN_LANGUAGE, "country": "none"}
        self.theirs = Style(name="Their words", family="text")
        self.theirs.addElement(TextProperties(**unknown))
        self.their_title = Style(name="Their words, strong", family="text")
        self.their_title.addElement(TextProperties(fontweight="bold", **unknown))
        for style in (self.theirs, self.their_title):
            odt.styles.addElement(style)
        self.cell_text = Style(
            name="Table Contents", family="paragraph", parentstylename="Standard"
        )
        self.cell_text.addElement(TextProperties(fontsize="9pt", hyphenate="false"))
        odt.styles.addElement(self.cell_text)
        self.head_text = Style(name="Table Heading", family="paragraph", parentstylename="Standard")
        self.head_text.addElement(TextProperties(fontsize="9pt", fontweight="bold"))
        odt.styles.addElement(self.head_text)

        width, height = PAPER[doc.paper]
        margins = {"margintop": "1.8cm", "marginbottom": "1.8cm"}
        portrait = PageLayout(name="Portrait")
        portrait.addElement(
            PageLayoutProperties(
                pagewidth=width,
                pageheight=height,
                printorientation="portrait",
                marginleft="1.8cm",
                marginright="1.8cm",
                **margins,
            )
        )
        landscape = PageLayout(name="Landscape")
        landscape.addElement(
            PageLayoutProperties(
                pagewidth=height,
                pageheight=width,
                printorientation="landscape",
                marginleft="1.5cm",
                marginright="1.5cm",
                **margins,
            )
        )
        odt.automaticstyles.addElement(portrait)
        odt.automaticstyles.addElement(landscape)
        odt.masterstyles.addElement(MasterPage(name="Standard", pagelayoutname=portrait))
        odt.masterstyles.addElement(MasterPage(name="Landscape", pagelayoutname=landscape))
        self.to_landscape = Style(
            name="ToLandscape",
            family="paragraph",
            parentstylename=self.heading[1],
            masterpagename="Landscape",
        )
        self.to_portrait = Style(
            name="ToPortrait",
            family="paragraph",
            parentstylename=self.heading[2],
            masterpagename="Standard",
        )
        self.first = Style(
            name="First",
            family="paragraph",
            parentstylename=self.title,
            masterpagename="Standard",
        )
        for style in (self.to_landscape, self.to_portrait, self.first):
            odt.automaticstyles.addElement(style)

        numbered = ListStyle(name="Numbered")
        level = ListLevelStyleNumber(level="1", numformat="1", numsuffix=".")
        level.addElement(ListLevelProperties(spacebefore="0.2cm", minlabelwidth="0.7cm"))
        numbered.addElement(level)
        odt.styles.addElement(numbered)
        self.numbered = numbered
        self.table = Style(name="Table", family="table")
        self.table.addElement(TableProperties(width="100%", align="margins"))
        odt.automaticstyles.addElement(self.table)
        self.cell = Style(name="Cell", family="table-cell")
        self.cell.addElement(TableCellProperties(border="0.5pt solid #cfc8bc", padding="0.1cm"))
        odt.automaticstyles.addElement(self.cell)
        self.head_cell = Style(name="HeadCell", family="table-cell")
        self.head_cell.addElement(
            TableCellProperties(
                border="0.5pt solid #cfc8bc", padding="0.1cm", backgroundcolor="#eef3f9"
            )
        )
        odt.automaticstyles.addElement(self.head_cell)
        self.picture_style = Style(name="Picture", family="graphic")
        self.picture_style.addElement(GraphicProperties(anchortype="as-char", wrap="none"))
        odt.automaticstyles.addElement(self.picture_style)

    # ------------------------------------------------------------- blocks
    def h(self, text: str, level: int, style: Any = None) -> None:
        self.body.addElement(
            H(outlinelevel=level, stylename=style or self.heading[level], text=text)
        )

    def p(self, text: str, style: Any = None, *, theirs: bool = False) -> None:
        self.body.addElement(self.paragraph(text, style, theirs=theirs))

    def paragraph(self, text: str, style: Any = None, *, theirs: bool = False) -> P:
        """A paragraph of `text`; `theirs`: what people wrote (in a span that says so)."""
        if not theirs:
            return P(stylename=style or "Standard", text=text)
        made = P(stylename=style or "Standard")
        made.addElement(Span(stylename=self.theirs, text=text))
        return made

    def numbered_list(self, items: tuple[str, ...], *, theirs: bool = False) -> None:
        found = List(stylename=self.numbered)
        for item in items:
            entry = ListItem()
            entry.addElement(self.paragraph(item, theirs=theirs))
            found.addElement(entry)
        self.body.addElement(found)

    def grid(
        self,
        headers: list[str],
        rows: list[list[str]],
        widths: list[float],
        theirs: frozenset[int] = frozenset(),
    ) -> None:
        """A table; `theirs`: the columns that hold what people wrote."""
        table = Table(name=f"Table{len(self.body.childNodes)}", stylename=self.table)
        for n, width in enumerate(widths):
            column = Style(name=f"C{id(table)}_{n}", family="table-column")
            column.addElement(TableColumnProperties(relcolumnwidth=f"{int(width * 100)}*"))
            self.odt.automaticstyles.addElement(column)
            table.addElement(TableColumn(stylename=column))
        header = TableHeaderRows()
        head = TableRow()
        for text in headers:
            cell = TableCell(stylename=self.head_cell, valuetype="string")
            cell.addElement(P(stylename=self.head_text, text=text))
            head.addElement(cell)
        header.addElement(head)
        table.addElement(header)
        for values in rows:
            row = TableRow()
            for column, value in enumerate(values):
                cell = TableCell(stylename=self.cell, valuetype="string")
                said = column in theirs and value != "—"
                for line in value.split("\n") or [""]:
                    cell.addElement(self.paragraph(line, self.cell_text, theirs=said))
                row.addElement(cell)
            table.addElement(row)
        self.body.addElement(table)

    def entry(self, entry: Entry, *, with_heading: bool) -> None:
        say = words(self.doc)
        if with_heading:
            self.h(say.gettext(entry.heading), 2)
        if entry.status == "missing":
            self.p(say.gettext("Not agreed in this session."), self.note)
            return
        if entry.status == "draft":
            self.p(say.gettext("Draft — not agreed") + ":", self.note)
        if entry.items is not None:
            self.numbered_list(entry.items, theirs=entry.theirs)
        else:
            for line in (entry.text or "").splitlines():
                self.p(line, theirs=entry.theirs)
        if entry.override_reason:
            before, after = around_reason(say)
            note = P(stylename=self.note, text=before)
            note.addElement(Span(stylename=self.theirs, text=entry.override_reason))
            note.addText(after)
            self.body.addElement(note)
        if entry.without_responses:
            self.p(say.gettext("Agreed without responses."), self.note)

    def picture(self) -> None:
        png = board.png(board.svg(self.doc))
        name = self.odt.addPicture("Pictures/board.png", "image/png", png)
        width, height = board.pixel_size(png)
        cm_w = 17.0
        frame = Frame(
            stylename=self.picture_style,
            width=f"{cm_w}cm",
            height=f"{cm_w * height / width:.2f}cm",
            anchortype="as-char",
            name=words(self.doc).gettext("The board as it ended"),
        )
        frame.addElement(Image(href=name))
        frame.addElement(Title(text=board.title(self.doc)))
        frame.addElement(Desc(text=board.description(self.doc)))
        paragraph = P(stylename="Standard")
        paragraph.addElement(frame)
        self.body.addElement(paragraph)


def render(document: Document, *others: Document) -> bytes:
    """The document as OpenDocument text; with `others` (itself in other languages),
    bilingual: each language a part of its own (each starting a page), its paragraphs'
    styles saying their language (`fo:language`, `fo:country`), as the Word file does."""
    document = safe.clean(document)
    w = Writer(document)
    odt = w.odt
    odt.meta.addElement(dc.Title(text=document.full_title))
    odt.meta.addElement(dc.Subject(text=document.setting or document.title))
    odt.meta.addElement(dc.Language(text=document.language))
    odt.meta.addElement(dc.Creator(text="Common Ground"))
    odt.meta.addElement(meta.InitialCreator(text="Common Ground"))
    odt.meta.addElement(meta.Generator(text="Common Ground"))
    odt.meta.addElement(dc.Date(text=document.date.strftime("%Y-%m-%dT%H:%M:%S")))

    languages = LanguageStyles(odt)
    _body(w, document)
    if others:  # bilingual: every part marked, the first too
        languages.mark(list(w.body.childNodes), document.language)
        for other in others:
            start = len(w.body.childNodes)
            w.doc = safe.clean(other)
            _body(w, w.doc)  # its title's style starts a page (its master page)
            languages.mark(list(w.body.childNodes)[start:], other.language)
        w.doc = document
    if document.has_appendix:
        appendix_start = len(w.body.childNodes)
        _appendix(w, document)
        if others:
            languages.mark(list(w.body.childNodes)[appendix_start:], document.language)
    buffer = io.BytesIO()
    odt.write(buffer)
    return buffer.getvalue()


def _body(w: Writer, document: Document) -> None:
    """Title, date, sections and signatories, in the document's language."""
    w.body.addElement(P(stylename=w.first, text=document.document_title))
    lead = P(stylename="Standard")
    lead.addElement(Span(stylename=w.their_title, text=document.title))
    if document.setting:
        lead.addText(" — ")
        lead.addElement(Span(stylename=w.theirs, text=document.setting))
    w.body.addElement(lead)
    say = words(document)
    w.p(say.gettext("Date: %(date)s", date=long_date(document.date, document.zone, say)))
    for number, section in enumerate(document.sections, start=1):
        w.h(f"{number}. {section.heading}", 1)
        if section.intro:
            w.p(section.intro)
        for entry in section.entries:
            w.entry(entry, with_heading=len(section.entries) > 1)
    w.h(say.gettext("%(number)s. Signatories", number=len(document.sections) + 1), 1)
    _signatories(w, document)


def signatory_rows(document: Document, current: bool) -> list[list[str]]:
    chosen = document.current_signatories if current else document.earlier_signatories
    return [
        [
            s.name,
            s.perspective_label,
            ", ".join(s.details) or "—",
            document.local_time(s.signed_at),
        ]
        for s in chosen
    ]


SIGNATORY_HEADERS = [N_("Name"), N_("Perspective"), N_("Role and organisation"), N_("Signed")]
NAMES = frozenset({0, 2})
"""The signatories' columns that hold what people wrote: their names and roles."""


def _signatories(w: Writer, document: Document) -> None:
    say = words(document)
    heads = [say.gettext(h) for h in SIGNATORY_HEADERS]
    if document.current_signatories:
        w.grid(heads, signatory_rows(document, True), [0.3, 0.2, 0.3, 0.2], NAMES)
    else:
        w.p(
            say.gettext("No one has signed this version yet.")
            if document.earlier_signatories
            else say.gettext("No one has signed yet."),
            w.note,
        )
    if document.earlier_signatories:
        w.h(say.gettext("Signed an earlier version"), 2)
        they = "They signed before a statement changed, and have not signed this version."
        w.p(say.gettext(they), w.note)
        w.grid(heads, signatory_rows(document, False), [0.3, 0.2, 0.3, 0.2], NAMES)


def _appendix(w: Writer, document: Document) -> None:
    # With Table 1.3, the appendix starts on a landscape page (its master page).
    say = words(document)
    appendix = say.gettext("Appendix: what fed each statement")
    w.h(appendix, 1, w.to_landscape if document.rows else None)
    if document.rows:
        w.h(say.gettext("Table 1.3 — the joint visioning grid"), 2)
        labels = [label for label, _ in document.rows[0].contributions]
        rows = []
        for row in document.rows:
            status = " " + say.gettext("(draft)") if row.statement.status == "draft" else ""
            rows.append(
                [
                    row.title,
                    *("\n".join(texts) if texts else "—" for _, texts in row.contributions),
                    (row.statement.text or "—") + status,
                ]
            )
        share = 0.6 / max(len(labels), 1)
        heads = [say.gettext("Aspect"), *labels, say.gettext("Overall agreed")]
        written = frozenset(range(1, len(labels) + 2))  # (the contributions and statements)
        w.grid(heads, rows, [0.16, *[share] * len(labels), 0.24], written)
        first_after = w.to_portrait
    else:
        first_after = None
    if document.has_notes:
        w.h(say.gettext("The board as it ended"), 2, first_after)
        w.picture()
        for heading, notes in (
            (say.gettext("Inner circle"), document.inner_notes),
            (say.gettext("Outer circle"), document.outer_notes),
        ):
            w.h(say.gettext("Task 1.1 — %(heading)s", heading=heading), 2)
            if not notes:
                w.p(say.gettext("None."), w.note)
            for note in notes:
                line = P(stylename="Standard", text="• ")
                line.addElement(Span(stylename=w.theirs, text=note.text))
                line.addText(f" — {note.perspective_label}{merged_line(note, say)}")
                w.body.addElement(line)
    if document.overrides:
        w.h(say.gettext("Agreed over an objection"), 2, None if document.has_notes else first_after)
        for entry in document.overrides:
            line = P(stylename="Standard", text=f"• {say.gettext(entry.heading)}: ")
            line.addElement(Span(stylename=w.theirs, text=entry.override_reason or ""))
            w.body.addElement(line)
    for result in document.results:  # a phase's results (a dot-vote)
        w.h(say.gettext(result.heading), 2)
        for line in result.items or ():
            w.p(f"• {line}")
