import datetime
import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.services.checks import stock_ledger_differences
from inventory.services.prices import price_change_create_posted
from sales.models import Till
from sales.services import till_token_issue
from tests.factories import BarcodeFactory, PriceZoneFactory, ProductFactory, ShopFactory

D = Decimal


@pytest.fixture
def till_world(db):
    zone = PriceZoneFactory(code="Z1")
    shop = ShopFactory(code="07", price_zone=zone, negative_stock_allowed=False)
    milk = ProductFactory(sku="MILK")
    BarcodeFactory(product=milk, code="5901234123457")
    cheese = ProductFactory(sku="CHEESE", is_weighted=True, plu=42, unit="kg")
    price_change_create_posted(
        zone=zone,
        effective_date=datetime.date(2020, 1, 1),
        prices=[(milk.pk, D("450.00")), (cheese.pk, D("3000.00"))],
        actor=None,
    )
    till = Till.objects.create(shop=shop, code="T7-1", name="Till 1")
    token = till_token_issue(till=till)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Till {token}")
    client.post("/api/v1/till/shifts/", {"opening_float": "5000.00", "cashier": "Aigerim"}, format="json")
    yield {"shop": shop, "milk": milk, "cheese": cheese, "till": till, "token": token, "client": client}
    assert stock_ledger_differences()[1] == []


def sales_receipt_body(**overrides):
    body = {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "till_time": "2026-11-25T10:15:00+05:00",
        "lines": [{"barcode": "5901234123457", "quantity": "2", "price": "450.00", "amount": "900.00"}],
        "payments": [{"type": "cash", "amount": "900.00"}],
    }
    body.update(overrides)
    return body
