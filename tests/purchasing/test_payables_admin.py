"""The settlements admin and reports: supplier figures without N+1, lists scoped and exported, payments by
button, statements as Excel, PDF and a zip, the supplier's statement checked in the browser."""

import datetime
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from inventory.choices import DocumentStatus
from inventory.models import Company
from purchasing.models import Payable, SupplierPayment
from purchasing.services.settlements import supplier_invoice_record, supplier_payment_create
from reports.models import ReportFile
from tests.factories import ShopFactory, SupplierFactory

from .conftest import DAY, fill, receipt

D = Decimal
pytestmark = pytest.mark.usefixtures("ledgers_balanced")


@pytest.fixture
def world(shop, supplier, product, desk):
    """Supplier (deferral 10): 300 received 15 days ago (overdue), 200 received today; paid 100 from the desk."""
    fill(desk, "1000")
    old = receipt(shop, supplier, product, "300.00", day=DAY - datetime.timedelta(days=15))
    receipt(shop, supplier, product, "200.00")
    supplier_payment_create(supplier=supplier, shop=shop, amount=D("100.00"), business_date=DAY, post=True)
    supplier_invoice_record(
        supplier_id=supplier.pk,
        shop_id=shop.pk,
        number="F-1",
        invoice_date=DAY,
        amount="301.00",
        goods_receipt_id=old.pk,
    )
    return old


