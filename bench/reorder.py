"""The nightly reorder run at the real size, on PostgreSQL. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_reorder .venv/bin/python bench/reorder.py

The database is flushed and seeded: 20,000 items, 36 shops, 200 suppliers (with order days,
lead times and minimum amounts). Then a year of sales is written with SQL straight into the
stock ledger (BENCH_LINES_PER_SHOP_DAY sale rows per shop and day, default 3,000: 600
receipts of 5 lines; BENCH_DAYS, default 365; 39 million rows at the defaults), an opening
balance per pair a year ago sized so that many items run out during the year, balances equal
to the ledger, every product's main supplier with prices and packs, group defaults, min/max
policies for 5% of the pairs, ten shops supplied from a warehouse for one group, and 300
sent orders. Then it times the reorder run (the service: proposals for all 720,000 pairs, the
draft orders and transfers) beside a plain-SQL baseline of its core in the same run: sales
and in-stock days of every pair over 28 days from a dense calendar (pair x day), and checks
that both agree on every pair the run proposed for.
"""

import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/retail_reorder")

from django.db import connection  # noqa: E402

from bench.stock import analyze, chain_seed  # noqa: E402  (sets Django up)

LINES = int(os.environ.get("BENCH_LINES_PER_SHOP_DAY", "3000"))
DAYS = int(os.environ.get("BENCH_DAYS", "365"))
CHUNK_DAYS = 15
WINDOW = 28


def clock():
    return time.perf_counter()


def line(label, seconds, extra=""):
    print(f"{label:<64} {seconds:8.2f} s  {extra}  (load {os.getloadavg()[0]:.1f})", flush=True)


def history_write(today: datetime.date) -> int:
    """A year of sales, opening balances a year ago and balances equal to the ledger; rows written."""
    from inventory.models import Posting, Shop

    posting = Posting.objects.create(document_type="receipt", document_id=0, document_number="BENCH", action="post")
    start = today - datetime.timedelta(days=DAYS)
    shops = list(Shop.objects.trading().values_list("pk", flat=True))
    with connection.cursor() as c:
        # Loading 39 million rows through eight indexes is slow: drop them, load, build them again.
        c.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'inventory_stockledgerentry'::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        )
        indexes = c.fetchall()
        for name, _definition in indexes:
            c.execute(f'DROP INDEX "{name}"')
        # The generated rows reference existing shops, products and the posting by construction:
        # no foreign-key trigger per row while loading (this session only).
        c.execute("SET session_replication_role = replica")
        c.execute("DROP TABLE IF EXISTS bench_products")
        c.execute(
            "CREATE TABLE bench_products AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS idx, id, is_weighted "
            "FROM inventory_product"
        )
        c.execute("CREATE UNIQUE INDEX ON bench_products (idx)")
        c.execute("SELECT count(*) FROM bench_products")
        (n,) = c.fetchone()
        c.execute("DROP SEQUENCE IF EXISTS bench_line_seq")
        c.execute("CREATE SEQUENCE bench_line_seq")
        columns = (
            "shop_id, product_id, business_date, quantity, cost_amount, kind, source_type, source_id, "
            "source_line_id, posting_id, cost_is_fixed, cost_provisional, created_at"
        )
        # Opening stock: about 0.6-1.4 of the pair's expected sales in the year (popular items sell more).
        c.execute(
            f"INSERT INTO inventory_stockledgerentry ({columns}) "
            "SELECT s, bp.id, %s::date, q, q * 70, 'opening', 'opening_balance', 0, nextval('bench_line_seq'), %s, "
            "true, false, now() "
            "FROM unnest(%s::bigint[]) s CROSS JOIN bench_products bp, "
            "LATERAL (SELECT round((%s * 1.2 / (2 * %s * sqrt((bp.idx + 0.5) / %s)) * (0.6 + 0.8 * random()))::numeric, "
            "CASE WHEN bp.is_weighted THEN 3 ELSE 0 END) AS q) x",
            [start - datetime.timedelta(days=1), posting.pk, shops, LINES * DAYS, n, n],
        )
        written = c.rowcount
        day = start
        while day < today:
            last = min(day + datetime.timedelta(days=CHUNK_DAYS - 1), today - datetime.timedelta(days=1))
            t = clock()
            c.execute(
                f"INSERT INTO inventory_stockledgerentry ({columns}) "
                "SELECT x.s, bp.id, x.d, -q.q, -q.q * 70, 'sale', 'receipt', 0, nextval('bench_line_seq'), %s, "
                "false, false, now() "
                "FROM (SELECT s, d::date AS d, floor(%s * power(random(), 2))::int AS idx "
                "      FROM unnest(%s::bigint[]) s, generate_series(%s::date, %s::date, interval '1 day') d, "
                "      generate_series(1, %s) k) x "
                "JOIN bench_products bp ON bp.idx = x.idx, "
                "LATERAL (SELECT CASE WHEN bp.is_weighted THEN round((0.2 + random())::numeric, 3) "
                "                     ELSE 1 + (random() < 0.2)::int END AS q) q",
                [posting.pk, n, shops, day, last, LINES],
            )
            written += c.rowcount
            line(f"  sales {day} .. {last}", clock() - t, f"{c.rowcount:,} rows")
            day = last + datetime.timedelta(days=1)
        c.execute("SET session_replication_role = DEFAULT")
        t = clock()
        for _name, definition in indexes:
            c.execute(definition)
        line(f"  the ledger's {len(indexes)} indexes built again", clock() - t)
        c.execute(
            "INSERT INTO inventory_stockbalance (shop_id, product_id, quantity, cost_amount, last_unit_cost, "
            "last_business_date, updated_at) "
            "SELECT shop_id, product_id, sum(quantity), sum(cost_amount), 70, max(business_date), now() "
            "FROM inventory_stockledgerentry GROUP BY shop_id, product_id"
        )
    return written


