"""Real threads against PostgreSQL: the points ledger under contention (issue 12)."""

import uuid
from decimal import Decimal

import pytest

from inventory.services.kernel import ledger_differences
from loyalty.exceptions import PointsUnavailable
from loyalty.models import Customer, LoyaltyAccount, PointsBalance, PointsHold, PointsLedgerEntry
from loyalty.services.points import points_adjustment_create, points_hold_place, points_redeem
from tests.factories import ShopFactory
from tests.integration.test_concurrency_pg import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


def outcome(fn):
    try:
        fn()
        return "ok"
    except PointsUnavailable:
        return "short"
    except Exception as exc:  # anything else is a server error the till would see
        return f"ERROR {type(exc).__name__}: {exc}"


def account_with_100_points():
    shop = ShopFactory()
    account = LoyaltyAccount.objects.create(customer=Customer.objects.create(phone="+77010000001"))
    points_adjustment_create(actor=None, post=True, shop=shop, account=account, points=D(100), reason="start")
    return shop, account


def test_exactly_ten_of_fifty_concurrent_ten_point_redemptions_succeed():
    _shop, account = account_with_100_points()
    results = run_at_once(
        lambda i: outcome(
            lambda: points_redeem(account_id=account.pk, points=D(10), source_type="points_adjustment", source_id=i + 1)
        ),
        count=50,
    )
    assert results.count("ok") == 10 and results.count("short") == 40, results
    assert PointsBalance.objects.get(account=account).active == D(0)
    assert PointsLedgerEntry.objects.filter(account=account, kind="redemption").count() == 10
    assert ledger_differences("points")[1] == []


def test_concurrent_holds_never_reserve_more_than_the_balance():
    shop, account = account_with_100_points()
    results = run_at_once(
        lambda i: outcome(
            lambda: points_hold_place(
                account_id=account.pk, shop_id=shop.pk, till_id=i + 1, receipt_uuid=uuid.uuid4(), points=D(30)
            )
        ),
        count=20,
    )
    assert results.count("ok") == 3 and results.count("short") == 17, results
    assert sum(h.points for h in PointsHold.objects.filter(account=account)) == D(90)
