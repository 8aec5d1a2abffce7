"""How long the SQLite bulk insert spends preparing parameters: Django's generic field path vs
`rows_insert`'s per-column converters, on the same 100,000 stock-ledger-shaped rows. Prints figures.

    DATABASE_URL= .venv/bin/python bench/bulk_params.py
"""

import datetime
import decimal
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402

from inventory.bulk import _sqlite_converter  # noqa: E402
from inventory.models import StockLedgerEntry  # noqa: E402

COLUMNS = [
    "shop_id", "product_id", "business_date", "kind", "quantity", "cost_amount",
    "source_type", "source_id", "source_line_id", "posting_id", "created_at",
]  # fmt: skip


def main(rows: int = 100_000) -> None:
    fields = [StockLedgerEntry._meta.get_field(c) for c in COLUMNS]
    now = datetime.datetime.now(datetime.UTC)
    day = datetime.date(2026, 11, 25)
    data = [
        (1, i, day, "sale", decimal.Decimal("-1.000"), decimal.Decimal("-123.45"), "receipt", i, i, 1, now)
        for i in range(rows)
    ]
    converters = [_sqlite_converter(f) for f in fields]
    started = time.process_time()
    generic = [f.get_db_prep_save(v, connection) for row in data for f, v in zip(fields, row, strict=True)]
    generic_s = time.process_time() - started
    started = time.process_time()
    ours = [c(v) for row in data for c, v in zip(converters, row, strict=True)]
    ours_s = time.process_time() - started
    print(f"{rows:,} rows x {len(COLUMNS)} columns, CPU seconds:")
    print(f"  Django's get_db_prep_save per value: {generic_s:.2f} s")
    print(f"  rows_insert's column converters:     {ours_s:.2f} s  ({generic_s / ours_s:.1f}x faster)")
    print(f"  identical parameters: {generic == ours}")


if __name__ == "__main__":
    if connection.vendor != "sqlite":
        sys.exit("SQLite only: run with DATABASE_URL= (PostgreSQL inserts send arrays, not prepared values).")
    main()
