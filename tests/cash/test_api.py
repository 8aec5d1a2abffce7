"""The back-office cash API: balances, ledger rows and orders, scoped to the user's shops, with filters."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from cash.choices import OrderDirection, OrderReason
from cash.models import ExpenseCategory
from cash.services import cash_order_create, desk_for_shop
from tests.factories import ShopFactory

from .conftest import DAY, fill

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")


@pytest.fixture
def api(db):
    return APIClient()


def test_a_manager_gets_their_shops_balances_and_orders_only(api, shop_manager, desk, django_assert_max_num_queries):
    other = desk_for_shop(ShopFactory(code="08"))
    desk.shop.managers.add(shop_manager)
    fill(desk, "10.50")
    fill(other, "99")
    api.force_authenticate(shop_manager)
    with django_assert_max_num_queries(8):
        balances = api.get("/api/v1/cash/balances/").json()["results"]
    assert [(b["location_code"], b["amount"]) for b in balances] == [("07-D", "10.50")]
    orders = api.get("/api/v1/cash/orders/").json()["results"]
    assert [o["location"] for o in orders] == [desk.pk]
    assert api.get(f"/api/v1/cash/orders/{orders[0]['id'] + 1}/").status_code == 404
    entries = api.get("/api/v1/cash/entries/").json()["results"]
    assert [(e["location"], e["amount"]) for e in entries] == [(desk.pk, "10.50")]


def test_orders_filter_by_category_with_its_subcategories_and_by_date(api, owner, desk):
    utilities = ExpenseCategory.objects.add_root({"name": "Utilities"})
    water = utilities.add_child(name="Water")
    rent = ExpenseCategory.objects.add_root({"name": "Rent"})
    fill(desk, "1000")
    for category, amount in ((water, "10"), (utilities, "20"), (rent, "30")):
        cash_order_create(
            direction=OrderDirection.OUT,
            reason=OrderReason.EXPENSE,
            category=category,
            location=desk,
            amount=D(amount),
            business_date=DAY,
            post=True,
        )
    api.force_authenticate(owner)
    found = api.get("/api/v1/cash/orders/", {"category": utilities.pk}).json()["results"]
    assert sorted(o["amount"] for o in found) == ["10.00", "20.00"]
    assert api.get("/api/v1/cash/orders/", {"date_from": "2026-11-26"}).json()["results"] == []
    assert len(api.get("/api/v1/cash/orders/", {"shop": desk.shop_id, "reason": "expense"}).json()["results"]) == 3
    assert api.get("/api/v1/cash/orders/", {"category": 987654}).json()["results"] == []
