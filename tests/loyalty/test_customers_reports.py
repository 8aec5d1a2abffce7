"""The customers' reports: clients and new clients by shop and channel, cards per month, tiers and moves."""
# ruff: noqa: F811  (fixtures imported from customers_fixtures: tests/loyalty/conftest.py is shared)

import datetime
import io

import pytest
from openpyxl import load_workbook

from loyalty.admin_reports_customers import cards_report, clients_report, tiers_report
from loyalty.models import Customer, LoyaltyAccount
from loyalty.services.cards import card_issue_virtual
from loyalty.services.tiers import tier_set_by_hand
from reports.jobs import report_job_start
from reports.models import ReportFile
from tests.factories import ShopFactory
from tests.loyalty.customers_fixtures import tiers  # noqa: F401

pytestmark = pytest.mark.django_db
PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-30", "shop_id": None}


@pytest.fixture
def people(tiers, clock):
    first, second = ShopFactory(code="01", name="Abay"), ShopFactory(code="02", name="Dostyk")
    made = []
    for moment, shop, channel in [
        (datetime.datetime(2026, 10, 20, 12, 0, tzinfo=datetime.UTC), first, "shop"),
        (datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC), first, "shop"),
        (datetime.datetime(2026, 11, 3, 12, 0, tzinfo=datetime.UTC), first, "app"),
        (datetime.datetime(2026, 11, 4, 12, 0, tzinfo=datetime.UTC), second, "shop"),
        (datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC), second, "shop"),  # after the period
    ]:
        clock.move_to(moment)
        customer = Customer.objects.create(phone=f"+770112345{len(made):02d}", registration_shop=shop, channel=channel)
        account = LoyaltyAccount.objects.create(customer=customer, home_shop=shop, tier=tiers["silver"])
        card_issue_virtual(account=account)
        made.append(account)
    clock.move_to(datetime.datetime(2026, 11, 10, 12, 0, tzinfo=datetime.UTC))
    tier_set_by_hand(account_id=made[0].pk, tier=tiers["gold"], until=None)
    return first, second, made


def test_clients_and_new_clients_by_shop_and_channel(people):
    data = clients_report(PERIOD)
    assert [r[:4] for r in data.rows] == [
        ["01 Abay", "mobile app", 1, 1],
        ["01 Abay", "shop", 2, 1],
        ["02 Dostyk", "shop", 1, 1],
    ]


def test_a_shops_report_counts_only_its_customers(people):
    first, _second, _made = people
    data = clients_report({**PERIOD, "shop_id": first.pk})
    assert data.shop_ids == [first.pk] and sum(r[2] for r in data.rows) == 3


def test_cards_issued_per_month(people):
    data = cards_report({**PERIOD, "date_from": "2026-10-01"})
    assert data.rows == [["10.2026", "virtual", 1], ["11.2026", "virtual", 3]]


def test_tier_distribution_and_moves(people):
    data = tiers_report(PERIOD)
    assert data.rows == [
        ["Now", "", "Silver", "", 4],
        ["Now", "", "Gold", "", 1],
        ["11.2026", "Silver", "Gold", "set by hand", 1],
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_the_reports_render_through_the_engine(people, owner, fmt, settings, django_capture_on_commit_callbacks):
    settings.PDF_WORKERS = 1
    for name in ("loyalty_clients", "loyalty_cards_issued", "loyalty_tiers"):
        with django_capture_on_commit_callbacks(execute=True):
            job = report_job_start(report=name, fmt=fmt, params=PERIOD, user=owner)
        job.refresh_from_db()
        assert job.status == "done", (name, job.status)
    if fmt == "xlsx":
        job = ReportFile.objects.filter(report="loyalty_clients", format="xlsx").get()
        with job.file.open("rb") as f:
            cells = [c.value for row in load_workbook(io.BytesIO(f.read())).active.iter_rows() for c in row]
        assert "01 Abay" in cells
