"""The stock ledger and postings lists at a year's scale: date range, exact searches, bounded queries, indexes."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import GoodsReceipt
from inventory.services import goods_receipt_post
from tests.factories import BarcodeFactory, ProductFactory, ShopFactory, SupplierFactory, stock_document

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ledgers_balanced")]
D = Decimal
LEDGER = "admin:inventory_stockledgerentry_changelist"


@pytest.fixture
def ledger(superuser):
    north, south = ShopFactory(code="01", name="North"), ShopFactory(code="02", name="South")
    milk = ProductFactory(sku="MILK-1", name="Milk 3.2%")
    BarcodeFactory(product=milk, code="5901234123457")
    bread = ProductFactory(sku="BREAD-1", name="Rye bread")
    supplier = SupplierFactory()
    documents = {}
    for day, shop in [(1, north), (10, north), (20, south)]:
        doc = stock_document(
            GoodsReceipt,
            shop=shop,
            supplier=supplier,
            business_date=datetime.date(2026, 11, day),
            lines=[
                {"product": milk, "quantity": D("2"), "price_amount": D("3")},
                {"product": bread, "quantity": D("1"), "price_amount": D("1")},
            ],
        )
        goods_receipt_post(document_id=doc.pk, actor=superuser)
        doc.refresh_from_db()
        documents[day] = doc
    return {"north": north, "south": south, "milk": milk, "bread": bread, "documents": documents, "user": superuser}


def listed(client, url_name, **params) -> list:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_ledger_date_range_replaces_the_date_hierarchy(client, ledger):
    client.force_login(ledger["user"])
    rows = listed(client, LEDGER, business_date_from="2026-11-05", business_date_to="2026-11-20")
    assert {r.business_date for r in rows} == {datetime.date(2026, 11, 10), datetime.date(2026, 11, 20)}
    assert len(rows) == 4
    assert {r.business_date for r in listed(client, LEDGER, business_date_to="2026-11-01")} == {
        datetime.date(2026, 11, 1)
    }
    page = client.get(reverse(LEDGER), {"business_date_from": "2026-11-05"}).content.decode()
    assert 'name="business_date_from" value="2026-11-05"' in page
    assert "date_hierarchy" not in page and "toplinks" not in page
    # A malformed date is Django's "bad filter" redirect, not an error page.
    response = client.get(reverse(LEDGER), {"business_date_from": "5 Nov"})
    assert response.status_code == 302 and "e=1" in response["Location"]


def test_ledger_search_is_exact_by_sku_barcode_and_document_number(client, ledger):
    client.force_login(ledger["user"])
    milk, bread = ledger["milk"], ledger["bread"]
    assert {r.product_id for r in listed(client, LEDGER, q="MILK-1")} == {milk.pk}
    assert len(listed(client, LEDGER, q="5901234123457")) == 3
    number = ledger["documents"][10].number
    rows = listed(client, LEDGER, q=number)
    assert len(rows) == 2 and {r.business_date for r in rows} == {datetime.date(2026, 11, 10)}
    # A fragment of a SKU or a number is not a code; part of a product's name is.
    assert listed(client, LEDGER, q="MILK-") == []
    assert listed(client, LEDGER, q=number[:-1]) == []
    assert {r.product_id for r in listed(client, LEDGER, q="rye")} == {bread.pk}
    # Search and filters together.
    rows = listed(client, LEDGER, q="MILK-1", shop__id__exact=ledger["south"].pk)
    assert [(r.shop_id, r.product_id) for r in rows] == [(ledger["south"].pk, milk.pk)]


def test_postings_search_by_exact_number_and_date_range(client, ledger):
    client.force_login(ledger["user"])
    url = "admin:inventory_posting_changelist"
    number = ledger["documents"][1].number
    assert [p.document_number for p in listed(client, url, q=number)] == [number]
    assert listed(client, url, q=number[:-1]) == []
    # The tests' clock stands on 2026-11-25: every posting was written that day.
    assert len(listed(client, url, created_at_from="2026-11-25", created_at_to="2026-11-25")) == 3
    assert listed(client, url, created_at_from="2026-11-26") == []


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"shop__id__exact": "1"},
        {"kind__exact": "receipt"},
        {"cost_provisional__exact": "1"},
        {"business_date_from": "2026-11-05", "business_date_to": "2026-11-30"},
        {"q": "MILK-1"},
        {"q": "5901234123457"},
        {"q": "rye"},
        {"q": "GR-01-000001"},
    ],
)
def test_ledger_list_filters_and_searches_have_a_bounded_number_of_queries(
    client, ledger, params, django_assert_max_num_queries
):
    client.force_login(ledger["user"])
    params = {k: (str(ledger["north"].pk) if k == "shop__id__exact" else v) for k, v in params.items()}
    with django_assert_max_num_queries(12):
        response = client.get(reverse(LEDGER), params)
    assert response.status_code == 200


def test_big_lists_count_at_most_a_cap_of_rows(client, ledger, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.admin_filters import CappedCountPaginator

    client.force_login(ledger["user"])
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(LEDGER))
    page = response.content.decode()
    assert ": more than 3, narrow the list with the filters" in page
    assert len(response.context["cl"].result_list) == 6
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts
    monkeypatch.setattr(CappedCountPaginator, "cap", 10)
    assert "Stock ledger: 6" in client.get(reverse(LEDGER)).content.decode()
