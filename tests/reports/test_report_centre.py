"""The report centre as a user meets it (issue 10, item 6): names not keys, a visible download,
a form that asks only what the chosen report needs, groups as paths, jobs beside the request."""

import json
import re
import time

import pytest
from django.urls import reverse

from reports.jobs import report_job_start
from reports.models import ReportFile
from tests.factories import ShopFactory, group_create

pytestmark = pytest.mark.django_db


def test_the_new_report_form_shows_only_what_the_report_needs_and_groups_as_paths(client, owner):
    food = group_create("Food")
    group_create("Dairy", parent=food)
    client.force_login(owner)
    page = client.get(reverse("admin:reports_reportfile_new")).content.decode()
    fields = json.loads(re.search(r'id="report-fields"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert fields["stock_balances"] == ["report", "format", "shop", "group", "day"]
    assert fields["receipts_by_day"] == ["report", "format", "shop", "date_from", "date_to"]
    assert "Food / Dairy" in page and "<label" in page and "Product group" in page


def test_fields_a_report_does_not_use_are_not_passed_to_it(client, owner):
    shop = ShopFactory(code="01")
    client.force_login(owner)
    client.post(
        reverse("admin:reports_reportfile_new"),
        {"report": "stock_balances", "format": "xlsx", "shop": shop.pk, "date_from": "2026-11-01"},
    )
    assert ReportFile.objects.get().params["date_from"] is None


def test_the_list_filters_by_report_name_and_shows_the_download(client, owner):
    params = {"shop_id": None, "group_id": None, "day": None, "date_from": None, "date_to": None}
    job = report_job_start(report="stock_balances", fmt="xlsx", params=params, user=owner)
    ReportFile.objects.filter(pk=job.pk).update(status="done", file="reports/x.xlsx")
    client.force_login(owner)
    page = client.get(reverse("admin:reports_reportfile_changelist")).content.decode()
    assert "?report=stock_balances" in page and ">Stock balances</a>" in page
    assert reverse("reports:download", args=[job.token]) in page and "Download (Excel)" in page


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_prepare_returns_at_once_and_the_job_runs_in_a_thread(client, owner, settings):
    settings.REPORT_JOBS_IN_THREAD = True
    settings.PDF_WORKERS = 1
    ShopFactory(code="01")
    client.force_login(owner)
    response = client.post(reverse("admin:reports_reportfile_new"), {"report": "stock_balances", "format": "pdf"})
    assert response.status_code == 302
    job = ReportFile.objects.get()
    for _ in range(1800):  # the thread finishes on its own (up to 3 minutes on a loaded machine)
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job.status == "done", job.error
