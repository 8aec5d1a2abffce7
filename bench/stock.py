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
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_TESTING", "1")
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


def main():
    if connection.vendor != "postgresql":
        print("bench/stock.py measures PostgreSQL: set DATABASE_URL to a scratch PostgreSQL database.")
        return
    ensure_database()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    t = clock()
    call_command("seed_demo", products=20000, shops=36, suppliers=200, stock_days=0, stdout=io.StringIO())
    line("seed 20,000 products, 36 shops, prices", clock() - t)

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
    content, count = _render("xlsx", definition.build({"shop_id": shop.pk}), lambda n: None)
    line(f"Excel of a shop's balances ({count} rows, {len(content) // 1024} KiB)", clock() - t)
    t = clock()
    content, count = _render("pdf", definition.build({"shop_id": shop.pk}), lambda n: None)
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    line(
        f"PDF of a shop's balances ({count} rows, {len(content) // 1024} KiB)",
        clock() - t,
        f"peak memory: this process {parent} MB, largest PDF worker {workers} MB",
    )
    call_command("check_ledgers", stdout=io.StringIO())
    print("check_ledgers: 0 differences")


def plain_sql_receipts(shop_id, products, count) -> float:
    """The same rows one receipt writes (posting, 20 ledger rows, 20 balance updates, document status), per transaction."""
    from inventory.models import GoodsReceiptLine

    rng = random.Random(9)
    with connection.cursor() as c:
        c.execute("CREATE TEMP TABLE b_entry (LIKE inventory_stockledgerentry INCLUDING ALL)")
        c.execute("CREATE TEMP TABLE b_balance (LIKE inventory_stockbalance INCLUDING ALL)")
        c.execute("CREATE TEMP TABLE b_posting (LIKE inventory_posting INCLUDING ALL)")
        c.execute("CREATE TEMP TABLE b_doc (id bigint primary key, status text)")
        c.execute("INSERT INTO b_balance SELECT * FROM inventory_stockbalance WHERE shop_id = %s", [shop_id])
        c.execute("INSERT INTO b_doc SELECT g, 'draft' FROM generate_series(1, %s) g", [count])
    now = timezone.now()
    line_docs = list(GoodsReceiptLine.objects.values_list("document_id", flat=True).distinct()[:count])
    t = clock()
    for n in range(1, count + 1):
        chosen = sorted(rng.sample(products, 20))
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT id FROM b_doc WHERE id = %s FOR UPDATE", [n])
            # Any posting reads its document's lines.
            c.execute(
                "SELECT id, product_id, quantity, price_amount FROM inventory_goodsreceiptline WHERE document_id = %s",
                [line_docs[(n - 1) % len(line_docs)]],
            )
            c.fetchall()
            c.execute(
                "INSERT INTO b_posting (document_type, document_id, document_number, action, created_at) VALUES "
                "('x', %s, 'x', 'post', %s) RETURNING id",
                [n, now],
            )
            posting = c.fetchone()[0]
            c.execute(
                "SELECT id, quantity, cost_amount FROM b_balance WHERE shop_id = %s AND product_id = ANY(%s) "
                "ORDER BY product_id FOR UPDATE",
                [shop_id, chosen],
            )
            c.fetchall()
            c.executemany(
                "INSERT INTO b_entry (shop_id, product_id, business_date, quantity, cost_amount, kind, source_type, source_id, "
                "source_line_id, posting_id, cost_is_fixed, cost_provisional, created_at) VALUES "
                "(%s, %s, %s, 5, 50, 'receipt', 'x', %s, %s, %s, true, false, %s)",
                [(shop_id, p, now.date(), n, n * 100 + i, posting, now) for i, p in enumerate(chosen)],
            )
            c.execute(
                "UPDATE b_balance SET quantity = quantity + 5, cost_amount = cost_amount + 50 "
                "WHERE shop_id = %s AND product_id = ANY(%s)",
                [shop_id, chosen],
            )
            c.execute("UPDATE b_doc SET status = 'posted' WHERE id = %s", [n])
    return clock() - t


def plain_sql_stocktake(shop_id, products) -> float:
    now = timezone.now()
    t = clock()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT id FROM b_balance WHERE shop_id = %s ORDER BY product_id FOR UPDATE", [shop_id])
        c.fetchall()
        c.executemany(
            "INSERT INTO b_entry (shop_id, product_id, business_date, quantity, cost_amount, kind, source_type, source_id, "
            "source_line_id, posting_id, cost_is_fixed, cost_provisional, created_at) VALUES "
            "(%s, %s, %s, 1, 10, 'stocktake', 'y', 1, %s, 1, false, false, %s)",
            [(shop_id, p, now.date(), i, now) for i, p in enumerate(products)],
        )
        c.execute(
            "UPDATE b_balance SET quantity = quantity + 1, cost_amount = cost_amount + 10 WHERE shop_id = %s", [shop_id]
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
