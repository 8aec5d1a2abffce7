"""The admin of points: the account page, adjustments posted by their button, lists and Excel exports."""

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import load_workbook

from loyalty.models import PointsAdjustment
from tests.loyalty.conftest import CARD, balance, give, sale

D = Decimal


def test_the_account_page_shows_balance_pending_ledger_and_holds(client, superuser, loyal):
    give(loyal, 120)
    loyal["client"].post("/api/v1/till/receipts/", sale(1), format="json")
    loyal["client"].post(
        "/api/v1/till/loyalty/holds/",
        {"card_number": CARD, "receipt_uuid": "11111111-1111-4111-8111-111111111111", "points": "20"},
        format="json",
    )
    client.force_login(superuser)
    found = client.get(reverse("admin:loyalty_pointsaccount_changelist"), {"q": CARD})
    assert found.status_code == 200 and "+7701***4567" in found.content.decode()
    page = client.get(reverse("admin:loyalty_pointsaccount_change", args=[loyal["account"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    for shown in ("120", "45 2026-12-09", "11111111-1111-4111-8111-111111111111", "accrual"):
        assert shown in text, shown


def test_an_adjustment_added_in_the_admin_is_posted_by_its_button(client, owner, loyal):
    client.force_login(owner)
    response = client.post(
        reverse("admin:loyalty_pointsadjustment_add"),
        {
            "business_date": "2026-11-25",
            "shop": loyal["shop"].pk,
            "account": loyal["account"].pk,
            "kind": "adjustment",
            "points": "75",
            "reason": "Birthday gift",
            "comment": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    doc = PointsAdjustment.objects.get()
    assert doc.status == "draft" and balance(loyal) == (D(0), D(0), D(0))
    client.post(reverse("admin:loyalty_pointsadjustment_do", args=[doc.pk, "post"]), follow=True)
    doc.refresh_from_db()
    assert doc.status == "posted" and doc.posted_by == owner
    assert balance(loyal) == (D(75), D(0), D(0))


def test_points_lists_export_to_excel(client, superuser, loyal):
    give(loyal, 10)
    client.force_login(superuser)
    for name in (
        "pointsaccount",
        "pointsadjustment",
        "pointsledgerentry",
        "pointsbalance",
        "receiptpoints",
        "pointshold",
    ):
        export = client.get(reverse(f"admin:loyalty_{name}_export_xlsx"))
        assert export.status_code == 200, name
        load_workbook(io.BytesIO(export.content))


def test_a_shop_manager_sees_only_their_shops_accounts_and_posts_within_the_limit(client, shop_manager, loyal):
    from loyalty.models import PointsSettings

    PointsSettings.objects.create(pk=1, manager_adjustment_limit=D(50))
    loyal["shop"].managers.add(shop_manager)
    client.force_login(shop_manager)
    page = client.get(reverse("admin:loyalty_pointsaccount_changelist"))
    assert page.status_code == 200 and "+7701***4567" not in page.content.decode()  # not registered in their shop
    loyal["customer"].registration_shop = loyal["shop"]
    loyal["customer"].save()
    assert "+7701***4567" in client.get(reverse("admin:loyalty_pointsaccount_changelist")).content.decode()
    from loyalty.services.points import points_adjustment_create

    doc = points_adjustment_create(
        actor=shop_manager, shop=loyal["shop"], account=loyal["account"], points=D(60), reason="Too much"
    )
    response = client.post(reverse("admin:loyalty_pointsadjustment_do", args=[doc.pk, "post"]), follow=True)
    assert "at most 50 points" in response.content.decode()
    doc.refresh_from_db()
    assert doc.status == "draft" and balance(loyal) == (D(0), D(0), D(0))
