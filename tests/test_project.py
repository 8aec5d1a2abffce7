import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from inventory.models import Product, ProductGroup
from tests.factories import ProductFactory, group_create

_SITE_ENV = {
    "SECRET_KEY",
    "DEBUG",
    "DJANGO_TESTING",
    "DJANGO_SETTINGS_MODULE",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
}


def _settings_import(env_overrides, module="config.settings.main"):
    env = {k: v for k, v in os.environ.items() if k not in _SITE_ENV}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    # Run from a copy-free environment: no .env influence because DEBUG/SECRET_KEY are forced.
    result = _settings_import({"DEBUG": "0", "SECRET_KEY": "", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert (
        _settings_import({"DEBUG": "0", "SECRET_KEY": "x" * 50, "REDIS_URL": "redis://127.0.0.1:6379/0"}).returncode
        == 0
    )


def test_production_refuses_to_start_without_a_broker_unless_eager_tasks_are_asked_for():
    production = {"DEBUG": "0", "SECRET_KEY": "x" * 50}
    result = _settings_import(production)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "No Celery broker" in result.stderr
    assert _settings_import({**production, "CELERY_TASK_ALWAYS_EAGER": "1"}).returncode == 0
    assert _settings_import({**production, "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}).returncode == 0
    # The demo (DEBUG, no key, no Redis) and the test settings start without a broker.
    assert _settings_import({"DEBUG": "1"}).returncode == 0
    assert _settings_import({"DEBUG": "0"}, module="config.settings.test").returncode == 0


def test_the_suite_runs_on_the_test_settings():
    assert os.environ["DJANGO_SETTINGS_MODULE"] == "config.settings.test"
    assert settings.TESTING is True and "config.settings.main" not in sys.modules


def test_celery_runs_eagerly_without_redis():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("api-schema")).status_code == 200
    assert client.get(reverse("api-swagger")).status_code == 200


@pytest.mark.django_db
def test_the_admin_speaks_russian_and_kazakh(client, superuser):
    client.force_login(superuser)
    for language, word in [("ru", "Товары"), ("kk", "Тауарлар")]:
        response = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
        assert word in response.content.decode(), language


@pytest.mark.django_db
def test_moving_a_group_moves_its_subtree_and_counts_follow(client, superuser):
    food = group_create("Food")
    dairy = group_create("Dairy", parent=food)
    cheese = group_create("Cheese", parent=dairy)
    home = group_create("Home")
    ProductFactory(group=cheese)
    ProductFactory(group=dairy)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:inventory_productgroup_change", args=[dairy.pk]),
        {"name": "Dairy", "treebeard_position": "first-child", "treebeard_ref_node": home.pk},
    )
    assert response.status_code == 302
    cheese.refresh_from_db()
    assert cheese.full_name() == "Home / Dairy / Cheese"
    page = client.get(reverse("admin:inventory_productgroup_changelist"))
    counts = {g.name: (g.direct_count, g.subtree_count) for g in page.context["cl"].result_list}
    assert counts == {"Home": (0, 2), "Food": (0, 0)}  # the tree list opens at the roots
    export = client.get(reverse("admin:inventory_productgroup_export_xlsx"))
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True))
    assert rows == [("Food", 0, 0), ("Home", 0, 2), ("Home / Dairy", 1, 2), ("Home / Dairy / Cheese", 1, 1)]
    assert Product.objects.filter(group__path__startswith=ProductGroup.objects.get(name="Home").path).count() == 2
