"""A chain's year at scale, on PostgreSQL: lists, searches, export, check and report timings. Prints figures.

    BENCH_SHOP_YEARS=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench .venv/bin/python bench/scale.py

Seeds the chain (20,000 items, 36 shops; BENCH_SKIP_SEED=1 keeps what is there), then
writes BENCH_SHOP_YEARS shop-years of sales with SQL (BENCH_RECEIPTS_PER_DAY receipts of
5 lines a day, default 600: one shop-year is 219,000 receipts and 1.1 million ledger
rows), keeping every ledger equal to its balances, and runs ANALYZE. Then, in this
process, as the owner would: the admin's first pages, filtered pages and searches of the
stock ledger and the receipts, the back-office API's first page, the Excel export of a
month of one shop's receipts, a shop's balances at a past date beside plain SQL, the
ledger check (with its memory) and the all-shops sales report of the year (with its
memory). The default is one shop-year, so it runs in minutes; 5 gives the issue's table.
"""

import datetime
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/retail_bench")

from django.db import connection  # noqa: E402

from bench.stock import analyze, chain_seed, plain_sql_balances  # noqa: E402  (sets Django up)

SHOP_YEARS = int(os.environ.get("BENCH_SHOP_YEARS", "1"))
PER_DAY = int(os.environ.get("BENCH_RECEIPTS_PER_DAY", "600"))
REPEAT = 3


def clock():
    return time.perf_counter()


def line(label, seconds, extra=""):
    print(f"{label:<64} {seconds:8.3f} s  {extra}", flush=True)


def year_write(shop, per_day: int) -> int:
    """A year of one shop's sales written with SQL, like the till path's rows; ledgers stay equal to balances."""
    from inventory.models import Product
    from sales.models import Till
    from sales.services import shift_open

    till = Till.objects.create(code=f"Y{shop.code}-{uuid.uuid4().hex[:6]}", shop=shop, name="a year of sales")
    shift = shift_open(till=till, opening_float=Decimal("0"))
    end = datetime.date.today()
    start = end - datetime.timedelta(days=364)
    count = per_day * 365
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO inventory_stockbalance (shop_id, product_id, quantity, cost_amount, last_unit_cost, updated_at) "
            "SELECT %s, p, 0, 0, 0, now() FROM unnest(%s::bigint[]) p ON CONFLICT (shop_id, product_id) DO NOTHING",
            [shop.pk, products],
        )
        c.execute(
            "INSERT INTO sales_receipt (till_id, shop_id, shift_id, kind, client_uuid, sequence, till_time, "
            "business_date, received_at, total_amount, discount_amount, card_number, fiscal_sign, fiscal_number, "
            "payload_hash, negative_stock, price_differs, period_closed, arrived_late) "
            "SELECT %s, %s, %s, 'sale', gen_random_uuid(), g, t, t::date, t, 500, 0, "
            "CASE WHEN g %% 3 = 0 THEN '77' || lpad(g::text, 8, '0') ELSE '' END, md5(g::text), '', '', "
            "g %% 50 = 0, false, false, false "
            "FROM generate_series(1, %s) g, "
            "LATERAL (SELECT (%s::date + ((g - 1) / %s) * interval '1 day' + interval '3 hours' "
            "+ ((g - 1) %% %s) * (interval '12 hours' / %s))::timestamptz AS t) x",
            [till.pk, shop.pk, shift.pk, count, start, per_day, per_day, per_day],
        )
        c.execute(
            "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
            "SELECT 'receipt', id, %s || '/' || sequence, 'post', now() FROM sales_receipt WHERE till_id = %s",
            [till.code, till.pk],
        )
        c.execute(
            "INSERT INTO sales_receiptline (receipt_id, line_no, product_id, barcode, quantity, price_amount, "
            "discount_amount, amount) SELECT r.id, n, (%s::bigint[])[1 + (r.id * 7 + n * 131) %% %s], '', 1, 100, 0, 100 "
            "FROM sales_receipt r, generate_series(1, 5) n WHERE r.till_id = %s",
            [products, len(products), till.pk],
        )
        c.execute(
            "INSERT INTO inventory_stockledgerentry (shop_id, product_id, business_date, quantity, cost_amount, kind, "
            "source_type, source_id, source_line_id, posting_id, cost_is_fixed, cost_provisional, created_at) "
            "SELECT %s, l.product_id, r.business_date, -1, -70, 'sale', 'receipt', r.id, l.id, p.id, false, "
            "r.negative_stock, now() "
            "FROM sales_receiptline l JOIN sales_receipt r ON r.id = l.receipt_id "
            "JOIN inventory_posting p ON p.document_type = 'receipt' AND p.document_id = r.id WHERE r.till_id = %s",
            [shop.pk, till.pk],
        )
        c.execute(
            "UPDATE inventory_stockbalance b SET quantity = b.quantity + s.q, cost_amount = b.cost_amount + s.c, "
            "last_business_date = %s "
            "FROM (SELECT e.product_id, sum(e.quantity) q, sum(e.cost_amount) c FROM inventory_stockledgerentry e "
            "JOIN sales_receipt r ON r.id = e.source_id WHERE e.source_type = 'receipt' AND e.shop_id = %s "
            "AND r.till_id = %s GROUP BY e.product_id) s WHERE b.shop_id = %s AND b.product_id = s.product_id",
            [end, shop.pk, till.pk, shop.pk],
        )
    return count


