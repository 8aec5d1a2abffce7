"""Till API benchmarks against a real gunicorn server on PostgreSQL. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench .venv/bin/python bench/sales.py

Flushes and seeds the database (20,000 items, 36 shops), starts gunicorn on 127.0.0.1
(2 sync workers: the machine has 2 cores) and drives it from separate client processes:
single receipts of 5 lines from 2 concurrent tills; batches of 100 such receipts from 2
tills; a full catalogue pull. Beside each write figure, the rate at which hand-written SQL
writes the same rows (receipt, 5 lines, 5 ledger rows, 5 balance updates, a posting, a
payment and the drawer's cash row) into the same tables in the same run, as a ratio. Then a year of one shop's sales
(BENCH_YEAR_RECEIPTS_PER_DAY, default 600, written with SQL) and the time of the one-year
sales report of that shop.
"""

import datetime
import http.client
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/retail_bench")

PORT = int(os.environ.get("BENCH_PORT", "8765"))
SINGLE = int(os.environ.get("BENCH_SINGLE_RECEIPTS", "500"))  # per client
BATCHES = int(os.environ.get("BENCH_BATCHES", "10"))  # per client, 100 receipts each
CLIENTS = 2


def clock():
    return time.perf_counter()


def line(label, value, unit, extra=""):
    print(f"{label:<62} {value:10.1f} {unit:<12} {extra}", flush=True)


# --- the client side (separate processes) --------------------------------------------------------


def _receipt(sequence: int, items) -> dict:
    lines = [{"barcode": code, "quantity": "1", "price": str(price), "amount": str(price)} for code, price in items]
    total = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": sequence,
        "till_time": datetime.datetime.now(datetime.UTC).isoformat(),
        "lines": lines,
        "payments": [{"type": "cash", "amount": str(total)}],
    }


