import datetime
from decimal import Decimal

import pytest

from cash.choices import LocationKind, OrderDirection, OrderReason
from cash.ledger import CASH
from cash.models import CashLocation, ExpenseCategory
from cash.services import cash_order_create, desk_for_shop
from inventory.services.kernel import ledger_differences
from tests.factories import ShopFactory
from tests.sales.conftest import till_world  # noqa: F401  (the till fixture, for the till cash tests)

D = Decimal
DAY = datetime.date(2026, 11, 25)


@pytest.fixture
def cash_balanced(db):
    """After the test, every cash balance equals the sum of its ledger rows."""
    yield
    _checked, differences = ledger_differences(CASH)
    assert differences == []


@pytest.fixture
def shop(db):
    return ShopFactory(code="07")


@pytest.fixture
def desk(shop):
    return desk_for_shop(shop)


@pytest.fixture
def bank(db):
    from cash.services import location_balance_ensure

    location = CashLocation.objects.create(kind=LocationKind.BANK, code="BANK1", name="Bank account")
    location_balance_ensure(location)
    return location


@pytest.fixture
def rent(db):
    return ExpenseCategory.objects.add_root({"name": "Rent"})


def balance(location) -> Decimal:
    location.refresh_from_db()
    return location.balance.amount


def fill(location, amount, *, actor=None, day=DAY):
    """Bring cash into a location with a posted incoming order (other income)."""
    return cash_order_create(
        direction=OrderDirection.IN,
        reason=OrderReason.OTHER,
        location=location,
        amount=D(amount),
        counterparty="Owner",
        business_date=day,
        actor=actor,
        post=True,
    )


_receipt_ids = iter(range(900_000, 10_000_000))


def card_sales(shop, amount, *, day=DAY, till_id=501):
    """Card payments of a till receipt (as sales posts them): into the till's acquirer (the default one)."""
    from django.db import transaction

    from cash.services import receipts_cash_write
    from inventory.choices import DocumentType, PostingAction
    from inventory.services.kernel import posting_create

    receipt_id = next(_receipt_ids)
    with transaction.atomic():
        posting = posting_create(
            document_type=DocumentType.RECEIPT,
            document_id=receipt_id,
            number=f"R-{receipt_id}",
            action=PostingAction.POST,
        )
        receipts_cash_write(
            till_id=till_id,
            shop_id=shop.pk,
            till_code=f"T{till_id}",
            receipts=[(receipt_id, posting.pk, day, D(amount) < 0, [("card", abs(D(amount)))])],
        )


@pytest.fixture
def acquirer(db):
    from cash.services import default_acquirer

    card = default_acquirer()
    card.fee_percent = D("1.80")
    card.save()
    return card


def cash_sale(shop, amount, *, day=DAY, till_id=501):
    """Cash payment of a till receipt (as sales posts it): into the till's drawer."""
    from django.db import transaction

    from cash.services import receipts_cash_write
    from inventory.choices import DocumentType, PostingAction
    from inventory.services.kernel import posting_create

    receipt_id = next(_receipt_ids)
    with transaction.atomic():
        posting = posting_create(
            document_type=DocumentType.RECEIPT,
            document_id=receipt_id,
            number=f"R-{receipt_id}",
            action=PostingAction.POST,
        )
        receipts_cash_write(
            till_id=till_id,
            shop_id=shop.pk,
            till_code=f"T{till_id}",
            receipts=[(receipt_id, posting.pk, day, False, [("cash", D(amount))])],
        )


_shift_ids = iter(range(700_000, 10_000_000))


def shift_close(shop, *, cashier, counted, day=DAY, till_id=501):
    """Close a shift with `counted` cash in the drawer: the difference is the cashier's."""
    from django.db import transaction

    from cash.services import shift_cash_close

    shift_id = next(_shift_ids)
    with transaction.atomic():
        return shift_cash_close(
            till_id=till_id,
            shop=shop,
            till_code=f"T{till_id}",
            shift_id=shift_id,
            shift_label=f"T{till_id}/{shift_id}",
            cashier_name=cashier,
            counted_amount=D(counted),
            business_date=day,
        )
