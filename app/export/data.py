"""The record as data: an .xlsx workbook (a sheet per table, header rows, frozen panes,
column widths) and a .zip of UTF-8 CSV files with the same tables.

Formula injection is inert. In the workbook every cell a person wrote is a string
cell (never a formula, whatever it starts with); in the CSV files a cell that starts
with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, which
Excel and LibreOffice read as "this is text" (OWASP's advice for CSV).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.domain.record import Record

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take as the start of a formula."""
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters XML 1.0 (and so a workbook) cannot hold."""
HEADER_FILL = PatternFill("solid", fgColor="EEF3F9")


def inert(value: Any) -> str:
    """A CSV cell that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(TRIGGERS) else text


def _set_text(cell: Cell, value: Any) -> None:
    text = _ILLEGAL.sub("", "" if value is None else str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl would take '=…' for a formula: always a string


def workbook(record: Record) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    props = book.properties
    props.title = f"{record.title} — the record"
    props.subject = record.setting or record.title
    props.creator = "Common Ground"
    props.lastModifiedBy = "Common Ground"
    props.language = record.document.language
    props.created = props.modified = record.date.replace(tzinfo=None)
    for table in record.tables:
        sheet = book.create_sheet(table.name)
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        for number, row in enumerate(table.rows, start=2):
            for column, value in enumerate(row, start=1):
                cell = sheet.cell(row=number, column=column)
                _set_text(cell, value)
                cell.alignment = Alignment(vertical="top", wrap_text=True)
        sheet.freeze_panes = "A2"
        for column, width in enumerate(table.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        if table.rows:
            last = get_column_letter(len(table.headers))
            sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(headers: tuple[str, ...], rows: tuple[tuple[Any, ...], ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([inert(value) for value in row])
    return out.getvalue()


def csv_zip(record: Record) -> bytes:
    """One CSV file per table (UTF-8 with a byte-order mark, so Excel reads it as UTF-8)."""
    buffer = io.BytesIO()
    stamp = record.date.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in record.tables:
            info = zipfile.ZipInfo(f"{table.name}.csv", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            data = "\ufeff" + csv_text(table.headers, table.rows)
            archive.writestr(info, data.encode("utf-8"))
    return buffer.getvalue()