def _post(conn, token, path, body):
    conn.request("POST", path, json.dumps(body), {"Authorization": f"Till {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status not in (200, 201):
        raise RuntimeError(f"{response.status}: {data[:300]!r}")
    return json.loads(data)


def client_singles(args):
    token, catalogue, count, seed = args
    rng = random.Random(seed)
    bodies = [_receipt(n, rng.sample(catalogue, 5)) for n in range(1, count + 1)]
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    t = clock()
    for body in bodies:
        _post(conn, token, "/api/v1/till/receipts/", body)
    return clock() - t


def client_batches(args):
    token, catalogue, batches, seed, start = args
    rng = random.Random(seed)
    payloads = [
        {"receipts": [_receipt(start + b * 100 + n, rng.sample(catalogue, 5)) for n in range(100)]}
        for b in range(batches)
    ]
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    t = clock()
    for payload in payloads:
        answer = _post(conn, token, "/api/v1/till/receipts/batch/", payload)
        if answer["created"] != 100:
            raise RuntimeError(json.dumps(answer["results"][:3]))
    return clock() - t


def client_catalogue(args):
    token, page_size = args
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    path = f"/api/v1/till/catalogue/?page_size={page_size}"
    items = pages = 0
    t = clock()
    while path:
        conn.request("GET", path, headers={"Authorization": f"Till {token}"})
        page = json.loads(conn.getresponse().read())
        items += len(page["results"])
        pages += 1
        nxt = page["next"]
        path = nxt[nxt.index("/api/") :] if nxt else None
    return clock() - t, items, pages


# --- the server side ------------------------------------------------------------------------------


def setup_django():
    import django

    django.setup()


def seed():
    from bench.stock import chain_seed

    print(f"seeded 20,000 items and 36 shops in {chain_seed():.1f} s (then ANALYZE)", flush=True)


def tills(count_per_shop):
    from inventory.models import Shop
    from sales.models import Till
    from sales.services import shift_open, till_token_issue

    shops = list(Shop.objects.trading().order_by("code")[:CLIENTS])
    result = []
    for shop in shops:
        for n in range(count_per_shop):
            till = Till.objects.create(code=f"B{shop.code}-{n}-{uuid.uuid4().hex[:6]}", shop=shop, name="bench")
            shift_open(till=till, opening_float=Decimal("0"))
            result.append((till, till_token_issue(till=till)))
    return result


def catalogue_sample(size=4000):
    from inventory.models import Barcode
    from inventory.selectors import prices_in_force

    rng = random.Random(1)
    codes = list(Barcode.objects.values_list("code", "product_id"))
    codes = rng.sample(codes, size)
    from inventory.models import Shop

    zone = Shop.objects.trading().order_by("code").first().price_zone_id
    prices = prices_in_force(zone_id=zone, day=datetime.date.today(), product_ids=[p for _c, p in codes])
    return [(code, prices.get(pid, Decimal("100.00"))) for code, pid in codes], [pid for _c, pid in codes]


def start_server():
    env = {
        **os.environ,
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings.main",
        "SECRET_KEY": "bench-only",
        # The till API starts no task a bench request waits on: no broker needed, on purpose.
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback, no TLS proxy: no redirect to HTTPS; raw throughput: no throttle.
        "SECURE_SSL_REDIRECT": "0",
        "API_THROTTLE_TILL": "off",
        "API_THROTTLE_USER": "off",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}", "--log-level", "warning", "--timeout", "300"],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/api/v1/receipts/")  # 401/403: the server answers
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def plain_sql(catalogue, receipts: int, per_transaction: int, seed: int = 5) -> float:
    """Write `receipts` receipts of 5 lines by hand into the same tables, doing the same work; seconds taken.

    Per transaction, as the service does: lock the till's open shift; the duplicate check
    (UUIDs and numbers already there); the barcodes' products; the prices in force; the
    period lock; balance rows inserted if missing and locked in key order; receipts, lines,
    payments, postings, ledger rows; balances, shift totals and the till's last number.
    Left out: HTTP, JSON parsing and validation, the token lookup, the moving-average cost
    (a fixed cost is written) and the checks of amounts. Ledgers stay equal to balances.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from cash.services import drawer_for_till
    from inventory.models import Shop
    from sales.services import shift_open

    till = till_plain(seed)
    shift = shift_open(till=till, opening_float=Decimal("0"))
    shop_id = till.shop_id
    drawer_id = drawer_for_till(till_id=till.pk, shop_id=shop_id, till_code=till.code).pk
    zone = Shop.objects.filter(pk=shop_id).values_list("price_zone_id", flat=True).get()
    rng = random.Random(seed)
    work = [(n + 1, uuid.uuid4(), rng.sample(catalogue, 5)) for n in range(receipts)]
    today = timezone.localdate()
    t = clock()
    for chunk_start in range(0, receipts, per_transaction):
        chunk = work[chunk_start : chunk_start + per_transaction]
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT id FROM sales_shift WHERE till_id = %s AND closed_at IS NULL FOR UPDATE", [till.pk])
            c.execute(
                "SELECT id, client_uuid, sequence, payload_hash FROM sales_receipt "
                "WHERE till_id = %s AND (client_uuid = ANY(%s::uuid[]) OR sequence = ANY(%s::bigint[]))",
                [till.pk, [u for _s, u, _i in chunk], [s for s, _u, _i in chunk]],
            )
            if c.fetchall():
                raise RuntimeError("duplicates in the plain-SQL run")
            codes = sorted({code for _s, _u, items in chunk for code, _price in items})
            c.execute("SELECT code, product_id FROM inventory_barcode WHERE code = ANY(%s::varchar[])", [codes])
            product_of = dict(c.fetchall())
            c.execute(
                "SELECT DISTINCT ON (product_id) product_id, price_amount FROM inventory_price "
                "WHERE zone_id = %s AND product_id = ANY(%s::bigint[]) AND effective_date <= %s AND is_active "
                "ORDER BY product_id, effective_date DESC, id DESC",
                [zone, sorted(set(product_of.values())), today],
            )
            c.fetchall()
            c.execute(
                "SELECT MAX(lock_date) FROM inventory_periodlock WHERE shop_id IS NULL OR shop_id = %s", [shop_id]
            )
            lines = [
                (s, n + 1, product_of[code], code, price)
                for s, _u, items in chunk
                for n, (code, price) in enumerate(items)
            ]
            products = sorted({p for _s, _n, p, _c, _pr in lines})
            c.execute(
                "INSERT INTO inventory_stockbalance (shop_id, product_id, quantity, cost_amount, last_unit_cost, "
                "updated_at) SELECT %s, p, 0, 0, 0, %s FROM unnest(%s::bigint[]) p "
                "ON CONFLICT (shop_id, product_id) DO NOTHING",
                [shop_id, now, products],
            )
            c.execute(
                "SELECT id, quantity FROM inventory_stockbalance WHERE shop_id = %s AND product_id = ANY(%s::bigint[]) "
                "ORDER BY product_id FOR UPDATE",
                [shop_id, products],
            )
            c.fetchall()
            totals = {s: sum((price for _c, price in items), Decimal(0)) for s, _u, items in chunk}
            c.execute(
                "INSERT INTO sales_receipt (till_id, shop_id, shift_id, kind, client_uuid, sequence, till_time, "
                "business_date, received_at, total_amount, discount_amount, card_number, fiscal_sign, fiscal_number, "
                "payload_hash, negative_stock, price_differs, period_closed, arrived_late) "
                "SELECT %s, %s, %s, 'sale', u, s, %s, %s, %s, t, 0, "
                "'', '', '', 'x', true, false, false, false "
                "FROM unnest(%s::uuid[], %s::bigint[], %s::numeric[]) AS v(u, s, t) RETURNING id, sequence",
                [
                    till.pk,
                    shop_id,
                    shift.pk,
                    now,
                    today,
                    now,
                    [u for _s, u, _i in chunk],
                    [s for s, _u, _i in chunk],
                    [totals[s] for s, _u, _i in chunk],
                ],
            )
            receipt_of = {sequence: rid for rid, sequence in c.fetchall()}
            c.execute(
                "INSERT INTO sales_receiptline (receipt_id, line_no, product_id, barcode, quantity, price_amount, "
                "discount_amount, amount, our_price_amount) SELECT r, n, p, b, 1, a, 0, a, a "
                "FROM unnest(%s::bigint[], %s::int[], %s::bigint[], %s::varchar[], %s::numeric[]) AS v(r, n, p, b, a) "
                "RETURNING id",
                [
                    [receipt_of[s] for s, *_r in lines],
                    [n for _s, n, *_r in lines],
                    [p for _s, _n, p, *_r in lines],
                    [code for *_r, code, _pr in lines],
                    [price for *_r, price in lines],
                ],
            )
            line_ids = [row[0] for row in c.fetchall()]
            c.execute(
                "INSERT INTO sales_receiptpayment (receipt_id, type, amount) "
                "SELECT r, 'cash', t FROM unnest(%s::bigint[], %s::numeric[]) AS v(r, t)",
                [[receipt_of[s] for s, _u, _i in chunk], [totals[s] for s, _u, _i in chunk]],
            )
            c.execute(
                "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
                "SELECT 'receipt', r, %s || '/' || s, 'post', %s FROM unnest(%s::bigint[], %s::bigint[]) AS v(r, s) "
                "RETURNING id, document_id",
                [till.code, now, [receipt_of[s] for s, _u, _i in chunk], [s for s, _u, _i in chunk]],
            )
            posting_of = {doc: pid for pid, doc in c.fetchall()}
            c.execute(
                "INSERT INTO inventory_stockledgerentry (shop_id, product_id, business_date, quantity, cost_amount, "
                "kind, source_type, source_id, source_line_id, posting_id, cost_is_fixed, cost_provisional, created_at) "
                "SELECT %s, p, %s, -1, -70, 'sale', 'receipt', r, l, g, false, true, %s "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[]) AS v(p, r, l, g)",
                [
                    shop_id,
                    today,
                    now,
                    [p for _s, _n, p, *_r in lines],
                    [receipt_of[s] for s, *_r in lines],
                    line_ids,
                    [posting_of[receipt_of[s]] for s, *_r in lines],
                ],
            )
            c.execute(
                "UPDATE inventory_stockbalance b SET quantity = b.quantity - v.q, cost_amount = b.cost_amount - 70 * v.q, "
                "last_business_date = %s, updated_at = %s "
                "FROM (SELECT p, count(*) AS q FROM unnest(%s::bigint[]) p GROUP BY p) AS v "
                "WHERE b.shop_id = %s AND b.product_id = v.p",
                [today, now, [p for _s, _n, p, *_r in lines], shop_id],
            )
            c.execute(
                "UPDATE sales_shift SET receipts_count = receipts_count + %s, sales_amount = sales_amount + %s "
                "WHERE id = %s",
                [len(chunk), sum(totals.values(), Decimal(0)), shift.pk],
            )
            c.execute(
                "UPDATE sales_till SET last_upload_at = %s, last_sequence = GREATEST(last_sequence, %s) WHERE id = %s",
                [now, chunk[-1][0], till.pk],
            )
            # The drawer's cash: one ledger row per receipt, its balance locked and updated once.
            c.execute("SELECT id FROM cash_cashbalance WHERE location_id = %s FOR UPDATE", [drawer_id])
            ids = [receipt_of[s] for s, _u, _i in chunk]
            c.execute(
                "INSERT INTO cash_cashledgerentry (location_id, amount, business_date, kind, source_type, source_id, "
                "source_line_id, posting_id, created_at) "
                "SELECT %s, t, %s, 'sale', 'receipt', r, r, g, %s "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[]) AS v(r, g, t)",
                [drawer_id, today, now, ids, [posting_of[r] for r in ids], [totals[s] for s, _u, _i in chunk]],
            )
            c.execute(
                "UPDATE cash_cashbalance SET amount = amount + %s, updated_at = %s WHERE location_id = %s",
                [sum(totals.values(), Decimal(0)), now, drawer_id],
            )
    return clock() - t


def client_plain(args):
    """A plain-SQL client in its own process (its own connection), like a till's request on the server."""
    catalogue, receipts, per_transaction, seed = args
    setup_django()
    from django.db import connection

    try:
        return plain_sql(catalogue, receipts, per_transaction, seed)
    finally:
        connection.close()


def till_plain(index: int = 0):
    """A till of its own shop per plain-SQL client (ours: one till in each of two shops)."""
    from inventory.models import Shop
    from sales.models import Till

    shop = Shop.objects.trading().order_by("code")[4 + index]
    return Till.objects.create(code=f"PLAIN-{uuid.uuid4().hex[:6]}", shop=shop, name="plain SQL")


def main():
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench/sales.py measures PostgreSQL: set DATABASE_URL to a scratch PostgreSQL database.")
        return
    if os.environ.get("BENCH_SKIP_SEED") != "1":
        seed()
    catalogue, product_ids = catalogue_sample()
    connection.close()
    server = start_server()
    try:
        run(catalogue, product_ids)
    finally:
        server.terminate()
        server.wait()


def plain_rate(pool, catalogue, receipts: int, per_transaction: int) -> float:
    """Receipts per second of the plain-SQL path: CLIENTS processes at once, like the tills."""
    # Each client times its own writes (not its process start); the slower one sets the wall time.
    seconds = pool.map(client_plain, [(catalogue, receipts, per_transaction, i) for i in range(CLIENTS)])
    return CLIENTS * receipts / max(seconds)


def run(catalogue, product_ids):
    from django.db import connection

    pool = multiprocessing.get_context("spawn").Pool(CLIENTS)
    # Warm up both workers (imports, connections).
    warm = tills(1)
    pool.map(client_singles, [(token, catalogue, 5, 100 + i) for i, (_t, token) in enumerate(warm)])

    singles = tills(1)
    t = clock()
    pool.map(client_singles, [(token, catalogue, SINGLE, i) for i, (_t, token) in enumerate(singles)])
    wall = clock() - t
    single_rate = CLIENTS * SINGLE / wall
    plain_single_rate = plain_rate(pool, catalogue, SINGLE, 1)
    line(
        f"single receipts, 5 lines, {CLIENTS} clients ({CLIENTS * SINGLE})",
        single_rate,
        "receipts/s",
        f"plain SQL {plain_single_rate:.0f}/s; ours/plain {single_rate / plain_single_rate:.2f} (target >= 0.5)",
    )

    batch_tills = tills(1)
    t = clock()
    pool.map(client_batches, [(token, catalogue, BATCHES, 10 + i, 1) for i, (_t, token) in enumerate(batch_tills)])
    wall = clock() - t
    batch_rate = CLIENTS * BATCHES * 100 / wall
    plain_batch_rate = plain_rate(pool, catalogue, BATCHES * 100, 100)
    line(
        f"batches of 100 receipts, {CLIENTS} clients ({CLIENTS * BATCHES * 100})",
        batch_rate,
        "receipts/s",
        f"plain SQL {plain_batch_rate:.0f}/s; ours/plain {batch_rate / plain_batch_rate:.2f} (target >= 0.8)",
    )

    from sales.models import Shift

    till, token = batch_tills[0]
    shift = Shift.objects.get(till=till, closed_at__isnull=True)
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    t = clock()
    closed = _post(conn, token, f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "0.00"})
    line(f"close a shift of {closed['z_report']['receipts_count']} receipts (Z-report)", (clock() - t) * 1000, "ms")

    seconds, items, pages = pool.apply(client_catalogue, [(singles[0][1], 1000)])
    line(f"full catalogue pull ({items} items, {pages} pages of 1,000)", seconds, "s")
    seconds, items, pages = pool.apply(client_catalogue, [(singles[0][1], 5000)])
    line(f"full catalogue pull ({items} items, {pages} pages of 5,000)", seconds, "s")
    pool.close()

    from inventory.services.checks import stock_ledger_differences

    _checked, differences = stock_ledger_differences()
    print(f"ledger check after the run: {len(differences)} differences", flush=True)
    connection.close()
    year_report()
    from inventory.services.checks import ledgers_check

    t = clock()
    run = ledgers_check()
    line(
        f"check_ledgers after the year ({run.pairs_checked} balances): {run.differences} differences",
        clock() - t,
        "s",
    )


