"""Loyalty points benchmarks on PostgreSQL against a real gunicorn server. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench .venv/bin/python bench/loyalty.py

Seeds the chain (20,000 items, 36 shops; BENCH_SKIP_SEED=1 keeps an existing one), then
BENCH_ACCOUNTS (default 500,000) customers with accounts, cards and a spendable balance,
written with SQL. Measures: lookup by card and by phone (in process, median and 99th
percentile); the basket preview over HTTP (median and 99th percentile); batches of 100
receipts of 5 lines with a loyalty card on every receipt from 2 tills, beside the rate at
which hand-written SQL writes the same rows (bench/sales.py's receipt, lines, stock, cash,
plus the points: balance locks, receipt points, account purchase, ledger row, balance) in
the same run; the daily activation and expiry run over BENCH_DUE accounts with points due.
"""

import datetime
import http.client
import json
import os
import random
import statistics
import sys
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/retail_bench")

from bench.sales import (  # noqa: E402  (after the path and settings above)
    CLIENTS,
    PORT,
    _post,
    catalogue_sample,
    clock,
    line,
    plain_sql,
    seed,
    setup_django,
    start_server,
    tills,
)

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "500000"))
BATCHES = int(os.environ.get("BENCH_BATCHES", "10"))  # per client, 100 receipts each
DUE = int(os.environ.get("BENCH_DUE", "100000"))
CARD_BASE = 2_000_000_000_000


def card_of(n: int) -> str:
    return str(CARD_BASE + n)


def phone_of(n: int) -> str:
    return f"+7700{n:07d}"


def accounts_seed(count: int) -> float:
    """Customers, accounts, cards and a 500-point spendable balance each (one migration lot), with SQL."""
    from django.db import connection
    from django.utils import timezone

    from loyalty.models import Tier

    Tier.objects.get_or_create(
        code="silver", defaults={"name": "Silver", "rank": 0, "accrual_percent": 5, "max_redeem_percent": 30}
    )
    tier_id = Tier.objects.get(code="silver").pk
    today = timezone.localdate()
    t = clock()
    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM loyalty_customer")
        start = c.fetchone()[0]
        c.execute(
            "INSERT INTO loyalty_customer (phone, name, email, language, channel, status, created_at) "
            "SELECT '+7700' || lpad(g::text, 7, '0'), 'Customer ' || g, '', 'ru', 'shop', 'active', now() "
            "FROM generate_series(%s, %s) g",
            [start + 1, start + count],
        )
        c.execute(
            "INSERT INTO loyalty_loyaltyaccount (customer_id, tier_id, created_at) "
            "SELECT id, %s, now() FROM loyalty_customer WHERE id > %s",
            [tier_id, start],
        )
        c.execute(
            "INSERT INTO loyalty_card (number, kind, status, account_id, batch, issued_at) "
            "SELECT (%s::bigint + substr(c.phone, 6)::bigint)::text, 'plastic', 'active', a.id, 'bench', now() "
            "FROM loyalty_loyaltyaccount a JOIN loyalty_customer c ON c.id = a.customer_id WHERE c.id > %s",
            [CARD_BASE, start],
        )
        c.execute(
            "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
            "VALUES ('points_migration', 0, 'PM-BENCH', 'post', now()) RETURNING id"
        )
        posting = c.fetchone()[0]
        c.execute(
            "INSERT INTO loyalty_pointsledgerentry (account_id, active, pending, debt, kind, available_on, expires_on, "
            "business_date, source_type, source_id, source_line_id, posting_id, created_at) "
            "SELECT a.id, 500, 0, 0, 'migration', %s, %s, %s, 'points_migration', 0, a.id, %s, now() "
            "FROM loyalty_loyaltyaccount a WHERE a.customer_id > %s",
            [today, today + datetime.timedelta(days=365), today, posting, start],
        )
        c.execute(
            "INSERT INTO loyalty_pointsbalance (account_id, active, pending, debt, updated_at) "
            "SELECT a.id, 500, 0, 0, now() FROM loyalty_loyaltyaccount a WHERE a.customer_id > %s",
            [start],
        )
        c.execute("ANALYZE")
    return clock() - t


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def lookups(count: int = 2000) -> None:
    from django.db import connection

    from loyalty.selectors.points import account_find

    connection.ensure_connection()
    rng = random.Random(3)
    for label, kwargs in (
        ("card", lambda n: {"card": card_of(n)}),
        ("phone", lambda n: {"phone": phone_of(n)}),
    ):
        samples = []
        for _ in range(count):
            n = rng.randint(1, ACCOUNTS)
            t = clock()
            found = account_find(**kwargs(n))
            samples.append((clock() - t) * 1000)
            assert found is not None
        median, p99 = percentiles(samples)
        line(f"lookup by {label} at {ACCOUNTS} accounts (in process)", median, "ms median", f"p99 {p99:.2f} ms")


