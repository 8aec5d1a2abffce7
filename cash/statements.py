"""Bank statement import and matching: a statement file in, its new lines kept, matched lines posted.

- Reading (`statement_rows_read`): Excel (.xlsx) or CSV (UTF-8 or Windows-1251, `;` `,` or tab),
  its columns named by the bank account's column map. Bounded before and while reading:
  file size, rows, cell length. Every bad row is reported (row, column, message) and then
  nothing is imported: a statement is taken whole or not at all.
- Identity: bank account + date + amount + purpose + ordinal among identical lines of the
  file, hashed into `identity` (unique). Importing the same statement again adds nothing,
  posts nothing.
- Matching (`statement_lines_match`): an incoming line matches a posted encashment in transit
  of the same amount dated within the window before it (oldest first), else a day's card
  takings of an acquirer whose amount less the acquirer's fee is the line's amount. A match
  posts, through the kernel, a bank credit (transit -> bank) or a card settlement (card
  takings -> bank, the fee an expense). Candidates are read with one query each for the
  whole statement; each posting runs in its own savepoint, so a refused one (a closed
  period) leaves its line to assign and the others posted.
- Assigning by hand (`statement_line_assign`): the bookkeeper names the encashment or the
  acquirer's day for an unmatched line, or marks it as not for the cash ledger.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.exceptions import DomainError
from inventory.imports import ImportFileError, check_xlsx_archive
from inventory.money import round_money
from inventory.text import control_character, control_character_message

from .choices import LocationKind, OrderDirection, OrderReason, StatementLineStatus
from .models import BankColumnMap, BankStatement, BankStatementLine, CashLocation, CashOrder
from .selectors import card_takings_open, encashments_open
from .services import _card_settlement, _order_create

S = StatementLineStatus
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_CELL_CHARS = 1000
MAX_ERRORS = 200
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class StatementRow:
    row: int
    line_date: datetime.date
    amount: Decimal
    purpose: str
    counterparty: str


@dataclass
class StatementImportResult:
    """What an import did: the statement (None when the file was refused), counts, every row's error."""

    statement: BankStatement | None = None
    errors: list[RowError] = field(default_factory=list)
    lines_read: int = 0
    lines_new: int = 0
    lines_known: int = 0
    lines_matched: int = 0
    refusals: list[str] = field(default_factory=list)  # matched, but the posting was refused (why)


# --- reading -------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _raw_rows(data: bytes, file_name: str) -> tuple[list[str], list[tuple[int, list]]]:
    """The header and the rows of an .xlsx or a CSV file, bounded in size, rows and cell length."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is %(size)d KB; the limit is %(limit)d KB.")
            % {"size": len(data) // 1024, "limit": MAX_FILE_BYTES // 1024}
        )
    if zipfile.is_zipfile(io.BytesIO(data)):
        rows = _xlsx_rows(data)
    elif file_name.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx)."))
    else:
        rows = _csv_rows(data)
    header: list[str] = []
    out: list[tuple[int, list]] = []
    for number, values in rows:
        if number - 1 > MAX_ROWS:
            raise ImportFileError(_("The file has more than %(limit)d rows.") % {"limit": MAX_ROWS})
        if not header:
            header = [_text(v) for v in values]
            continue
        if all(_text(v) == "" for v in values):
            continue
        out.append((number, list(values)))
    if not header:
        raise ImportFileError(_("The file is empty: a header row is expected."))
    return header, out


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    file = io.BytesIO(data)
    check_xlsx_archive(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx): %(error)s") % {"error": exc}) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=50), start=1):
            yield number, values
            if number > MAX_ROWS + 1:
                break
    finally:
        workbook.close()


def _csv_rows(data: bytes):
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, values[:50]
            if number > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from None


def parse_amount(value) -> Decimal:
    """A money cell: a number, or text as banks write it ("1 234,56", "1,234.56", "-500,00"). Raises ValueError."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float, Decimal)):
        return round_money(value)
    text = _text(value).replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if not text:
        return Decimal("0.00")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal_mark == "," else ",", "").replace(",", ".")
    else:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 15:
        raise ValueError(value)
    return round_money(amount)


