"""Aging at any date and the payment calendar, against hand-computed figures and the ledger."""

import datetime
from decimal import Decimal

import pytest

from cash.choices import LocationKind
from cash.models import CashLocation
from purchasing.models import PaymentMethod
from purchasing.services.settlements import supplier_payment_create
from purchasing.settlement_selectors import aging, payables_balance_at, payment_calendar
from tests.factories import ShopFactory, SupplierFactory

from .conftest import DAY, fill, receipt

D = Decimal
pytestmark = pytest.mark.usefixtures("ledgers_balanced")


def days_ago(n):
    return DAY - datetime.timedelta(days=n)


@pytest.fixture
def book(shop, supplier, product, desk):
    """Deferral 10 days. Receipts of 100 (due in 5 days), 200 (due 3 days ago), 300 (due 20 days ago),
    400 (due 40 days ago); a payment of 450 on DAY settles the 400 and 50 of the 300."""
    fill(desk, "1000")
    receipt(shop, supplier, product, "400.00", day=days_ago(50))
    receipt(shop, supplier, product, "300.00", day=days_ago(30))
    receipt(shop, supplier, product, "200.00", day=days_ago(13))
    receipt(shop, supplier, product, "100.00", day=days_ago(5))
    supplier_payment_create(supplier=supplier, shop=shop, amount=D("450.00"), business_date=DAY, post=True)


def test_aging_today_buckets_by_days_past_due(book, shop, supplier):
    (row,) = aging(on=DAY)
    assert (row.supplier_id, row.shop_id) == (supplier.pk, shop.pk)
    assert (row.not_due, row.days_1_7, row.days_8_30, row.days_31_plus, row.advance) == (
        D("100.00"),
        D("200.00"),
        D("250.00"),
        D("0.00"),
        D("0.00"),
    )
    assert row.total == payables_balance_at(on=DAY)[(supplier.pk, shop.pk)] == D("550.00")


def test_aging_at_an_earlier_date_ignores_what_came_later(book, shop, supplier):
    (row,) = aging(on=days_ago(1))
    # The payment was not made yet; the 100 was received but not due; the 200 due 2 days before.
    assert (row.not_due, row.days_1_7, row.days_8_30, row.days_31_plus) == (
        D("100.00"),
        D("200.00"),
        D("300.00"),
        D("400.00"),
    )
    assert row.total == payables_balance_at(on=days_ago(1))[(supplier.pk, shop.pk)] == D("1000.00")
    assert aging(on=days_ago(60)) == []


def test_an_advance_shows_and_other_shops_are_scoped_out(book, shop, product):
    other_shop, other = ShopFactory(code="09"), SupplierFactory(name="Zeta")
    bank = CashLocation.objects.create(kind=LocationKind.BANK, code="B1", name="Bank")
    fill(bank, "5000")
    supplier_payment_create(
        supplier=other, shop=other_shop, amount=D("70.00"), method=PaymentMethod.BANK, bank_location=bank, post=True
    )
    rows = aging(on=DAY)
    assert [(r.supplier_name, r.advance, r.total) for r in rows] == [
        ("Arman Foods", D("0.00"), D("550.00")),
        ("Zeta", D("70.00"), D("-70.00")),
    ]
    assert [r.supplier_name for r in aging(on=DAY, shop_ids=[shop.pk])] == ["Arman Foods"]


def test_the_payment_calendar_lists_each_days_dues_with_the_money_held(book, shop, desk):
    bank = CashLocation.objects.create(kind=LocationKind.BANK, code="B1", name="Bank")
    fill(bank, "2500.50")
    calendar = payment_calendar(start=DAY, days=14)
    assert calendar.overdue.rows == [("Arman Foods", "07", D("450.00"))]
    due = [(d.day, d.rows) for d in calendar.days if d.rows]
    assert due == [(DAY + datetime.timedelta(days=5), [("Arman Foods", "07", D("100.00"))])]
    assert calendar.desks == {"07": D("550.00")} and calendar.bank == D("2500.50")
    assert calendar.total_due == D("550.00")
    with pytest.raises(ValueError):
        payment_calendar(start=DAY, days=1000)
