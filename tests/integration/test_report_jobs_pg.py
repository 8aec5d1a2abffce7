"""Real threads against PostgreSQL: identical report requests at once make one job."""

import pytest

from reports.jobs import report_job_start
from reports.models import ReportFile
from tests.factories import UserFactory
from tests.integration.test_concurrency_pg import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_identical_requests_at_once_make_one_job(monkeypatch):
    monkeypatch.setattr("reports.jobs._enqueue", lambda job_id: None)  # the jobs stay queued
    user = UserFactory(username="owner-threads", is_superuser=True, is_staff=True)
    params = {"shop_id": None, "group_id": None, "day": None, "date_from": None, "date_to": None}

    def ask(_i):
        return report_job_start(report="stock_balances", fmt="xlsx", params=params, user=user).pk

    ids = run_at_once(ask, count=8)
    assert len(set(ids)) == 1 and ReportFile.objects.count() == 1