def parse_date(value, date_format: str = "") -> datetime.date:
    """A date cell: a date, or text in the map's format (else the usual ones). Raises ValueError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    for fmt in (date_format,) if date_format else DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def statement_rows_read(*, data: bytes, file_name: str, column_map: BankColumnMap) -> list[StatementRow]:
    """The statement's rows, parsed with the bank account's column map.

    Raises ImportFileError (the file as a whole: too big, not a table, a column missing) or
    StatementRowsInvalid carrying every bad row's error (at most MAX_ERRORS of them).
    """
    header, rows = _raw_rows(data, file_name)
    index = {h.strip().lower(): i for i, h in reversed(list(enumerate(header))) if h}
    wanted = {
        "date": column_map.date_column,
        "amount": column_map.amount_column,
        "purpose": column_map.purpose_column,
        "counterparty": column_map.counterparty_column,
    }
    if column_map.debit_column:
        wanted["debit"] = column_map.debit_column
    missing = [name for name in wanted.values() if name.strip().lower() not in index]
    if missing:
        raise ImportFileError(
            _("The header row has no column %(columns)s (the bank account's column map names it).")
            % {"columns": ", ".join(f"“{m}”" for m in missing)}
        )
    at = {key: index[name.strip().lower()] for key, name in wanted.items()}
    errors: list[RowError] = []
    parsed: list[StatementRow] = []

    def cell(values, key):
        return values[at[key]] if at[key] < len(values) else None

    for number, values in rows:
        row_errors = []
        texts = {}
        for key in ("purpose", "counterparty"):
            text = _text(cell(values, key))
            limit = 500 if key == "purpose" else 200
            if len(text) > min(limit, MAX_CELL_CHARS):
                row_errors.append(
                    RowError(
                        number,
                        wanted[key],
                        _("%(length)d characters; the limit is %(limit)d.")
                        % {
                            "length": len(text),
                            "limit": limit,
                        },
                    )
                )
            elif char := control_character(text):
                row_errors.append(RowError(number, wanted[key], control_character_message(char)))
            texts[key] = text
        try:
            day = parse_date(cell(values, "date"), column_map.date_format)
        except ValueError:
            row_errors.append(
                RowError(
                    number, wanted["date"], _("Not a date: “%(value)s”.") % {"value": _text(cell(values, "date"))[:40]}
                )
            )
            day = None
        try:
            amount = parse_amount(cell(values, "amount"))
            if "debit" in at:
                amount -= parse_amount(cell(values, "debit"))
        except ValueError as exc:
            column = (
                wanted["debit"]
                if "debit" in at and _text(exc.args[0]) == _text(cell(values, "debit"))
                else wanted["amount"]
            )
            row_errors.append(
                RowError(number, column, _("Not an amount: “%(value)s”.") % {"value": _text(exc.args[0])[:40]})
            )
            amount = None
        if amount is not None and not amount and not row_errors:
            row_errors.append(RowError(number, wanted["amount"], _("The amount is zero.")))
        if row_errors:
            errors += row_errors
            if len(errors) >= MAX_ERRORS:
                break
            continue
        parsed.append(StatementRow(number, day, amount, texts["purpose"], texts["counterparty"]))
    if errors:
        raise StatementRowsInvalid(errors[:MAX_ERRORS])
    return parsed


class StatementRowsInvalid(Exception):
    """Rows of a statement file that cannot be read: nothing was imported."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} bad rows")


def line_identity(
    *, bank_account_id: int, line_date: datetime.date, amount: Decimal, purpose: str, ordinal: int
) -> str:
    """What makes a line the same line in the next import of the statement (hashed to 64 characters)."""
    raw = "\x1f".join([str(bank_account_id), line_date.isoformat(), f"{round_money(amount)}", purpose, str(ordinal)])
    return hashlib.sha256(raw.encode()).hexdigest()


def build_lines(bank_account_id: int, rows: list[StatementRow]) -> list[BankStatementLine]:
    """Pure: parsed rows in, unsaved lines out, each with its ordinal among identical lines and its identity."""
    seen: dict[tuple, int] = defaultdict(int)
    lines = []
    for row in rows:
        key = (row.line_date, row.amount, row.purpose)
        seen[key] += 1
        lines.append(
            BankStatementLine(
                bank_account_id=bank_account_id,
                row_number=row.row,
                line_date=row.line_date,
                amount=row.amount,
                purpose=row.purpose,
                counterparty=row.counterparty,
                ordinal=seen[key],
                identity=line_identity(
                    bank_account_id=bank_account_id,
                    line_date=row.line_date,
                    amount=row.amount,
                    purpose=row.purpose,
                    ordinal=seen[key],
                ),
            )
        )
    return lines


# --- import ----------------------------------------------------------------------------------------


def column_map_for(bank_account: CashLocation) -> BankColumnMap:
    """The bank account's column map (the default names when the owner saved none)."""
    found = BankColumnMap.objects.filter(bank_account=bank_account).first()
    return found or BankColumnMap(bank_account=bank_account)


