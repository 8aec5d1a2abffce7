"""Points reports: the liability in money and the points expiring in 30 days, from the report centre."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from loyalty.admin_reports import points_expiring_report, points_liability_report
from loyalty.models import Customer, LoyaltyAccount
from reports.models import ReportFile
from tests.loyalty.conftest import give, sale

D = Decimal


def test_the_liability_counts_spendable_and_pending_points_at_their_value(loyal, settings):
    settings.POINTS_VALUE = D("2")
    loyal["account"].home_shop = loyal["shop"]
    loyal["account"].save()
    give(loyal, 100)
    loyal["client"].post("/api/v1/till/receipts/", sale(1), format="json")  # 45 pending (value 2: 5% of 900 / 2 = 22)
    other = LoyaltyAccount.objects.create(customer=Customer.objects.create(phone="+77019999999"))
    give({**loyal, "account": other}, 7)
    data = points_liability_report({})
    rows = [list(r) for r in data.rows]
    assert rows == [
        [loyal["shop"].name, 1, D(100), D(22), D(0), D(244)],
        ["no home shop", 1, D(7), D(0), D(0), D(14)],
    ]
    assert data.totals == ["Total", 2, D(107), D(22), D(0), D(258)]
    one_shop = points_liability_report({"shop_id": loyal["shop"].pk})
    assert len(list(one_shop.rows)) == 1 and one_shop.shop_ids == [loyal["shop"].pk]


def test_points_expiring_in_30_days_count_what_is_left_of_each_lot(loyal):
    from loyalty.services.points import points_redeem

    give(loyal, 50, expires_on=datetime.date(2026, 12, 1))
    give(loyal, 30, expires_on=datetime.date(2026, 12, 20))
    give(loyal, 99, expires_on=datetime.date(2027, 3, 1))  # later than 30 days
    points_redeem(account_id=loyal["account"].pk, points=D(20), source_type="points_adjustment", source_id=77)
    rows = [list(r) for r in points_expiring_report({}).rows]
    assert [(r[1], r[2], r[3]) for r in rows] == [(1, D(30), D(30)), (1, D(30), D(30))]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_points_reports_come_from_the_report_centre(loyal, client, owner, django_capture_on_commit_callbacks, fmt):
    give(loyal, 40, expires_on=datetime.date(2026, 12, 10))
    client.force_login(owner)
    for report in ("points_liability", "points_expiring"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("admin:reports_reportfile_new"), {"report": report, "format": fmt})
        assert response.status_code == 302, report
        job = ReportFile.objects.latest("pk")
        assert job.status == "done", job.error
        content = b"".join(client.get(reverse("reports:download", args=[job.token])).streaming_content)
        if fmt == "xlsx":
            rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
            assert any(r and 40 in r for r in rows), rows
        else:
            text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
            assert "40" in text
