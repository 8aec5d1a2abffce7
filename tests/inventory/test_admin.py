import datetime
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from inventory.barcodes import scale_barcode_build
from inventory.models import PriceChange, Product, Shop, Supplier
from inventory.roles import ACCOUNTANT, OWNER, SHOP_MANAGER
from inventory.services import price_change_post
from tests.factories import (
    BarcodeFactory,
    PriceZoneFactory,
    ProductFactory,
    ShopFactory,
    SupplierFactory,
    price_change_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(superuser):
    zone = PriceZoneFactory(code="Z1")
    shops = [
        ShopFactory(code="01", name="North", price_zone=zone),
        ShopFactory(code="02", name="South", price_zone=zone),
    ]
    milk = ProductFactory(sku="MILK", name="Milk 1 l")
    BarcodeFactory(product=milk, code="5901234123457")
    cheese = ProductFactory(sku="CHEESE", name="Gouda", is_weighted=True, plu=42, unit="kg")
    SupplierFactory(name="Dairy Ltd", order_weekdays=0b0010101)
    document = price_change_create(
        zone=zone, effective_date=datetime.date(2026, 1, 1), lines=[(milk, "450.00"), (cheese, "3200.00")]
    )
    price_change_post(document_id=document.pk, actor=superuser)
    return {"zone": zone, "shops": shops, "milk": milk, "cheese": cheese, "document": document}


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.fixture
def stock_documents(chain, superuser):
    """One of every stock document, posted, plus the rows they leave behind."""
    from inventory.models import (
        GoodsReceipt,
        LedgerCheckRun,
        OpeningBalance,
        PeriodLock,
        Stocktake,
        SupplierReturn,
        Transfer,
        WriteOff,
    )
    from inventory.services import (
        goods_receipt_post,
        opening_balance_post,
        stocktake_fill,
        supplier_return_post,
        transfer_receive,
        transfer_ship,
        write_off_post,
    )
    from tests.factories import stock_document

    north, south = chain["shops"]
    supplier = Supplier.objects.first()
    milk = chain["milk"]
    opening = stock_document(OpeningBalance, shop=north, lines=[{"product": milk, "quantity": 50, "unit_cost": 100}])
    opening_balance_post(document_id=opening.pk, actor=superuser)
    receipt = stock_document(
        GoodsReceipt, shop=north, supplier=supplier, lines=[{"product": milk, "quantity": 5, "price_amount": 90}]
    )
    goods_receipt_post(document_id=receipt.pk, actor=superuser)
    returned = stock_document(SupplierReturn, shop=north, supplier=supplier, lines=[{"product": milk, "quantity": 1}])
    supplier_return_post(document_id=returned.pk, actor=superuser)
    wo = stock_document(WriteOff, shop=north, lines=[{"product": milk, "quantity": 1}])
    write_off_post(document_id=wo.pk, actor=superuser)
    transfer = stock_document(Transfer, shop=north, to_shop=south, lines=[{"product": milk, "quantity": 2}])
    transfer_ship(document_id=transfer.pk, actor=superuser)
    transfer_receive(document_id=transfer.pk, actor=superuser)
    stocktake = Stocktake.objects.create(shop=north)
    stocktake_fill(document_id=stocktake.pk, actor=superuser)
    PeriodLock.objects.create(shop=None, lock_date=datetime.date(2020, 1, 1))
    LedgerCheckRun.objects.create()


def test_every_admin_changelist_add_page_and_export_opens(client, superuser, chain, stock_documents):
    client.force_login(superuser)
    opened = 0
    for model, model_admin in admin.site._registry.items():
        url = changelist_url(model)
        response = client.get(url)
        assert response.status_code == 200, url
        export = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export_xlsx"))
        assert export.status_code == 200, url
        load_workbook(io.BytesIO(export.content))
        if model_admin.has_add_permission(response.wsgi_request):
            add_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
            assert client.get(add_url).status_code == 200, add_url
        first = model_admin.get_queryset(response.wsgi_request).first()
        if first is not None:
            change_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
            assert client.get(change_url).status_code == 200, change_url
        opened += 1
    assert opened >= 10


def test_product_search_finds_by_name_sku_barcode_and_scale_barcode(client, superuser, chain):
    client.force_login(superuser)
    url = changelist_url(chain["milk"].__class__)
    for term, expected in [
        ("milk", "MILK"),
        ("CHEE", "CHEESE"),
        ("5901234123457", "MILK"),
        (scale_barcode_build(plu=42, weight_grams=1234), "CHEESE"),
    ]:
        response = client.get(url, {"q": term})
        rows = [obj.sku for obj in response.context["cl"].result_list]
        assert rows == [expected], term


def test_product_list_shows_current_price_and_exports_the_filtered_rows(client, superuser, chain):
    client.force_login(superuser)
    url = changelist_url(chain["milk"].__class__)
    response = client.get(url, {"is_weighted__exact": "1"})
    assert [p.sku for p in response.context["cl"].result_list] == ["CHEESE"]
    export = client.get(reverse("admin:inventory_product_export_xlsx"), {"is_weighted__exact": "1"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["SKU", "Name"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][0] == "CHEESE"
    price = rows[0][header.index("Price Z1")]
    assert price == 3200 and isinstance(price, (int, float))  # a real number cell, not text
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:{}2".format(chr(ord("A") + len(header) - 1))


def test_price_zone_filter_shows_products_without_a_price(client, superuser, chain):
    unpriced = ProductFactory(sku="NOPRICE")
    client.force_login(superuser)
    response = client.get(changelist_url(unpriced.__class__), {"zone": f"no-{chain['zone'].pk}"})
    assert [p.sku for p in response.context["cl"].result_list] == ["NOPRICE"]


def test_posting_from_the_document_page_and_read_only_afterwards(client, superuser, chain):
    client.force_login(superuser)
    draft = price_change_create(
        zone=chain["zone"], effective_date=datetime.date(2026, 2, 1), lines=[(chain["milk"], "470")]
    )
    response = client.post(reverse("admin:inventory_pricechange_do", args=[draft.pk, "post"]), follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "posted" and draft.posted_by == superuser
    # Posted: the change form no longer saves anything.
    change_url = reverse("admin:inventory_pricechange_change", args=[draft.pk])
    client.post(change_url, {"comment": "edited", "effective_date": "2026-03-01", "zone": chain["zone"].pk})
    draft.refresh_from_db()
    assert draft.comment == "" and draft.effective_date == datetime.date(2026, 2, 1)
    # Posting again is refused with a message, not a server error.
    response = client.post(reverse("admin:inventory_pricechange_do", args=[draft.pk, "post"]), follow=True)
    assert any("only a draft" in str(m) for m in response.context["messages"])


def test_post_action_reports_each_failure(client, superuser, chain):
    client.force_login(superuser)
    empty = price_change_create(zone=chain["zone"], effective_date=datetime.date(2026, 2, 1), lines=[])
    good = price_change_create(
        zone=chain["zone"], effective_date=datetime.date(2026, 2, 1), lines=[(chain["milk"], "1")]
    )
    response = client.post(
        changelist_url(PriceChange),
        {"action": "post_selected", "_selected_action": [empty.pk, good.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(empty.number in t and "no lines" in t for t in texts)
    assert PriceChange.objects.get(pk=good.pk).status == "posted"
    assert PriceChange.objects.get(pk=empty.pk).status == "draft"


def test_supplier_order_days_round_trip_through_the_form(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:inventory_supplier_add"),
        {
            "name": "Bread Co",
            "tax_id": "123456789012",
            "is_active": "on",
            "payment_terms_days": 14,
            "lead_time_days": 2,
            "min_order_amount": "50000.00",
            "order_days": ["1", "4"],
            "phone": "",
            "email": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    supplier = Supplier.objects.get(name="Bread Co")
    assert supplier.order_weekday_list == [1, 4]
    assert supplier.min_order_amount == Decimal("50000.00")
    assert supplier.history.first().history_user == superuser


def test_a_bad_barcode_in_the_product_form_is_a_form_error(client, superuser, chain):
    client.force_login(superuser)
    product = chain["milk"]
    data = {
        "sku": product.sku,
        "name": product.name,
        "group": product.group_id,
        "unit": "pcs",
        "vat_rate": "16",
        "is_active": "on",
        "barcodes-TOTAL_FORMS": "2",
        "barcodes-INITIAL_FORMS": "1",
        "barcodes-MIN_NUM_FORMS": "0",
        "barcodes-MAX_NUM_FORMS": "1000",
        "barcodes-0-id": product.barcodes.get().pk,
        "barcodes-0-product": product.pk,
        "barcodes-0-code": "5901234123457",
        "barcodes-1-product": product.pk,
        "barcodes-1-code": "5901234123458",
        "prices-TOTAL_FORMS": "0",
        "prices-INITIAL_FORMS": "0",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "0",
    }
    response = client.post(reverse("admin:inventory_product_change", args=[product.pk]), data)
    assert response.status_code == 200
    assert "check digit" in response.content.decode()
    assert product.barcodes.count() == 1


# --- roles and shop scoping -----------------------------------------------------------------


def test_roles_exist_with_their_permissions(owner, accountant, shop_manager, cashier):
    assert set(Group.objects.values_list("name", flat=True)) >= {"Owner", "Accountant", "Shop manager", "Cashier"}
    assert owner.has_perm("auth.change_user") and owner.has_perm("inventory.view_all_shops")
    assert accountant.has_perm("inventory.add_pricechange") and accountant.has_perm("inventory.view_all_shops")
    assert not accountant.has_perm("auth.change_user") and not accountant.has_perm("auth.view_user")
    assert shop_manager.has_perm("inventory.view_product") and not shop_manager.has_perm("inventory.change_product")
    assert not shop_manager.has_perm("inventory.view_all_shops")
    assert not cashier.get_all_permissions()


def test_cashier_cannot_use_the_admin(client, cashier):
    client.force_login(cashier)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_shop_manager_sees_only_their_shops(client, shop_manager, chain):
    north, south = chain["shops"]
    north.managers.add(shop_manager)
    client.force_login(shop_manager)
    response = client.get(changelist_url(Shop))
    assert [s.code for s in response.context["cl"].result_list] == ["01"]
    assert client.get(reverse("admin:inventory_shop_change", args=[south.pk])).status_code == 404
    assert client.get(reverse("admin:inventory_shop_history", args=[south.pk])).status_code == 404
    assert client.get(reverse("admin:inventory_shop_change", args=[north.pk])).status_code == 200
    export = client.get(reverse("admin:inventory_shop_export_xlsx"))
    codes = [row[0] for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True)]
    assert codes == ["01"]


def test_shop_manager_cannot_reassign_managers_or_add_shops(client, shop_manager, chain):
    north = chain["shops"][0]
    north.managers.add(shop_manager)
    client.force_login(shop_manager)
    assert client.get(reverse("admin:inventory_shop_add")).status_code == 403
    page = client.get(reverse("admin:inventory_shop_change", args=[north.pk]))
    assert "managers" not in page.context["adminform"].form.fields


def _shop_form(shop, **changes):
    data = {
        "code": shop.code,
        "name": shop.name,
        "format": shop.format,
        "city": shop.city,
        "address": shop.address,
        "time_zone": str(shop.time_zone),
        "opening_hours": shop.opening_hours,
        "price_zone": shop.price_zone_id,
        "is_active": "on" if shop.is_active else "",
        "negative_stock_allowed": "on" if shop.negative_stock_allowed else "",
        "managers": [m.pk for m in shop.managers.all()],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v not in ("", None)}


def test_a_shops_trading_controls_are_the_owners(client, shop_manager, owner, chain):
    """A manager edits the address; active, negative stock, price zone and time zone stay as the owner set them."""
    north = chain["shops"][0]
    north.managers.add(shop_manager)
    other_zone = PriceZoneFactory(code="Z2")
    client.force_login(shop_manager)
    url = reverse("admin:inventory_shop_change", args=[north.pk])
    page = client.get(url)
    for control in ("is_active", "negative_stock_allowed", "price_zone", "time_zone"):
        assert control not in page.context["adminform"].form.fields, control
    forged = _shop_form(
        north,
        address="New street 1",
        is_active="",
        negative_stock_allowed="on",
        price_zone=other_zone.pk,
        time_zone="Asia/Omsk",
    )
    assert client.post(url, forged).status_code == 302
    north.refresh_from_db()
    assert north.address == "New street 1"
    assert (north.is_active, north.negative_stock_allowed, north.price_zone_id, str(north.time_zone)) == (
        True,
        False,
        chain["zone"].pk,
        "Asia/Almaty",
    )
    client.force_login(owner)
    assert client.post(url, _shop_form(north, negative_stock_allowed="on", price_zone=other_zone.pk)).status_code == 302
    north.refresh_from_db()
    assert north.negative_stock_allowed and north.price_zone_id == other_zone.pk


@pytest.mark.parametrize("role_user", ["owner", "accountant"])
def test_owner_and_accountant_see_every_shop(client, request, role_user, chain):
    client.force_login(request.getfixturevalue(role_user))
    response = client.get(changelist_url(Shop))
    assert len(response.context["cl"].result_list) == 2


def test_roles_follow_new_models_after_migrate(db):
    from inventory.roles import role_permissions

    names = {(p.content_type.app_label, p.codename) for p in role_permissions(OWNER)}
    assert ("django_celery_beat", "change_periodictask") in names
    assert ("inventory", "view_product") in {
        (p.content_type.app_label, p.codename) for p in role_permissions(SHOP_MANAGER)
    }
    assert ("inventory", "delete_product") not in {
        (p.content_type.app_label, p.codename) for p in role_permissions(ACCOUNTANT)
    }


def test_a_duplicate_plu_in_the_product_form_names_the_other_product(client, superuser, chain):
    client.force_login(superuser)
    data = {
        "sku": "BRIE",
        "name": "Brie",
        "group": chain["cheese"].group_id,
        "unit": "kg",
        "vat_rate": "16",
        "is_active": "on",
        "is_weighted": "on",
        "plu": "42",
        "barcodes-TOTAL_FORMS": "0",
        "barcodes-INITIAL_FORMS": "0",
        "barcodes-MIN_NUM_FORMS": "0",
        "barcodes-MAX_NUM_FORMS": "1000",
        "prices-TOTAL_FORMS": "0",
        "prices-INITIAL_FORMS": "0",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "0",
    }
    response = client.post(reverse("admin:inventory_product_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "CHEESE" in " ".join(errors["plu"])
    assert not Product.objects.filter(sku="BRIE").exists()


def test_every_admin_list_selects_the_related_rows_it_shows(rf, superuser):
    """A related column missing from list_select_related costs a query per row."""
    request = rf.get("/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        selected = model_admin.list_select_related
        if selected in (True, False):  # False: Django selects the list's foreign keys itself
            continue
        relations = {f.name for f in model._meta.fields if f.is_relation}
        shown = [c for c in model_admin.get_list_display(request) if isinstance(c, str) and c in relations]
        missing = [c for c in shown if c not in selected and not any(s.startswith(f"{c}__") for s in selected)]
        assert not missing, (model.__name__, missing)
