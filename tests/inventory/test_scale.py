"""The admin at the real size: 20,000 products with barcodes and two zones of prices."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from inventory.admin import ProductAdmin
from inventory.demo import seed_inventory
from inventory.models import Barcode, Price, PriceZone, Product, Shop, Supplier

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# session + user + count + page + zones + group filter + zone filter + savepoints, whatever the page size
PRODUCT_LIST_MAX_QUERIES = 12


@pytest.fixture
def big_chain(superuser):
    seed_inventory(products=20000, shops=4, suppliers=3, actor=superuser)
    return superuser


def test_product_admin_at_20000_products(client, big_chain, django_assert_max_num_queries, monkeypatch):
    assert Product.objects.count() == 20000
    client.force_login(big_chain)
    url = reverse("admin:inventory_product_changelist")
    for page_size in (20, 100, 500):
        monkeypatch.setattr(ProductAdmin, "list_per_page", page_size)
        with django_assert_max_num_queries(PRODUCT_LIST_MAX_QUERIES):
            response = client.get(url, {"p": 3})
        rows = response.context["cl"].result_list
        assert len(rows) == page_size
        zone_columns = [f"price_zone_{z.pk}" for z in PriceZone.objects.all()]
        assert all(getattr(rows[0], col) is not None for col in zone_columns)

    # The demo's goods are named in Russian; a search in lower case finds the capitalised names
    # (on SQLite too, whose own LIKE folds only ASCII: inventory/db_text.py).
    with django_assert_max_num_queries(PRODUCT_LIST_MAX_QUERIES):
        response = client.get(url, {"q": "молоко", "is_active__exact": "1"})
    names = [p.name for p in response.context["cl"].result_list]
    assert names and all("молоко" in name.lower() for name in names)
    assert any(name.startswith("Молоко «") for name in names)

    barcode = Barcode.objects.order_by("id")[10000]
    response = client.get(url, {"q": barcode.code})
    assert [p.pk for p in response.context["cl"].result_list] == [barcode.product_id]


def test_export_of_20000_products_has_every_row(client, big_chain, django_capture_on_commit_callbacks):
    """Past EXPORT_BACKGROUND_ROWS the export is a background job; its file has every row."""
    from reports.models import ReportFile

    client.force_login(big_chain)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("admin:inventory_product_export_xlsx"))
    assert response.status_code == 302
    job = ReportFile.objects.get()
    assert (job.status, job.rows) == ("done", 20000), job.error
    download = client.get(reverse("reports:download", args=[job.token]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(min_row=2)) == 20000


def test_seed_demo_twice_creates_nothing_the_second_time(db, capsys, settings):
    from inventory.services.checks import stock_ledger_differences
    from sales.models import Receipt, Shift

    settings.DEBUG = True  # as in the demo: the demo users get their known passwords

    call_command("seed_demo", products=300, shops=5, suppliers=7, days=4)
    assert Receipt.objects.count() == 5 * 4 * 25 and Shift.objects.filter(closed_at__isnull=True).count() == 0
    assert Receipt.objects.filter(kind="return").exists()
    assert stock_ledger_differences()[1] == []
    # Cash: every sale's cash in a drawer, every close's takings in a desk, expenses from the desks.
    from cash.ledger import CASH
    from cash.models import CashLedgerEntry, CashOrder
    from inventory.services.kernel import ledger_differences

    assert ledger_differences(CASH)[1] == []
    assert CashLedgerEntry.objects.filter(kind="takings_in").count() == 5 * 4
    assert CashOrder.objects.filter(status="posted", reason="expense").count() == 5 * 2
    counts = [
        CashOrder.objects.count(),
        Receipt.objects.count(),
        Product.objects.count(),
        Barcode.objects.count(),
        Price.objects.count(),
        Shop.objects.trading().count(),
        Supplier.objects.count(),
    ]
    assert counts[2] == 300 and counts[5] == 5 and counts[6] == 7
    call_command("seed_demo", products=300, shops=5, suppliers=7, days=4)
    assert counts == [
        CashOrder.objects.count(),
        Receipt.objects.count(),
        Product.objects.count(),
        Barcode.objects.count(),
        Price.objects.count(),
        Shop.objects.trading().count(),
        Supplier.objects.count(),
    ]
    assert "admin / admin" in capsys.readouterr().out
