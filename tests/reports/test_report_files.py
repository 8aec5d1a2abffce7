"""Who may have a report file, how it is named and where it lives (issue 8, item 1), and how
reports start: printouts by POST, one running job per identical request, a capped period (item 15)."""

import datetime
import os

import pytest
from django.contrib.auth.models import Permission
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from django.views.static import serve

from inventory.selectors import user_may_see_shops
from reports.jobs import report_job_start
from reports.models import ReportFile
from tests.factories import ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(owner, shop_manager):
    shops = [ShopFactory(code=f"0{n}", name=f"Shop {n}") for n in (1, 2, 3, 4)]
    for shop in shops[:2]:
        shop.managers.add(shop_manager)
    return shops


def _run(client, django_capture_on_commit_callbacks, user, data):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:reports_reportfile_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ReportFile.objects.order_by("-pk").first()
    assert job.status == "done", job.error
    return job


def test_user_may_see_shops_needs_every_shop(owner, shop_manager, chain):
    one, two, three, _four = (s.pk for s in chain)
    assert user_may_see_shops(shop_manager, [one, two]) and user_may_see_shops(shop_manager, [one])
    assert not user_may_see_shops(shop_manager, [one, two, three])  # "any one shop matches" leaked reports
    assert not user_may_see_shops(shop_manager, [])  # no shop list: chain-wide
    assert user_may_see_shops(owner, [one, two, three]) and user_may_see_shops(owner, [])


def test_a_shop_manager_cannot_download_the_owners_all_shops_reports(
    client, owner, shop_manager, chain, django_capture_on_commit_callbacks
):
    stock = _run(client, django_capture_on_commit_callbacks, owner, {"report": "stock_balances", "format": "xlsx"})
    sales = _run(
        client,
        django_capture_on_commit_callbacks,
        owner,
        {"report": "sales_by_product", "format": "xlsx", "date_from": "2026-11-01", "date_to": "2026-11-25"},
    )
    assert {s.pk for s in chain} <= set(stock.shop_ids)
    assert client.get(reverse("reports:download", args=[stock.token])).status_code == 200
    client.force_login(shop_manager)
    for job in (stock, sales):
        assert client.get(reverse("reports:download", args=[job.token])).status_code == 404
        assert client.get(reverse("reports:wait", args=[job.token])).status_code == 404
    # Ids counted upwards name nothing.
    assert client.get(f"/reports/file/{stock.pk}/download/").status_code == 404


def test_a_report_of_the_managers_own_shops_is_theirs_with_the_view_permission(
    client, owner, shop_manager, chain, django_capture_on_commit_callbacks
):
    mine = _run(
        client,
        django_capture_on_commit_callbacks,
        owner,
        {"report": "stock_balances", "format": "xlsx", "shop": chain[0].pk},
    )
    client.force_login(shop_manager)
    assert client.get(reverse("reports:download", args=[mine.token])).status_code == 200
    chain[0].managers.remove(shop_manager)
    assert client.get(reverse("reports:download", args=[mine.token])).status_code == 404
    chain[0].managers.add(shop_manager)
    staff_without_permission = UserFactory(username="clerk", is_staff=True)
    chain[0].managers.add(staff_without_permission)
    staff_without_permission.user_permissions.add(Permission.objects.get(codename="view_stockbalance"))
    client.force_login(staff_without_permission)
    assert client.get(reverse("reports:download", args=[mine.token])).status_code == 404


def test_report_files_are_named_by_an_unguessable_token_and_kept_in_private_storage(
    client, owner, chain, settings, django_capture_on_commit_callbacks
):
    job = _run(client, django_capture_on_commit_callbacks, owner, {"report": "stock_balances", "format": "xlsx"})
    other = _run(client, django_capture_on_commit_callbacks, owner, {"report": "stock_balances", "format": "pdf"})
    assert len(job.token) >= 32 and job.token != other.token and not job.token.isdigit()
    changelist = client.get(reverse("admin:reports_reportfile_changelist")).content.decode()
    assert reverse("reports:download", args=[job.token]) in changelist
    path = os.path.realpath(job.file.path)
    assert path.startswith(os.path.realpath(settings.PRIVATE_MEDIA_ROOT) + os.sep)
    assert not path.startswith(os.path.realpath(settings.MEDIA_ROOT) + os.sep)
    with pytest.raises(ValueError):
        job.file.url  # noqa: B018  (no public URL at all)
    # What the DEBUG media route would answer for the file's name: nothing.
    with pytest.raises(Http404):
        serve(RequestFactory().get("/media/" + job.file.name), job.file.name, document_root=settings.MEDIA_ROOT)


