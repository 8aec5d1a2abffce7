"""Goods receipts become debts, returns and payments reduce them, allocations settle them to the cent."""

import datetime
from decimal import Decimal

import pytest

from cash.choices import LocationKind, OrderReason
from cash.models import CashLocation, CashOrder
from inventory.choices import DocumentStatus, DocumentType
from inventory.exceptions import DomainError, LedgerOverdraft, PeriodClosed
from inventory.ledgers import ledgers
from inventory.models import PeriodLock
from inventory.services.stock_documents import goods_receipt_cancel, supplier_return_cancel
from purchasing.ledger import PAYABLES
from purchasing.models import (
    Payable,
    PayableAllocation,
    PayableLedgerEntry,
    PayablesOpening,
    PayablesOpeningLine,
    PaymentMethod,
    SupplierPayment,
)
from purchasing.services.settlements import (
    OpenItem,
    payable_allocate,
    payable_allocation_release,
    payables_opening_cancel,
    payables_opening_post,
    plan_allocations,
    supplier_invoice_record,
    supplier_payment_cancel,
    supplier_payment_create,
)
from tests.factories import SupplierFactory

from .conftest import DAY, fill, item, owed, receipt, settled, supplier_return

D = Decimal
pytestmark = pytest.mark.usefixtures("ledgers_balanced")


def pay(shop, supplier, amount, *, day=DAY, allocations=None, method=PaymentMethod.CASH, **fields):
    return supplier_payment_create(
        supplier=supplier,
        shop=shop,
        amount=D(amount),
        business_date=day,
        method=method,
        post=True,
        allocations=allocations,
        **fields,
    )


def test_the_payables_ledger_is_registered():
    assert PAYABLES in ledgers()


def test_plan_settles_oldest_first_never_over_either_side():
    plan = plan_allocations(
        debts=[OpenItem(1, D("100.00")), OpenItem(2, D("50.00"))],
        credits=[OpenItem(10, D("30.00")), OpenItem(11, D("90.00"))],
    )
    assert plan == [(1, 10, D("30.00")), (1, 11, D("70.00")), (2, 11, D("20.00"))]


def test_a_posted_receipt_is_a_debt_due_after_the_deferral(shop, supplier, product):
    document = receipt(shop, supplier, product, "1234.56")
    assert owed(supplier, shop) == D("1234.56")
    debt = item(document)
    assert (debt.side, debt.amount, debt.settled_amount) == ("debt", D("1234.56"), D("0.00"))
    assert debt.due_date == datetime.date(2026, 12, 5)
    assert debt.document_number == document.number
    rows = list(PayableLedgerEntry.objects.values_list("supplier", "shop", "amount", "kind", "source_type"))
    assert rows == [(supplier.pk, shop.pk, D("1234.56"), "receipt", DocumentType.GOODS_RECEIPT)]


def test_cancelling_a_receipt_reverses_the_debt(shop, supplier, product):
    document = receipt(shop, supplier, product, "500.00")
    goods_receipt_cancel(document_id=document.pk, actor=None)
    assert owed(supplier, shop) == D("0.00")
    assert item(document).is_cancelled
    assert PayableLedgerEntry.objects.filter(reversal_of__isnull=False).count() == 1


def test_a_return_reduces_the_oldest_debt_and_its_cancel_reopens_it(shop, supplier, product):
    first = receipt(shop, supplier, product, "300.00", day=DAY - datetime.timedelta(days=3))
    second = receipt(shop, supplier, product, "200.00")
    back = supplier_return(shop, supplier, product, "120.50")
    assert owed(supplier, shop) == D("379.50")
    assert settled(first) == (D("300.00"), D("120.50"))
    assert settled(second) == (D("200.00"), D("0.00"))
    supplier_return_cancel(document_id=back.pk, actor=None)
    assert owed(supplier, shop) == D("500.00")
    assert settled(first) == (D("300.00"), D("0.00"))


def test_a_cash_payment_leaves_the_desk_and_settles_oldest_first(shop, supplier, product, desk, owner):
    fill(desk, "10000")
    old = receipt(shop, supplier, product, "400.10", day=DAY - datetime.timedelta(days=20))
    mid = receipt(shop, supplier, product, "250.25", day=DAY - datetime.timedelta(days=5))
    new = receipt(shop, supplier, product, "99.99")
    payment = pay(shop, supplier, "500.00", allocations=None, actor=owner)
    assert payment.status == DocumentStatus.POSTED and payment.number == "SP-07-000001"
    order = CashOrder.objects.get(pk=payment.cash_order_id)
    assert (order.reason, order.amount, order.location_id, order.status) == (
        OrderReason.SUPPLIER_PAYMENT,
        D("500.00"),
        desk.pk,
        DocumentStatus.POSTED,
    )
    desk.refresh_from_db()
    assert desk.balance.amount == D("9500.00")
    assert settled(old) == (D("400.10"), D("400.10"))
    assert settled(mid) == (D("250.25"), D("99.90"))
    assert settled(new) == (D("99.99"), D("0.00"))
    assert owed(supplier, shop) == D("250.34")
    assert item(payment).settled_amount == D("500.00")


