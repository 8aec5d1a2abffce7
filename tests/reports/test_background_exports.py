"""Long admin list exports run as background jobs in the report centre (issue 8, item 15)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import ReportFile
from tests.factories import ProductFactory, ShopFactory

pytestmark = pytest.mark.django_db


def _rows(client, job):
    response = client.get(reverse("reports:download", args=[job.token]))
    assert response.status_code == 200
    return list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))


def test_a_long_list_export_runs_in_the_background_with_the_users_filters(
    client, superuser, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 2
    for n in range(3):
        ProductFactory(sku=f"MILK{n}", name=f"Milk {n}")
    ProductFactory(sku="BREAD", name="Bread")
    client.force_login(superuser)
    url = reverse("admin:inventory_product_export_xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"q": "Milk", "o": "-1"})
    assert response.status_code == 302 and response["Location"] == reverse("admin:reports_reportfile_changelist")
    job = ReportFile.objects.get()
    assert (job.report, job.status, job.rows, job.shop_ids) == ("admin_export", "done", 3, []), job.error
    rows = _rows(client, job)
    assert rows[0][:2] == ("SKU", "Name")  # the header is the first row, as in a direct export
    assert [r[0] for r in rows[1:]] == ["MILK2", "MILK1", "MILK0"]  # search and ordering kept
    page = client.get(reverse("admin:reports_reportfile_changelist")).content.decode()
    assert "exported in the background" in page
    # Below the threshold: the file comes at once, as before.
    direct = client.get(url, {"q": "Bread"})
    assert direct.status_code == 200 and direct["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_shop_managers_background_export_holds_their_shops_only(
    client, shop_manager, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_BACKGROUND_ROWS = 1
    shops = [ShopFactory(code=f"0{n}", name=f"Shop {n}") for n in (1, 2, 3, 4)]
    for shop in shops[:2]:
        shop.managers.add(shop_manager)
    client.force_login(shop_manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(reverse("admin:inventory_shop_export_xlsx")).status_code == 302
    job = ReportFile.objects.get()
    assert job.status == "done", job.error
    assert sorted(job.shop_ids) == sorted(s.pk for s in shops[:2])
    codes = sorted(str(r[0]) for r in _rows(client, job)[1:])
    assert codes == ["01", "02"] or all(("01" in c or "02" in c) for c in codes), codes
    assert len(codes) == 2