def year_report():
    """A year of one shop's sales written with SQL, then the one-year sales reports of that shop, timed."""
    from django.db import connection

    from inventory.models import Shop
    from reports.jobs import _render
    from reports.registry import get
    from sales.models import Till
    from sales.services import shift_open

    per_day = int(os.environ.get("BENCH_YEAR_RECEIPTS_PER_DAY", "600"))
    shop = Shop.objects.trading().order_by("code")[3]
    till = Till.objects.create(code=f"YEAR-{uuid.uuid4().hex[:6]}", shop=shop, name="a year of sales")
    shift = shift_open(till=till, opening_float=Decimal("0"))
    end = datetime.date.today()
    start = end - datetime.timedelta(days=364)
    count = per_day * 365
    t = clock()
    with connection.cursor() as c:
        c.execute("SELECT array_agg(id ORDER BY id) FROM inventory_product")
        products = c.fetchone()[0]
        # The shop's balance rows first: the year's rows are added to them (ledgers stay equal to balances).
        c.execute(
            "INSERT INTO inventory_stockbalance (shop_id, product_id, quantity, cost_amount, last_unit_cost, updated_at) "
            "SELECT %s, p, 0, 0, 0, now() FROM unnest(%s::bigint[]) p ON CONFLICT (shop_id, product_id) DO NOTHING",
            [shop.pk, products],
        )
        c.execute(
            "INSERT INTO sales_receipt (till_id, shop_id, shift_id, kind, client_uuid, sequence, till_time, "
            "business_date, received_at, total_amount, discount_amount, card_number, fiscal_sign, fiscal_number, "
            "payload_hash, negative_stock, price_differs, period_closed, arrived_late) "
            "SELECT %s, %s, %s, 'sale', gen_random_uuid(), g, t, t::date, t, 500, 0, '', '', '', '', "
            "false, false, false, false "
            "FROM generate_series(1, %s) g, "
            "LATERAL (SELECT (%s::date + ((g - 1) / %s) * interval '1 day' + interval '3 hours' "
            "+ ((g - 1) %% %s) * (interval '12 hours' / %s))::timestamptz AS t) x",
            [till.pk, shop.pk, shift.pk, count, start, per_day, per_day, per_day],
        )
        c.execute(
            "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
            "SELECT 'receipt', id, id::text, 'post', now() FROM sales_receipt WHERE till_id = %s",
            [till.pk],
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
            "SELECT %s, l.product_id, r.business_date, -1, -70, 'sale', 'receipt', r.id, l.id, p.id, false, false, now() "
            "FROM sales_receiptline l JOIN sales_receipt r ON r.id = l.receipt_id "
            "JOIN inventory_posting p ON p.document_type = 'receipt' AND p.document_id = r.id WHERE r.till_id = %s",
            [shop.pk, till.pk],
        )
        c.execute(
            "UPDATE inventory_stockbalance b SET quantity = b.quantity + s.q, cost_amount = b.cost_amount + s.c "
            "FROM (SELECT product_id, sum(quantity) q, sum(cost_amount) c FROM inventory_stockledgerentry "
            "WHERE source_type = 'receipt' AND shop_id = %s AND source_id IN "
            "(SELECT id FROM sales_receipt WHERE till_id = %s) GROUP BY product_id) s "
            "WHERE b.shop_id = %s AND b.product_id = s.product_id",
            [shop.pk, till.pk, shop.pk],
        )
        c.execute("ANALYZE")
    line(f"a year of one shop written with SQL ({count} receipts, {count * 5} lines)", clock() - t, "s")
    params = {"shop_id": shop.pk, "date_from": start.isoformat(), "date_to": end.isoformat()}
    for report in ("sales_by_product", "receipts_by_day", "sales_by_hour"):
        t = clock()
        data = get(report).build(params)
        with tempfile.TemporaryFile() as output:
            rows = _render("xlsx", data, lambda n: None, output)
        line(f"one-year report of one shop: {report} (Excel, {rows} rows)", clock() - t, "s")


if __name__ == "__main__":
    main()
