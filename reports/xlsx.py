"""Excel rendering (openpyxl write-only): typed cells, frozen header, autofilter, widths.

Imports no domain app. A table is a list of `Column`s and an iterable of row tuples; rows
stream to the file, so 20,000-row sheets stay in bounded memory. Every cell of every sheet
we write goes through `xlsx_cell`: text is written as text (never a formula) and loses the
characters a spreadsheet cannot hold.
"""

import datetime
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, islice
from typing import IO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

MONEY_FORMAT = "#,##0.00"
QUANTITY_FORMAT = "#,##0.000"
INTEGER_FORMAT = "#,##0"
DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
WIDTH_SAMPLE_ROWS = 200
MAX_WIDTH = 60
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
# XML 1.0 refuses these control characters (openpyxl raises IllegalCharacterError), and a lone
# surrogate cannot be encoded: all are dropped. Tab, line feed and carriage return stay.
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Text starting with one of these is a formula to a spreadsheet (or becomes one on editing).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")


@dataclass
class Column:
    label: str
    number_format: str | None = None  # forced format; otherwise chosen by the value's type
    width: float | None = None  # Excel's width in characters (PDF widths come from the content)
    total: bool = False  # summed in the totals row (and per group in PDFs)
    right: bool = False  # a column of figures and times given as text: right-aligned and never cut in PDFs


class TotalRow(list):
    """A totals row among the data rows (a group's subtotal, the grand total): printed in bold."""


class NewPage(list):
    """A data row that starts a new page in PDFs (a day's sheet of a cash book); in Excel, a plain row."""


def number_places(value, number_format: str | None) -> int:
    """Decimal places a number is shown with: the column's format decides, else the value's own."""
    if number_format:
        decimals = number_format.rsplit(".", 1)[1] if "." in number_format else ""
        return len(decimals.rstrip(";%"))
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return 2 if isinstance(value, float) else 0


def rounded(value, number_format: str | None):
    """A number rounded as its column shows it (money 2 places, quantities 3): floats become Decimals."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, float, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = Decimal(str(value))
    if isinstance(value, int):
        return value
    if not value.is_finite():
        return None
    return value.quantize(Decimal(1).scaleb(-number_places(value, number_format)), rounding=ROUND_HALF_UP)


def clean_text(value: str) -> str:
    """Text a spreadsheet can hold: illegal characters removed, cut at Excel's cell limit."""
    return ILLEGAL_CHARACTERS.sub("", value)[:MAX_CELL_CHARS]


def safe_sheet_title(title: str) -> str:
    """A valid sheet name: no `\\ / * ? : [ ]`, no control characters, at most 31 characters."""
    return SHEET_TITLE_FORBIDDEN.sub(" ", clean_text(str(title))).strip()[:31] or "Sheet"


