"""The record as data, read back: the workbook with openpyxl (and its XML: no formula
anywhere), the CSV files with csv; hostile text (formulas, markup, control characters,
right-to-left overrides) written as text; names only where the room shows them."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from app.domain import notes, record
from app.domain.document import LONDON
from app.domain.events import FACILITATOR, Viewer
from app.domain.options import Options
from app.domain.room import Room
from app.domain.workshop import Workshop
from app.export import data
from tests.domain.support import (
    agree,
    commit,
    contribute,
    create_room,
    draft,
    join,
    move_to,
    respond,
    sign,
)

FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rReturned",
    "=1+1",
]
RTL = "\u202egnp.exe"  # a right-to-left override
MARKUP = "<script>alert(1)</script> & <b>bold</b>"
SHEETS = ["notes", "grid", "statements", "responses", "ratings", "signatories"]


def hostile_room(workshop: Workshop, *, anonymous: bool = False) -> Room:
    room = create_room(workshop)
    if anonymous:
        room.options = Options(anonymous=True)
    join(room, "p1", name="=cmd|' /C calc'!A0", perspective="health")
    join(room, "p2", name="Tom Ellis", perspective="education")
    move_to(room, "purpose-write")
    texts = [FORMULAS[0], FORMULAS[1], MARKUP, RTL, "Keep children safe", "Fewer meetings"]
    for n, text in enumerate(texts):
        author = "p1" if n % 2 == 0 else "p2"
        commit(
            room,
            notes.decide_add(room, author_id=author, note_id=f"n{n}", text=text, max_length=280),
        )
    move_to(room, "purpose-sort")
    commit(room, notes.decide_move(room, viewer=FACILITATOR, note_id="n5", ring="outer"))
    commit(room, notes.decide_merge(room, note_id="n4", into="n2"))
    move_to(room, "purpose-agree")
    draft(room, "purpose", text=FORMULAS[2])
    respond(room, "purpose", "p2", "object", FORMULAS[3])
    agree(room, "purpose", override_reason=FORMULAS[6])
    draft(room, "goals", items=["@first", "second"])
    agree(room, "goals")
    move_to(room, "grid-write")
    contribute(room, "p2", "mission", "c1", "=2*3")
    contribute(room, "p1", "mission", "c2", MARKUP)
    move_to(room, "document")
    sign(room, "p1")
    return room


@pytest.fixture(scope="module")
def rec(workshop: Workshop) -> record.Record:
    return record.build(hostile_room(workshop), FACILITATOR, zone=LONDON)


@pytest.fixture(scope="module")
def book(rec: record.Record) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data.workbook(rec)))


def rows_of(book: openpyxl.Workbook, sheet: str) -> list[list[object]]:
    return [[c.value for c in row] for row in book[sheet].iter_rows()]


def test_one_sheet_per_table_with_header_rows_and_frozen_panes(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == SHEETS
    for name in SHEETS:
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert all(sheet.column_dimensions[c].width >= 8 for c in "ABC")
    assert rows_of(book, "notes")[0] == [
        "Note",
        "Perspective",
        "Circle",
        "Merged into",
        "Held back",
        "Author",
    ]
    assert book.properties.creator == "Common Ground"
    assert book.properties.language == "en-GB"


def test_no_cell_is_a_formula(rec: record.Record, book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(io.BytesIO(data.workbook(rec))) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
                assert b"<f " not in archive.read(name)
    texts = {c for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
    values = {c.value for c in texts}
    for formula in FORMULAS[:4]:
        assert formula in values  # written as the person wrote it, as text
    assert "=2*3" in values
    assert "=cmd|' /C calc'!A0" in values


def test_the_tables_hold_the_record(book: openpyxl.Workbook) -> None:
    note_rows = rows_of(book, "notes")[1:]
    by_text = {r[0]: r for r in note_rows}
    assert by_text["Fewer meetings"][2] == "outer"
    assert by_text["Keep children safe"][3] == MARKUP  # merged into the markup note
    assert by_text[RTL][1] == "Education"
    assert by_text[MARKUP][5] == "=cmd|' /C calc'!A0"  # the author, by name
    grid = rows_of(book, "grid")[1:]
    assert ["Mission statement", "Education", "=2*3"] in grid
    statements = {r[0]: r for r in rows_of(book, "statements")[1:]}
    assert statements["Statement of purpose"][1:4] == [FORMULAS[2], "agreed", FORMULAS[6]]
    assert statements["Common goals"][1] == "@first\nsecond"
    assert statements["Common goals"][4] == "yes"  # agreed without responses
    responses = rows_of(book, "responses")[1:]
    assert responses == [["Statement of purpose", "Education", "object", FORMULAS[3], "Tom Ellis"]]
    signatories = rows_of(book, "signatories")
    assert signatories[0][4] == "Signed (Europe/London)"
    assert signatories[1][:2] == ["=cmd|' /C calc'!A0", "Health"]
    assert signatories[1][6] == "yes"


def test_control_characters_cannot_break_the_workbook(rec: record.Record) -> None:
    table = record.Table("notes", "x", ("Note",), (("bell\x07 and\x1b escape",),), (20,))
    broken = record.Record(rec.title, rec.setting, rec.date, (table,), rec.document)
    sheet = openpyxl.load_workbook(io.BytesIO(data.workbook(broken)))["notes"]
    assert sheet["A2"].value == "bell and escape"


# ------------------------------------------------------------------ CSV
@pytest.fixture(scope="module")
def csvs(rec: record.Record) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data.csv_zip(rec))) as archive:
        assert archive.namelist() == [f"{name}.csv" for name in SHEETS]
        out = {}
        for name in archive.namelist():
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads it so
            out[name.removesuffix(".csv")] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        return out


def test_csv_files_have_the_same_tables(
    csvs: dict[str, list[list[str]]], book: openpyxl.Workbook
) -> None:
    for name in SHEETS:
        assert csvs[name][0] == rows_of(book, name)[0]
        assert len(csvs[name]) == len(rows_of(book, name))


def test_csv_cells_that_could_run_start_with_a_quote(csvs: dict[str, list[list[str]]]) -> None:
    for rows in csvs.values():
        for row in rows[1:]:
            for cell in row:
                assert not cell.startswith(data.TRIGGERS), cell
    values = {cell for rows in csvs.values() for row in rows for cell in row}
    for formula in (*FORMULAS[:4], FORMULAS[6]):
        assert "'" + formula in values
    assert MARKUP in values  # text that cannot run stays as written
    assert RTL in values


def test_tabs_and_returns_cannot_start_a_formula() -> None:
    text = data.csv_text(("a",), tuple((f,) for f in FORMULAS))
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("plain", "plain"), ("", ""), (None, ""), (3, "3"), ("-", "'-")],
)
def test_inert(value: object, expected: str) -> None:
    assert data.inert(value) == expected


# ------------------------------------------------------------------ names
def test_an_anonymous_room_names_no_author(workshop: Workshop) -> None:
    room = hostile_room(workshop, anonymous=True)
    for viewer in (FACILITATOR, Viewer("participant", "p2")):
        rec = record.build(room, viewer, zone=LONDON)
        notes_table = next(t for t in rec.tables if t.name == "notes")
        assert {row[5] for row in notes_table.rows} == {""}
    participant = record.build(room, Viewer("participant", "p2"), zone=LONDON)
    responses = next(t for t in participant.tables if t.name == "responses")
    assert {row[4] for row in responses.rows} == {""}
    signatories = next(t for t in participant.tables if t.name == "signatories")
    assert [row[0] for row in signatories.rows] == ["Health 1"]