def bank_statement_import(*, bank_account_id: int, data: bytes, file_name: str, actor=None) -> StatementImportResult:
    """Import a statement file of a bank account: keep its new lines, match and post what matches.

    Lines already imported (the same identity) are left alone: importing a statement again
    changes nothing. A file with bad rows imports nothing: the result lists every error.
    Raises ImportFileError for a file that cannot be read at all, DomainError for a location
    that is not a bank account.
    """
    bank = CashLocation.objects.get(pk=bank_account_id)
    if bank.kind != LocationKind.BANK:
        raise DomainError(_("%(location)s is not a bank account.") % {"location": bank})
    column_map = column_map_for(bank)
    result = StatementImportResult()
    try:
        rows = statement_rows_read(data=data, file_name=file_name, column_map=column_map)
    except StatementRowsInvalid as exc:
        result.errors = exc.errors
        return result
    lines = build_lines(bank.pk, rows)
    result.lines_read = len(lines)
    try:
        with transaction.atomic(durable=True):
            statement = _lines_store(bank, lines, file_name, actor, result)
            matched = statement_lines_match(
                lines=list(statement.lines.filter(status=S.UNMATCHED).order_by("line_date", "row_number")),
                actor=actor,
                window_days=column_map.match_window_days,
                refusals=result.refusals,
            )
            result.lines_matched = statement.lines_matched = matched
            statement.save(update_fields=["lines_matched"])
    except IntegrityError:
        # Another import of the same statement stored the same lines first: nothing of ours stays.
        raise DomainError(_("The same statement is being imported by someone else right now; try again.")) from None
    result.statement = statement
    return result


def _lines_store(bank, lines, file_name, actor, result) -> BankStatement:
    known: set[str] = set()
    identities = [line.identity for line in lines]
    for start in range(0, len(identities), 1000):
        chunk = identities[start : start + 1000]
        known |= set(BankStatementLine.objects.filter(identity__in=chunk).values_list("identity", flat=True))
    new = [line for line in lines if line.identity not in known]
    statement = BankStatement.objects.create(
        bank_account=bank,
        file_name=file_name[:255],
        imported_by=actor,
        lines_read=len(lines),
        lines_new=len(new),
    )
    for line in new:
        line.statement = statement
    BankStatementLine.objects.bulk_create(new, batch_size=1000)
    result.lines_new, result.lines_known = len(new), len(lines) - len(new)
    return statement


# --- matching --------------------------------------------------------------------------------------


def statement_lines_match(*, lines: list[BankStatementLine], actor=None, window_days: int = 5, refusals=None) -> int:
    """Match unmatched incoming lines to open encashments, then to open days of card takings; post each
    match. Inside the caller's transaction; returns how many lines were matched. `refusals` collects
    why a matched posting was refused (its line stays to assign)."""
    incoming = [line for line in lines if line.amount > 0 and line.status == S.UNMATCHED]
    if not incoming:
        return 0
    window = datetime.timedelta(days=window_days)
    first, last = min(x.line_date for x in incoming) - window, max(x.line_date for x in incoming)
    encashments: dict[Decimal, list[CashOrder]] = defaultdict(list)
    for order in encashments_open(date_from=first, date_to=last).order_by("business_date", "pk"):
        encashments[order.amount].append(order)
    acquirers = {a.pk: a for a in CashLocation.objects.filter(kind=LocationKind.CARD)}
    card_days: dict[Decimal, list[dict]] = defaultdict(list)
    for day in card_takings_open(date_from=first, date_to=last):
        acquirer = acquirers[day["location_id"]]
        net = day["gross"] - round_money(day["gross"] * acquirer.fee_percent / 100)
        card_days[net].append(day)
    matched = 0
    for line in incoming:
        earliest = line.line_date - window
        encashment = _take(encashments[line.amount], lambda o: o.business_date, earliest, line.line_date)
        day = None
        if encashment is None:
            day = _take(card_days[line.amount], lambda d: d["day"], earliest, line.line_date)
            if day is None:
                continue
        try:
            with transaction.atomic():
                order = (
                    _credit_post(line, encashment, actor)
                    if encashment is not None
                    else _settlement_post(line, day["location_id"], day["day"], day["gross"], actor)
                )
                _line_resolve(line, order, S.MATCHED, actor)
        except DomainError as exc:
            if refusals is not None:
                refusals.append(f"{line.row_number}: {exc.message}")
            continue
        matched += 1
    return matched


def _take(candidates: list, day_of, earliest: datetime.date, latest: datetime.date):
    """The oldest candidate dated within [earliest, latest], taken out of the list (used once)."""
    for index, candidate in enumerate(candidates):
        if earliest <= day_of(candidate) <= latest:
            return candidates.pop(index)
    return None