def _receipt(sequence: int, items, card: str) -> dict:
    lines = [{"barcode": code, "quantity": "1", "price": str(price), "amount": str(price)} for code, price in items]
    total = sum((Decimal(x["amount"]) for x in lines), Decimal(0))
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": sequence,
        "till_time": datetime.datetime.now(datetime.UTC).isoformat(),
        "lines": lines,
        "payments": [{"type": "cash", "amount": str(total)}],
        "card_number": card,
    }


def client_card_batches(args):
    token, catalogue, batches, seed_value = args
    rng = random.Random(seed_value)
    payloads = [
        {
            "receipts": [
                _receipt(1 + b * 100 + n, rng.sample(catalogue, 5), card_of(rng.randint(1, ACCOUNTS)))
                for n in range(100)
            ]
        }
        for b in range(batches)
    ]
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    t = clock()
    for payload in payloads:
        answer = _post(conn, token, "/api/v1/till/receipts/batch/", payload)
        if answer["created"] != 100:
            raise RuntimeError(json.dumps(answer["results"][:3]))
    return clock() - t


def client_previews(args):
    token, catalogue, count, seed_value = args
    rng = random.Random(seed_value)
    conn = http.client.HTTPConnection("127.0.0.1", PORT)
    samples = []
    for _ in range(count):
        body = {
            "card_number": card_of(rng.randint(1, ACCOUNTS)),
            "lines": [{"barcode": code, "amount": str(price)} for code, price in rng.sample(catalogue, 5)],
            "points": "10",
        }
        t = clock()
        _post(conn, token, "/api/v1/till/loyalty/preview/", body)
        samples.append((clock() - t) * 1000)
    return samples


