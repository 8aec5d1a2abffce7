"""The admin site's structure: technical models under "System" for superusers only; the transit
pseudo-shop never offered as a shop."""

import pytest
from django.urls import reverse

from inventory.services.stock_documents import transit_shop
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def _app_list(response):
    return {app["app_label"]: [m["object_name"] for m in app["models"]] for app in response.context["app_list"]}


def test_superuser_sees_the_system_section(client, superuser):
    client.force_login(superuser)
    apps = _app_list(client.get(reverse("admin:index")))
    assert sorted(apps["system"]) == ["ClockedSchedule", "GroupResult", "SolarSchedule", "TaskResult"]
    assert "django_celery_results" not in apps  # moved whole into System
    assert sorted(apps["django_celery_beat"]) == ["CrontabSchedule", "IntervalSchedule", "PeriodicTask"]
    page = client.get(reverse("admin:system_index"))
    assert page.status_code == 200
    assert {m["object_name"] for m in page.context["app_list"][0]["models"]} == set(apps["system"])


def test_owner_sees_the_schedules_not_the_system(client, owner):
    client.force_login(owner)
    apps = _app_list(client.get(reverse("admin:index")))
    assert "system" not in apps
    assert sorted(apps["django_celery_beat"]) == ["CrontabSchedule", "IntervalSchedule", "PeriodicTask"]
    assert client.get(reverse("admin:django_celery_beat_periodictask_changelist")).status_code == 200
    for name in ("django_celery_results_taskresult", "django_celery_beat_clockedschedule"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403
    assert client.get(reverse("admin:system_index")).status_code == 403


@pytest.mark.parametrize(
    "changelist",
    ["admin:sales_till_changelist", "admin:inventory_stockbalance_changelist", "admin:sales_shift_changelist"],
)
def test_transit_shop_is_never_offered_as_a_shop(client, superuser, changelist):
    shops = [ShopFactory(name="Astana Central"), ShopFactory(name="Kokshetau Market")]
    transit = transit_shop()
    client.force_login(superuser)
    html = client.get(reverse(changelist)).content.decode()
    assert all(shop.name in html for shop in shops)  # the shop filter lists the trading shops
    assert transit.name not in html


def test_report_centre_offers_trading_shops_only(client, superuser):
    shops = [ShopFactory(name="Astana Central"), ShopFactory(name="Kokshetau Market")]
    transit = transit_shop()
    client.force_login(superuser)
    form = client.get(reverse("admin:reports_reportfile_new")).context["form"]
    assert list(form.fields["shop"].queryset) == shops
    assert transit not in form.fields["shop"].queryset
