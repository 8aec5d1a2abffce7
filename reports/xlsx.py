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
from decimal import Decimal
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
    width: float | None = None


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


def write_table(
    stream: IO[bytes],
    *,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    sheet_title: str = "Sheet",
    title_lines: Sequence[str] = (),
) -> int:
    """Write one sheet with a header row and `rows`; returns the number of data rows.

    `title_lines` (company, period...) go above the header; the panes freeze below it.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_sheet_title(sheet_title))
    rows = iter(rows)
    sample = [tuple(excel_value(v) for v in row) for row in islice(rows, WIDTH_SAMPLE_ROWS)]

    for index, column in enumerate(columns, start=1):
        width = column.width
        if width is None:
            longest = max([len(column.label), *(_display_length(row[index - 1]) for row in sample)], default=8)
            width = min(max(longest + 2, 8), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width

    bold = Font(bold=True)
    for line in title_lines:
        sheet.append([xlsx_cell(sheet, excel_value(line), font=bold)])
    header_row = len(title_lines) + 1
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    wrap = Alignment(wrap_text=True, vertical="top")
    header = [xlsx_cell(sheet, excel_value(str(c.label)), font=bold, fill=header_fill, alignment=wrap) for c in columns]
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append(header)

    count = 0
    formats = [c.number_format for c in columns]
    for row in chain(sample, (tuple(excel_value(v) for v in r) for r in rows)):
        sheet.append([xlsx_cell(sheet, v, number_format=f) for v, f in zip(row, formats, strict=False)])
        count += 1

    last_row = header_row + max(count, 1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(columns), 1))}{last_row}"
    workbook.save(stream)
    return count


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
