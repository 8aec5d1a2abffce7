"""Real threads on PostgreSQL: the same receipt uploaded at once posts once."""

import datetime
import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import StockLedgerEntry
from inventory.services.checks import stock_ledger_differences
from sales.models import Receipt, Shift, Till
from sales.services import shift_open, till_token_issue
from tests.factories import BarcodeFactory, PriceZoneFactory, ProductFactory, ShopFactory
from tests.integration.test_concurrency_pg import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_copies_of_one_receipt_at_once_post_it_once():
    shop = ShopFactory(price_zone=PriceZoneFactory(code="Z1"))
    products = [ProductFactory() for _ in range(5)]
    for n, product in enumerate(products):
        BarcodeFactory(product=product, code=f"99CODE{n}")
    till = Till.objects.create(shop=shop, code="T1", name="Till")
    token = till_token_issue(till=till)
    shift_open(till=till, opening_float=Decimal("0"))
    body = {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "till_time": datetime.datetime(2026, 11, 25, 10, tzinfo=datetime.UTC).isoformat(),
        "lines": [{"barcode": f"99CODE{n}", "quantity": "1", "price": "10.00", "amount": "10.00"} for n in range(5)],
        "payments": [{"type": "cash", "amount": "50.00"}],
    }

    def upload(_i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Till {token}")
        return client.post("/api/v1/till/receipts/", body, format="json").status_code

    codes = run_at_once(upload, count=10)
    assert sorted(codes) == [200] * 9 + [201]
    assert Receipt.objects.count() == 1
    assert StockLedgerEntry.objects.filter(source_type="receipt").count() == 5
    assert Shift.objects.get().receipts_count == 1
    assert stock_ledger_differences()[1] == []
