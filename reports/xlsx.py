"""Excel rendering (openpyxl write-only): typed cells, frozen header, autofilter, widths.

Imports no domain app. A table is a list of `Column`s and an iterable of row tuples; rows
stream to the file, so 20,000-row sheets stay in bounded memory.
"""

import datetime
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


@dataclass
class Column:
    label: str
    number_format: str | None = None  # forced format; otherwise chosen by the value's type
    width: float | None = None


def excel_value(value):
    """A value as openpyxl stores it: real numbers and dates, text for the rest."""
    if value is None or isinstance(value, (bool, int, float, Decimal, str)):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return str(value)


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
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet")
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
        cell = WriteOnlyCell(sheet, value=line)
        cell.font = bold
        sheet.append([cell])
    header_row = len(title_lines) + 1
    header_fill = PatternFill("solid", fgColor="DDE4EE")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = bold
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.append(header)

    count = 0
    formats = [c.number_format for c in columns]
    for row in chain(sample, (tuple(excel_value(v) for v in r) for r in rows)):
        out = []
        for value, forced in zip(row, formats, strict=False):
            number_format = forced or _default_format(value)
            if number_format and value is not None and not isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = number_format
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        count += 1

    last_row = header_row + max(count, 1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(columns), 1))}{last_row}"
    workbook.save(stream)
    return count


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
