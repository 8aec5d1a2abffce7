"""Excel out (issue 8, item 13): text is written as text, never a formula; characters a
spreadsheet cannot hold are dropped, never a 500. Numbers stay numbers, dates stay dates."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.xlsx import Column, write_table
from tests.factories import ProductFactory, ShopFactory

EVIL = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tleading tab", "\rcarriage"]
# XML reads a carriage return back as a line feed: the text is the same to a reader.
READ_BACK = [text.replace("\r", "\n") for text in EVIL]


def _cells(content: bytes):
    sheet = load_workbook(io.BytesIO(content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(cells):
    assert [c.coordinate for c in cells if c.data_type == "f"] == []


def test_text_that_looks_like_a_formula_is_written_as_text():
    buffer = io.BytesIO()
    rows = [[text, Decimal("12.50"), 3, datetime.date(2026, 11, 25)] for text in EVIL]
    rows.append(["Shop\x0bNorth\x00\x1f", Decimal("-1.5"), -1, datetime.datetime(2026, 11, 25, 14, 30)])
    write_table(
        buffer,
        columns=[Column("=Name"), Column("Amount"), Column("Count"), Column("Day")],
        rows=rows,
        sheet_title="Bad: [title]?\x0b",
        title_lines=["=1+1"],
    )
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    _assert_no_formula(cells)
    assert sheet["A1"].value == "=1+1" and sheet["A2"].value == "=Name"
    values = [sheet.cell(row=r, column=1) for r in range(3, 3 + len(EVIL))]
    assert [c.value for c in values] == READ_BACK
    assert all(c.data_type == "s" and c.quotePrefix for c in values)
    last = 3 + len(EVIL)
    assert sheet.cell(row=last, column=1).value == "ShopNorth"
    assert sheet.cell(row=3, column=2).value == 12.5 and sheet.cell(row=3, column=2).data_type == "n"
    assert sheet.cell(row=last, column=3).value == -1 and sheet.cell(row=last, column=3).data_type == "n"
    assert sheet.cell(row=3, column=4).value == datetime.datetime(2026, 11, 25)
    assert sheet.cell(row=3, column=4).is_date and sheet.cell(row=last, column=4).is_date
    assert "Bad" in sheet.title and "[" not in sheet.title


@pytest.mark.django_db
def test_admin_exports_write_a_planted_formula_as_text_and_survive_a_vertical_tab(client, superuser):
    shop = ShopFactory(code="01", name="North\x0bside", address='=HYPERLINK("http://evil","click")')
    for name in EVIL:
        ProductFactory(name=name)
    client.force_login(superuser)
    shops = client.get(reverse("admin:inventory_shop_export_xlsx"))
    assert shops.status_code == 200
    cells = _cells(shops.content)
    _assert_no_formula(cells)
    values = [c.value for c in cells]
    assert "01 Northside" in values or "Northside" in values, values
    products = client.get(reverse("admin:inventory_product_export_xlsx"))
    cells = _cells(products.content)
    _assert_no_formula(cells)
    assert set(READ_BACK) <= {c.value for c in cells}
    nomenclature = client.get(reverse("admin:inventory_product_export_nomenclature"))
    cells = _cells(nomenclature.content)
    _assert_no_formula(cells)
    assert set(READ_BACK) <= {c.value for c in cells}
    assert shop.pk


@pytest.mark.django_db
def test_reports_write_a_planted_formula_as_text(client, superuser, django_capture_on_commit_callbacks):
    from inventory.models import Stocktake, StocktakeLine

    shop = ShopFactory(code="01", name="=cmd|' /C calc'!A0\x0b")
    stocktake = Stocktake.objects.create(shop=shop, business_date=datetime.date(2026, 11, 25))
    for name in EVIL:
        StocktakeLine.objects.create(document=stocktake, product=ProductFactory(name=name), book_quantity=Decimal("2"))
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:document", args=["stocktake_sheet", stocktake.pk, "xlsx"]))
    download = client.get(response["Location"], follow=True)
    cells = _cells(b"".join(download.streaming_content))
    _assert_no_formula(cells)
    values = {c.value for c in cells}
    assert set(READ_BACK) <= values
    assert any(isinstance(v, str) and v.startswith("01 =cmd") and "\x0b" not in v for v in values), values
    assert 2 in values  # book quantities stay numbers
