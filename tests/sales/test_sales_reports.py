import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.models import ReportFile
from sales.models import Shift
from sales.selectors import receipts_by_day, sales_by_hour, sales_by_product
from tests.sales.conftest import sales_receipt_body as receipt_body
from tests.sales.test_batches_returns import UPLOAD, milk_line, sale, stock_in

pytestmark = pytest.mark.django_db
D = Decimal
DAY = datetime.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def files(settings, tmp_path):
    settings.PDF_WORKERS = 1
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def trading(till_world):
    """Milk bought at 300; 3 sold at 450 at 10:15, 1 returned at 16:40 the same day; the shift closed 100 short."""
    client = till_world["client"]
    stock_in(till_world, "10", "300.00")
    original = sale(1, quantity="3")
    client.post(UPLOAD, original, format="json")
    refund = receipt_body(
        sequence=2,
        kind="return",
        till_time="2026-11-25T16:40:00+05:00",
        original_uuid=original["uuid"],
        lines=[milk_line(original_line_no=1)],
        payments=[{"type": "cash", "amount": "450.00"}],
    )
    assert client.post(UPLOAD, refund, format="json").status_code == 201
    shift = Shift.objects.get()
    client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5800.00"}, format="json")
    return till_world


def test_sales_by_product_nets_returns_and_gives_cost_and_margin(trading):
    (row,) = sales_by_product(shop_ids=[trading["shop"].pk], date_from=DAY, date_to=DAY)
    assert (row["sku"], row["quantity"], row["revenue"], row["cost"], row["margin"], row["margin_percent"]) == (
        "MILK",
        D("2"),
        D("900.00"),
        D("600.00"),
        D("300.00"),
        D("33.33"),
    )


def test_receipts_by_day_and_by_hour(trading):
    (day,) = receipts_by_day(shop_ids=[trading["shop"].pk], date_from=DAY, date_to=DAY)
    assert (day["sales"], day["revenue"], day["average"], day["returns"], day["returned"]) == (
        1,
        D("1350.00"),
        D("1350.00"),
        1,
        D("450.00"),
    )
    hours = sales_by_hour(shop_ids=[trading["shop"].pk], date_from=DAY, date_to=DAY)
    assert [(h["hour"], h["sales"]) for h in hours] == [(10, 1)]  # the shop's local hour


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ("sales_by_product", ("07", None, "MILK")),
        ("sales_returns", (DAY, "07", "T7-1")),
        ("shift_differences", ("07", "T7-1", 1)),
    ],
)
def test_report_centre_makes_sales_reports_in_excel(
    trading, client, superuser, django_capture_on_commit_callbacks, report, expected
):
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:reports_reportfile_new"),
            {"report": report, "format": "xlsx", "date_from": "2026-11-01", "date_to": "2026-11-30"},
        )
    assert response.status_code == 302
    job = ReportFile.objects.get()
    assert job.status == "done", job.error
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("reports:download", args=[job.token])).streaming_content))
    )
    rows = [
        r for r in sheet.active.iter_rows(values_only=True) if r and r[0] in ("07", datetime.datetime(2026, 11, 25))
    ]
    assert rows, list(sheet.active.iter_rows(values_only=True))
    first = rows[0]
    if report == "sales_by_product":
        assert (first[0], first[2], first[5], first[6], first[7], first[8]) == ("07", "MILK", 2, 900, 600, 300)
        assert first[4] == "piece"  # the unit by its name (in the reader's language), not its code
    elif report == "sales_returns":
        assert first[:3] == (datetime.datetime(2026, 11, 25), "07", "T7-1") and first[-2:] == (1, 450)
    else:
        assert first[:3] == expected and first[-1] == -100


def test_units_in_prints_are_named_in_the_reader_s_language():
    from django.utils import translation

    from inventory.choices import unit_label

    with translation.override("ru"):
        assert (unit_label("kg"), unit_label("pcs"), unit_label("box?")) == ("килограмм", "штука", "box?")
    with translation.override("kk"):
        assert unit_label("pcs") == "дана"


def test_a_sales_report_needs_its_period(trading, client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("admin:reports_reportfile_new"), {"report": "sales_by_product", "format": "xlsx"})
    assert response.status_code == 200 and "Give the period." in response.content.decode()
    assert not ReportFile.objects.exists()


def test_the_z_report_prints_from_the_shift_page(trading, client, superuser, django_capture_on_commit_callbacks):
    client.force_login(superuser)
    shift = Shift.objects.get()
    page = client.get(reverse("admin:sales_shift_change", args=[shift.pk])).content.decode()
    link = reverse("reports:document", args=["z_report", shift.pk, "pdf"])
    assert f'formaction="{link}"' in page and "cash expected" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    pdf = client.get(response["Location"], follow=True)
    text = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0].extract_text()
    assert "Z-report" in text and "5,900.00" in text and "-100.00" in text


def test_the_shift_page_links_to_its_receipts(trading, client, superuser):
    client.force_login(superuser)
    shift = Shift.objects.get()
    page = client.get(reverse("admin:sales_shift_change", args=[shift.pk])).content.decode()
    link = reverse("admin:sales_receipt_changelist") + f"?shift={shift.pk}"
    assert link in page
    listing = client.get(link)
    assert listing.status_code == 200 and listing.context["cl"].result_count == 2
    other = client.get(reverse("admin:sales_receipt_changelist") + f"?shift={shift.pk + 1}")
    assert other.context["cl"].result_count == 0
