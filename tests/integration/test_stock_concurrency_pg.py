"""Real threads against PostgreSQL: the stock ledger under contention."""

import random
from decimal import Decimal

import pytest
from django.db import connection

from inventory.exceptions import DocumentNotDraft, NegativeStock
from inventory.models import GoodsReceipt, Posting, StockBalance, StockLedgerEntry, WriteOff
from inventory.services import goods_receipt_post, write_off_post
from inventory.services.checks import stock_ledger_differences
from tests.factories import PriceZoneFactory, ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document
from tests.integration.test_concurrency_pg import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal


@pytest.fixture
def world():
    zone = PriceZoneFactory(code="Z1")
    return {"shop": ShopFactory(price_zone=zone), "supplier": SupplierFactory(), "user": UserFactory(), "zone": zone}


def receipt(world, lines, shop=None):
    return stock_document(
        GoodsReceipt,
        shop=shop or world["shop"],
        supplier=world["supplier"],
        lines=[{"product": p, "quantity": D(q), "price_amount": D("10")} for p, q in lines],
    )


def outcome(fn):
    try:
        fn()
        return "ok"
    except (NegativeStock, DocumentNotDraft) as exc:
        return type(exc).__name__
    except Exception as exc:  # anything else is a server error the user would see
        return f"ERROR {type(exc).__name__}: {exc}"


def test_twenty_concurrent_posts_of_one_document_post_it_once(world):
    products = [ProductFactory() for _ in range(5)]
    document = receipt(world, [(p, "3") for p in products])
    results = run_at_once(lambda _i: outcome(lambda: goods_receipt_post(document_id=document.pk, actor=world["user"])))
    assert results.count("ok") == 1 and results.count("DocumentNotDraft") == 19
    assert StockLedgerEntry.objects.filter(source_id=document.pk).count() == 5
    assert Posting.objects.filter(document_id=document.pk, document_type="goods_receipt").count() == 1
    assert stock_ledger_differences()[1] == []


def test_thirty_two_write_offs_of_one_unit_from_ten(world):
    product = ProductFactory()
    goods_receipt_post(document_id=receipt(world, [(product, "10")]).pk, actor=world["user"])
    documents = [
        stock_document(WriteOff, shop=world["shop"], lines=[{"product": product, "quantity": D("1")}])
        for _ in range(32)
    ]
    results = run_at_once(
        lambda i: outcome(lambda: write_off_post(document_id=documents[i].pk, actor=world["user"])), count=32
    )
    assert results.count("ok") == 10
    assert results.count("NegativeStock") == 22
    assert not [r for r in results if r.startswith("ERROR")]
    balance = StockBalance.objects.get(shop=world["shop"], product=product)
    assert (balance.quantity, balance.cost_amount) == (D("0.000"), D("0.00"))
    assert stock_ledger_differences()[1] == []


def test_twenty_threads_five_documents_each_on_overlapping_products_never_deadlock(world):
    products = [ProductFactory() for _ in range(8)]
    shops = [world["shop"], ShopFactory(price_zone=world["zone"])]
    rng = random.Random(3)
    plans = []
    for _thread in range(20):
        docs = []
        for _n in range(5):
            chosen = rng.sample(products, 4)  # random order on purpose: the ledger sorts its locks
            docs.append(receipt(world, [(p, "1") for p in chosen], shop=rng.choice(shops)))
        plans.append(docs)

    def work(i):
        return [outcome(lambda d=d: goods_receipt_post(document_id=d.pk, actor=world["user"])) for d in plans[i]]

    results = [r for batch in run_at_once(work) for r in batch]
    assert results == ["ok"] * 100
    assert sum(StockBalance.objects.values_list("quantity", flat=True)) == D("400.000")
    assert stock_ledger_differences()[1] == []


def test_twenty_first_receipts_of_a_new_product_in_a_new_shop_make_one_balance_row(world):
    product, shop = ProductFactory(), ShopFactory(price_zone=world["zone"])
    documents = [receipt(world, [(product, "2")], shop=shop) for _ in range(20)]
    results = run_at_once(
        lambda i: outcome(lambda: goods_receipt_post(document_id=documents[i].pk, actor=world["user"]))
    )
    assert results == ["ok"] * 20
    balances = StockBalance.objects.filter(shop=shop, product=product)
    assert balances.count() == 1
    assert (balances.get().quantity, balances.get().cost_amount) == (D("40.000"), D("400.00"))
    connection.close()
