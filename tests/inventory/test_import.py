import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from inventory.imports import ImportFileError, nomenclature_export_header, nomenclature_export_rows, nomenclature_import
from inventory.models import Barcode, Price, PriceChange, Product, ProductGroup
from inventory.selectors import price_get
from reports.xlsx import Column, write_table
from tests.factories import BarcodeFactory, PriceZoneFactory, ProductFactory, ShopFactory, UserFactory, group_create

pytestmark = pytest.mark.django_db

HEADER = [
    "SKU",
    "Name",
    "Group",
    "Unit",
    "VAT rate",
    "Weighted",
    "PLU",
    "Excluded from discounts",
    "Active",
    "Barcodes",
    "Price Z1",
]


def xlsx(rows, header=HEADER) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.fixture
def zone():
    return PriceZoneFactory(code="Z1")


@pytest.fixture
def user():
    return UserFactory()


GOOD_ROWS = [
    ["A-1", "Milk 1 l", "Groceries / Dairy / Milk", "pcs", 16, "no", None, "no", "yes", "5901234123457", 450.5],
    ["A-2", "Cheese Gouda", "Groceries / Dairy / Cheese", "kg", "16", "yes", 12, "no", "yes", "", "3200"],
    ["A-3", "Cigarettes", "Tobacco", "pcs", 16, "no", None, "yes", "yes", "4006381333931 96385074", "1100,00"],
]


def test_a_good_file_creates_products_groups_barcodes_and_prices(zone, user):
    shop = ShopFactory(price_zone=zone)
    report = nomenclature_import(file=xlsx(GOOD_ROWS), actor=user, dry_run=False, price_date=datetime.date(2026, 1, 1))
    assert report.errors == []
    assert (report.created, report.updated, report.prices_set, report.groups_created) == (3, 0, 3, 5)
    milk = Product.objects.get(sku="A-1")
    assert milk.group.full_name() == "Groceries / Dairy / Milk"
    assert milk.vat_rate == Decimal("16.00")
    cheese = Product.objects.get(sku="A-2")
    assert (cheese.is_weighted, cheese.plu, cheese.unit) == (True, 12, "kg")
    assert Product.objects.get(sku="A-3").excluded_from_discounts
    assert sorted(Barcode.objects.filter(product__sku="A-3").values_list("code", flat=True)) == [
        "4006381333931",
        "96385074",
    ]
    assert price_get(product=milk, shop=shop, at=datetime.date(2026, 1, 1)) == Decimal("450.50")
    document = PriceChange.objects.get()
    assert (document.status, document.posted_by, document.effective_date) == ("posted", user, datetime.date(2026, 1, 1))
    # History records who created the products.
    assert milk.history.first().history_user == user


def test_prices_that_would_start_in_a_closed_period_are_an_error_not_a_crash(zone, user):
    from inventory.models import PeriodLock

    shop = ShopFactory(price_zone=zone)
    PeriodLock.objects.create(shop=shop, lock_date=datetime.date(2026, 1, 31))
    report = nomenclature_import(file=xlsx(GOOD_ROWS), actor=user, dry_run=False, price_date=datetime.date(2026, 1, 1))
    assert [(e.row, e.column) for e in report.errors] == [(1, "Price Z1")]
    assert "period is closed" in report.errors[0].message
    assert not report.applied and not Product.objects.exists() and not Price.objects.exists()


def test_a_dry_run_reports_changes_and_writes_nothing(zone, user):
    ProductFactory(sku="A-1", name="Old milk")
    report = nomenclature_import(file=xlsx(GOOD_ROWS), actor=user, dry_run=True)
    assert report.ok and not report.applied
    assert (report.created, report.updated) == (2, 1)
    change = next(c for c in report.changes if c.sku == "A-1")
    assert change.action == "update"
    assert any("Old milk → Milk 1 l" in line for line in change.changes)
    assert Product.objects.count() == 1
    assert Product.objects.get(sku="A-1").name == "Old milk"
    assert not Price.objects.exists() and not Barcode.objects.exists()