def excel_value(value):
    """A value as openpyxl stores it: real numbers and dates, clean text for the rest."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return clean_text(str(value))


def xlsx_cell(sheet, value, *, number_format: str | None = None, font=None, fill=None, alignment=None):
    """The one place that makes a cell for a write-only sheet; `value` is already an `excel_value`.

    Text that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, carriage
    return first) is written as a text cell with the quote prefix, so it shows and stays text
    even when edited; numbers and dates are real cells with `number_format` (or one chosen
    by type). Returns a plain value when no styling is needed (fast path for most cells).
    """
    is_text = isinstance(value, str)
    formula_like = is_text and value.startswith(FORMULA_PREFIXES)
    if not is_text and value is not None and number_format is None:
        number_format = _default_format(value)
    if not (formula_like or font or fill or alignment or (number_format and value is not None and not is_text)):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if formula_like:
        cell.data_type = "s"  # openpyxl would store "=..." as a formula
        cell.quotePrefix = True
    elif number_format and value is not None and not is_text:
        cell.number_format = number_format
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if alignment:
        cell.alignment = alignment
    return cell


def _default_format(value) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return QUANTITY_FORMAT if isinstance(exponent, int) and exponent <= -3 else MONEY_FORMAT
    if isinstance(value, datetime.datetime):
        return DATETIME_FORMAT
    if isinstance(value, datetime.date):
        return DATE_FORMAT
    return None


def _display_length(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
        return len(f"{value:,}") + 1
    return max((len(line) for line in str(value).splitlines()), default=0)


MAX_SHEET_ROWS = 1_048_576  # Excel's limit, header and title lines included


def column_sums(columns: Sequence[Column]):
    """A running sum of the `total` columns: feed rows with `add`, read `row(label)` at the end."""

    class Sums:
        def __init__(self):
            self.values = [Decimal(0) if c.total else None for c in columns]

        def add(self, row):
            for i, value in enumerate(row):
                summed = i < len(self.values) and self.values[i] is not None
                if summed and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                    self.values[i] += Decimal(str(value)) if isinstance(value, float) else value

        def row(self, label: str) -> list | None:
            if all(v is None for v in self.values):
                return None
            out = list(self.values)
            first_text = next((i for i, c in enumerate(columns) if not c.total), None)
            if first_text is not None:
                out[first_text] = label
            return out

    return Sums()


def write_table(
    stream: IO[bytes],
    *,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    sheet_title: str = "Sheet",
    title_lines: Sequence[str] = (),
    totals: Sequence | None = None,
    total_label: str = "Total",
    max_sheet_rows: int = MAX_SHEET_ROWS,
    continued_note: str = "",
    expected_rows: int | None = None,
) -> int:
    """Write a table with a header row and `rows` in bounded memory; returns the number of data rows.

    `title_lines` (company, period...) go above the header; the panes freeze below it; the
    header has an autofilter and repeats on every printed page; pages print landscape, fit to
    the width. The totals row is `totals`, or else the sums of the columns marked `total`.
    Past `max_sheet_rows` the rows go on in a new sheet (with its own header and filter); when
    `expected_rows` says so beforehand, the first sheet carries `continued_note` above the header
    (a write-only sheet cannot be revisited, so the note is decided before the first row).
    """
    workbook = Workbook(write_only=True)
    rows = iter(rows)
    sample = [tuple(excel_value(v) for v in row) for row in islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = []
    for index, column in enumerate(columns, start=1):
        width = column.width
        if width is None:
            longest = max([len(str(column.label)), *(_display_length(row[index - 1]) for row in sample)], default=8)
            width = min(max(longest + 2, 8), MAX_WIDTH)
        widths.append(width)
    formats = [c.number_format for c in columns]
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    wrap = Alignment(wrap_text=True, vertical="top")
    sums = column_sums(columns)
    last_column = get_column_letter(max(len(columns), 1))
    sheets = []
    capacity = max_sheet_rows - len(title_lines) - 3  # header, note and totals rows
    note = continued_note if continued_note and expected_rows and expected_rows > capacity else ""

    def new_sheet(number: int):
        title = safe_sheet_title(sheet_title if number == 1 else f"{sheet_title[:26]} ({number})")
        sheet = workbook.create_sheet(title=title)
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        lines = list(title_lines)
        if number == 1 and note:
            lines.append(note)
        header_row = len(lines) + 1
        # A write-only sheet writes its view and page properties with its first row: set them first.
        sheet.freeze_panes = f"A{header_row + 1}"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        for line in lines:
            sheet.append([xlsx_cell(sheet, excel_value(line), font=bold)])
        sheet.append(
            [xlsx_cell(sheet, excel_value(str(c.label)), font=bold, fill=header_fill, alignment=wrap) for c in columns]
        )
        sheet.print_title_rows = f"{header_row}:{header_row}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = "9"  # A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheets.append({"sheet": sheet, "header_row": header_row, "count": 0})
        return sheets[-1]

    current = new_sheet(1)
    count = 0
    for row in chain(sample, (tuple(excel_value(v) for v in r) for r in rows)):
        if current["header_row"] + current["count"] + 2 > max_sheet_rows:  # one row kept for the totals
            current = new_sheet(len(sheets) + 1)
        sums.add(row)
        current["sheet"].append(
            [xlsx_cell(current["sheet"], v, number_format=f) for v, f in zip(row, formats, strict=False)]
        )
        current["count"] += 1
        count += 1

    total_row = list(totals) if totals is not None else sums.row(total_label)
    for index, part in enumerate(sheets):
        sheet, header_row = part["sheet"], part["header_row"]
        last_row = header_row + max(part["count"], 1)
        sheet.auto_filter.ref = f"A{header_row}:{last_column}{last_row}"
        if total_row is not None and index == len(sheets) - 1:
            sheet.append(
                [
                    xlsx_cell(sheet, excel_value(v), number_format=f, font=bold)
                    for v, f in zip(total_row, formats, strict=False)
                ]
            )
    workbook.save(stream)
    return count


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
