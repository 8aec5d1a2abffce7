import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection

from inventory.roles import ACCOUNTANT, CASHIER, OWNER, SHOP_MANAGER
from tests.factories import UserFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` run only when the suite runs on PostgreSQL."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run `make test` with a server reachable)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


# The suite's "now": a Wednesday afternoon in Astana. Every test runs at this moment (the clock
# ticks on from it) unless it moves the clock itself with `clock.move_to(...)`, or is marked
# `real_clock` (servers in other processes, which the travel cannot reach).
SUITE_NOW = datetime.datetime(2026, 11, 25, 14, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Almaty"))


@pytest.fixture(autouse=True)
def clock(request):
    """Time-machine traveller at SUITE_NOW: no test reads the real clock, so none passes or fails by the hour."""
    if "real_clock" in request.keywords:
        yield None
        return
    with time_machine.travel(SUITE_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def language():
    """Every test starts in the site's default language and leaves no language behind.

    A request through the test client (or a report job) activates the user's language on this
    thread and nothing deactivates it; without this reset a Kazakh page seen by one test turns
    the next test's messages Kazakh, and the suite's result depends on the order xdist picks.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path_factory):
    """Report files and uploads go to a temporary private directory, never the project's."""
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path_factory.mktemp("private"))


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", role=OWNER)


@pytest.fixture
def accountant(db):
    return UserFactory(username="accountant", role=ACCOUNTANT)


@pytest.fixture
def shop_manager(db):
    return UserFactory(username="manager", role=SHOP_MANAGER)


@pytest.fixture
def cashier(db):
    return UserFactory(username="cashier", role=CASHIER, is_staff=False)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