def plain_points(receipts: int, per_transaction: int, seed_value: int) -> float:
    """The points rows of `receipts` card receipts by hand, `per_transaction` at a time; seconds taken.

    As the service does per transaction: the accounts by card, balance rows inserted if missing
    and locked in order, the lots read, the products' exclusion flags, then the receipt points
    rows, account purchases, ledger rows and one balance update.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    rng = random.Random(seed_value)
    today = timezone.localdate()
    with connection.cursor() as c:
        # Receipt ids of their own (no sales rows: those are timed by plain_sql), new on every run.
        c.execute("SELECT COALESCE(MAX(receipt_id), 0) FROM loyalty_receiptpoints WHERE receipt_id > %s", [10**12])
        base = max(c.fetchone()[0], 10**12) + 1 + seed_value * 10**7
    work = [(base + n, card_of(rng.randint(1, ACCOUNTS))) for n in range(receipts)]
    with connection.cursor() as c:
        c.execute("SELECT id FROM inventory_shop ORDER BY id LIMIT 1")
        shop_id = c.fetchone()[0]
        c.execute(
            "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
            "VALUES ('receipt', 0, 'PLAIN', 'post', now()) RETURNING id"
        )
        posting = c.fetchone()[0]
    t = clock()
    for start in range(0, receipts, per_transaction):
        chunk = work[start : start + per_transaction]
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "SELECT number, account_id FROM loyalty_card WHERE number = ANY(%s::varchar[]) AND status = 'active'",
                [[card for _r, card in chunk]],
            )
            account_of = dict(c.fetchall())
            accounts = sorted(set(account_of.values()))
            c.execute(
                "INSERT INTO loyalty_pointsbalance (account_id, active, pending, debt, updated_at) "
                "SELECT a, 0, 0, 0, %s FROM unnest(%s::bigint[]) a ON CONFLICT (account_id) DO NOTHING",
                [now, accounts],
            )
            c.execute(
                "SELECT id FROM loyalty_pointsbalance WHERE account_id = ANY(%s::bigint[]) ORDER BY account_id FOR UPDATE",
                [accounts],
            )
            c.execute(
                "SELECT account_id, available_on, expires_on, SUM(active), SUM(pending) FROM loyalty_pointsledgerentry "
                "WHERE account_id = ANY(%s::bigint[]) GROUP BY 1, 2, 3",
                [accounts],
            )
            c.fetchall()
            c.execute("SELECT id FROM inventory_product WHERE excluded_from_discounts LIMIT 5")
            ids = [r for r, _card in chunk]
            owners = [account_of[card] for _r, card in chunk]
            c.execute(
                "INSERT INTO loyalty_receiptpoints (receipt_id, account_id, shop_id, business_date, eligible_amount, "
                "accrued, paid, available_on, expires_on, active_after, pending_after, pending_lots, created_at) "
                "SELECT r, a, %s, %s, 500, 25, 0, %s, %s, 0, 25, '[]'::jsonb, %s "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(r, a)",
                [shop_id, today, today, today, now, ids, owners],
            )
            c.execute(
                "INSERT INTO loyalty_accountpurchase (account_id, shop_id, business_date, amount, receipt_id, channel, "
                "created_at) SELECT a, %s, %s, 500, r, 'shop', %s FROM unnest(%s::bigint[], %s::bigint[]) AS v(r, a)",
                [shop_id, today, now, ids, owners],
            )
            c.execute(
                "INSERT INTO loyalty_pointsledgerentry (account_id, active, pending, debt, kind, available_on, expires_on, "
                "business_date, source_type, source_id, source_line_id, posting_id, created_at) "
                "SELECT a, 0, 25, 0, 'accrual', %s, %s, %s, 'receipt', r, r, %s, %s "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(r, a)",
                [
                    today + datetime.timedelta(days=14),
                    today + datetime.timedelta(days=379),
                    today,
                    posting,
                    now,
                    ids,
                    owners,
                ],
            )
            c.execute(
                "UPDATE loyalty_pointsbalance b SET pending = b.pending + v.p, updated_at = %s "
                "FROM (SELECT a, 25 * count(*) AS p FROM unnest(%s::bigint[]) a GROUP BY a) v WHERE b.account_id = v.a",
                [now, owners],
            )
    return clock() - t


def client_plain_with_points(args):
    """bench/sales.py's plain-SQL receipts, then the same receipts' points rows, in one process."""
    catalogue, receipts, per_transaction, seed_value = args
    setup_django()
    from django.db import connection

    try:
        return plain_sql(catalogue, receipts, per_transaction, seed_value) + plain_points(
            receipts, per_transaction, seed_value
        )
    finally:
        connection.close()


def in_process_cards_vs_none(rounds: int = 5) -> None:
    """Batches of 100 receipts through the service (no HTTP), with a card on every receipt and without,
    interleaved so that both see the same machine: what the points cost on the batch path."""
    from sales.services import receipts_ingest

    catalogue, _ids = catalogue_sample()
    rng = random.Random(11)
    (with_till, _t1), (without_till, _t2) = tills(1)
    seconds = {True: [], False: []}
    for k in range(rounds + 1):
        for card, till in ((True, with_till), (False, without_till)):
            bodies = [
                _receipt(1 + k * 100 + n, rng.sample(catalogue, 5), card_of(rng.randint(1, ACCOUNTS)) if card else "")
                for n in range(100)
            ]
            t = clock()
            results = receipts_ingest(till=till, bodies=bodies)
            if k:  # the first round warms up
                seconds[card].append(clock() - t)
            if any(r.status != "created" for r in results):
                raise RuntimeError(results[0].errors)
    cards, plain = statistics.median(seconds[True]), statistics.median(seconds[False])
    line(
        "in process, batches of 100: with a card on every receipt",
        100 / cards,
        "receipts/s",
        f"without cards {100 / plain:.0f}/s; with/without {plain / cards:.2f}",
    )


def daily_run() -> None:
    """BENCH_DUE accounts with a pending lot due today, then the daily run, timed."""
    from django.db import connection
    from django.utils import timezone

    from loyalty.services.points import points_daily_run

    today = timezone.localdate()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO inventory_posting (document_type, document_id, document_number, action, created_at) "
            "VALUES ('points_adjustment', 0, 'PA-BENCH', 'post', now()) RETURNING id"
        )
        posting = c.fetchone()[0]
        c.execute(
            "INSERT INTO loyalty_pointsledgerentry (account_id, active, pending, debt, kind, available_on, expires_on, "
            "business_date, source_type, source_id, source_line_id, posting_id, created_at) "
            "SELECT id, 0, 40, 0, 'adjustment', %s, %s, %s, 'points_adjustment', 0, id + %s, %s, now() "
            "FROM loyalty_loyaltyaccount ORDER BY id LIMIT %s",
            # Line ids of this run's own (a second run of the bench on the same day writes new rows).
            [
                today,
                today + datetime.timedelta(days=300),
                today - datetime.timedelta(days=14),
                posting * 10**7,
                posting,
                DUE,
            ],
        )
        c.execute(
            "UPDATE loyalty_pointsbalance b SET pending = b.pending + 40 FROM "
            "(SELECT id FROM loyalty_loyaltyaccount ORDER BY id LIMIT %s) a WHERE b.account_id = a.id",
            [DUE],
        )
        c.execute("ANALYZE")
    t = clock()
    counts = points_daily_run(today=today)
    line(f"daily run: {counts['accounts']} accounts, {counts['activated']} points activated", clock() - t, "s")


def main():
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench/loyalty.py measures PostgreSQL: set DATABASE_URL to a scratch PostgreSQL database.")
        return
    if os.environ.get("BENCH_SKIP_SEED") != "1":
        seed()
    line(f"{ACCOUNTS} customers, accounts, cards and balances written with SQL", accounts_seed(ACCOUNTS), "s")
    lookups()
    in_process_cards_vs_none()
    catalogue, _product_ids = catalogue_sample()
    connection.close()
    server = start_server()
    try:
        run(catalogue)
    finally:
        server.terminate()
        server.wait()
    daily_run()
    from inventory.services.kernel import ledger_differences

    t = clock()
    checked, differences = ledger_differences("points")
    line(f"points ledger check ({checked} balances): {len(differences)} differences", clock() - t, "s")


def run(catalogue):
    import multiprocessing

    pool = multiprocessing.get_context("spawn").Pool(CLIENTS)
    warm = tills(1)
    pool.map(client_card_batches, [(token, catalogue, 1, 100 + i) for i, (_t, token) in enumerate(warm)])

    samples = sum(pool.map(client_previews, [(warm[i][1], catalogue, 250, 7 + i) for i in range(CLIENTS)]), [])
    median, p99 = percentiles(samples)
    line(f"basket preview over HTTP, {CLIENTS} clients ({len(samples)})", median, "ms median", f"p99 {p99:.1f} ms")

    batch_tills = tills(1)
    t = clock()
    pool.map(client_card_batches, [(token, catalogue, BATCHES, 10 + i) for i, (_t, token) in enumerate(batch_tills)])
    wall = clock() - t
    rate = CLIENTS * BATCHES * 100 / wall
    seconds = pool.map(client_plain_with_points, [(catalogue, BATCHES * 100, 100, 20 + i) for i in range(CLIENTS)])
    plain = CLIENTS * BATCHES * 100 / max(seconds)
    line(
        f"batches of 100 receipts with a card, {CLIENTS} clients ({CLIENTS * BATCHES * 100})",
        rate,
        "receipts/s",
        f"plain SQL {plain:.0f}/s; ours/plain {rate / plain:.2f} (target >= 0.5 and >= 1000/s)",
    )
    pool.close()


if __name__ == "__main__":
    main()