@pytest.mark.parametrize(("mode", "header"), [("x-accel-redirect", "X-Accel-Redirect"), ("x-sendfile", "X-Sendfile")])
def test_the_web_server_may_send_the_file_after_the_view_authorised_it(
    client, owner, chain, settings, django_capture_on_commit_callbacks, mode, header
):
    job = _run(client, django_capture_on_commit_callbacks, owner, {"report": "stock_balances", "format": "xlsx"})
    settings.REPORT_FILE_SENDFILE = mode
    settings.REPORT_FILE_SENDFILE_PREFIX = "/private-reports/"
    response = client.get(reverse("reports:download", args=[job.token]))
    assert response.status_code == 200 and response.content == b""
    expected = "/private-reports/" + job.file.name if mode == "x-accel-redirect" else job.file.path
    assert response[header] == expected
    assert "attachment" in response["Content-Disposition"]


def test_a_printout_starts_by_post_and_a_second_identical_request_gets_the_running_job(client, owner, chain):
    from inventory.models import Stocktake

    stocktake = Stocktake.objects.create(shop=chain[0], business_date=datetime.date(2026, 11, 25))
    url = reverse("reports:document", args=["stocktake_sheet", stocktake.pk, "pdf"])
    client.force_login(owner)
    assert client.get(url).status_code == 405
    first = client.post(url)  # the job is queued; its task runs on commit (not captured here)
    second = client.post(url)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ReportFile.objects.count() == 1
    job = ReportFile.objects.get()
    assert job.status == "queued" and job.shop_ids == [chain[0].pk]
    client.post(reverse("reports:document", args=["stocktake_sheet", stocktake.pk, "xlsx"]))
    assert ReportFile.objects.count() == 2  # another format is another request
    ReportFile.objects.filter(pk=job.pk).update(status="done")
    client.post(url)
    assert ReportFile.objects.count() == 3  # the first one finished: a new printout


def test_identical_requests_of_two_users_are_two_jobs(owner, accountant, chain):
    params = {"shop_id": None, "group_id": None, "day": None, "date_from": None, "date_to": None}
    a = report_job_start(report="stock_balances", fmt="xlsx", params=params, user=owner)
    b = report_job_start(report="stock_balances", fmt="xlsx", params=dict(reversed(params.items())), user=owner)
    c = report_job_start(report="stock_balances", fmt="xlsx", params=params, user=accountant)
    assert a.pk == b.pk and c.pk != a.pk


def test_document_pages_print_by_post_forms(client, superuser, chain):
    from inventory.models import Stocktake

    stocktake = Stocktake.objects.create(shop=chain[0], business_date=datetime.date(2026, 11, 25))
    client.force_login(superuser)
    page = client.get(reverse("admin:inventory_stocktake_change", args=[stocktake.pk])).content.decode()
    url = reverse("reports:document", args=["stocktake_sheet", stocktake.pk, "pdf"])
    assert f'<form method="post" action="{url}"' in page
    assert f'href="{url}"' not in page


def test_a_report_period_is_capped(client, owner, chain, settings):
    client.force_login(owner)
    data = {"report": "sales_by_product", "format": "xlsx", "date_from": "2024-01-01", "date_to": "2026-11-25"}
    response = client.post(reverse("admin:reports_reportfile_new"), data)
    assert response.status_code == 200
    assert "A report covers at most 731 days" in response.content.decode()
    assert not ReportFile.objects.exists()
    settings.REPORT_MAX_PERIOD_DAYS = 3000
    assert client.post(reverse("admin:reports_reportfile_new"), data).status_code == 302