def purchasing_setup(today: datetime.date) -> dict:
    """Main suppliers with prices and packs, group defaults, min/max policies, supply from a warehouse,
    300 sent orders of 30 lines."""
    from inventory.models import ProductGroup, Shop

    counts = {}
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO purchasing_supplierproduct (supplier_id, product_id, price_amount, pack_size, is_main) "
            "SELECT s.ids[1 + p.id % array_length(s.ids, 1)], p.id, 50 + (p.id * 37) % 5000, "
            "CASE WHEN p.is_weighted THEN 2.5 ELSE (ARRAY[1, 1, 6, 12])[1 + p.id % 4] END, true "
            "FROM inventory_product p, (SELECT array_agg(id ORDER BY id) AS ids FROM inventory_supplier) s"
        )
        counts["supplier products"] = c.rowcount
        c.execute(
            "INSERT INTO purchasing_reorderpolicy (shop_id, product_id, method, min_quantity, max_quantity, "
            "is_active) SELECT s.id, p.id, 'minmax', 2, 10 + p.id % 20, true "
            "FROM inventory_shop s CROSS JOIN inventory_product p "
            "WHERE s.format <> 'transit' AND (p.id * 31 + s.id) % 20 = 0"
        )
        counts["min/max policies"] = c.rowcount
    roots = list(ProductGroup.objects.get_root_nodes().order_by("path"))
    from purchasing.models import ReorderGroupDefault, SupplySource

    ReorderGroupDefault.objects.bulk_create(
        [ReorderGroupDefault(group=g, history_days=WINDOW, safety_days=2 + i % 3) for i, g in enumerate(roots)]
    )
    shops = list(Shop.objects.trading().order_by("code"))
    warehouse = shops[0]
    SupplySource.objects.bulk_create([SupplySource(shop=s, group=roots[0], warehouse=warehouse) for s in shops[-10:]])
    counts["supplied from a warehouse"] = 10
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO purchasing_purchaseorder (number, shop_id, supplier_id, status, business_date, "
            "expected_date, comment, created_at, sent_at) "
            "SELECT 'PO-B-' || g, sh.ids[1 + g %% array_length(sh.ids, 1)], su.ids[1 + g %% array_length(su.ids, 1)], "
            "'sent', %s::date - 2, %s::date + 1, '', now(), now() FROM generate_series(1, 300) g, "
            "(SELECT array_agg(id ORDER BY id) AS ids FROM inventory_shop WHERE format <> 'transit') sh, "
            "(SELECT array_agg(id ORDER BY id) AS ids FROM inventory_supplier) su",
            [today, today],
        )
        c.execute(
            "INSERT INTO purchasing_purchaseorderline (order_id, product_id, quantity, price_amount, pack_size, "
            "received_quantity) SELECT o.id, sp.product_id, 12, 100, 1, 0 FROM purchasing_purchaseorder o "
            "JOIN LATERAL (SELECT product_id FROM purchasing_supplierproduct WHERE supplier_id = o.supplier_id "
            "ORDER BY product_id OFFSET (o.id % 50) LIMIT 30) sp ON true WHERE o.number LIKE 'PO-B-%'"
        )
        counts["sent order lines"] = c.rowcount
    return counts


