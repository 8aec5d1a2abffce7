"""Benchmarks for the foundation at the real size. Prints figures; asserts nothing.

    make bench                       # SQLite in a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/retail_bench make bench

Measures: seeding 20,000 products, the admin product list (time and queries), search by
barcode, Excel export of all products, and a 20,000-row nomenclature import (dry run and apply).
"""

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # the test client's host and a fast e-mail backend; the database is real

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "20000"))


def timed(label, fn, repeat=1):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<48} median {statistics.median(times) * 1000:9.1f} ms  (n={repeat})")
    return result


def main():
    print(f"database: {connection.vendor}; products: {PRODUCTS}")
    if connection.vendor == "postgresql":
        # A dedicated database: start from scratch every run.
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    timed(
        "seed_demo (products, barcodes, 2 zones of prices)",
        lambda: call_command("seed_demo", products=PRODUCTS, shops=36, suppliers=200, stdout=io.StringIO()),
    )

    from django.contrib.auth import get_user_model

    from inventory.imports import nomenclature_export_header, nomenclature_export_rows, nomenclature_import
    from inventory.models import Barcode, PriceZone
    from reports.xlsx import Column, write_table

    user = get_user_model().objects.get(username="admin")
    client = Client()
    client.force_login(user)
    url = reverse("admin:inventory_product_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"p": 50})
    print(f"{'admin product list: queries per page':<48} {len(queries):9d}")
    timed("admin product list, page 50 of 100 rows", lambda: client.get(url, {"p": 50}), repeat=20)
    timed("admin product list, search 'молоко'", lambda: client.get(url, {"q": "молоко"}), repeat=20)
    code = Barcode.objects.order_by("id")[PRODUCTS // 2].code
    timed("admin product list, search by barcode", lambda: client.get(url, {"q": code}), repeat=20)
    from reports.models import ReportFile

    # Past EXPORT_BACKGROUND_ROWS the export is a background job (eager without Redis: in-process).
    timed(
        "admin Excel export, all products (background job)",
        lambda: client.get(reverse("admin:inventory_product_export_xlsx")),
        repeat=3,
    )
    export = ReportFile.objects.filter(report="admin_export").order_by("-pk").first()
    print(f"{'  file size':<48} {export.file.size / 1024 if export and export.file else 0:9.0f} KiB")

    zones = list(PriceZone.objects.all())
    buffer = io.BytesIO()
    timed(
        "nomenclature export in import format",
        lambda: write_table(
            buffer,
            columns=[Column(h) for h in nomenclature_export_header(zones)],
            rows=nomenclature_export_rows(zones=zones, day=timezone.localdate()),
        ),
    )
    data = buffer.getvalue()
    report = timed(
        "nomenclature import, dry run, all rows unchanged",
        lambda: nomenclature_import(file=io.BytesIO(data), actor=user, dry_run=True),
    )
    print(f"{'  rows: created/updated/unchanged':<48} {report.created}/{report.updated}/{report.unchanged}")

    # Raise every Z1 price by 5% and import it for real.
    from openpyxl import Workbook, load_workbook

    source = load_workbook(io.BytesIO(data), read_only=True).active
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    rows = source.iter_rows(values_only=True)
    header = next(rows)
    sheet.append(header)
    price_col = header.index("Price Z1")
    for row in rows:
        row = list(row)
        if row[price_col] is not None:
            row[price_col] = round(float(row[price_col]) * 1.05, 2)
        sheet.append(row)
    changed = io.BytesIO()
    book.save(changed)
    report = timed(
        "nomenclature import, apply, 20,000 new prices",
        lambda: nomenclature_import(file=io.BytesIO(changed.getvalue()), actor=user, dry_run=False),
    )
    print(f"{'  rows updated, prices set':<48} {report.updated}, {report.prices_set}")


if __name__ == "__main__":
    main()