def timed(label, call, extra=lambda result: ""):
    """The median of REPEAT runs (the first warms the caches)."""
    times, result = [], None
    for _ in range(REPEAT):
        t = clock()
        result = call()
        times.append(clock() - t)
    times.sort()
    line(label, times[len(times) // 2], extra(result))
    return result


def main():
    if connection.vendor != "postgresql":
        print("bench/scale.py measures PostgreSQL: set DATABASE_URL to a scratch PostgreSQL database.")
        return
    if os.environ.get("BENCH_SKIP_SEED") != "1":
        line("seed 20,000 items, 36 shops (then ANALYZE)", chain_seed())

    from django.contrib.auth import get_user_model
    from django.test import Client

    from inventory.models import Product, Shop, StockLedgerEntry
    from sales.models import Receipt

    shops = list(Shop.objects.trading().order_by("code"))
    t = clock()
    written = sum(year_write(shops[n], PER_DAY) for n in range(SHOP_YEARS))
    analyze()
    rows = StockLedgerEntry.objects.count()
    line(
        f"{SHOP_YEARS} shop-year(s) written with SQL ({written:,} receipts; ledger {rows:,} rows), ANALYZE", clock() - t
    )

    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
    user, _created = get_user_model().objects.get_or_create(
        username="bench-owner", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    shop = shops[0]
    product = Product.objects.filter(stock_entries__shop=shop).first()
    receipt = Receipt.objects.filter(shop=shop).order_by("-id").first()
    number = f"{receipt.till.code}/{receipt.sequence}"
    month_from = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()

    from django.test.utils import CaptureQueriesContext

    def page(url, **params):
        def call():
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, params)
            if response.status_code not in (200, 302):
                raise RuntimeError(f"{url} {params}: {response.status_code}")
            queries = captured.captured_queries
            return sum(float(q["time"]) for q in queries), len(queries)

        return call

    def database(result):
        # The page's own time is mostly Python rendering 100 rows (CPU the other helpers share);
        # the database's part is what the indexes decide.
        return f"database {result[0]:.3f} s in {result[1]} queries"

    ledger, receipts = "/admin/inventory/stockledgerentry/", "/admin/sales/receipt/"
    print(f"-- admin and API pages (median of {REPEAT}; the machine is shared: compare ratios, not seconds)")
    timed("admin stock ledger, page 1", page(ledger), database)
    timed("admin stock ledger, one shop", page(ledger, shop__id__exact=shop.pk), database)
    timed("admin stock ledger, kind = sale", page(ledger, kind__exact="sale"), database)
    timed("admin stock ledger, last 30 days", page(ledger, business_date_from=month_from), database)
    timed("admin stock ledger, search by SKU", page(ledger, q=product.sku), database)
    timed("admin stock ledger, search by document number", page(ledger, q=number), database)
    timed("admin receipts, page 1", page(receipts), database)
    timed(
        "admin receipts, one shop, sold from negative stock",
        page(receipts, shop__id__exact=shop.pk, negative_stock__exact=1),
        database,
    )
    timed("admin flagged receipts, page 1", page("/admin/sales/flaggedreceipt/"), database)
    timed("admin receipts, search by till/number", page(receipts, q=number), database)
    timed("admin receipts, search by loyalty card", page(receipts, q=receipt.card_number or "7700000003"), database)
    timed("API receipts, page 1 (cursor)", page("/api/v1/receipts/"), database)
    timed("API receipts, flagged, page 1", page("/api/v1/receipts/", flagged="true"), database)

    print("-- export, balances, check, report")
    export = page(f"{receipts}export-xlsx/", shop__id__exact=shop.pk, business_date_from=month_from)
    timed("Excel export of a month of one shop's receipts (queued past 5,000 rows)", export, database)
    from inventory.selectors import shop_balances_at

    past = datetime.date.today() - datetime.timedelta(days=90)
    ours = timed(
        f"balances of one shop at {past} (20,000 items)", lambda: list(shop_balances_at(shop_id=shop.pk, day=past))
    )
    plain = min(plain_sql_balances(shop.pk, past) for _ in range(REPEAT))
    print(f"{'':<64} plain SQL {plain:.3f} s ({len(ours)} rows)", flush=True)

    from inventory.services.checks import ledgers_check

    tracemalloc.start()
    t = clock()
    run = ledgers_check()
    seconds = clock() - t
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    line(
        f"check_ledgers ({run.pairs_checked:,} balances): {run.differences} differences",
        seconds,
        f"peak Python memory {peak // 2**20} MB",
    )

    from reports.jobs import _render
    from reports.registry import get

    end = datetime.date.today()
    params = {"date_from": (end - datetime.timedelta(days=364)).isoformat(), "date_to": end.isoformat()}
    tracemalloc.start()
    t = clock()
    data = get("sales_by_product").build(params)
    with tempfile.TemporaryFile() as output:
        count = _render("xlsx", data, lambda n: None, output)
    seconds = clock() - t
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    line(
        f"sales by product, all shops, a year (Excel, {count:,} rows)",
        seconds,
        f"peak Python memory {peak // 2**20} MB; process peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB",
    )


if __name__ == "__main__":
    main()
