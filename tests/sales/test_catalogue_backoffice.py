import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.barcodes import scale_barcode_build
from inventory.models import Product, StockBalance
from inventory.services.prices import price_change_create_posted
from sales.api.serializers import CatalogueItem
from sales.models import Receipt, Till
from sales.services import till_token_issue
from tests.factories import BarcodeFactory, ProductFactory, ShopFactory, ean13
from tests.sales.conftest import sales_receipt_body as receipt_body

pytestmark = pytest.mark.django_db
D = Decimal
CATALOGUE = "/api/v1/till/catalogue/"


def pull_all(client, **params):
    items, url, pages = [], CATALOGUE, 0
    first = None
    while url:
        page = client.get(url, params if url == CATALOGUE else None).json()
        first = first or page["server_time"]
        items += page["results"]
        url, pages = page["next"], pages + 1
    return items, first, pages


def test_the_catalogue_pages_through_everything_with_the_shops_prices(till_world, django_assert_max_num_queries):
    for n in range(30):
        BarcodeFactory(product=ProductFactory(sku=f"P{n:03}"), code=ean13(n + 1000))
    client = till_world["client"]
    with django_assert_max_num_queries(4):
        page = client.get(CATALOGUE, {"page_size": 10}).json()
    assert len(page["results"]) == 10 and page["next"]
    assert set(page["results"][0]) == set(CatalogueItem().fields)  # what the schema documents
    items, _time, pages = pull_all(client, page_size=10)
    assert len(items) == Product.objects.count() == 32 and pages == 4
    milk = next(i for i in items if i["sku"] == "MILK")
    assert (milk["price"], milk["barcodes"]) == ("450.00", ["5901234123457"])
    assert next(i for i in items if i["sku"] == "P000")["price"] is None


