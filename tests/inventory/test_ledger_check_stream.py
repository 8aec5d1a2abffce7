"""check_ledgers at a year's scale: a streamed merge per ledger, bounded details, queued from the admin."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.ledgers import ledgers
from inventory.models import GoodsReceipt, LedgerCheckRun, Posting, StockBalance, StockLedgerEntry
from inventory.services import checks, goods_receipt_post, kernel
from inventory.services.checks import ledgers_check
from inventory.services.kernel import ledger_differences
from tests.factories import ProductFactory, ShopFactory, SupplierFactory, stock_document

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def stock(superuser):
    shops = [ShopFactory(code=f"0{n}") for n in range(1, 4)]
    products = [ProductFactory() for _ in range(5)]
    supplier = SupplierFactory()
    for shop in shops:
        doc = stock_document(
            GoodsReceipt,
            shop=shop,
            supplier=supplier,
            business_date=datetime.date(2026, 11, 2),
            lines=[{"product": p, "quantity": D(n + 1), "price_amount": D("2.50")} for n, p in enumerate(products)],
        )
        goods_receipt_post(document_id=doc.pk, actor=superuser)
    return {"shops": shops, "products": products, "user": superuser}


def reference_differences() -> set[tuple]:
    """The naive way: every sum in a dict, every balance compared (the streamed merge must agree)."""
    sums = defaultdict(lambda: (D("0.000"), D("0.00")))
    for shop, product, quantity, cost in StockLedgerEntry.objects.values_list(
        "shop_id", "product_id", "quantity", "cost_amount"
    ):
        q, c = sums[(shop, product)]
        sums[(shop, product)] = (q + quantity, c + cost)
    found = set()
    for shop, product, quantity, cost in StockBalance.objects.values_list(
        "shop_id", "product_id", "quantity", "cost_amount"
    ):
        if sums.pop((shop, product), (D("0.000"), D("0.00"))) != (quantity, cost):
            found.add((shop, product))
    return found | set(sums)


def test_the_streamed_check_finds_every_kind_of_difference_across_chunks(stock, monkeypatch):
    monkeypatch.setattr(kernel, "CHECK_CHUNK", 2)  # many chunk boundaries in a small ledger
    shops, products = stock["shops"], stock["products"]
    assert ledger_differences("stock") == (15, [])
    # A balance that drifted, in the middle shop.
    StockBalance.objects.filter(shop=shops[1], product=products[2]).update(quantity=D("99"))
    # Rows of a pair with no balance row: before the first key, between keys, after the last.
    posting = Posting.objects.create(document_type="goods_receipt", document_id=0, document_number="X", action="post")
    lonely = [(shops[0], ProductFactory()), (shops[1], ProductFactory()), (ShopFactory(code="09"), products[0])]
    StockLedgerEntry.objects.bulk_create(
        [
            StockLedgerEntry(
                shop=shop,
                product=product,
                quantity=D("1"),
                cost_amount=D("1"),
                kind="receipt",
                business_date=datetime.date(2026, 11, 3),
                source_type="goods_receipt",
                source_id=0,
                source_line_id=10**9 + n,
                posting=posting,
            )
            for n, (shop, product) in enumerate(lonely)
        ]
    )
    # A balance row with no rows at all, not zero.
    extra = ProductFactory()
    StockBalance.objects.create(shop=shops[2], product=extra, quantity=D("2"), cost_amount=D("0"))

    checked, differences = ledger_differences("stock")
    got = {(d["shop_id"], d["product_id"]) for d in differences}
    assert got == reference_differences()
    assert got == {(shops[1].pk, products[2].pk), (shops[2].pk, extra.pk), *((s.pk, p.pk) for s, p in lonely)}
    assert checked == 16
    drifted = next(d for d in differences if d["product_id"] == products[2].pk)
    assert drifted["balance_quantity"] == "99.000" and drifted["ledger_quantity"] == "3.000"
    assert next(d for d in differences if d["product_id"] == extra.pk)["balance_quantity"] == "2.000"
    assert all(
        d["balance_quantity"] is None
        for d in differences
        if (d["shop_id"], d["product_id"]) in {(s.pk, p.pk) for s, p in lonely}
    )


def test_a_run_counts_every_difference_but_keeps_only_the_first_details(stock, monkeypatch):
    monkeypatch.setattr(checks, "MAX_DETAILS", 2)
    StockBalance.objects.filter(shop=stock["shops"][0]).update(cost_amount=D("1"))
    run = ledgers_check()
    assert run.differences == 5 and len(run.details) == 2 and run.pairs_checked >= 15
    assert run.finished_at is not None and not run.ok
    StockBalance.objects.filter(shop=stock["shops"][0]).update(cost_amount=D("0"))  # leave it as found


def test_check_now_queues_a_job_instead_of_checking_in_the_request(client, stock, django_capture_on_commit_callbacks):
    client.force_login(stock["user"])
    url = reverse("admin:inventory_ledgercheckrun_run")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url, follow=True)
    run = LedgerCheckRun.objects.get()
    assert run.finished_at is None and len(callbacks) == 1  # queued: nothing checked in the request
    assert "has started" in response.content.decode()
    callbacks[0]()  # the job (Celery is eager in the tests)
    run.refresh_from_db()
    # 15 stock pairs, and the balance rows of every other ledger the receipts wrote (purchasing's payables).
    balances = sum(ledger.balance_model.objects.count() for ledger in ledgers())
    assert balances >= 15 and run.finished_at is not None and run.differences == 0 and run.pairs_checked == balances
    # The job is safe to run twice: a finished run is left alone.
    assert ledgers_check(run_id=run.pk).finished_at == run.finished_at
    assert client.get(reverse("admin:inventory_ledgercheckrun_changelist")).status_code == 200