def _credit_post(line: BankStatementLine, encashment: CashOrder, actor) -> CashOrder:
    """The bank credited an encashment: transit -> bank, dated the statement's day."""
    return _order_create(
        direction=OrderDirection.IN,
        reason=OrderReason.BANK_CREDIT,
        location_id=line.bank_account_id,
        counter_location_id=encashment.counter_location_id,
        settles=encashment,
        shop_id=encashment.shop_id,
        amount=line.amount,
        counterparty=line.counterparty[:200],
        comment=line.purpose,
        business_date=line.line_date,
        actor=actor,
        post=True,
    )


def _settlement_post(line: BankStatementLine, acquirer_id: int, day: datetime.date, gross: Decimal, actor):
    """The bank credited a day's card takings: the fee is what the acquirer kept of them."""
    return _card_settlement(
        acquirer_id=acquirer_id,
        bank_id=line.bank_account_id,
        takings_date=day,
        business_date=line.line_date,
        amount=gross,
        fee_amount=gross - line.amount,
        counterparty=line.counterparty,
        comment=line.purpose,
        actor=actor,
    )


def _line_resolve(line: BankStatementLine, order: CashOrder | None, status: str, actor, note: str = "") -> None:
    line.order, line.status, line.note = order, status, note[:200]
    line.resolved_at, line.resolved_by = timezone.now(), actor
    line.save(update_fields=["order", "status", "note", "resolved_at", "resolved_by"])


@transaction.atomic(durable=True)
def statement_lines_rematch(*, line_ids: list[int], actor=None) -> int:
    """Try the automatic matching again for unmatched lines (an encashment posted since, say)."""
    lines = list(
        BankStatementLine.objects.select_for_update(of=("self",))
        .filter(pk__in=line_ids, status=S.UNMATCHED)
        .select_related("bank_account")
        .order_by("line_date", "row_number", "pk")
    )
    by_bank: dict[int, list] = defaultdict(list)
    for line in lines:
        by_bank[line.bank_account_id].append(line)
    matched = 0
    for bank_lines in by_bank.values():
        column_map = column_map_for(bank_lines[0].bank_account)
        matched += statement_lines_match(lines=bank_lines, actor=actor, window_days=column_map.match_window_days)
    return matched


@transaction.atomic(durable=True)
def statement_line_assign(
    *,
    line_id: int,
    actor,
    encashment_id: int | None = None,
    acquirer_id: int | None = None,
    takings_date: datetime.date | None = None,
    ignore: bool = False,
    note: str = "",
) -> BankStatementLine:
    """The bookkeeper resolves an unmatched line: the encashment it credits, the acquirer's day of card
    takings it settles (the fee: the takings less the line), or not for the cash ledger (`ignore`,
    with a note). Raises DomainError (the line resolved already, an amount that does not fit),
    PeriodClosed, LedgerOverdraft."""
    line = BankStatementLine.objects.select_for_update().get(pk=line_id)
    if line.status != S.UNMATCHED:
        raise DomainError(_("This line has been resolved already."))
    if char := control_character(note):
        raise DomainError(control_character_message(char), field="note")
    if ignore:
        if not note.strip():
            raise DomainError(_("Say why the line is not for the cash ledger."), field="note")
        _line_resolve(line, None, S.IGNORED, actor, note)
        return line
    if line.amount <= 0:
        raise DomainError(_("Only a credit (a positive amount) can settle an encashment or card takings."))
    if encashment_id:
        encashment = encashments_open().filter(pk=encashment_id).first()
        if encashment is None:
            raise DomainError(_("That encashment is not in transit any more."), field="encashment")
        order = _credit_post(line, encashment, actor)
    elif acquirer_id and takings_date:
        from .services import card_takings_of_day

        gross = card_takings_of_day(acquirer_id=acquirer_id, day=takings_date)
        if gross < line.amount:
            raise DomainError(
                _("The card takings of that day are %(gross)s, less than the line's %(amount)s.")
                % {"gross": gross, "amount": line.amount},
                field="takings_date",
            )
        order = _settlement_post(line, acquirer_id, takings_date, gross, actor)
    else:
        raise DomainError(_("Choose an encashment, or an acquirer and a day of card takings."))
    _line_resolve(line, order, S.ASSIGNED, actor, note)
    return line


def statement_import_limits() -> dict:
    """The limits a statement file is held to (shown on the import page)."""
    return {"max_kb": MAX_FILE_BYTES // 1024, "max_rows": MAX_ROWS, "max_errors": MAX_ERRORS}
