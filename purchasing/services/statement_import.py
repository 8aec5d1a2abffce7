"""The supplier's own reconciliation statement (Excel), matched line by line with ours.

The supplier keeps the mirror of our books: its debit is goods it shipped to us (our credit),
its credit is what we paid or returned. A line of theirs matches one of ours by document number
(our number, or the supplier's own: its invoice number on our receipt, the bank's number on our
payment), date and amount. What does not match is listed for the bookkeeper: a number found on
both sides with another date or amount, a line only in their statement, a line only in ours.

Bounded: the file's size and unpacked size (inventory's import limits), MAX_ROWS lines, cell length.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from inventory.imports import ImportFileError, check_xlsx_archive
from inventory.money import round_money
from inventory.text import control_character

from ..settlement_selectors import Statement

MAX_ROWS = 5000
MAX_CELL_CHARS = 200
HEADER_SEARCH_ROWS = 40
ZERO = Decimal("0.00")

# Words a header cell may hold (lower case, any of them), in Russian, Kazakh and English.
HEADER_WORDS = {
    "date": ("дата", "күні", "күн", "date"),
    "number": ("номер", "документ", "№", "құжат", "number", "document"),
    "debit": ("дебет", "debit"),
    "credit": ("кредит", "credit"),
}


@dataclass(frozen=True)
class TheirLine:
    row: int
    business_date: datetime.date
    number: str
    amount: Decimal  # as our debt moved: their debit (goods shipped) positive, their credit negative


class Difference:
    """Kinds of difference the bookkeeper sees."""

    CHANGED = gettext_lazy("different date or amount")
    ONLY_THEIRS = gettext_lazy("only in the supplier's statement")
    ONLY_OURS = gettext_lazy("only in our books")


@dataclass(frozen=True)
class DifferenceLine:
    kind: str
    number: str
    our_date: datetime.date | None
    our_amount: Decimal | None
    their_date: datetime.date | None
    their_amount: Decimal | None
    their_row: int | None = None


def _key(number: str) -> str:
    return "".join(ch for ch in (number or "").upper() if ch.isalnum())


def statement_match(statement: Statement, theirs: list[TheirLine]) -> tuple[int, list[DifferenceLine]]:
    """Pure: (lines matched exactly, differences). Exact matches first (number, date, amount), then the same
    number with another date or amount, then what is left on either side."""
    ours = list(statement.lines)
    left_ours = list(range(len(ours)))
    left_theirs = list(range(len(theirs)))

    def numbers(line) -> set[str]:
        return {k for k in (_key(line.number), _key(line.external_number)) if k}

    def take(same) -> list[tuple[int, int]]:
        pairs = []
        for t in list(left_theirs):
            for o in left_ours:
                if same(ours[o], theirs[t]):
                    pairs.append((o, t))
                    left_ours.remove(o)
                    left_theirs.remove(t)
                    break
        return pairs

    exact = take(
        lambda o, t: _key(t.number) in numbers(o) and o.business_date == t.business_date and o.amount == t.amount
    )
    changed = take(lambda o, t: _key(t.number) in numbers(o))
    differences = [
        DifferenceLine(
            str(Difference.CHANGED),
            theirs[t].number,
            ours[o].business_date,
            ours[o].amount,
            theirs[t].business_date,
            theirs[t].amount,
            theirs[t].row,
        )
        for o, t in changed
    ]
    differences += [
        DifferenceLine(
            str(Difference.ONLY_THEIRS),
            theirs[t].number,
            None,
            None,
            theirs[t].business_date,
            theirs[t].amount,
            theirs[t].row,
        )
        for t in left_theirs
    ]
    differences += [
        DifferenceLine(
            str(Difference.ONLY_OURS),
            ours[o].external_number or ours[o].number,
            ours[o].business_date,
            ours[o].amount,
            None,
            None,
        )
        for o in left_ours
    ]
    return len(exact), differences


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _money(value, row: int) -> Decimal:
    if value is None or _text(value) == "":
        return ZERO
    if isinstance(value, bool):
        raise ImportFileError(_("Row %(row)d: an amount is expected.") % {"row": row})
    text = _text(value).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ImportFileError(
            _("Row %(row)d: “%(value)s” is not an amount.") % {"row": row, "value": text[:40]}
        ) from None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise ImportFileError(_("Row %(row)d: “%(value)s” is not an amount.") % {"row": row, "value": text[:40]})
    return round_money(number)


def _date(value, row: int) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for pattern in ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ImportFileError(_("Row %(row)d: “%(value)s” is not a date.") % {"row": row, "value": text[:40]})


def _header(values) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for index, value in enumerate(values):
        text = _text(value).lower()
        for name, words in HEADER_WORDS.items():
            if name not in found and any(word in text for word in words):
                found[name] = index
                break
    return found if len(found) == 4 else None


def supplier_statement_read(file: IO[bytes]) -> list[TheirLine]:
    """The lines of a supplier's statement: the first sheet, below a header row naming date, document,
    debit and credit (Russian, Kazakh or English); rows without a date (opening, totals) are skipped.
    Raises ImportFileError (not a workbook, too big, no header, a bad cell), naming the row."""
    check_xlsx_archive(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx): %(error)s") % {"error": exc}) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("The workbook has no sheet."))
        columns = None
        lines: list[TheirLine] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=30), start=1):
            if number > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise ImportFileError(_("The statement has more than %(n)d rows.") % {"n": MAX_ROWS})
            values = values or ()
            for value in values:
                if isinstance(value, str) and (len(value) > MAX_CELL_CHARS or control_character(value)):
                    raise ImportFileError(
                        _("Row %(row)d: a cell is too long or holds control characters.") % {"row": number}
                    )
            if columns is None:
                columns = _header(values)
                if columns is None and number >= HEADER_SEARCH_ROWS:
                    break
                continue
            cells = {name: values[index] if index < len(values) else None for name, index in columns.items()}
            document = _text(cells["number"])
            if cells["date"] is None or _text(cells["date"]) == "" or not document:
                continue  # opening balance, turnover and closing lines have no document
            try:
                day = _date(cells["date"], number)
            except ImportFileError:
                continue  # a title or total row with text in the date column
            amount = _money(cells["debit"], number) - _money(cells["credit"], number)
            lines.append(TheirLine(number, day, document, amount))
        if columns is None:
            raise ImportFileError(_("No header row with date, document, debit and credit columns was found."))
        return lines
    finally:
        workbook.close()
