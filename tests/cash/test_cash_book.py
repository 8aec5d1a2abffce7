"""The daily cash book of a shop's cash desk: opening balance, each order in and out, closing balance."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from cash.choices import OrderDirection, OrderReason
from cash.selectors import cash_book
from cash.services import cash_order_create
from reports.models import ReportFile

from .conftest import DAY, fill

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")
BEFORE = DAY - datetime.timedelta(days=1)


@pytest.fixture
def days_of_cash(desk, rent):
    fill(desk, "1000.00", day=BEFORE)
    fill(desk, "250.00")
    cash_order_create(
        direction=OrderDirection.OUT,
        reason=OrderReason.EXPENSE,
        category=rent,
        location=desk,
        amount=D("400.00"),
        counterparty="Landlord",
        business_date=DAY,
        post=True,
    )
    return desk


def test_the_cash_book_carries_each_days_closing_into_the_next_opening(days_of_cash):
    days = cash_book(location_id=days_of_cash.pk, date_from=BEFORE, date_to=DAY)
    assert [(d["date"], d["opening"], d["in"], d["out"], d["closing"]) for d in days] == [
        (BEFORE, D("0.00"), D("1000.00"), D("0"), D("1000.00")),
        (DAY, D("1000.00"), D("250.00"), D("400.00"), D("850.00")),
    ]
    assert [line["what"] for line in days[1]["lines"]] == ["other — Owner", "expense — Landlord"]
    only_today = cash_book(location_id=days_of_cash.pk, date_from=DAY, date_to=DAY)
    assert only_today[0]["opening"] == D("1000.00") and only_today[0]["closing"] == D("850.00")


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_cash_book_comes_from_the_report_centre(
    days_of_cash, client, owner, django_capture_on_commit_callbacks, fmt
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:reports_reportfile_new"),
            {
                "report": "cash_book",
                "format": fmt,
                "shop": days_of_cash.shop_id,
                "date_from": "2026-11-24",
                "date_to": "2026-11-25",
            },
        )
    assert response.status_code == 302
    job = ReportFile.objects.get()
    assert job.status == "done", job.error
    content = b"".join(client.get(reverse("reports:download", args=[job.token])).streaming_content)
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        closing = [r for r in rows if r and "Closing balance" in r]
        assert [(r[3], r[4], r[5]) for r in closing] == [(1000, 0, 1000), (250, 400, 850)]
    else:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        assert "Cash book" in text and "850.00" in text and "Accountant" in text


def test_a_period_prints_one_sheet_per_day_each_signed(days_of_cash, settings, tmp_path):
    from cash.admin_reports import cash_book_report
    from reports.jobs import _render
    from reports.xlsx import NewPage

    settings.PDF_WORKERS = 1
    data = cash_book_report({"shop_id": days_of_cash.shop_id, "date_from": "2026-11-24", "date_to": "2026-11-25"})
    rows = list(data.rows)
    assert [isinstance(r, NewPage) for r in rows if "Opening balance" in r] == [False, True]
    data.rows = rows
    out = io.BytesIO()
    _render("pdf", data, lambda done: None, out)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(out.getvalue())).pages]
    assert len(pages) == 2
    assert "24.11.2026" in pages[0] and "1,000.00" in pages[0] and "Cashier: ____" in pages[0]
    assert "25.11.2026" in pages[1] and "850.00" in pages[1] and "Accountant" in pages[1]
    assert [p.count("Opening balance") for p in pages] == [1, 1]
