import datetime
import uuid
from decimal import Decimal

import pytest

from inventory.services.kernel import ledger_differences
from inventory.services.prices import price_change_create_posted
from loyalty.choices import CardStatus
from loyalty.models import Card, Customer, LoyaltyAccount, PointsBalance, Tier
from loyalty.services.points import points_adjustment_create
from tests.factories import BarcodeFactory, ProductFactory
from tests.sales.conftest import till_world  # noqa: F401  (the till, its shop, milk at 450.00)

D = Decimal
CARD = "2000000000015"
PHONE = "+77011234567"


@pytest.fixture
def loyal(till_world):  # noqa: F811
    """A Silver customer (5% earned, up to 30% payable with points) with a card, at the till of shop 07."""
    silver = Tier.objects.create(code="silver", name="Silver", rank=0, accrual_percent=5, max_redeem_percent=30)
    customer = Customer.objects.create(phone=PHONE, name="Aigerim")
    account = LoyaltyAccount.objects.create(customer=customer, tier=silver)
    Card.objects.create(number=CARD, status=CardStatus.ACTIVE, account=account)
    tobacco = ProductFactory(sku="TOBACCO", excluded_from_discounts=True)
    BarcodeFactory(product=tobacco, code="4600000000017")
    price_change_create_posted(
        zone=till_world["shop"].price_zone,
        effective_date=datetime.date(2020, 1, 1),
        prices=[(tobacco.pk, D("1000.00"))],
        actor=None,
    )
    yield {**till_world, "account": account, "customer": customer, "tier": silver, "tobacco": tobacco}
    assert ledger_differences("points")[1] == []


def give(world, points, *, expires_on=None, kind="adjustment"):
    """Spendable points by a posted adjustment (the owner's: no limit)."""
    return points_adjustment_create(
        actor=None,
        post=True,
        shop=world["shop"],
        account=world["account"],
        points=D(points),
        reason="test",
        kind=kind,
        expires_on=expires_on,
    )


def balance(world) -> tuple:
    row = PointsBalance.objects.filter(account=world["account"]).first()
    return (row.active, row.pending, row.debt) if row else (D(0), D(0), D(0))


MILK = {"barcode": "5901234123457", "quantity": "2", "price": "450.00", "amount": "900.00"}
MILK_ONE = {"barcode": "5901234123457", "quantity": "1", "price": "450.00", "amount": "450.00"}
TOBACCO = {"barcode": "4600000000017", "quantity": "1", "price": "1000.00", "amount": "1000.00"}


def sale(sequence, *, lines=(MILK,), cash=None, points="0", card=CARD, phone="", till_time=None, uid=None):
    total = sum(D(line["amount"]) for line in lines)
    payments = []
    if D(points):
        payments.append({"type": "points", "amount": f"{D(points):.2f}"})
    rest = total - D(points) if cash is None else D(cash)
    if rest:
        payments.append({"type": "cash", "amount": f"{rest:.2f}"})
    body = {
        "uuid": uid or str(uuid.uuid4()),
        "sequence": sequence,
        "till_time": till_time or "2026-11-25T10:15:00+05:00",
        "lines": list(lines),
        "payments": payments,
    }
    if card:
        body["card_number"] = card
    if phone:
        body["phone"] = phone
    return body


def refund(sequence, original_uuid, *, lines, points="0", till_time=None):
    total = sum(D(line["amount"]) for line in lines)
    payments = []
    if D(points):
        payments.append({"type": "points", "amount": f"{D(points):.2f}"})
    if total - D(points):
        payments.append({"type": "cash", "amount": f"{total - D(points):.2f}"})
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": sequence,
        "kind": "return",
        "original_uuid": original_uuid,
        "till_time": till_time or "2026-11-25T12:00:00+05:00",
        "lines": list(lines),
        "payments": payments,
    }
