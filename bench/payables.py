"""Settlement benchmarks on PostgreSQL: 200 suppliers x 36 shops. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_payables_bench .venv/bin/python bench/payables.py

The scratch database is flushed and seeded (36 shops, 200 suppliers, a few products), then
BENCH_PAYABLE_RECEIPTS goods receipts (default 2,000) over the last 180 days and a payment for about
half of them are posted through the services (each one its own transaction, as the admin does). Then
it times the aging of every supplier and shop at a date, the payment calendar, the supplier list's
figures, the statements of all 200 suppliers for a quarter (figures, then Excel and PDF zips).
"""

import datetime
import io
import os
import random
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/retail_payables_bench")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

RECEIPTS = int(os.environ.get("BENCH_PAYABLE_RECEIPTS", "2000"))
PDF_SUPPLIERS = int(os.environ.get("BENCH_PDF_SUPPLIERS", "200"))


def clock():
    return time.perf_counter()


def line(label, seconds, extra=""):
    print(f"{label:<58} {seconds:8.2f} s  {extra}", flush=True)


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
        print("bench/payables.py measures PostgreSQL: set DATABASE_URL to a scratch PostgreSQL database.")
        return
    reuse = os.environ.get("BENCH_REUSE") == "1"  # time the reads again on the data of the last run
    if not reuse:
        ensure_database()
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", verbosity=0)
        t = clock()
        call_command("seed_demo", products=50, shops=36, suppliers=200, days=0, stdout=io.StringIO())
        line("seed 36 shops, 200 suppliers", clock() - t)

    from django.contrib.auth import get_user_model

    from inventory.models import GoodsReceipt, GoodsReceiptLine, Product, Shop, Supplier
    from inventory.services import goods_receipt_post
    from purchasing.admin_reports import _render_one, statement_data
    from purchasing.models import Payable, PaymentMethod
    from purchasing.services.settlements import supplier_payment_create
    from purchasing.settlement_selectors import aging, payment_calendar, statements, supplier_figures_annotate

    user = get_user_model().objects.get(username="admin")
    shops = list(Shop.objects.trading().order_by("code"))
    suppliers = list(Supplier.objects.order_by("pk"))
    products = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    rng = random.Random(13)
    today = timezone.localdate()
    start = today - datetime.timedelta(days=180)

    drafts = []
    for n in range(0 if reuse else RECEIPTS):
        day = start + datetime.timedelta(days=n * 180 // RECEIPTS)
        document = GoodsReceipt.objects.create(
            shop=rng.choice(shops),
            supplier=rng.choice(suppliers),
            business_date=day,
            created_by=user,
            supplier_invoice_number=f"INV-{n}",
            supplier_invoice_date=day,
        )
        GoodsReceiptLine.objects.create(
            document=document,
            product_id=rng.choice(products),
            quantity=Decimal(rng.randint(1, 40)),
            price_amount=Decimal(rng.randint(500, 50000)) / 10,
        )
        drafts.append(document)
    t = clock()
    for document in drafts:
        goods_receipt_post(document_id=document.pk, actor=user)
    seconds = clock() - t
    if drafts:
        line(f"post {RECEIPTS:,} goods receipts (each a debt)", seconds, f"{RECEIPTS / seconds:,.0f} per second")

    t = clock()
    paid = 0
    for document in drafts[::2]:
        if document.business_date > today - datetime.timedelta(days=20):
            continue
        supplier_payment_create(
            supplier_id=document.supplier_id,
            shop_id=document.shop_id,
            amount=Decimal(rng.randint(500, 60000)) / 10,
            business_date=document.business_date + datetime.timedelta(days=rng.randint(5, 20)),
            method=PaymentMethod.BANK,
            bank_reference=f"PP-{paid}",
            actor=user,
            post=True,
        )
        paid += 1
    seconds = clock() - t
    if paid:
        line(f"post {paid:,} payments (allocated oldest first)", seconds, f"{paid / seconds:,.0f} per second")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def timed_aging(note):
        for label, day in (("today", today), ("90 days ago", today - datetime.timedelta(days=90))):
            t = clock()
            rows = aging(on=day)
            line(f"aging at {label} ({note})", clock() - t, f"{len(rows):,} rows")

    timed_aging(f"{Payable.objects.count():,} items")
    # A year of a 36-shop chain has ~40,000 receipts; several years, more. Open items in bulk (SQL, not the
    # services: this measures the aging query, not posting), each debt half settled by a credit.
    extra = int(os.environ.get("BENCH_PAYABLE_ITEMS", "200000"))
    posting_id = Payable.objects.values_list("posting_id", flat=True).first()
    if Payable.objects.filter(source_type="bench").exists():
        extra = 0  # a reused database has them already
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO purchasing_payable (supplier_id, shop_id, side, kind, source_type, source_id, source_line_id,
                document_number, business_date, due_date, amount, settled_amount, is_cancelled, posting_id)
            SELECT s.ids[1 + g %% array_length(s.ids, 1)], p.ids[1 + (g / 7) %% array_length(p.ids, 1)],
                CASE WHEN g %% 2 = 0 THEN 'debt' ELSE 'credit' END, 'opening', 'bench', g, 0, 'B-' || g,
                %s::date - (g %% 720), %s::date - (g %% 720) + 14, 1000 + g %% 997, 0, false, %s
            FROM generate_series(1, %s) g,
                (SELECT array_agg(id ORDER BY id) ids FROM inventory_supplier) s,
                (SELECT array_agg(id ORDER BY id) ids FROM inventory_shop WHERE format <> 'transit') p
            """,
            [today, today, posting_id, extra],
        )
        cursor.execute("ANALYZE purchasing_payable")  # autovacuum is off here: the join below needs the stats
        cursor.execute(
            """
            INSERT INTO purchasing_payableallocation (debt_id, credit_id, amount, business_date, is_manual, created_at)
            SELECT d.id, c.id, 500, d.business_date, false, now()
            FROM purchasing_payable d JOIN purchasing_payable c
              ON c.source_type = 'bench' AND c.source_id = d.source_id + 1
            WHERE d.source_type = 'bench' AND d.side = 'debt' AND %s > 0
            """,
            [extra],
        )
        cursor.execute("ANALYZE")
    timed_aging(f"{Payable.objects.count():,} items")
    t = clock()
    calendar = payment_calendar(start=today, days=28)
    line("payment calendar, 4 weeks", clock() - t, f"{sum(len(d.rows) for d in calendar.days):,} dues")
    t = clock()
    listed = list(supplier_figures_annotate(Supplier.objects.order_by("name")[:100], on=today))
    line("supplier list figures (100 suppliers, one query)", clock() - t, f"{len(listed)} rows")

    quarter = (today - datetime.timedelta(days=90), today)
    ids = [s.pk for s in suppliers]
    t = clock()
    results = statements(supplier_ids=ids, date_from=quarter[0], date_to=quarter[1])
    line(
        "statements of 200 suppliers for a quarter (figures)",
        clock() - t,
        f"{sum(len(r.lines) for r in results):,} lines",
    )
    for fmt, count in (("xlsx", len(results)), ("pdf", min(PDF_SUPPLIERS, len(results)))):
        out = io.BytesIO()
        t = clock()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
            for result in results[:count]:
                zipped.writestr(f"{result.supplier.pk}.{fmt}", _render_one(statement_data(result), fmt))
        line(f"zip of {count} statements as {fmt}", clock() - t, f"{len(out.getvalue()) / 1024 / 1024:.1f} MB")


if __name__ == "__main__":
    main()
