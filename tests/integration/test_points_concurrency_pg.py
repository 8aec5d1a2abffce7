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


def test_fifty_tills_paying_ten_points_each_from_one_account_at_once_ten_succeed():
    import datetime

    from inventory.services.prices import price_change_create_posted
    from loyalty.choices import CardStatus
    from loyalty.models import Card, ReceiptPoints, Tier
    from sales.models import Till
    from sales.services import receipts_ingest, shift_open
    from tests.factories import BarcodeFactory, PriceZoneFactory, ProductFactory

    zone = PriceZoneFactory(code="ZP")
    shop = ShopFactory(price_zone=zone)
    milk = ProductFactory()
    BarcodeFactory(product=milk, code="5901234123457")
    price_change_create_posted(
        zone=zone, effective_date=datetime.date(2020, 1, 1), prices=[(milk.pk, D("100.00"))], actor=None
    )
    tier = Tier.objects.create(code="s", name="S", rank=0, accrual_percent=0, max_redeem_percent=50)
    account = LoyaltyAccount.objects.create(customer=Customer.objects.create(phone="+77010000002"), tier=tier)
    Card.objects.create(number="2000000000015", status=CardStatus.ACTIVE, account=account)
    points_adjustment_create(actor=None, post=True, shop=shop, account=account, points=D(100), reason="start")
    tills = []
    for n in range(50):
        till = Till.objects.create(shop=shop, code=f"P{n}", name=f"Till {n}")
        shift_open(till=till, opening_float=D("0"))
        tills.append(till)

    def pay(i):
        body = {
            "uuid": str(uuid.uuid4()),
            "sequence": 1,
            "till_time": "2026-11-25T10:15:00+05:00",
            "card_number": "2000000000015",
            "lines": [{"barcode": "5901234123457", "quantity": "1", "price": "100.00", "amount": "100.00"}],
            "payments": [{"type": "points", "amount": "10.00"}, {"type": "cash", "amount": "90.00"}],
        }
        (result,) = receipts_ingest(till=tills[i], bodies=[body])
        return result.status if result.status != "rejected" else "rejected: " + ";".join(result.errors)

    results = run_at_once(pay, count=50)
    assert results.count("created") == 10 and results.count("rejected: payments") == 40, results
    assert PointsBalance.objects.get(account=account).active == D(0)
    assert ReceiptPoints.objects.filter(account=account, paid=D(10)).count() == 10
    assert ledger_differences("points")[1] == []