def test_updated_since_returns_only_what_changed(till_world):
    client = till_world["client"]
    _items, since, _pages = pull_all(client)
    assert pull_all(client, updated_since=since)[0] == []
    cheese = till_world["cheese"]
    BarcodeFactory(product=cheese, code="4006381333931")
    price_change_create_posted(
        zone=till_world["shop"].price_zone,
        effective_date=timezone.localdate() + datetime.timedelta(days=3),
        prices=[(till_world["milk"].pk, D("470.00"))],
        actor=None,
    )
    changed = pull_all(client, updated_since=since)[0]
    assert {i["sku"] for i in changed} == {"CHEESE", "MILK"}
    assert next(i for i in changed if i["sku"] == "MILK")["price"] == "450.00"  # the new one is not in force yet
    bad = client.get(CATALOGUE, {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()["errors"]


def test_updated_since_with_any_offset_python_accepts_is_answered(till_world):
    """PostgreSQL refuses offsets past 15:59 that Python parses; far dates overflow in UTC: 200 or 400, never 500."""
    client = till_world["client"]
    everything = client.get(CATALOGUE, {"updated_since": "0400-01-01T00:00:00+20:00"})
    assert everything.status_code == 200 and len(everything.json()["results"]) > 0
    overflow = client.get(CATALOGUE, {"updated_since": "0001-01-01T00:00:00+05:00"})
    assert overflow.status_code == 400 and "updated_since" in overflow.json()["errors"]


def test_barcode_lookup_decodes_scale_barcodes(till_world):
    client = till_world["client"]
    found = client.get("/api/v1/till/barcodes/5901234123457/").json()
    assert (found["product"]["sku"], found["product"]["price"], found["quantity"]) == ("MILK", "450.00", None)
    weighed = client.get(f"/api/v1/till/barcodes/{scale_barcode_build(plu=42, weight_grams=1250)}/").json()
    assert (weighed["product"]["sku"], weighed["quantity"]) == ("CHEESE", "1.250")
    assert client.get("/api/v1/till/barcodes/4006381333931/").status_code == 404


@pytest.fixture
def two_shops(till_world, shop_manager):
    """Shop 07 (till_world) and shop 08, each with a receipt; the manager runs shop 07 only."""
    till_world["client"].post("/api/v1/till/receipts/", receipt_body(), format="json")
    other_shop = ShopFactory(code="08", price_zone=till_world["shop"].price_zone)
    other_till = Till.objects.create(shop=other_shop, code="T8-1", name="Till 8")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Till {till_token_issue(till=other_till)}")
    other.post("/api/v1/till/shifts/", {"opening_float": "0"}, format="json")
    assert other.post("/api/v1/till/receipts/", receipt_body(), format="json").status_code == 201
    till_world["shop"].managers.add(shop_manager)
    manager = APIClient()
    manager.force_login(shop_manager)
    return {**till_world, "other_shop": other_shop, "other_till": other_till, "manager": manager, "other": other}


def test_a_manager_sees_only_their_shops_receipts_shifts_tills_and_stock(two_shops):
    manager, shop = two_shops["manager"], two_shops["shop"]
    receipts = manager.get("/api/v1/receipts/").json()["results"]
    assert [r["shop_code"] for r in receipts] == ["07"]
    theirs = Receipt.objects.get(shop=two_shops["other_shop"])
    assert manager.get(f"/api/v1/receipts/{theirs.pk}/").status_code == 404
    ours = Receipt.objects.get(shop=shop)
    detail = manager.get(f"/api/v1/receipts/{ours.pk}/").json()
    assert detail["lines"][0]["sku"] == "MILK" and detail["payments"] == [{"type": "cash", "amount": "900.00"}]
    assert [s["till_code"] for s in manager.get("/api/v1/shifts/").json()["results"]] == ["T7-1"]
    assert [t["code"] for t in manager.get("/api/v1/tills/").json()] == ["T7-1"]
    balances = manager.get("/api/v1/stock-balances/").json()["results"]
    assert {b["shop_code"] for b in balances} == {"07"}
    assert manager.get("/api/v1/receipts/", {"shop": two_shops["other_shop"].pk}).json()["results"] == []


def test_a_till_is_refused_on_back_office_endpoints_and_on_other_shops(two_shops):
    till = two_shops["client"]
    for url in ("/api/v1/receipts/", "/api/v1/shifts/", "/api/v1/tills/", "/api/v1/stock-balances/"):
        assert till.get(url).status_code == 403, url
    other_shift = two_shops["other_till"].shifts.get()
    response = till.post(f"/api/v1/till/shifts/{other_shift.pk}/close/", {"counted_cash": "0"}, format="json")
    assert response.status_code == 404
    assert APIClient().get("/api/v1/receipts/").status_code in (401, 403)
    # A sale of shop 07 cannot be returned at shop 08's till by its UUID: it is not that till's to see.
    sale = Receipt.objects.get(shop=two_shops["shop"])
    refund = receipt_body(
        sequence=2,
        kind="return",
        original_uuid=str(sale.client_uuid),
        lines=[{"original_line_no": 1, "quantity": "1", "price": "450.00", "amount": "450.00"}],
        payments=[{"type": "cash", "amount": "450.00"}],
    )
    response = two_shops["other"].post("/api/v1/till/receipts/", refund, format="json")
    assert response.status_code == 400 and "original_uuid" in response.json()["errors"]


def test_back_office_filters_and_query_counts(two_shops, owner, django_assert_max_num_queries):
    client = APIClient()
    client.force_login(owner)
    for n in range(2, 30):
        two_shops["client"].post("/api/v1/till/receipts/", receipt_body(sequence=n), format="json")
    with django_assert_max_num_queries(6):
        page = client.get("/api/v1/receipts/", {"page_size": 100}).json()
    assert len(page["results"]) == 30
    only = client.get("/api/v1/receipts/", {"till": two_shops["other_till"].pk}).json()["results"]
    assert [r["till_code"] for r in only] == ["T8-1"]
    dated = client.get("/api/v1/receipts/", {"date_from": "2026-11-26"}).json()["results"]
    assert dated == []
    flagged = client.get("/api/v1/receipts/", {"flagged": "true"}).json()["results"]
    assert len(flagged) == 30  # all sold from empty stock
    with django_assert_max_num_queries(6):
        negative = client.get("/api/v1/stock-balances/", {"negative": "true"}).json()["results"]
    assert {(b["shop_code"], b["sku"], b["quantity"]) for b in negative} == {
        ("07", "MILK", "-58.000"),
        ("08", "MILK", "-2.000"),
    }
    assert StockBalance.objects.count() == 2
    with django_assert_max_num_queries(6):
        client.get("/api/v1/tills/")
    with django_assert_max_num_queries(6):
        client.get("/api/v1/shifts/")
