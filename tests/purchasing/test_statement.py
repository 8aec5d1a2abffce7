"""The reconciliation statement against the ledger, and a supplier's statement matched line by line."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from inventory.imports import ImportFileError
from inventory.services.stock_documents import goods_receipt_cancel
from purchasing.models import PaymentMethod
from purchasing.services.settlements import supplier_payment_create
from purchasing.services.statement_import import Difference, statement_match, supplier_statement_read
from purchasing.settlement_selectors import payables_balance_at, statement, statements
from tests.factories import ShopFactory, SupplierFactory

from .conftest import receipt, supplier_return

D = Decimal
pytestmark = pytest.mark.usefixtures("ledgers_balanced")
OCT = datetime.date(2026, 10, 1)
NOV = datetime.date(2026, 11, 1)
NOV_END = datetime.date(2026, 11, 30)


def bank_pay(shop, supplier, amount, day, reference=""):
    return supplier_payment_create(
        supplier=supplier,
        shop=shop,
        amount=D(amount),
        business_date=day,
        method=PaymentMethod.BANK,
        bank_reference=reference,
        post=True,
    )


@pytest.fixture
def history(shop, supplier, product):
    """October: received 1000, paid 600. November: received 250.40 (+ one cancelled), returned 50.10, paid 300."""
    other_shop = ShopFactory(code="08")
    receipt(shop, supplier, product, "1000.00", day=OCT + datetime.timedelta(days=4), supplier_invoice_number="A-1")
    bank_pay(shop, supplier, "600.00", OCT + datetime.timedelta(days=20), reference="PP-11")
    november = receipt(shop, supplier, product, "250.40", day=NOV + datetime.timedelta(days=2))
    cancelled = receipt(shop, supplier, product, "999.99", day=NOV + datetime.timedelta(days=3))
    goods_receipt_cancel(document_id=cancelled.pk, actor=None)
    supplier_return(shop, supplier, product, "50.10", day=NOV + datetime.timedelta(days=5))
    bank_pay(other_shop, supplier, "300.00", NOV + datetime.timedelta(days=9), reference="PP-12")
    receipt(shop, SupplierFactory(), product, "77.00", day=NOV + datetime.timedelta(days=2))  # another supplier
    return november


def test_the_statement_opens_and_closes_with_the_ledger(history, supplier):
    result = statement(supplier_id=supplier.pk, date_from=NOV, date_to=NOV_END)
    assert result.opening == D("400.00")
    assert [(line.business_date.day, line.what, line.debit, line.credit) for line in result.lines] == [
        (3, "Goods received", D("0.00"), D("250.40")),
        (6, "Goods returned", D("50.10"), D("0.00")),
        (10, "Payment", D("300.00"), D("0.00")),
    ]
    assert result.lines[0].number == history.number
    assert (result.debit_total, result.credit_total, result.closing) == (D("350.10"), D("250.40"), D("300.30"))
    at_start = payables_balance_at(on=NOV - datetime.timedelta(days=1), supplier_ids=[supplier.pk])
    at_end = payables_balance_at(on=NOV_END, supplier_ids=[supplier.pk])
    assert sum(at_start.values()) == result.opening
    assert sum(at_end.values()) == result.closing


def test_statements_for_all_suppliers_at_once_with_constant_queries(history, supplier, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        results = statements(supplier_ids=[supplier.pk, *range(10**6, 10**6 + 3)], date_from=OCT, date_to=NOV_END)
    assert [r.supplier for r in results] == [supplier]
    assert results[0].opening == D("0.00") and results[0].closing == D("300.30")
    assert len(results[0].lines) == 5


def test_a_long_period_is_refused(supplier):
    with pytest.raises(ValueError):
        statement(supplier_id=supplier.pk, date_from=datetime.date(2020, 1, 1), date_to=NOV_END)


def their_statement(rows) -> io.BytesIO:
    """A supplier's statement as they send it: a title, their header, lines, a total."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Акт сверки взаимных расчетов"])
    sheet.append([])
    sheet.append(["Дата", "Документ", "Дебет", "Кредит"])
    sheet.append([None, "Сальдо начальное", 400, None])
    for row in rows:
        sheet.append(row)
    sheet.append([None, "Обороты за период", 250.4, 350.1])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_the_suppliers_statement_matches_line_by_line_and_lists_differences(history, supplier):
    ours = statement(supplier_id=supplier.pk, date_from=NOV, date_to=NOV_END)
    theirs = supplier_statement_read(
        their_statement(
            [
                [datetime.date(2026, 11, 3), history.number, 250.4, None],  # the same
                ["06.11.2026", ours.lines[1].number, None, "50.00"],  # a deliberate difference: 10 tiyn
                [datetime.date(2026, 11, 10), "PP-12", None, 300],  # by the bank's number
                [datetime.date(2026, 11, 20), "RN-999", 120, None],  # we have no such receipt
            ]
        )
    )
    assert [line.amount for line in theirs] == [D("250.40"), D("-50.00"), D("-300.00"), D("120.00")]
    matched, differences = statement_match(ours, theirs)
    assert matched == 2
    assert [(d.kind, d.number, d.our_amount, d.their_amount) for d in differences] == [
        (str(Difference.CHANGED), ours.lines[1].number, D("-50.10"), D("-50.00")),
        (str(Difference.ONLY_THEIRS), "RN-999", None, D("120.00")),
    ]


def test_a_line_missing_from_theirs_is_listed(history, supplier):
    ours = statement(supplier_id=supplier.pk, date_from=NOV, date_to=NOV_END)
    theirs = supplier_statement_read(their_statement([[datetime.date(2026, 11, 3), history.number, 250.4, None]]))
    matched, differences = statement_match(ours, theirs)
    assert matched == 1
    assert [(d.kind, d.our_amount) for d in differences] == [
        (str(Difference.ONLY_OURS), D("-50.10")),
        (str(Difference.ONLY_OURS), D("-300.00")),
    ]


def test_a_file_that_is_no_statement_is_refused():
    with pytest.raises(ImportFileError):
        supplier_statement_read(io.BytesIO(b"not a workbook"))
    book = openpyxl.Workbook()
    book.active.append(["something", "else"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    with pytest.raises(ImportFileError):
        supplier_statement_read(out)
