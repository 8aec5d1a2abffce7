"""Stock benchmarks at the real size, on PostgreSQL. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench .venv/bin/python bench/stock.py

The database is flushed and seeded: 20,000 items, 36 shops. Then it times posting a
20,000-line stocktake, posting 1,000 goods receipts of 20 lines, balances of one shop at a
past date, a one-month movement statement, and the Excel and PDF of a shop's balances,
each beside the same rows written or read with plain SQL in the same run, as a ratio.
"""

import datetime
import io
import os
import random
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/retail_bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

RECEIPTS = int(os.environ.get("BENCH_RECEIPTS", "1000"))


def clock():
    return time.perf_counter()


def line(label, seconds, extra=""):
    print(f"{label:<58} {seconds:8.2f} s  {extra}")


def ensure_database():
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')


def chain_seed() -> float:
    """A fresh scratch database with the 20,000-item, 36-shop chain and no history; seconds the seed took."""
    ensure_database()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    t = clock()
    call_command("seed_demo", products=20000, shops=36, suppliers=200, days=0, stdout=io.StringIO())
    seconds = clock() - t
    analyze()
    return seconds


def analyze() -> None:
    """Fresh statistics (this machine's PostgreSQL runs with autovacuum off): after seeding and after history."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main():
    if connection.vendor != "postgresql":
        print("bench/stock.py measures PostgreSQL: set DATABASE_URL to a scratch PostgreSQL database.")
        return
    line("seed 20,000 products, 36 shops, prices", chain_seed())

    from django.contrib.auth import get_user_model

    from inventory.models import (
        GoodsReceipt,
        GoodsReceiptLine,
        OpeningBalance,
        OpeningBalanceLine,
        Product,
        Shop,
        Stocktake,
        Supplier,
    )
    from inventory.selectors import shop_balances_at, stock_movements
    from inventory.services import goods_receipt_post, opening_balance_post, stocktake_fill, stocktake_post

    user = get_user_model().objects.get(username="admin")
    shop = Shop.objects.trading().order_by("code").first()
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(5)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=45)

    # Opening balance of one shop: 20,000 lines.
    opening = OpeningBalance.objects.create(shop=shop, business_date=start, created_by=user)
    OpeningBalanceLine.objects.bulk_create(
        [
            OpeningBalanceLine(
                document=opening,
                product_id=p,
                quantity=Decimal(rng.randint(5, 50)),
                unit_cost=Decimal(rng.randint(50, 5000)) / 10,
            )
            for p in products
        ],
        batch_size=5000,
    )
    t = clock()
    opening_balance_post(document_id=opening.pk, actor=user)
    line("post a 20,000-line opening balance", clock() - t)

    # 1,000 goods receipts of 20 lines, spread over 30 days.
    suppliers = list(Supplier.objects.values_list("pk", flat=True))
    receipts = []
    for n in range(RECEIPTS):
        day = start + datetime.timedelta(days=1 + n * 30 // RECEIPTS)
        receipts.append(GoodsReceipt(shop=shop, supplier_id=rng.choice(suppliers), business_date=day, created_by=user))
    for r in receipts:
        r.save()
    GoodsReceiptLine.objects.bulk_create(
        [
            GoodsReceiptLine(
                document=r,
                product_id=p,
                quantity=Decimal(rng.randint(1, 30)),
                price_amount=Decimal(rng.randint(50, 5000)) / 10,
            )
            for r in receipts
            for p in rng.sample(products, 20)
        ],
        batch_size=5000,
    )
    t = clock()
    for r in receipts:
        goods_receipt_post(document_id=r.pk, actor=user)
    ours = clock() - t
    plain = plain_sql_receipts(shop.pk, products, RECEIPTS)
    line(
        f"post {RECEIPTS} goods receipts x 20 lines",
        ours,
        f"{RECEIPTS / ours:6.0f}/s; plain SQL {plain:.2f} s ({RECEIPTS / plain:.0f}/s); ratio {ours / plain:.1f}x",
    )

    # A 20,000-line stocktake.
    stocktake = Stocktake.objects.create(shop=shop, business_date=today, created_by=user)
    t = clock()
    stocktake_fill(document_id=stocktake.pk, actor=user)
    line("stocktake: take 20,000 book quantities", clock() - t)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_stocktakeline SET counted_quantity = GREATEST(book_quantity + (id %% 5) - 2, 0) WHERE document_id = %s",
            [stocktake.pk],
        )
    t = clock()
    stocktake_post(document_id=stocktake.pk, actor=user)
    ours = clock() - t
    plain = plain_sql_stocktake(shop.pk, products)
    line("post the 20,000-line stocktake", ours, f"plain SQL {plain:.2f} s; ratio {ours / plain:.1f}x")

    past = today - datetime.timedelta(days=20)
    t = clock()
    rows = list(shop_balances_at(shop_id=shop.pk, day=past))
    ours = clock() - t
    plain = plain_sql_balances(shop.pk, past)
    line(
        f"balances of one shop at {past} ({len(rows)} rows)",
        ours,
        f"plain SQL {plain:.2f} s; ratio {ours / plain:.1f}x",
    )

    t = clock()
    rows = list(stock_movements(shop_id=shop.pk, date_from=today - datetime.timedelta(days=30), date_to=today))
    line(f"one-month movement statement of one shop ({len(rows)} rows)", clock() - t)

    from reports.jobs import _render
    from reports.registry import get

    definition = get("stock_balances")
    t = clock()
    with tempfile.TemporaryFile() as output:
        count = _render("xlsx", definition.build({"shop_id": shop.pk}), lambda n: None, output)
        size = output.tell()
    line(f"Excel of a shop's balances ({count} rows, {size // 1024} KiB)", clock() - t)
    t = clock()
    with tempfile.TemporaryFile() as output:
        count = _render("pdf", definition.build({"shop_id": shop.pk}), lambda n: None, output)
        size = output.tell()
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    line(
        f"PDF of a shop's balances ({count} rows, {size // 1024} KiB)",
        clock() - t,
        f"peak memory: this process {parent} MB, largest PDF worker {workers} MB",
    )
    from inventory.services.checks import ledgers_check

    analyze()
    t = clock()
    run = ledgers_check()
    line(f"check_ledgers ({run.pairs_checked} balances): {run.differences} differences", clock() - t)


def plain_sql_receipts(shop_id, products, count) -> float:
    """Post `count` real draft receipts of another shop with hand-written SQL, into the same tables.

    Same rows as the service writes (a posting, 20 ledger rows, 20 balance updates, the
    document's status), same foreign keys, indexes and triggers, one transaction each; the
    ledger stays consistent (check_ledgers runs at the end).
    """
    from inventory.models import GoodsReceipt, GoodsReceiptLine, Shop, StockBalance, Supplier

    rng = random.Random(9)
    shop = Shop.objects.trading().order_by("code")[1]
    supplier = Supplier.objects.first()
    StockBalance.objects.bulk_create(
        [StockBalance(shop=shop, product_id=p) for p in products], ignore_conflicts=True, batch_size=5000
    )
    documents = [GoodsReceipt(shop=shop, supplier=supplier) for _ in range(count)]
    for d in documents:
        d.save()
    GoodsReceiptLine.objects.bulk_create(
        [
            GoodsReceiptLine(
                document=d,
                product_id=p,
                quantity=Decimal(rng.randint(1, 30)),
                price_amount=Decimal(rng.randint(50, 5000)) / 10,
            )
            for d in documents
            for p in rng.sample(products, 20)
        ],
        batch_size=5000,
    )
    today = timezone.localdate()
    t = clock()
    for document in documents:
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "SELECT id, number FROM inventory_goodsreceipt WHERE id = %s AND status = 'draft' FOR UPDATE",
                [document.pk],
            )
            number = c.fetchone()[1]
            c.execute(
                "SELECT id, product_id, quantity, price_amount FROM inventory_goodsreceiptline WHERE document_id = %s "
                "ORDER BY product_id",
                [document.pk],
            )
            lines = c.fetchall()
            c.execute(
                "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
                "VALUES ('goods_receipt', %s, %s, 'post', %s) RETURNING id",
                [document.pk, number, now],
            )
            posting = c.fetchone()[0]
            c.execute(
                "SELECT id, quantity, cost_amount FROM inventory_stockbalance WHERE shop_id = %s AND product_id = ANY(%s) "
                "ORDER BY product_id FOR UPDATE",
                [shop.pk, [line[1] for line in lines]],
            )
            c.fetchall()
            c.executemany(
                "INSERT INTO inventory_stockledgerentry (shop_id, product_id, business_date, quantity, cost_amount, kind, "
                "source_type, source_id, source_line_id, posting_id, cost_is_fixed, cost_provisional, created_at) VALUES "
                "(%s, %s, %s, %s, %s, 'receipt', 'goods_receipt', %s, %s, %s, true, false, %s)",
                [
                    (shop.pk, pid, today, q, round(q * price, 2), document.pk, lid, posting, now)
                    for lid, pid, q, price in lines
                ],
            )
            c.execute(
                "UPDATE inventory_stockbalance b SET quantity = b.quantity + v.q, cost_amount = b.cost_amount + v.c, "
                "last_business_date = %s, updated_at = %s FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS v(p, q, c) "
                "WHERE b.shop_id = %s AND b.product_id = v.p",
                [
                    today,
                    now,
                    [line[1] for line in lines],
                    [line[2] for line in lines],
                    [round(line[2] * line[3], 2) for line in lines],
                    shop.pk,
                ],
            )
            c.execute(
                "UPDATE inventory_goodsreceipt SET status = 'posted', posted_at = %s WHERE id = %s", [now, document.pk]
            )
    return clock() - t


def plain_sql_stocktake(shop_id, products) -> float:
    """20,000 ledger rows and balance updates in one transaction, by hand, into the same tables (kept consistent)."""
    today, now = timezone.localdate(), timezone.now()
    t = clock()
    with transaction.atomic(), connection.cursor() as c:
        c.execute(
            "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
            "VALUES ('bench', 1, 'BENCH', 'post', %s) RETURNING id",
            [now],
        )
        posting = c.fetchone()[0]
        c.execute(
            "SELECT id FROM inventory_stockbalance WHERE shop_id = %s AND product_id = ANY(%s) ORDER BY product_id FOR UPDATE",
            [shop_id, products],
        )
        c.fetchall()
        c.execute(
            "INSERT INTO inventory_stockledgerentry (shop_id, product_id, business_date, quantity, cost_amount, kind, source_type, "
            "source_id, source_line_id, posting_id, cost_is_fixed, cost_provisional, created_at) "
            "SELECT %s, p, %s, 1, 10, 'stocktake', 'bench', 1, n, %s, false, false, %s "
            "FROM unnest(%s::bigint[]) WITH ORDINALITY AS v(p, n)",
            [shop_id, today, posting, now, products],
        )
        c.execute(
            "UPDATE inventory_stockbalance SET quantity = quantity + 1, cost_amount = cost_amount + 10, updated_at = %s "
            "WHERE shop_id = %s AND product_id = ANY(%s)",
            [now, shop_id, products],
        )
    return clock() - t


def plain_sql_balances(shop_id, day) -> float:
    t = clock()
    with connection.cursor() as c:
        c.execute(
            "SELECT b.product_id, p.sku, p.name, b.quantity - COALESCE(l.q, 0), b.cost_amount - COALESCE(l.c, 0) "
            "FROM inventory_stockbalance b JOIN inventory_product p ON p.id = b.product_id "
            "LEFT JOIN (SELECT product_id, SUM(quantity) q, SUM(cost_amount) c FROM inventory_stockledgerentry "
            "WHERE shop_id = %s AND business_date > %s GROUP BY product_id) l ON l.product_id = b.product_id "
            "WHERE b.shop_id = %s",
            [shop_id, day, shop_id],
        )
        c.fetchall()
    return clock() - t


if __name__ == "__main__":
    main()