def test_the_supplier_list_shows_balance_overdue_and_next_due_without_n_plus_1(
    client, owner, world, shop, product, django_assert_max_num_queries
):
    for n in range(12):
        other = SupplierFactory(name=f"Extra {n:02d}", payment_terms_days=3)
        receipt(shop, other, product, f"{n + 1}.00")
    client.force_login(owner)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:inventory_supplier_changelist"))
    assert response.status_code == 200
    row = next(r for r in response.context["cl"].result_list if r.name == "Arman Foods")
    assert (row.balance_amount, row.overdue_amount, row.next_due_date) == (
        D("400.00"),
        D("200.00"),
        datetime.date(2026, 12, 5),
    )
    page = client.get(reverse("admin:inventory_supplier_change", args=[row.pk]))
    assert page.status_code == 200 and "400.00" in page.content.decode()
    # In Russian the page shows money and dates as an accountant reads them, never 400.00 or None.
    page = client.get(reverse("admin:inventory_supplier_change", args=[row.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    text = page.content.decode()
    assert "400,00" in text and "200,00" in text and "05.12.2026" in text and ">None<" not in text


def test_a_shop_manager_sees_only_their_shops_figures_and_rows(client, shop_manager, world, supplier, product):
    other_shop = ShopFactory(code="99")
    receipt(other_shop, supplier, product, "5000.00")
    shop_manager.managed_shops.add(world.shop)
    client.force_login(shop_manager)
    response = client.get(reverse("admin:inventory_supplier_changelist"))
    row = next(r for r in response.context["cl"].result_list if r.pk == supplier.pk)
    assert row.balance_amount == D("400.00")
    payables = client.get(reverse("admin:purchasing_payable_changelist"))
    assert {p.shop_id for p in payables.context["cl"].result_list} == {world.shop_id}


@pytest.mark.parametrize(
    "name",
    ["supplierpayment", "payable", "payableallocation", "supplierinvoice", "payableledgerentry", "payablebalance"],
)
def test_every_list_opens_and_exports(client, owner, world, name, django_assert_max_num_queries):
    client.force_login(owner)
    with django_assert_max_num_queries(15):
        response = client.get(reverse(f"admin:purchasing_{name}_changelist"))
    assert response.status_code == 200
    export = client.get(reverse(f"admin:purchasing_{name}_export_xlsx"))
    assert export.status_code == 200
    content = b"".join(export.streaming_content) if export.streaming else export.content
    assert load_workbook(io.BytesIO(content)).active.max_row >= 2


def test_a_payment_added_in_the_admin_posts_by_its_button(client, owner, world, shop, supplier, desk):
    client.force_login(owner)
    response = client.post(
        reverse("admin:purchasing_supplierpayment_add"),
        {
            "business_date": "2026-11-25",
            "supplier": supplier.pk,
            "shop": shop.pk,
            "method": "cash",
            "amount": "250.00",
            "bank_reference": "",
            "comment": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    payment = SupplierPayment.objects.get(amount=D("250.00"))
    client.post(reverse("admin:purchasing_supplierpayment_do", args=[payment.pk, "post"]), follow=True)
    payment.refresh_from_db()
    assert payment.status == DocumentStatus.POSTED
    assert Payable.objects.get(source_id=world.pk, kind="receipt").settled_amount == D("300.00")


def run_job(client, django_capture_on_commit_callbacks, url, data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    job = ReportFile.objects.order_by("-pk").first()
    assert job.status == "done", job.error
    return b"".join(client.get(reverse("reports:download", args=[job.token])).streaming_content)


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_statement_prints_both_parties_balances_and_signatures(
    client, owner, world, supplier, fmt, django_capture_on_commit_callbacks
):
    Company.objects.create(name="Taiga Retail LLP", tax_number="123456789012", address="Astana")
    supplier.address = "Almaty, Abay 1"
    supplier.save()
    client.force_login(owner)
    content = run_job(
        client,
        django_capture_on_commit_callbacks,
        reverse("admin:inventory_supplier_statement", args=[supplier.pk]),
        {"date_from": "2026-11-15", "date_to": "2026-11-30", "shop": "", "format": fmt},
    )
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        text = " ".join(str(c) for r in rows for c in r if c is not None)
        opening = next(r for r in rows if "Opening balance" in r)
        closing = next(r for r in rows if "Closing balance" in r)
        assert opening[-1] == 300 and closing[-1] == 400
        assert any(r[0] and str(r[0]).startswith("For Arman Foods: director") for r in rows)
    else:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        assert "Reconciliation statement" in text and "400.00" in text
        assert "For Arman Foods: director" in text
    assert "Taiga Retail LLP" in text and "Almaty, Abay 1" in text and supplier.tax_id in text


def test_statements_of_several_suppliers_come_as_one_zip(
    client, owner, world, supplier, shop, product, django_capture_on_commit_callbacks
):
    other = SupplierFactory(name="Baikal Water")
    receipt(shop, other, product, "70.00")
    client.force_login(owner)
    url = reverse("admin:inventory_supplier_statements_zip") + f"?ids={supplier.pk},{other.pk}"
    assert client.get(url).status_code == 200
    content = run_job(
        client,
        django_capture_on_commit_callbacks,
        url,
        {"date_from": "2026-11-01", "date_to": "2026-11-30", "shop": "", "format": "xlsx"},
    )
    names = sorted(zipfile.ZipFile(io.BytesIO(content)).namelist())
    assert names == ["arman-foods.xlsx", "baikal-water.xlsx"]
    content = run_job(
        client,
        django_capture_on_commit_callbacks,
        url,
        {"date_from": "2026-11-01", "date_to": "2026-11-30", "shop": "", "format": "pdf"},
    )
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == ["arman-foods.pdf", "baikal-water.pdf"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("baikal-water.pdf"))).pages)
    assert "Baikal Water" in text and "70.00" in text


def test_the_suppliers_statement_is_checked_in_the_admin(client, owner, world, supplier):
    book = openpyxl.Workbook()
    book.active.append(["Date", "Document", "Debit", "Credit"])
    book.active.append([DAY - datetime.timedelta(days=15), world.number, 300, None])
    book.active.append([DAY, "X-1", 199.99, None])
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "theirs.xlsx"
    client.force_login(owner)
    response = client.post(
        reverse("admin:inventory_supplier_statement_import", args=[supplier.pk]),
        {"date_from": "2026-11-01", "date_to": "2026-11-30", "shop": "", "file": upload},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert result["matched"] == 1
    assert [(d.number, d.their_amount, d.our_amount) for d in result["differences"]] == [
        ("X-1", D("199.99"), None),
        (result["ours"].lines[1].number, None, D("200.00")),
        (result["ours"].lines[2].number, None, D("-100.00")),
    ]
    assert "statement-differences" in response.content.decode()


@pytest.mark.parametrize("report", ["payables_at_date", "payables_aging", "payment_calendar"])
def test_the_report_centre_builds_the_payables_reports(
    client, owner, world, report, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    content = run_job(
        client,
        django_capture_on_commit_callbacks,
        reverse("admin:reports_reportfile_new"),
        {"report": report, "format": "xlsx", "shop": "", "day": "2026-11-25"},
    )
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert any("Arman Foods" in r for r in rows)


def test_a_bad_upload_is_a_form_error_and_a_manager_must_name_a_shop(client, owner, shop_manager, world, supplier):
    upload = io.BytesIO(b"\x00not an xlsx")
    upload.name = "theirs.xlsx"
    client.force_login(owner)
    url = reverse("admin:inventory_supplier_statement_import", args=[supplier.pk])
    response = client.post(url, {"date_from": "2026-11-01", "date_to": "2026-11-30", "shop": "", "file": upload})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert response.context["result"] is None
    shop_manager.managed_shops.add(world.shop)
    client.force_login(shop_manager)
    response = client.post(
        reverse("admin:inventory_supplier_statement", args=[supplier.pk]),
        {"date_from": "2026-11-01", "date_to": "2026-11-30", "shop": "", "format": "pdf"},
    )
    assert response.status_code == 200 and response.context["form"].errors["shop"]
    assert ReportFile.objects.count() == 0


def test_invoices_that_differ_from_their_receipt_are_one_filter_away(client, owner, world):
    client.force_login(owner)
    response = client.get(reverse("admin:purchasing_supplierinvoice_changelist") + "?matching=differs")
    assert [(i.number, i.difference_amount) for i in response.context["cl"].result_list] == [("F-1", D("1.00"))]
    response = client.get(reverse("admin:purchasing_supplierinvoice_changelist") + "?matching=ok")
    assert list(response.context["cl"].result_list) == []
