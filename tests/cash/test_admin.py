"""The cash admin: orders posted and cancelled by button, shop managers confined to their shops, exports."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cash.choices import OrderDirection, OrderReason
from cash.models import CashOrder
from cash.services import cash_order_create, desk_for_shop
from inventory.choices import DocumentStatus
from tests.factories import ShopFactory

from .conftest import DAY, balance, fill

D = Decimal
pytestmark = pytest.mark.usefixtures("cash_balanced")


def do(client, order, action):
    return client.post(reverse("admin:cash_cashorder_do", args=[order.pk, action]), follow=True)


def test_an_order_added_in_the_admin_is_posted_and_cancelled_by_its_buttons(client, owner, desk, rent):
    fill(desk, "500")
    client.force_login(owner)
    response = client.post(
        reverse("admin:cash_cashorder_add"),
        {
            "business_date": "2026-11-25",
            "direction": "out",
            "reason": "expense",
            "category": rent.pk,
            "location": desk.pk,
            "amount": "120.40",
            "counterparty": "Landlord",
            "comment": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    order = CashOrder.objects.get(counterparty="Landlord")
    assert order.shop_id == desk.shop_id and order.created_by == owner and order.status == DocumentStatus.DRAFT
    page = client.get(reverse("admin:cash_cashorder_change", args=[order.pk]))
    assert b"/do/post/" in page.content
    do(client, order, "post")
    assert balance(desk) == D("379.60")
    do(client, order, "cancel")
    order.refresh_from_db()
    assert order.status == DocumentStatus.CANCELLED and balance(desk) == D("500.00")


def test_a_refused_post_is_reported_and_changes_nothing(client, owner, desk):
    order = cash_order_create(
        direction=OrderDirection.OUT, reason=OrderReason.OTHER, location=desk, amount=D("5"), business_date=DAY
    )
    client.force_login(owner)
    response = do(client, order, "post")
    assert "Not enough cash" in response.content.decode()
    order.refresh_from_db()
    assert order.status == DocumentStatus.DRAFT


def test_a_form_without_the_expense_category_is_refused(client, owner, desk):
    client.force_login(owner)
    response = client.post(
        reverse("admin:cash_cashorder_add"),
        {"business_date": "2026-11-25", "direction": "out", "reason": "expense", "location": desk.pk, "amount": "1"},
    )
    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    assert not CashOrder.objects.exists()


def test_a_shop_manager_sees_and_acts_for_their_shops_only(client, shop_manager, desk):
    other_desk = desk_for_shop(ShopFactory(code="08"))
    desk.shop.managers.add(shop_manager)
    mine, theirs = fill(desk, "10"), fill(other_desk, "20")
    client.force_login(shop_manager)
    listed = client.get(reverse("admin:cash_cashorder_changelist"))
    assert [o.pk for o in listed.context["cl"].result_list] == [mine.pk]
    assert client.get(reverse("admin:cash_cashorder_change", args=[theirs.pk])).status_code == 404
    assert do(client, theirs, "cancel").status_code == 404
    balances = client.get(reverse("admin:cash_cashbalance_changelist"))
    assert [b.location_id for b in balances.context["cl"].result_list] == [desk.pk]
    locations = client.get(reverse("admin:cash_cashlocation_changelist"))
    assert [x.pk for x in locations.context["cl"].result_list] == [desk.pk]
    form = client.get(reverse("admin:cash_cashorder_add")).context["adminform"].form
    assert list(form.fields["location"].queryset) == [desk]
    do(client, mine, "cancel")
    mine.refresh_from_db()
    assert mine.status == DocumentStatus.CANCELLED and balance(other_desk) == D("20.00")


def test_the_cash_lists_export_to_excel(client, owner, desk):
    fill(desk, "42.10")
    client.force_login(owner)
    for name in ("cashorder", "cashledgerentry", "cashbalance", "cashlocation"):
        response = client.get(reverse(f"admin:cash_{name}_export_xlsx"))
        assert response.status_code == 200, name
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row == 2, name


def test_desks_over_their_limit_are_listed_and_the_excess_is_prepared_for_encashment(client, owner, desk):
    from cash.choices import LocationKind
    from cash.models import CashLocation

    quiet = desk_for_shop(ShopFactory(code="08"))
    CashLocation.objects.filter(pk__in=[desk.pk, quiet.pk]).update(cash_limit_amount=D("1000.00"))
    fill(desk, "1500.25")
    fill(quiet, "1000.00")  # at the limit is within it
    client.force_login(owner)
    listed = client.get(reverse("admin:cash_cashdeskoverlimit_changelist"))
    assert [x.pk for x in listed.context["cl"].result_list] == [desk.pk]
    response = client.post(
        reverse("admin:cash_cashdeskoverlimit_changelist"),
        {"action": "prepare_encashment", "_selected_action": [desk.pk]},
    )
    assert response.status_code == 302
    order = CashOrder.objects.get(reason=OrderReason.ENCASHMENT)
    assert (order.status, order.location_id, order.amount, order.direction) == (
        DocumentStatus.DRAFT,
        desk.pk,
        D("500.25"),
        OrderDirection.OUT,
    )
    assert order.counter_location.kind == LocationKind.TRANSIT
    do(client, order, "post")
    assert balance(desk) == D("1000.00") and balance(order.counter_location) == D("500.25")
    assert not client.get(reverse("admin:cash_cashdeskoverlimit_changelist")).context["cl"].result_list
