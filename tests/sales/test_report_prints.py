# ruff: noqa: F811  (the fixtures imported from test_sales_reports are parameters here)
"""The Z-report and report files as people read them (issue 10, items 2, 4, 6, 7): local times, typed cells,
titles naming shop and period, Cyrillic file names, headings in the downloader's language."""

import datetime
import io
import subprocess
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import ReportFile
from sales.models import Shift
from tests.sales.conftest import sales_receipt_body as receipt_body
from tests.sales.test_sales_reports import files, trading  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _print(client, shift, fmt, captured, language="en"):
    with captured(execute=True):
        response = client.post(
            reverse("reports:document", args=["z_report", shift.pk, fmt]), HTTP_ACCEPT_LANGUAGE=language
        )
    return client.get(response["Location"], follow=True, HTTP_ACCEPT_LANGUAGE=language)


def test_the_z_report_shows_the_shops_local_times_and_typed_figures(
    trading, client, superuser, django_capture_on_commit_callbacks, tmp_path
):
    shop = trading["shop"]
    shop.time_zone = "Europe/Moscow"  # UTC+3: the shop's time, not the server's (Asia/Almaty, UTC+5)
    shop.save()
    shift = Shift.objects.get()
    client.force_login(superuser)
    response = _print(client, shift, "xlsx", django_capture_on_commit_callbacks)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["First receipt at"] == datetime.datetime(2026, 11, 25, 8, 15)  # 10:15+05:00 in Moscow
    assert values["Last receipt at"] == datetime.datetime(2026, 11, 25, 14, 40)
    assert values["Sales amount"] == 1350 and isinstance(values["Sales amount"], (int, float))
    assert values["Cash expected"] == 5900 and values["Receipts"] == 2
    assert values["Difference: cash counted vs expected"] == -100
    opened = next(v for v in values if str(v).startswith("Opened"))
    assert "Europe/Moscow" in opened
    pdf = _print(client, shift, "pdf", django_capture_on_commit_callbacks)
    path = tmp_path / "z.pdf"
    path.write_bytes(b"".join(pdf.streaming_content))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "25.11.2026 08:15" in text and "5,900.00" in text and "-100.00" in text and "Cashier:" in text
    # The value column is right-aligned: figures and times end at one edge, as on a till's slip.
    ends = {
        line.rstrip().rsplit(" ", 1)[-1]: len(line.rstrip())
        for line in text.splitlines()
        if line.rstrip().endswith(("5,900.00", "-100.00", "08:15"))
    }
    assert len(ends) == 3 and len(set(ends.values())) == 1, ends


def test_the_download_keeps_cyrillic_in_the_file_name_with_an_ascii_fallback(
    trading, client, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    shift = Shift.objects.get()
    response = _print(client, shift, "pdf", django_capture_on_commit_callbacks, language="ru")
    header = response["Content-Disposition"]
    job = ReportFile.objects.get()
    assert job.language == "ru" and job.filename.startswith("Z-") and "T7-1 25.11.2026" in job.filename
    assert f"filename*=UTF-8''{quote(job.filename + '.pdf', safe='')}" in header
    assert header.startswith('attachment; filename="') and header.split('"')[1].isascii()


def test_a_file_downloaded_in_another_language_is_rendered_in_it(
    trading, client, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    shift = Shift.objects.get()
    _print(client, shift, "xlsx", django_capture_on_commit_callbacks, language="en")
    english = ReportFile.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("reports:download", args=[english.token]), HTTP_ACCEPT_LANGUAGE="kk")
    assert response.status_code == 302
    again = ReportFile.objects.exclude(pk=english.pk).get()
    assert again.language == "kk" and again.params == english.params


def test_report_centre_titles_name_the_shop_and_the_period(
    trading, client, superuser, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:reports_reportfile_new"),
            {"report": "stock_balances", "format": "pdf", "shop": trading["shop"].pk},
        )
        client.post(
            reverse("admin:reports_reportfile_new"),
            {"report": "sales_returns", "format": "xlsx", "date_from": "2026-11-01", "date_to": "2026-11-30"},
        )
    titles = sorted(ReportFile.objects.values_list("title", flat=True))
    shop = trading["shop"]
    assert titles == [
        f"Customer returns, {shop}, 01.11.2026 – 30.11.2026",
        f"Stock balances, {shop}, 25.11.2026",
    ], titles
    returns = ReportFile.objects.get(report="sales_returns")
    sheet = load_workbook(
        io.BytesIO(b"".join(client.get(reverse("reports:download", args=[returns.token])).streaming_content))
    ).active
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "Total" and last[-1] == 450 and sheet.freeze_panes and sheet.auto_filter.ref
    assert Decimal(str(last[-1])) == Decimal("450")


def test_the_till_api_writes_every_time_in_the_shops_zone(till_world):
    shop = till_world["shop"]
    shop.time_zone = "Europe/Moscow"
    shop.save()
    client = till_world["client"]
    client.post("/api/v1/till/receipts/", receipt_body(), format="json")  # 10:15+05:00
    state = client.get("/api/v1/till/state/").json()
    catalogue = client.get("/api/v1/till/catalogue/").json()
    assert state["server_time"].startswith("2026-11-25T12:") and state["server_time"].endswith("+03:00")
    assert catalogue["server_time"].startswith("2026-11-25T12:") and catalogue["server_time"].endswith("+03:00")
    shift = Shift.objects.get()
    closed = client.post(f"/api/v1/till/shifts/{shift.pk}/close/", {"counted_cash": "5900.00"}, format="json").json()
    assert closed["z_report"]["first_time"] == "2026-11-25T08:15:00+03:00"
    assert closed["opened_at"].endswith("+03:00")
