"""Card settlements: a day's card takings move to the bank less the acquirer's fee; the fee is an expense."""

import datetime
from decimal import Decimal

import pytest

from cash.choices import CashMovementKind, OrderReason
from cash.models import CashLedgerEntry, CashOrder
from cash.selectors import card_takings_open
from cash.services import card_settlement_create, cash_order_cancel
from inventory.choices import DocumentStatus, DocumentType
from inventory.exceptions import DomainError, PeriodClosed
from inventory.models import PeriodLock

from .conftest import DAY, balance, card_sales

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")
NEXT_DAY = DAY + datetime.timedelta(days=1)


def test_a_settlement_moves_the_takings_less_the_fee_and_books_the_fee(shop, acquirer, bank, owner):
    card_sales(shop, "6000.00")
    card_sales(shop, "4000.00")
    card_sales(shop, "-500.00")  # a card refund the same day
    order = card_settlement_create(
        acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=NEXT_DAY, actor=owner
    )
    # 9,500.00 taken; 1.80 % is 171.00; the bank gets 9,329.00
    assert order.status == DocumentStatus.POSTED and order.reason == OrderReason.CARD_SETTLEMENT
    assert (order.amount, order.fee_amount, order.net_amount) == (D("9500.00"), D("171.00"), D("9329.00"))
    assert balance(acquirer) == D("0.00") and balance(bank) == D("9329.00")
    rows = sorted(
        CashLedgerEntry.objects.filter(source_type=DocumentType.CASH_ORDER, source_id=order.pk).values_list(
            "location__code", "kind", "amount"
        )
    )
    assert rows == [
        ("BANK1", CashMovementKind.ORDER_IN, D("9329.00")),
        ("CARD", CashMovementKind.ACQUIRER_FEE, D("-171.00")),
        ("CARD", CashMovementKind.ORDER_OUT, D("-9329.00")),
    ]
    assert order.category.name == "Acquirer fees"
    assert card_takings_open(date_from=DAY, date_to=DAY) == []


def test_the_fee_rounds_half_up_and_can_be_given(shop, acquirer, bank):
    card_sales(shop, "1234.25")  # 1.8 % = 22.2165 -> 22.22
    order = card_settlement_create(acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY)
    assert order.fee_amount == D("22.22") and balance(bank) == D("1212.03")
    cash_order_cancel(document_id=order.pk, actor=None)
    assert balance(acquirer) == D("1234.25") and balance(bank) == D("0.00")
    again = card_settlement_create(
        acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY, fee_amount=D("20.00")
    )
    assert balance(bank) == D("1214.25") and again.fee_amount == D("20.00")


def test_a_day_is_settled_once(shop, acquirer, bank):
    card_sales(shop, "100.00")
    card_settlement_create(acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY)
    with pytest.raises(DomainError, match="settled already"):
        card_settlement_create(
            acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY, amount=D("1.00")
        )
    assert CashOrder.objects.filter(reason=OrderReason.CARD_SETTLEMENT).count() == 1


def test_a_day_without_takings_or_a_fee_too_big_is_refused_and_writes_nothing(shop, acquirer, bank):
    with pytest.raises(DomainError, match="took no card payments"):
        card_settlement_create(acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY)
    card_sales(shop, "100.00")
    with pytest.raises(DomainError):
        card_settlement_create(
            acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY, fee_amount=D("100.00")
        )
    with pytest.raises(DomainError):  # into a location that is not a bank account
        card_settlement_create(acquirer_id=acquirer.pk, bank_id=acquirer.pk, takings_date=DAY, business_date=DAY)
    assert not CashOrder.objects.exists() and not CashLedgerEntry.objects.filter(location=bank).exists()
    assert balance(acquirer) == D("100.00")


def test_a_settlement_in_a_closed_period_is_refused(shop, acquirer, bank):
    card_sales(shop, "100.00")
    PeriodLock.objects.create(lock_date=DAY)
    with pytest.raises(PeriodClosed):
        card_settlement_create(acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY, business_date=DAY)
    assert not CashOrder.objects.exists()


def test_open_card_takings_list_each_unsettled_day(shop, acquirer, bank):
    card_sales(shop, "100.00", day=DAY - datetime.timedelta(days=2))
    card_sales(shop, "250.00", day=DAY)
    card_settlement_create(
        acquirer_id=acquirer.pk, bank_id=bank.pk, takings_date=DAY - datetime.timedelta(days=2), business_date=DAY
    )
    assert card_takings_open(date_from=DAY - datetime.timedelta(days=10), date_to=DAY) == [
        {"location_id": acquirer.pk, "day": DAY, "gross": D("250.00")}
    ]
