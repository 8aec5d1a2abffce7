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


def _till_client(till) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Till {till_token_issue(till=till)}")
    return client


def _receipt(sequence: int, codes: list[str]) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": sequence,
        "till_time": datetime.datetime(2026, 11, 25, 10, tzinfo=datetime.UTC).isoformat(),
        "lines": [{"barcode": c, "quantity": "1", "price": "10.00", "amount": "10.00"} for c in codes],
        "payments": [{"type": "card", "amount": f"{10 * len(codes)}.00"}],
    }


def test_five_copies_of_a_200_receipt_batch_at_once_leave_200_receipts():
    shop = ShopFactory(price_zone=PriceZoneFactory(code="Z1"))
    codes = []
    for n in range(20):
        BarcodeFactory(product=ProductFactory(), code=f"99B{n}")
        codes.append(f"99B{n}")
    till = Till.objects.create(shop=shop, code="T1", name="Till")
    shift_open(till=till, opening_float=Decimal("0"))
    batch = {"receipts": [_receipt(n, codes[n % 20 : n % 20 + 5] or codes[:5]) for n in range(1, 201)]}
    lines = sum(len(r["lines"]) for r in batch["receipts"])

    def upload(_i):
        response = _till_client(till).post("/api/v1/till/receipts/batch/", batch, format="json")
        return response.status_code, response.json()

    answers = run_at_once(upload, count=5)
    assert [code for code, _body in answers] == [200] * 5
    assert sorted(body["created"] for _code, body in answers) == [0, 0, 0, 0, 200]
    assert all(body["duplicate"] == 200 for _code, body in answers if body["created"] == 0)
    assert Receipt.objects.count() == 200
    assert StockLedgerEntry.objects.filter(source_type="receipt").count() == lines
    assert Shift.objects.get().receipts_count == 200
    assert stock_ledger_differences()[1] == []


def test_twenty_tills_posting_overlapping_products_at_once_never_deadlock():
    zone = PriceZoneFactory(code="Z1")
    shop = ShopFactory(price_zone=zone)
    codes = []
    for n in range(12):
        BarcodeFactory(product=ProductFactory(), code=f"99O{n}")
        codes.append(f"99O{n}")
    tills = []
    for n in range(20):
        till = Till.objects.create(shop=shop, code=f"T{n}", name=f"Till {n}")
        shift_open(till=till, opening_float=Decimal("0"))
        tills.append(till)

    def upload(i):
        client = _till_client(tills[i])
        # Each till's receipts name the products in a different order: lock order is ours to keep.
        order = codes[i % 12 :] + codes[: i % 12]
        batch = {"receipts": [_receipt(n, list(reversed(order[:6])) if n % 2 else order[:6]) for n in range(1, 21)]}
        return client.post("/api/v1/till/receipts/batch/", batch, format="json").json()["created"]

    assert run_at_once(upload, count=20) == [20] * 20
    assert Receipt.objects.count() == 400
    assert StockLedgerEntry.objects.filter(source_type="receipt").count() == 400 * 6
    assert stock_ledger_differences()[1] == []


def test_eight_tills_taking_back_the_same_sold_unit_at_once_take_it_back_once():
    """Breaks if the original sale is not locked (`_originals_locked`): every till reads 'nothing returned yet'."""
    from sales.models import ReceiptLine

    shop = ShopFactory(price_zone=PriceZoneFactory(code="Z1"))
    BarcodeFactory(product=ProductFactory(), code="99RET")
    tills = []
    for n in range(8):
        till = Till.objects.create(shop=shop, code=f"T{n}", name=f"Till {n}")
        shift_open(till=till, opening_float=Decimal("0"))
        tills.append(till)
    clients = [_till_client(till) for till in tills]
    sale = _receipt(1, ["99RET"])
    assert clients[0].post("/api/v1/till/receipts/", sale, format="json").status_code == 201

    def take_back(i):
        body = {
            **_receipt(2, []),
            "kind": "return",
            "original_uuid": sale["uuid"],
            "lines": [{"original_line_no": 1, "quantity": "1", "price": "10.00", "amount": "10.00"}],
            "payments": [{"type": "cash", "amount": "10.00"}],
        }
        return clients[i].post("/api/v1/till/receipts/", body, format="json").status_code

    assert sorted(run_at_once(take_back, count=8)) == [201] + [400] * 7
    assert ReceiptLine.objects.filter(original_line__isnull=False).count() == 1
    assert StockLedgerEntry.objects.filter(kind="sale_return").count() == 1
    assert stock_ledger_differences()[1] == []