BASELINE_SQL = """
CREATE TEMP TABLE bench_baseline AS
WITH days AS (SELECT generate_series(1, %(n)s) AS off),
mv AS (
    SELECT shop_id, product_id, (%(day)s::date - business_date) AS off, sum(quantity) AS net,
        sum(CASE WHEN kind IN ('sale', 'sale_return') THEN -quantity ELSE 0 END) AS sold
    FROM inventory_stockledgerentry WHERE business_date >= %(day)s::date - %(n)s
    GROUP BY shop_id, product_id, business_date
),
later AS (SELECT shop_id, product_id, sum(net) AS q FROM mv WHERE off <= 0 GROUP BY shop_id, product_id),
pairs AS (
    SELECT b.shop_id, b.product_id, b.quantity - coalesce(l.q, 0) AS level
    FROM inventory_stockbalance b LEFT JOIN later l ON l.shop_id = b.shop_id AND l.product_id = b.product_id
),
cal AS (
    SELECT p.shop_id, p.product_id, p.level, d.off, coalesce(m.net, 0) AS net, coalesce(m.sold, 0) AS sold
    FROM pairs p CROSS JOIN days d
    LEFT JOIN mv m ON m.shop_id = p.shop_id AND m.product_id = p.product_id AND m.off = d.off
),
opening AS (
    SELECT shop_id, product_id, sold,
        level - sum(net) OVER (PARTITION BY shop_id, product_id ORDER BY off) AS opening
    FROM cal
)
SELECT shop_id, product_id, sum(sold) AS sold,
    sum(CASE WHEN opening > 0 OR sold > 0 THEN 1 ELSE 0 END) AS in_stock
FROM opening GROUP BY shop_id, product_id
"""


def main():
    if connection.vendor != "postgresql":
        print("bench/reorder.py measures PostgreSQL: set DATABASE_URL to a scratch PostgreSQL database.")
        return
    from django.db.models import Count
    from django.utils import timezone

    line("seed 20,000 products, 36 shops, 200 suppliers", chain_seed())
    today = timezone.localdate()
    t = clock()
    rows = history_write(today)
    line(f"a year of sales in the stock ledger ({DAYS} days)", clock() - t, f"{rows:,} ledger rows")
    t = clock()
    counts = purchasing_setup(today)
    line("suppliers' products, policies, warehouses, sent orders", clock() - t, str(counts))
    t = clock()
    analyze()
    line("ANALYZE", clock() - t)

    from purchasing.models import ReorderProposal
    from purchasing.services.reorder import reorder_run

    t = clock()
    run = reorder_run(run_date=today)
    service = clock() - t
    line(
        "reorder run: 720,000 pairs -> proposals, draft orders, transfers",
        service,
        f"{run.pairs:,} pairs, {run.proposals:,} proposals, {run.orders:,} orders, {run.transfers} transfers",
    )
    t = clock()
    run = reorder_run(run_date=today)
    line("the same run again (replaces the drafts of the first)", clock() - t, f"{run.proposals:,} proposals")

    with connection.cursor() as c:
        c.execute("DROP TABLE IF EXISTS bench_baseline")
        t = clock()
        c.execute(BASELINE_SQL, {"n": WINDOW, "day": today})
        baseline = clock() - t
        line("plain SQL baseline: sales and in-stock days, dense calendar", baseline, f"{c.rowcount:,} pairs")
        c.execute(
            "SELECT count(*), sum(CASE WHEN b.in_stock = p.in_stock_days AND b.sold = p.sold_quantity "
            "THEN 1 ELSE 0 END) FROM purchasing_reorderproposal p "
            "JOIN bench_baseline b ON b.shop_id = p.shop_id AND b.product_id = p.product_id "
            "WHERE p.run_id = %s AND p.history_days = %s",
            [run.pk, WINDOW],
        )
        compared, agreeing = c.fetchone()
    print(f"{'proposals checked against the baseline':<64} {agreeing:,} of {compared:,} agree", flush=True)
    print(f"{'ratio run / baseline':<64} {service / baseline:8.2f}", flush=True)
    outcomes = ReorderProposal.objects.filter(run=run).values_list("outcome").annotate(n=Count("id"))
    print(f"{'proposals by outcome':<64} {dict(outcomes)}", flush=True)


if __name__ == "__main__":
    main()
