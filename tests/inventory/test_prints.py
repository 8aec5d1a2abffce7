"""Documents printed to sign (issue 10, item 5): the goods receipt with units, VAT and both tax numbers;
a count sheet of what the shop carries, with barcodes; differences valued both ways."""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from inventory.admin_reports import goods_receipt_print, stocktake_differences_report, stocktake_sheet
from inventory.models import Company, GoodsReceipt, Stocktake
from inventory.services.stock_documents import goods_receipt_post, stocktake_fill
from reports.jobs import _render
from tests.factories import BarcodeFactory, ProductFactory, ShopFactory, SupplierFactory, stock_document

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2026, 11, 20)


@pytest.fixture
def shop_with_stock(settings):
    settings.PDF_WORKERS = 1
    Company.objects.create(name="Astana Retail LLP", tax_number="123456789012", address="Astana")
    shop = ShopFactory(code="01")
    supplier = SupplierFactory(name="Dairy Farm", tax_id="987654321098")
    milk = ProductFactory(sku="MILK", name="Milk 3.2%", unit="l")
    cheese = ProductFactory(sku="CHEESE", name="Cheese", unit="kg")
    idle = ProductFactory(sku="IDLE", name="Never stocked")
    BarcodeFactory(product=milk, code="4601234567893")
    receipt = stock_document(
        GoodsReceipt,
        shop=shop,
        supplier=supplier,
        business_date=DAY,
        lines=[
            {"product": milk, "quantity": D("10"), "price_amount": D("1120.00"), "vat_rate": D("12")},
            {"product": cheese, "quantity": D("2.5"), "price_amount": D("4000.00"), "vat_rate": D("12")},
        ],
    )
    goods_receipt_post(document_id=receipt.pk, actor=None)
    return {"shop": shop, "receipt": receipt, "milk": milk, "cheese": cheese, "idle": idle}


def _pdf_text(data, tmp_path) -> str:
    out = io.BytesIO()
    _render("pdf", data, lambda n: None, out)
    path = tmp_path / "doc.pdf"
    path.write_bytes(out.getvalue())
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout


def test_the_goods_receipt_shows_units_vat_and_both_tax_numbers(shop_with_stock, tmp_path):
    data = goods_receipt_print({"document_id": shop_with_stock["receipt"].pk})
    text = _pdf_text(data, tmp_path)
    assert "123456789012" in text and "987654321098" in text and "Astana Retail LLP" in text
    assert "VAT" in text and "amount" in text and "litre" in text and "kilogram" in text
    # 11,200.00 with 12 % VAT inside: 1,200.00; 10,000.00: 1,071.43; totals 21,200.00 and 2,271.43
    assert "1,200.00" in text and "1,071.43" in text and "21,200.00" in text and "2,271.43" in text
    assert "Received by:" in text


def test_the_goods_receipt_excel_has_its_total_row(shop_with_stock):
    data = goods_receipt_print({"document_id": shop_with_stock["receipt"].pk})
    out = io.BytesIO()
    _render("xlsx", data, lambda n: None, out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "Total" and last[6] == 21200 and float(last[8]) == pytest.approx(2271.43)


def test_the_count_sheet_lists_what_the_shop_carries_with_barcodes(shop_with_stock, settings):
    stocktake = Stocktake.objects.create(shop=shop_with_stock["shop"], business_date=datetime.date(2026, 11, 25))
    stocktake_fill(document_id=stocktake.pk, actor=None)
    assert stocktake.lines.count() == 3  # every active product, the idle one included
    data = stocktake_sheet({"document_id": stocktake.pk})
    rows = list(data.rows)
    assert [r[1] for r in rows] == ["CHEESE", "MILK"]  # the never-stocked item is not on the sheet
    assert rows[1][2] == "4601234567893" and rows[0][5] == D("2.500")
    settings.STOCKTAKE_SHEET_RECENT_DAYS = 0
    assert len(list(stocktake_sheet({"document_id": stocktake.pk}).rows)) == 3


def test_the_differences_sheet_values_surpluses_and_shortages_with_totals_both_ways(shop_with_stock, tmp_path):
    stocktake = Stocktake.objects.create(shop=shop_with_stock["shop"], business_date=datetime.date(2026, 11, 25))
    stocktake_fill(document_id=stocktake.pk, actor=None)
    stocktake.lines.filter(product=shop_with_stock["milk"]).update(counted_quantity=D("12"))  # +2 at 1,120.00
    stocktake.lines.filter(product=shop_with_stock["cheese"]).update(counted_quantity=D("2"))  # -0.5 at 4,000.00
    data = stocktake_differences_report({"document_id": stocktake.pk})
    rows = {r[0]: r for r in data.rows}
    assert rows["MILK"][5:7] == [D("2.000"), D("2240.00")] and rows["MILK"][8] is None
    assert rows["CHEESE"][7:9] == [D("0.500"), D("2000.00")] and rows["CHEESE"][6] is None
    assert data.totals[6] == D("2240.00") and data.totals[8] == D("2000.00")
    text = _pdf_text(data, tmp_path)
    assert "2,240.00" in text and "2,000.00" in text and "net 240.00" in text and "Accountant:" in text
