"""Real threads against PostgreSQL: one statement imported by several people at once is stored and posted
once; one card day settled by several at once is settled once."""

import datetime
from decimal import Decimal

import pytest

from cash.choices import LocationKind, OrderDirection, OrderReason
from cash.ledger import CASH
from cash.models import BankStatementLine, CashBalance, CashLocation, CashOrder
from cash.services import (
    card_settlement_create,
    cash_order_create,
    desk_for_shop,
    location_balance_ensure,
    transit_location,
)
from cash.statements import bank_statement_import
from inventory.exceptions import DomainError
from inventory.services.kernel import ledger_differences
from tests.cash.conftest import card_sales
from tests.factories import ShopFactory
from tests.integration.test_concurrency_pg import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal
DAY = datetime.date(2026, 11, 25)


def outcome(fn):
    try:
        fn()
        return "ok"
    except DomainError as exc:
        return type(exc).__name__
    except Exception as exc:  # anything else is a server error the user would see
        return f"ERROR {type(exc).__name__}: {exc}"


def _bank():
    bank = CashLocation.objects.create(kind=LocationKind.BANK, code="BANKX", name="Bank")
    location_balance_ensure(bank)
    return bank


def test_one_statement_imported_by_five_at_once_is_stored_and_posted_once():
    desk = desk_for_shop(ShopFactory())
    bank = _bank()
    cash_order_create(direction="in", reason="other", location=desk, amount=D("1000"), business_date=DAY, post=True)
    cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.ENCASHMENT,
        location=desk,
        counter_location=transit_location(),
        amount=D("400"),
        business_date=DAY,
        post=True,
    )
    data = (
        f"Date;Amount;Purpose;Counterparty\n{DAY:%d.%m.%Y};400,00;Bag;Collector\n{DAY:%d.%m.%Y};-5;Fee;Bank\n".encode()
    )
    results = run_at_once(
        lambda _i: outcome(lambda: bank_statement_import(bank_account_id=bank.pk, data=data, file_name="s.csv")),
        count=5,
    )
    assert all(r in ("ok", "DomainError") for r in results) and "ok" in results, results
    assert BankStatementLine.objects.count() == 2
    assert CashOrder.objects.filter(reason=OrderReason.BANK_CREDIT, status="posted").count() == 1
    assert CashBalance.objects.get(location=bank).amount == D("400.00")
    assert ledger_differences(CASH)[1] == []


def test_one_card_day_settled_by_ten_at_once_is_settled_once():
    shop = ShopFactory()
    bank = _bank()
    card_sales(shop, "1000.00", day=DAY)
    results = run_at_once(
        lambda _i: outcome(
            lambda: card_settlement_create(
                acquirer_id=CashLocation.objects.get(kind=LocationKind.CARD).pk,
                bank_id=bank.pk,
                takings_date=DAY,
                business_date=DAY,
            )
        ),
        count=10,
    )
    assert results.count("ok") == 1 and results.count("DomainError") == 9, results
    assert CashBalance.objects.get(location=bank).amount == D("1000.00")
    assert ledger_differences(CASH)[1] == []
