"""Imports into stock documents: stocktake counts from a data-collection terminal, opening balances.

Both read one sheet with a header row. Every bad row is reported at once (row, column,
reason) and a file with any bad row writes nothing.
"""

import datetime
from collections import OrderedDict
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from .imports import ImportFileError, ImportReport, RowError, _decimal, _read_rows, _text
from .models import Barcode, OpeningBalance, OpeningBalanceLine, Product, Shop, StockBalance, Stocktake, StocktakeLine
from .selectors import products_by_codes
from .services.common import ensure_draft, ensure_period_open

COL_CODE = "Code"
COL_QUANTITY = "Quantity"
COL_UNIT_COST = "Unit cost"
CODE_ALIASES = ("Code", "Barcode", "SKU")


CODE_CHUNK = 1000


def resolve_codes(codes) -> dict[str, tuple[int, Decimal | None] | str]:
    """Barcode, scale barcode or SKU -> (product id, weight or None), or why the code names nothing.

    Set-based: at most three queries per chunk of CODE_CHUNK distinct codes, however many
    codes are unknown (one by one, a 1,000,000-row file of unknown codes ran for 80 minutes).
    """
    distinct = list(dict.fromkeys(c for c in codes if c))
    found: dict[str, tuple[int, Decimal | None] | str] = {}
    for start in range(0, len(distinct), CODE_CHUNK):
        chunk = distinct[start : start + CODE_CHUNK]
        # A stored barcode first, then a SKU, then a scale barcode (as typed on a terminal).
        for code, product_id in Barcode.objects.filter(code__in=chunk).values_list("code", "product_id"):
            found[code] = (product_id, None)
        rest = [c for c in chunk if c not in found]
        for sku, product_id in Product.objects.filter(sku__in=rest).values_list("sku", "pk"):
            found[sku] = (product_id, None)
        rest = [c for c in rest if c not in found]
        if rest:
            found.update(products_by_codes(rest))
    return found


def _code_column(headers: list[str]) -> str:
    for alias in CODE_ALIASES:
        if alias in headers:
            return alias
    raise ImportFileError(_("The header row needs a “Code” (barcode or SKU) column."))


def _read_quantities(file, *, with_cost: bool, report: ImportReport, progress=None):
    headers, rows = _read_rows(file, key_column=None, progress=progress)
    code_col = _code_column(headers)
    resolved = resolve_codes(_text(values.get(code_col)) for _number, values in rows)
    result: OrderedDict[int, list] = OrderedDict()
    for number, values in rows:
        code = _text(values.get(code_col))
        if not code:
            report.errors.append(RowError(number, code_col, _("The code is empty.")))
            continue
        found = resolved[code]
        if isinstance(found, str):
            report.errors.append(RowError(number, code_col, f"{code}: {found}"))
            continue
        product_id, weight = found
        raw = values.get(COL_QUANTITY)
        try:
            quantity = weight if (_text(raw) == "" and weight is not None) else _decimal(raw, places=3)
            if quantity is None or quantity < 0:
                raise ValueError
        except ValueError:
            report.errors.append(RowError(number, COL_QUANTITY, _("A quantity must be a number, zero or more.")))
            continue
        cost = None
        if with_cost:
            try:
                cost = _decimal(values.get(COL_UNIT_COST), places=4)
                if cost < 0:
                    raise ValueError
            except ValueError:
                report.errors.append(RowError(number, COL_UNIT_COST, _("A unit cost must be a number, zero or more.")))
                continue
        entry = result.setdefault(product_id, [Decimal("0"), cost, number])
        entry[0] += quantity  # a product scanned on several rows: the counts add up
        if cost is not None:
            entry[1] = cost
    return result


@transaction.atomic(durable=True)
def stocktake_counts_import(*, document_id: int, file: IO[bytes], replace: bool = False, progress=None) -> ImportReport:
    """Add counted quantities (a terminal's export: Code, Quantity) to a draft stocktake.

    Rows of the same product add up; `replace` sets the counts instead of adding to them.
    A product missing from the stocktake gets a line with its current book quantity.
    """
    document = Stocktake.objects.select_for_update().get(pk=document_id)
    ensure_draft(document)
    ensure_period_open(shop_ids=[document.shop_id], business_date=document.business_date)
    report = ImportReport(dry_run=False)
    counts = _read_quantities(file, with_cost=False, report=report, progress=progress)
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors:
        return report
    lines = {line.product_id: line for line in document.lines.filter(product_id__in=list(counts))}
    books = dict(
        StockBalance.objects.filter(shop_id=document.shop_id, product_id__in=list(counts)).values_list(
            "product_id", "quantity"
        )
    )
    changed, new = [], []
    for product_id, (quantity, _cost, _row) in counts.items():
        line = lines.get(product_id)
        if line is None:
            new.append(
                StocktakeLine(
                    document=document,
                    product_id=product_id,
                    book_quantity=books.get(product_id, 0),
                    counted_quantity=quantity,
                )
            )
        else:
            line.counted_quantity = (
                quantity if replace or line.counted_quantity is None else line.counted_quantity + quantity
            )
            changed.append(line)
    StocktakeLine.objects.bulk_update(changed, ["counted_quantity"], batch_size=2000)
    StocktakeLine.objects.bulk_create(new, batch_size=2000)
    report.updated, report.created = len(changed), len(new)
    report.applied = True
    return report


@transaction.atomic(durable=True)
def opening_balance_import(
    *, shop: Shop, file: IO[bytes], business_date: datetime.date, actor, comment: str = "", progress=None
) -> tuple[ImportReport, OpeningBalance | None]:
    """Create a draft opening balance from a sheet (Code, Quantity, Unit cost). Post it to go live."""
    ensure_period_open(shop_ids=[shop.pk], business_date=business_date)
    report = ImportReport(dry_run=False)
    rows = _read_quantities(file, with_cost=True, report=report, progress=progress)
    report.errors.sort(key=lambda e: (e.row, e.column))
    if report.errors:
        return report, None
    document = OpeningBalance.objects.create(shop=shop, business_date=business_date, created_by=actor, comment=comment)
    OpeningBalanceLine.objects.bulk_create(
        [
            OpeningBalanceLine(document=document, product_id=pid, quantity=q, unit_cost=cost)
            for pid, (q, cost, _r) in rows.items()
            if q > 0
        ],
        batch_size=2000,
    )
    report.created = len(rows)
    report.applied = True
    return report, document
