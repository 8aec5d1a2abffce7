"""Excel in (issue 8, item 14): limits checked before and while reading, capped error lists,
set-based code lookups, and long files imported as background jobs."""

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from inventory.imports import ImportFileError, nomenclature_import
from inventory.models import Product, Stocktake
from inventory.stock_imports import stocktake_counts_import
from reports.models import ReportFile
from tests.factories import ProductFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


def xlsx(rows, header=("SKU", "Name", "Group")) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "file.xlsx"
    return buffer


def products(n, start=0):
    return [(f"S{i:05d}", f"Product {i}", "Groceries / Dairy") for i in range(start, start + n)]


def test_a_file_too_big_packed_is_refused_before_it_is_opened(settings, monkeypatch):
    settings.IMPORT_MAX_FILE_BYTES = 1000
    monkeypatch.setattr("inventory.imports.load_workbook", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(ImportFileError, match="the limit is"):
        nomenclature_import(file=xlsx(products(200)), actor=UserFactory(), dry_run=True)


def test_a_file_too_big_unpacked_is_refused_before_it_is_opened(settings, monkeypatch):
    """A small file holding a huge cell (a zip bomb) never reaches openpyxl."""
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 200_000
    source = zipfile.ZipFile(xlsx([("A", "B", "G")]))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":  # one cell of a million characters
                data = data.replace(
                    b"</sheetData>",
                    b'<row r="3"><c r="A3" t="inlineStr"><is><t>'
                    + b"x" * 1_000_000
                    + b"</t></is></c></row></sheetData>",
                )
            archive.writestr(member, data)
    bomb.seek(0)
    assert len(bomb.getvalue()) < 50_000
    monkeypatch.setattr("inventory.imports.load_workbook", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(ImportFileError, match="Unpacked"):
        nomenclature_import(file=bomb, actor=UserFactory(), dry_run=True)


def test_rows_and_cell_length_are_limited_while_reading(settings):
    settings.IMPORT_MAX_ROWS = 5
    with pytest.raises(ImportFileError, match="more than 5 rows"):
        nomenclature_import(file=xlsx(products(10)), actor=UserFactory(), dry_run=True)
    settings.IMPORT_MAX_ROWS = 100
    long_cell = xlsx([("A", "y" * 3000, "G")])
    with pytest.raises(
        ImportFileError, match=r"Row 2, column “Name”: the cell holds 3000 characters; the limit is 2000"
    ):
        nomenclature_import(file=long_cell, actor=UserFactory(), dry_run=True)
    assert not Product.objects.exists()


def test_defaults_are_sensible():
    assert django_settings.IMPORT_MAX_ROWS >= 50_000 and django_settings.IMPORT_MAX_CELL_CHARS >= 255
    assert 1_000 <= django_settings.IMPORT_BACKGROUND_ROWS <= 10_000


def test_errors_are_listed_up_to_a_cap_with_the_total(settings, client, superuser):
    settings.IMPORT_MAX_ERRORS = 3
    bad = xlsx([(f"B{i}", "", "G") for i in range(10)])  # every name empty
    report = nomenclature_import(file=bad, actor=UserFactory(), dry_run=True)
    assert len(report.errors) == 3 and report.error_count == 10 and report.errors_not_listed == 7
    client.force_login(superuser)
    bad.seek(0)
    page = client.post(reverse("admin:inventory_product_import"), {"file": bad, "price_date": "2026-11-25"})
    html = page.content.decode()
    assert "10 errors — nothing was imported" in html and "… and 7 more errors" in html


def test_unknown_codes_are_looked_up_by_the_chunk_not_one_by_one(django_assert_max_num_queries):
    shop = ShopFactory()
    stocktake = Stocktake.objects.create(shop=shop, business_date=datetime.date(2026, 11, 25))
    ProductFactory(sku="MILK")
    rows = [(f"UNKNOWN{i}", 1) for i in range(600)] + [("MILK", 2), ("2000042015002", 1)]
    file = xlsx(rows, header=("Code", "Quantity"))
    with django_assert_max_num_queries(15):
        report = stocktake_counts_import(document_id=stocktake.pk, file=file)
    assert report.error_count == 601 and report.errors[0].message.startswith("UNKNOWN0: ")


def test_a_long_nomenclature_file_is_imported_in_the_background_with_a_result_file(
    settings, client, superuser, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:inventory_product_import"), {"file": xlsx(products(3)), "price_date": "2026-11-25"}
        )
    assert response.status_code == 302 and response["Location"] == reverse("admin:reports_reportfile_changelist")
    job = ReportFile.objects.get()
    assert (job.report, job.status, job.progress) == ("import_nomenclature", "done", 100), job.error
    assert Product.objects.count() == 3
    assert Path(job.source.path).is_relative_to(settings.PRIVATE_MEDIA_ROOT)
    result = client.get(reverse("reports:download", args=[job.token]))
    rows = list(load_workbook(io.BytesIO(b"".join(result.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0] == ("Row", "SKU", "Action", "Changes")
    assert [r[:3] for r in rows[1:]] == [(2, "S00000", "create"), (3, "S00001", "create"), (4, "S00002", "create")]
    assert "imported" in job.title
    assert client.get(reverse("admin:reports_reportfile_change", args=[job.pk])).status_code == 200
    # A short file is still imported in the request.
    small = client.post(
        reverse("admin:inventory_product_import"), {"file": xlsx(products(1, start=7)), "price_date": "2026-11-25"}
    )
    assert small.status_code == 200 and Product.objects.count() == 4


def test_a_long_counts_file_with_errors_runs_in_the_background_and_lists_them(
    settings, client, superuser, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    shop = ShopFactory()
    stocktake = Stocktake.objects.create(shop=shop, business_date=datetime.date(2026, 11, 25))
    ProductFactory(sku="MILK")
    client.force_login(superuser)
    file = xlsx([("MILK", 1), ("NOPE", 1), ("MILK", "many")], header=("Code", "Quantity"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:inventory_stocktake_import_counts", args=[stocktake.pk]), {"file": file})
    assert response.status_code == 302
    job = ReportFile.objects.get()
    assert job.status == "done" and job.shop_ids == [shop.pk], job.error
    assert "2 errors" in job.title
    result = client.get(reverse("reports:download", args=[job.token]))
    rows = list(load_workbook(io.BytesIO(b"".join(result.streaming_content))).active.iter_rows(values_only=True))
    assert [r[:2] for r in rows[1:]] == [(3, "Code"), (4, "Quantity")]
    assert not stocktake.lines.exists()


def test_openpyxl_reads_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
    requirements = (Path(django_settings.BASE_DIR) / "requirements.txt").read_text().split()
    assert "defusedxml==0.7.1" in requirements


def test_a_file_declaring_few_rows_but_holding_many_is_still_long(settings):
    from inventory.imports import xlsx_row_count

    settings.IMPORT_BACKGROUND_ROWS = 3
    honest = xlsx(products(60))
    assert xlsx_row_count(honest) == 60
    source = zipfile.ZipFile(xlsx(products(60)))
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:C61" />', b'<dimension ref="A1:C2" />')
                assert b'ref="A1:C2"' in data
            archive.writestr(member, data)
    forged.seek(0)
    assert xlsx_row_count(forged) > 3