def test_a_payment_without_cash_in_the_desk_writes_nothing(shop, supplier, product, desk):
    fill(desk, "100")
    receipt(shop, supplier, product, "400.00")
    with pytest.raises(LedgerOverdraft):
        pay(shop, supplier, "400.00")
    assert SupplierPayment.objects.count() == 0
    assert PayableAllocation.objects.count() == 0
    assert owed(supplier, shop) == D("400.00")
    assert CashOrder.objects.filter(reason=OrderReason.SUPPLIER_PAYMENT).count() == 0


def test_an_advance_is_consumed_by_the_next_receipt(shop, supplier, product, desk):
    fill(desk, "1000")
    payment = pay(shop, supplier, "700.00")
    assert owed(supplier, shop) == D("-700.00")
    first = receipt(shop, supplier, product, "450.00")
    assert settled(first) == (D("450.00"), D("450.00"))
    second = receipt(shop, supplier, product, "300.00")
    assert settled(second) == (D("300.00"), D("250.00"))
    assert item(payment).settled_amount == D("700.00")
    assert owed(supplier, shop) == D("50.00")


def test_a_receipt_cancelled_after_payment_turns_the_payment_into_an_advance(shop, supplier, product, desk):
    fill(desk, "1000")
    document = receipt(shop, supplier, product, "600.00")
    payment = pay(shop, supplier, "600.00")
    goods_receipt_cancel(document_id=document.pk, actor=None)
    assert owed(supplier, shop) == D("-600.00")
    assert item(payment).settled_amount == D("0.00")
    allocation = PayableAllocation.objects.get()
    assert allocation.released_at is not None and allocation.amount == D("600.00")
    later = receipt(shop, supplier, product, "250.00")
    assert settled(later) == (D("250.00"), D("250.00"))
    assert item(payment).settled_amount == D("250.00")


def test_allocation_by_hand_and_its_limits(shop, supplier, product):
    old = receipt(shop, supplier, product, "100.00", day=DAY - datetime.timedelta(days=9))
    new = receipt(shop, supplier, product, "200.00")
    payment = pay(shop, supplier, "150.00", method=PaymentMethod.BANK, allocations=[(item(new).pk, D("150.00"))])
    assert payment.cash_order_id is None
    assert settled(old) == (D("100.00"), D("0.00"))
    assert settled(new) == (D("200.00"), D("150.00"))
    with pytest.raises(DomainError):
        pay(shop, supplier, "80.00", method=PaymentMethod.BANK, allocations=[(item(new).pk, D("60.00"))])
    assert SupplierPayment.objects.count() == 1
    bank = pay(shop, supplier, "80.00", method=PaymentMethod.BANK, allocations=[])
    assert item(bank).settled_amount == D("0.00")
    with pytest.raises(DomainError):
        payable_allocate(credit_id=item(bank).pk, actor=None, allocations=[(item(old).pk, D("80.01"))])
    payable_allocate(credit_id=item(bank).pk, actor=None)
    assert settled(old) == (D("100.00"), D("80.00"))
    released = payable_allocation_release(allocation_id=PayableAllocation.objects.get(credit=item(bank)).pk, actor=None)
    assert released.released_at is not None
    assert settled(old) == (D("100.00"), D("0.00"))
    assert owed(supplier, shop) == D("70.00")


def test_a_bank_payment_from_a_bank_account_moves_cash_ledger_money(shop, supplier, product):
    bank = CashLocation.objects.create(kind=LocationKind.BANK, code="BANK1", name="Bank")
    fill(bank, "5000")
    receipt(shop, supplier, product, "1000.00")
    payment = pay(shop, supplier, "1000.00", method=PaymentMethod.BANK, bank_location=bank)
    bank.refresh_from_db()
    assert bank.balance.amount == D("4000.00") and owed(supplier, shop) == D("0.00")
    supplier_payment_cancel(document_id=payment.pk, actor=None)
    bank.refresh_from_db()
    assert bank.balance.amount == D("5000.00") and owed(supplier, shop) == D("1000.00")
    assert CashOrder.objects.get(pk=payment.cash_order_id).status == DocumentStatus.CANCELLED
    assert Payable.objects.get(source_id=payment.pk, source_type=DocumentType.SUPPLIER_PAYMENT).is_cancelled


