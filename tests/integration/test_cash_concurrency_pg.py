"""Real threads against PostgreSQL: the cash ledger under contention."""

from decimal import Decimal

import pytest

from cash.choices import OrderDirection, OrderReason
from cash.ledger import CASH
from cash.models import CashBalance, CashLedgerEntry, CashOrder
from cash.services import cash_order_create, cash_order_post, desk_for_shop
from inventory.choices import DocumentStatus
from inventory.exceptions import DocumentNotDraft, LedgerOverdraft
from inventory.services.kernel import ledger_differences
from tests.factories import ShopFactory, UserFactory
from tests.integration.test_concurrency_pg import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


def outcome(fn):
    try:
        fn()
        return "ok"
    except (LedgerOverdraft, DocumentNotDraft) as exc:
        return type(exc).__name__
    except Exception as exc:  # anything else is a server error the user would see
        return f"ERROR {type(exc).__name__}: {exc}"


def test_twenty_concurrent_cash_outs_of_ten_from_a_desk_holding_a_hundred():
    user = UserFactory()
    desk = desk_for_shop(ShopFactory())
    cash_order_create(direction=OrderDirection.IN, reason=OrderReason.OTHER, location=desk, amount=D("100"), post=True)
    orders = [
        cash_order_create(
            direction=OrderDirection.OUT, reason=OrderReason.OTHER, location=desk, amount=D("10"), counterparty=f"#{i}"
        )
        for i in range(20)
    ]
    results = run_at_once(lambda i: outcome(lambda: cash_order_post(document_id=orders[i].pk, actor=user)), count=20)
    assert results.count("ok") == 10 and results.count("LedgerOverdraft") == 10, results
    posted = CashOrder.objects.filter(direction=OrderDirection.OUT, status=DocumentStatus.POSTED)
    assert posted.count() == 10
    assert CashOrder.objects.filter(direction=OrderDirection.OUT, status=DocumentStatus.DRAFT).count() == 10
    assert CashBalance.objects.get(location=desk).amount == D("0.00")
    assert CashLedgerEntry.objects.filter(location=desk, amount=D("-10")).count() == 10
    assert ledger_differences(CASH)[1] == []


def test_twenty_posts_of_one_cash_order_post_it_once():
    user = UserFactory()
    desk = desk_for_shop(ShopFactory())
    order = cash_order_create(direction=OrderDirection.IN, reason=OrderReason.OTHER, location=desk, amount=D("5"))
    results = run_at_once(lambda _i: outcome(lambda: cash_order_post(document_id=order.pk, actor=user)), count=20)
    assert results.count("ok") == 1 and results.count("DocumentNotDraft") == 19, results
    assert CashBalance.objects.get(location=desk).amount == D("5.00")
    assert ledger_differences(CASH)[1] == []
