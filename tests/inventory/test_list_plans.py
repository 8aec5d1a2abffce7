"""The big lists' first page reads an index in the list's order (PostgreSQL plans, analysed statistics).

Rows are written straight to the table: the plan is the point, not their sense (this module
does not check ledgers against balances).
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test import RequestFactory

from inventory.models import Posting, StockLedgerEntry
from tests.factories import ProductFactory, ShopFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
D = Decimal


def _seed_ledger_rows(shop, products, count: int) -> None:
    """`count` ledger rows written straight to the table (the list's plan is the point, not their sense)."""
    posting = Posting.objects.create(document_type="goods_receipt", document_id=1, document_number="X", action="post")
    start = datetime.date(2025, 1, 1)
    StockLedgerEntry.objects.bulk_create(
        [
            StockLedgerEntry(
                shop=shop,
                product=products[n % len(products)],
                quantity=D("0"),
                cost_amount=D("0"),
                kind="receipt",
                business_date=start + datetime.timedelta(days=n % 365),
                source_type="goods_receipt",
                source_id=1,
                source_line_id=10**9 + n,
                posting=posting,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )


@pytest.mark.parametrize("params", [{}, {"shop__id__exact": None}, {"kind__exact": "receipt"}])
def test_ledger_page_one_reads_an_index_in_the_lists_order(superuser, params):
    shops = [ShopFactory() for _ in range(2)]
    products = [ProductFactory() for _ in range(20)]
    for shop in shops:
        _seed_ledger_rows(shop, products, 5000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {StockLedgerEntry._meta.db_table}")
    params = {k: (str(shops[0].pk) if v is None else v) for k, v in params.items()}
    request = RequestFactory().get("/", params)
    request.user = superuser
    model_admin = site._registry[StockLedgerEntry]
    queryset = model_admin.get_changelist_instance(request).get_queryset(request)
    plan = queryset[:101].explain()
    assert f"Seq Scan on {StockLedgerEntry._meta.db_table}" not in plan, plan
    assert "Index Scan Backward using stock_entry_" in plan, plan