def test_cancelling_a_payment_reopens_the_debts(shop, supplier, product, desk):
    fill(desk, "1000")
    first = receipt(shop, supplier, product, "300.00", day=DAY - datetime.timedelta(days=2))
    second = receipt(shop, supplier, product, "300.00")
    payment = pay(shop, supplier, "450.00")
    assert settled(second) == (D("300.00"), D("150.00"))
    supplier_payment_cancel(document_id=payment.pk, actor=None)
    assert settled(first) == (D("300.00"), D("0.00")) and settled(second) == (D("300.00"), D("0.00"))
    desk.refresh_from_db()
    assert desk.balance.amount == D("1000.00") and owed(supplier, shop) == D("600.00")


def test_an_invoice_differing_from_its_receipt_is_flagged(shop, supplier, product):
    document = receipt(shop, supplier, product, "1000.00", supplier_invoice_number="INV-77", supplier_invoice_date=DAY)
    invoice = supplier_invoice_record(
        supplier_id=supplier.pk,
        shop_id=shop.pk,
        number="INV-77",
        invoice_date=DAY,
        amount="1012.40",
        vat_amount="108.47",
    )
    assert invoice.goods_receipt_id == document.pk
    assert (invoice.receipt_amount, invoice.difference_amount, invoice.is_flagged) == (
        D("1000.00"),
        D("12.40"),
        True,
    )
    exact = supplier_invoice_record(
        supplier_id=supplier.pk, shop_id=shop.pk, number="INV-78", invoice_date=DAY, amount="500.00"
    )
    assert exact.goods_receipt_id is None
    later = receipt(shop, supplier, product, "500.00", supplier_invoice_number="INV-78")
    exact.refresh_from_db()
    assert exact.goods_receipt_id == later.pk and exact.difference_amount == D("0.00") and not exact.is_flagged


def test_open_items_agree_with_the_ledger(shop, supplier, product, desk):
    fill(desk, "5000")
    receipt(shop, supplier, product, "111.11", day=DAY - datetime.timedelta(days=4))
    receipt(shop, supplier, product, "222.22")
    pay(shop, supplier, "150.00")
    supplier_return(shop, supplier, product, "10.01")
    pay(shop, supplier, "500.00", allocations=[])
    debts = sum(p.open_amount for p in Payable.objects.filter(side="debt"))
    credits = sum(p.open_amount for p in Payable.objects.filter(side="credit"))
    assert debts - credits == owed(supplier, shop) == D("-326.68")


def test_a_payment_in_a_closed_period_or_of_nothing_writes_nothing(shop, supplier, product, desk):
    fill(desk, "1000")
    receipt(shop, supplier, product, "100.00", day=DAY - datetime.timedelta(days=10))
    PeriodLock.objects.create(shop=None, lock_date=DAY - datetime.timedelta(days=1))
    with pytest.raises(PeriodClosed):
        pay(shop, supplier, "100.00", day=DAY - datetime.timedelta(days=2))
    with pytest.raises(DomainError):
        pay(shop, supplier, "-5.00")
    assert SupplierPayment.objects.count() == 0 and PayableAllocation.objects.count() == 0
    assert owed(supplier, shop) == D("100.00")
    desk.refresh_from_db()
    assert desk.balance.amount == D("1000.00")


def test_opening_payables_become_debts_and_advances_and_cancel_cleanly(shop, supplier, product):
    other = SupplierFactory(name="Baikal")
    document = PayablesOpening.objects.create(business_date=DAY - datetime.timedelta(days=40))
    PayablesOpeningLine.objects.bulk_create(
        [
            PayablesOpeningLine(
                document=document,
                supplier=supplier,
                shop=shop,
                amount=D("5000.00"),
                due_date=DAY - datetime.timedelta(days=35),
                document_number="RN-1",
            ),
            PayablesOpeningLine(document=document, supplier=supplier, shop=shop, amount=D("-1200.00")),
            PayablesOpeningLine(document=document, supplier=other, shop=shop, amount=D("-300.00")),
        ]
    )
    payables_opening_post(document_id=document.pk, actor=None)
    assert owed(supplier, shop) == D("3800.00") and owed(other, shop) == D("-300.00")
    debt = Payable.objects.get(supplier=supplier, side="debt")
    assert (debt.amount, debt.settled_amount, debt.document_number) == (D("5000.00"), D("1200.00"), "RN-1")
    later = receipt(shop, other, product, "500.00")
    assert settled(later) == (D("500.00"), D("300.00"))
    payables_opening_cancel(document_id=document.pk, actor=None)
    assert owed(supplier, shop) == D("0.00") and owed(other, shop) == D("500.00")
    assert settled(later) == (D("500.00"), D("0.00"))
