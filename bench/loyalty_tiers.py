"""Tier recalculation over 500,000 accounts, beside a plain-SQL baseline of the same work. Prints figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_customers .venv/bin/python bench/loyalty_tiers.py

Seeds (set-based SQL, PostgreSQL only) 36 shops in two time zones, Silver/Gold/Platinum, BENCH_ACCOUNTS
accounts (500,000) with customers and cards, and two months of purchases (about 3 per account, some
returns); then times the dry run, the plain-SQL baseline (in a transaction rolled back) and the real
run of the service for every time zone, and a lookup by phone and by card.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from loyalty.models import TierRun  # noqa: E402
from loyalty.services.cards import account_by_card, account_by_phone, card_number_make  # noqa: E402
from loyalty.services.tiers import tier_zones, tiers_dry_run, tiers_recalculate, tiers_seed_defaults  # noqa: E402
from tests.factories import ShopFactory  # noqa: E402

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "500000"))
MONTH = datetime.date(2026, 12, 1)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def seed():
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    shops = [ShopFactory(code=f"{i:02d}", time_zone="Asia/Almaty" if i <= 30 else "Asia/Aqtobe") for i in range(1, 37)]
    tiers_seed_defaults()
    first, last = shops[0].pk, shops[-1].pk
    silver = sql("SELECT id FROM loyalty_tier WHERE code = 'silver'")[0][0]
    began = time.perf_counter()
    sql(
        """INSERT INTO loyalty_customer (phone, name, email, language, registration_shop_id, channel, status, created_at)
           SELECT '+7701' || lpad(i::text, 7, '0'), 'Customer ' || i, '', 'ru', %s + i %% 36, 'shop', 'active', now()
           FROM generate_series(1, %s) i""",
        [first, ACCOUNTS],
    )
    sql(
        """INSERT INTO loyalty_loyaltyaccount (customer_id, home_shop_id, tier_id, created_at)
           SELECT id, registration_shop_id, %s, now() FROM loyalty_customer ORDER BY id""",
        [silver],
    )
    prefix = "0490"
    sql(
        """INSERT INTO loyalty_card (number, kind, status, account_id, batch, issued_at)
           SELECT %s || lpad(a.id::text, 8, '0') || '0', 'plastic', 'active', a.id, 'bench', now()
           FROM loyalty_loyaltyaccount a""",
        [prefix],
    )  # the check digit is not checked by the database; lookups only need the numbers
    sql(
        """INSERT INTO loyalty_accountpurchase (account_id, shop_id, business_date, amount, receipt_id, channel, created_at)
           SELECT a.id, a.home_shop_id, DATE '2026-10-01' + ((a.id * 7 + k * 13) %% 61)::int,
                  CASE WHEN (a.id + k) %% 17 = 0 THEN -round((a.id %% 97) * 100.0, 2)
                       ELSE round(((a.id * 31 + k * 7) %% 400) * 160.5, 2) END,
                  a.id * 4 + k, 'shop', now()
           FROM loyalty_loyaltyaccount a CROSS JOIN generate_series(0, 2 + (a.id %% 2)) k
           WHERE a.id %% 10 < 7""",
    )
    sql("ANALYZE")
    counts = sql(
        "SELECT (SELECT COUNT(*) FROM loyalty_loyaltyaccount), (SELECT COUNT(*) FROM loyalty_accountpurchase), "
        "(SELECT COUNT(*) FROM loyalty_accountpurchase WHERE business_date >= '2026-11-01')"
    )[0]
    print(
        f"seeded {counts[0]:,} accounts, {counts[1]:,} purchases ({counts[2]:,} in November), "
        f"36 shops in 2 zones, in {time.perf_counter() - began:.1f} s"
    )
    _ = last


BASELINE = """
    CREATE TEMP TABLE base_moves ON COMMIT DROP AS
    SELECT a.id AS account_id, a.tier_id AS from_tier, t.id AS to_tier, COALESCE(s.amount, 0) AS amount
    FROM loyalty_loyaltyaccount a
    LEFT JOIN (SELECT account_id, SUM(amount) AS amount FROM loyalty_accountpurchase
               WHERE business_date >= '2026-11-01' AND business_date < '2026-12-01' GROUP BY account_id) s
           ON s.account_id = a.id
    JOIN LATERAL (SELECT id FROM loyalty_tier WHERE threshold_amount <= COALESCE(s.amount, 0)
                  ORDER BY rank DESC LIMIT 1) t ON true
    WHERE a.tier_fixed_until IS NULL AND a.tier_id IS DISTINCT FROM t.id;
    INSERT INTO loyalty_tierchange (account_id, from_tier_id, to_tier_id, reason, purchases_amount, comment, changed_at)
        SELECT account_id, from_tier, to_tier, 'monthly', amount, '', now() FROM base_moves;
    UPDATE loyalty_loyaltyaccount a SET tier_id = m.to_tier FROM base_moves m WHERE m.account_id = a.id;
"""


class Rollback(Exception):
    pass


def timed(label, fn):
    began = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - began
    print(f"{label:<58} {seconds:8.2f} s")
    return result, seconds


def baseline():
    try:
        with transaction.atomic():
            sql(BASELINE)
            moved = sql("SELECT COUNT(*) FROM base_moves")[0][0]
            raise Rollback(moved)
    except Rollback as done:
        return done.args[0]


def main():
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a database of your own.")
    seed()
    dry, _s = timed("dry run (all zones: count the moves)", lambda: tiers_dry_run(month=MONTH))
    for run in dry:
        print("   ", run.time_zone, ", ".join(f"{m['count']:,} {m['from']} -> {m['to']}" for m in run.moves))
    moved, base = timed("plain-SQL baseline (one zone-less statement set, rolled back)", baseline)
    print(f"    baseline moves: {moved:,}")
    runs, real = timed(
        "service: tiers_recalculate, every zone (history + update)",
        lambda: [tiers_recalculate(month=MONTH, zone=zone) for zone in tier_zones()],
    )
    print(
        f"    moves: {sum(r.moves_count for r in runs):,} of {sum(r.accounts_count for r in runs):,} accounts; "
        f"service / baseline = {real / base:.2f}"
    )
    assert TierRun.objects.filter(dry_run=False).count() == len(tier_zones())
    times = []
    for i in range(1, 201):
        n = (i * 2477) % ACCOUNTS + 1
        began = time.perf_counter()
        account_by_phone(f"+7701{n:07d}")
        account_by_card(f"0490{n:08d}0")
        times.append(time.perf_counter() - began)
    print(
        f"lookup by phone + by card (200 pairs)  median {statistics.median(times) * 1000:.2f} ms, "
        f"max {max(times) * 1000:.2f} ms"
    )
    _ = card_number_make


if __name__ == "__main__":
    main()
