"""Real threads against PostgreSQL: the stock ledger under contention."""

import datetime
import random
import time
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


def test_a_transfer_cancel_and_a_transfer_the_other_way_at_once_do_not_deadlock(world, monkeypatch):
    """`_cancel` locks every pair of the document up front, in key order, before reversing anything.

    A transfer received a day after it was shipped is reversed day by day: without the
    pre-lock the cancel takes (sender, transit) on the first day and the receiver only on the
    second, out of key order. A transfer the other way locks in key order (receiver first,
    then sender) and meets it in the middle: a deadlock. The cancel is paused between its two
    days until the other transfer waits on a lock, so the crossing happens on every run.
    """
    import threading

    from inventory.choices import ShopFormat
    from inventory.models import Shop, Transfer
    from inventory.services import stock_documents, transfer_cancel, transfer_receive, transfer_ship, transit_shop

    day = datetime.date(2026, 11, 20)
    product = ProductFactory()
    # The transit location made after both shops (as `transit_shop()` makes it where it is missing,
    # e.g. after a flush): a transit with the lowest id would put every transfer's first lock on it.
    Shop.objects.filter(format=ShopFormat.TRANSIT).delete()
    receiver = ShopFactory(price_zone=world["zone"])
    sender = ShopFactory(price_zone=world["zone"])
    transit = transit_shop()
    assert receiver.pk < sender.pk < transit.pk  # the key order the crossing needs
    for shop in (receiver, sender):
        goods = stock_document(
            GoodsReceipt,
            shop=shop,
            supplier=world["supplier"],
            business_date=day,
            lines=[{"product": product, "quantity": D("10"), "price_amount": D("10")}],
        )
        goods_receipt_post(document_id=goods.pk, actor=world["user"])
    there = stock_document(
        Transfer,
        shop=sender,
        to_shop=receiver,
        business_date=day + datetime.timedelta(days=1),
        lines=[{"product": product, "quantity": D("2")}],
    )
    transfer_ship(document_id=there.pk, actor=world["user"])
    transfer_receive(document_id=there.pk, actor=world["user"], received_date=day + datetime.timedelta(days=2))
    back = stock_document(
        Transfer,
        shop=receiver,
        to_shop=sender,
        business_date=day + datetime.timedelta(days=3),
        lines=[{"product": product, "quantity": D("1")}],
    )

    first_day_reversed = threading.Event()
    original_reverse = stock_documents.stock_reverse

    def reverse_then_wait_for_a_lock_waiter(**kwargs):
        result = original_reverse(**kwargs)
        if not first_day_reversed.is_set():
            first_day_reversed.set()
            with connection.cursor() as cursor:
                for _poll in range(100):  # up to 5 s for the other transfer to block on a row lock
                    cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                    if cursor.fetchone()[0]:
                        break
                    time.sleep(0.05)
        return result

    monkeypatch.setattr(stock_documents, "stock_reverse", reverse_then_wait_for_a_lock_waiter)

    def work(i):
        if i == 0:
            return outcome(lambda: transfer_cancel(document_id=there.pk, actor=world["user"]))
        assert first_day_reversed.wait(timeout=30)
        return outcome(lambda: transfer_ship(document_id=back.pk, actor=world["user"]))

    assert run_at_once(work, count=2) == ["ok", "ok"]
    quantities = dict(StockBalance.objects.filter(product=product).values_list("shop_id", "quantity"))
    assert quantities == {receiver.pk: D("9.000"), sender.pk: D("10.000"), transit.pk: D("1.000")}
    assert stock_ledger_differences()[1] == []
