"""The demo's customers: bulk-seeded with cards, consents, purchases and tiers; a second run adds nothing."""

import time

import pytest
from stdnum import ean

from loyalty.choices import CardStatus
from loyalty.demo import seed_customers
from loyalty.models import AccountPurchase, Card, ConsentRecord, Customer, LoyaltyAccount, TierRun
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_customers_with_cards_consents_and_tiers():
    ShopFactory(code="01"), ShopFactory(code="02", time_zone="Asia/Aqtobe")
    began = time.monotonic()
    counts = seed_customers(count=2000)
    assert time.monotonic() - began < 30
    assert counts["customers"] == Customer.objects.count() == 2000
    assert Card.objects.filter(status=CardStatus.ACTIVE).values("account").distinct().count() == 2000
    assert Card.objects.filter(status=CardStatus.FREE).count() == 200
    assert all(ean.is_valid(n) for n in Card.objects.values_list("number", flat=True)[:500])
    assert ConsentRecord.objects.count() == 2000 and AccountPurchase.objects.count() == counts["purchases"] > 0
    assert not LoyaltyAccount.objects.filter(tier__isnull=True).exists()
    assert LoyaltyAccount.objects.filter(tier__code="gold").exists()
    assert TierRun.objects.filter(dry_run=False).count() == 2
    assert seed_customers(count=2000)["customers"] == 0
    assert Customer.objects.count() == 2000