def test_bad_rows_are_all_reported_and_nothing_is_written(zone, user):
    BarcodeFactory(code="5901234123457", product=ProductFactory(sku="OTHER"))
    ProductFactory(sku="W1", is_weighted=True, plu=12, unit="kg")
    rows = [
        ["B-1", "Good row", "Groceries", "pcs", 16, "no", None, "no", "yes", "", 10],
        ["B-2", "Bad check digit", "Groceries", "pcs", 16, "no", None, "no", "yes", "5901234123458", 10],
        ["B-3", "Taken barcode", "Groceries", "pcs", 16, "no", None, "no", "yes", "5901234123457", 10],
        ["B-4", "Bad unit", "Groceries", "bucket", 16, "no", None, "no", "yes", "", 10],
        ["B-5", "Taken PLU", "Groceries", "kg", 16, "yes", 12, "no", "yes", "", 10],
        ["B-6", "Bad price", "Groceries", "pcs", 16, "no", None, "no", "yes", "", "ten"],
        ["", "No SKU", "Groceries", "pcs", 16, "no", None, "no", "yes", "", 10],
        ["B-1", "Duplicate SKU", "Groceries", "pcs", 16, "no", None, "no", "yes", "", 10],
        ["B-8", "", "Groceries", "pcs", 200, "maybe", None, "no", "yes", "", -5],
    ]
    products_before, groups_before = Product.objects.count(), ProductGroup.objects.count()
    report = nomenclature_import(file=xlsx(rows), actor=UserFactory(), dry_run=False)
    assert not report.applied
    found = {(e.row, e.column) for e in report.errors}
    assert found >= {
        (3, "Barcodes"),
        (4, "Barcodes"),
        (5, "Unit"),
        (6, "PLU"),
        (7, "Price Z1"),
        (8, "SKU"),
        (9, "SKU"),
        (10, "Name"),
        (10, "VAT rate"),
        (10, "Weighted"),
        (10, "Price Z1"),
    }
    assert (2, "SKU") not in found
    taken = next(e for e in report.errors if e.row == 4)
    assert "OTHER" in taken.message
    assert Product.objects.count() == products_before
    assert ProductGroup.objects.count() == groups_before
    assert not Price.objects.exists()


def test_unknown_columns_and_zones_are_errors(zone, user):
    report = nomenclature_import(
        file=xlsx([["X", "n", "G"]], header=["SKU", "Colour", "Price Z7"]), actor=user, dry_run=False
    )
    assert {(e.row, e.column) for e in report.errors} >= {(1, "Colour"), (1, "Price Z7")}


def test_a_barcode_may_move_between_products_in_one_file(zone, user):
    a = ProductFactory(sku="A")
    BarcodeFactory(product=a, code="5901234123457")
    ProductFactory(sku="B")
    rows = [["A", "4006381333931"], ["B", "5901234123457"]]
    report = nomenclature_import(file=xlsx(rows, header=["SKU", "Barcodes"]), actor=user, dry_run=False)
    assert report.errors == []
    assert Barcode.objects.get(code="5901234123457").product.sku == "B"
    assert Barcode.objects.get(code="4006381333931").product.sku == "A"


def test_a_price_only_file_changes_only_prices_that_differ(zone, user):
    shop = ShopFactory(price_zone=zone)
    nomenclature_import(file=xlsx(GOOD_ROWS), actor=user, dry_run=False, price_date=datetime.date(2026, 1, 1))
    rows = [["A-1", "450.50"], ["A-2", "3500"]]
    report = nomenclature_import(
        file=xlsx(rows, header=["SKU", "Price Z1"]), actor=user, dry_run=False, price_date=datetime.date(2026, 2, 1)
    )
    assert (report.updated, report.unchanged, report.prices_set) == (1, 1, 1)
    cheese = Product.objects.get(sku="A-2")
    assert price_get(product=cheese, shop=shop, at=datetime.date(2026, 1, 31)) == Decimal("3200.00")
    assert price_get(product=cheese, shop=shop, at=datetime.date(2026, 2, 1)) == Decimal("3500.00")
    assert Product.objects.get(sku="A-1").name == "Milk 1 l"


def test_export_in_the_import_format_imports_back_unchanged(zone, user):
    nomenclature_import(file=xlsx(GOOD_ROWS), actor=user, dry_run=False, price_date=datetime.date(2026, 1, 1))
    buffer = io.BytesIO()
    write_table(
        buffer,
        columns=[Column(h) for h in nomenclature_export_header([zone])],
        rows=nomenclature_export_rows(zones=[zone], day=datetime.date(2026, 1, 1)),
    )
    buffer.seek(0)
    sheet = load_workbook(buffer).active
    assert [c.value for c in sheet[1]] == HEADER
    buffer.seek(0)
    report = nomenclature_import(file=buffer, actor=user, dry_run=True, price_date=datetime.date(2026, 1, 1))
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)


def test_a_file_that_is_not_excel_is_refused(user):
    with pytest.raises(ImportFileError):
        nomenclature_import(file=io.BytesIO(b"SKU;Name\n1;x"), actor=user, dry_run=True)


def test_group_of_an_existing_product_can_change(zone, user):
    old = group_create("Old")
    ProductFactory(sku="A", group=old)
    report = nomenclature_import(file=xlsx([["A", "New / Sub"]], header=["SKU", "Group"]), actor=user, dry_run=False)
    assert report.errors == [] and report.updated == 1
    assert Product.objects.get(sku="A").group.full_name() == "New / Sub"
