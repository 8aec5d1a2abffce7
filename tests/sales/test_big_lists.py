"""The receipts lists at a year's scale: exact searches, a date range, bounded queries, indexes."""

import uuid

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from sales.models import Receipt
from tests.factories import BarcodeFactory, ProductFactory
from tests.sales.conftest import sales_receipt_body

RECEIPTS = "admin:sales_receipt_changelist"
FLAGGED = "admin:sales_flaggedreceipt_changelist"


@pytest.fixture
def receipts(till_world):
    bread = ProductFactory(sku="BREAD-1", name="Rye bread")
    BarcodeFactory(product=bread, code="4601234567893")
    uuids = [uuid.uuid4() for _ in range(4)]
    bodies = [
        sales_receipt_body(uuid=str(uuids[0]), sequence=1, card_number="7700123", fiscal_sign="FS-1"),
        sales_receipt_body(uuid=str(uuids[1]), sequence=2, till_time="2026-11-24T10:00:00+05:00"),
        sales_receipt_body(
            uuid=str(uuids[2]),
            sequence=3,
            till_time="2026-11-20T10:00:00+05:00",
            lines=[{"barcode": "4601234567893", "quantity": "1", "price": "100.00", "amount": "100.00"}],
            payments=[{"type": "cash", "amount": "100.00"}],
        ),
        sales_receipt_body(uuid=str(uuids[3]), sequence=4, card_number="7700999"),
    ]
    for body in bodies:
        assert till_world["client"].post("/api/v1/till/receipts/", body, format="json").status_code == 201
    return {**till_world, "uuids": uuids, "bread": bread}


def listed(client, url_name, **params) -> list[int]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return [r.sequence for r in response.context["cl"].result_list]


@pytest.mark.parametrize("url_name", [RECEIPTS, FLAGGED])
def test_receipts_are_searched_exactly(client, superuser, receipts, url_name):
    client.force_login(superuser)
    assert listed(client, url_name, q=str(receipts["uuids"][1])) == [2]
    assert listed(client, url_name, q="T7-1/3") == [3]
    assert listed(client, url_name, q="T7-1/99") == []
    assert listed(client, url_name, q="7700123") == [1]
    assert listed(client, url_name, q="FS-1") == [1]
    assert listed(client, url_name, q="4601234567893") == [3]  # the receipts with that product
    assert listed(client, url_name, q="BREAD-1") == [3]
    assert sorted(listed(client, url_name, q="5901234123457")) == [1, 2, 4]
    # Fragments are not codes: no substring scan.
    assert listed(client, url_name, q="7700") == []
    assert listed(client, url_name, q=str(receipts["uuids"][1])[:8]) == []


def test_receipts_date_range(client, superuser, receipts):
    client.force_login(superuser)
    assert listed(client, RECEIPTS, business_date_from="2026-11-21", business_date_to="2026-11-24") == [2]
    assert listed(client, RECEIPTS, business_date_to="2026-11-20") == [3]
    assert listed(client, RECEIPTS) == [4, 1, 2, 3]  # newest till time first
    assert client.get(reverse(RECEIPTS), {"business_date_to": "yesterday"}).status_code == 302


@pytest.mark.parametrize("url_name", [RECEIPTS, FLAGGED])
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"shop__id__exact": "shop"},
        {"till__id__exact": "till"},
        {"kind__exact": "sale"},
        {"negative_stock__exact": "1"},
        {"business_date_from": "2026-11-01", "business_date_to": "2026-11-30"},
        {"q": "T7-1/3"},
        {"q": "5901234123457"},
        {"q": "7700123"},
    ],
)
def test_receipt_lists_have_a_bounded_number_of_queries(
    client, superuser, receipts, url_name, params, django_assert_max_num_queries
):
    client.force_login(superuser)
    ids = {"shop": str(receipts["shop"].pk), "till": str(receipts["till"].pk)}
    params = {k: ids.get(v, v) for k, v in params.items()}
    with django_assert_max_num_queries(14):
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200 and response.context["cl"].result_list


@pytest.mark.parametrize("params", [{}, {"flagged": "true"}, {"card_number": "7700123"}, {"shop": "shop"}])
def test_receipts_api_pages_have_a_bounded_number_of_queries(
    superuser, receipts, params, django_assert_max_num_queries
):
    client = APIClient()
    client.force_login(superuser)
    params = {k: (str(receipts["shop"].pk) if v == "shop" else v) for k, v in params.items()}
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/receipts/", params)
    assert response.status_code == 200 and response.json()["results"]


@pytest.mark.postgres
@pytest.mark.parametrize("params", [{}, {"shop__id__exact": "shop"}, {"till__id__exact": "till"}])
def test_receipts_page_one_reads_an_index_in_the_lists_order(superuser, receipts, params):
    template = Receipt.objects.get(sequence=1)
    Receipt.objects.bulk_create(
        [
            Receipt(
                till_id=template.till_id,
                shop_id=template.shop_id,
                shift_id=template.shift_id,
                client_uuid=uuid.uuid4(),
                sequence=100 + n,
                till_time=template.till_time.replace(hour=n % 20),
                business_date=template.business_date,
                total_amount=template.total_amount,
                payload_hash="x",
            )
            for n in range(10000)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Receipt._meta.db_table}")
    ids = {"shop": str(receipts["shop"].pk), "till": str(receipts["till"].pk)}
    request = RequestFactory().get("/", {k: ids.get(v, v) for k, v in params.items()})
    request.user = superuser
    queryset = site._registry[Receipt].get_changelist_instance(request).get_queryset(request)
    plan = queryset[:101].explain()
    assert f"Seq Scan on {Receipt._meta.db_table}" not in plan, plan
    assert "Index Scan Backward using receipt_" in plan, plan


def test_the_sales_report_streams_its_rows_and_totals_them_in_the_database(receipts):
    import datetime
    import types
    from decimal import Decimal

    from sales.models import ReceiptLine
    from sales.selectors import sales_by_product_rows, sales_by_product_totals

    period = {
        "shop_ids": [receipts["shop"].pk],
        "date_from": datetime.date(2026, 11, 1),
        "date_to": datetime.date(2026, 11, 30),
    }
    stream = sales_by_product_rows(**period)
    assert isinstance(stream, types.GeneratorType)  # rows come from a cursor in chunks, not a list
    rows = list(stream)
    assert [(r["sku"], r["quantity"], r["revenue"]) for r in rows] == [
        ("BREAD-1", Decimal("1.000"), Decimal("100.00")),
        ("MILK", Decimal("6.000"), Decimal("2700.00")),
    ]
    assert sum((r["revenue"] for r in rows), Decimal(0)) == sum(
        (line.amount for line in ReceiptLine.objects.all()), Decimal(0)
    )
    totals = sales_by_product_totals(**period)
    assert totals["rows"] == 2
    for key in ("revenue", "cost", "margin"):
        assert totals[key] == sum((r[key] for r in rows), Decimal(0))
