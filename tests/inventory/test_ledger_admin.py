"""The admin's ledger pages come from the registry: a ledger registered in ready() gets them, inventory knows none.

The stock ledger proves it on a fresh admin site (its hand-written admin is not there): the
generic pages list its entries and balances, filter by key, document type and date, and
change nothing.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import include, path

from inventory.admin_ledgers import LedgerBalanceAdmin, LedgerEntryAdmin, ledger_admin_register
from inventory.ledgers import Ledger, ledger_register, ledger_unregister, ledgers, ledgers_listen
from inventory.models import GoodsReceipt, StockBalance, StockLedgerEntry, WriteOff
from inventory.services import goods_receipt_post, write_off_post
from inventory.services.ledger import STOCK
from tests.factories import ProductFactory, ShopFactory, SupplierFactory, stock_document

D = Decimal
site = admin.AdminSite(name="ledgers_only")
urlpatterns = []  # filled once the site has its pages: `site.urls` lists what is registered when read
ENTRIES = "/ledgers/inventory/stockledgerentry/"
BALANCES = "/ledgers/inventory/stockbalance/"


@pytest.fixture(scope="module", autouse=True)
def generic_stock_pages():
    assert ledger_admin_register(STOCK, site) == [StockLedgerEntry, StockBalance]
    urlpatterns[:] = [path("ledgers/", site.urls), path("", include("config.urls"))]  # the project's templates
    yield
    site.unregister(StockLedgerEntry)
    site.unregister(StockBalance)


@pytest.fixture
def stock(db, settings, client, superuser):
    settings.ROOT_URLCONF = __name__
    client.force_login(superuser)
    shops = [ShopFactory(code="A1"), ShopFactory(code="A2")]
    milk = ProductFactory(sku="LEDGER-MILK")
    for shop, quantity in zip(shops, ("5", "7"), strict=True):
        doc = stock_document(
            GoodsReceipt,
            shop=shop,
            supplier=SupplierFactory(),
            business_date=datetime.date(2026, 11, 20),
            lines=[{"product": milk, "quantity": D(quantity), "price_amount": D("10")}],
        )
        goods_receipt_post(document_id=doc.pk, actor=None)
    off = stock_document(
        WriteOff, shop=shops[0], business_date=datetime.date(2026, 11, 22), lines=[{"product": milk, "quantity": 2}]
    )
    write_off_post(document_id=off.pk, actor=None)
    return {"client": client, "shops": shops, "milk": milk, "write_off": off}


def rows(response):
    return list(response.context["cl"].result_list)


def test_every_registered_ledger_has_its_pages_on_the_admin_site():
    for ledger in ledgers():
        if ledger.entry_model._meta.app_config is not None:
            assert admin.site.is_registered(ledger.entry_model) and admin.site.is_registered(ledger.balance_model)


def test_the_generic_entry_list_filters_by_key_document_type_and_date(stock, django_assert_max_num_queries):
    client, (a1, a2) = stock["client"], stock["shops"]
    with django_assert_max_num_queries(12):
        response = client.get(ENTRIES)
    assert response.status_code == 200
    assert len(rows(response)) == 3
    page = response.content.decode()
    assert stock["write_off"].number in page  # the posting's document number
    assert [e.shop_id for e in rows(client.get(ENTRIES, {"shop_id": a2.pk}))] == [a2.pk]
    write_offs = rows(client.get(ENTRIES, {"source_type": "write_off"}))
    assert [(e.shop_id, e.quantity) for e in write_offs] == [(a1.pk, D("-2.000"))]
    dated = rows(client.get(ENTRIES, {"business_date__gte": "2026-11-21", "business_date__lt": "2026-11-23"}))
    assert [e.kind for e in dated] == ["write_off"]
    assert 'name="shop_id"' in page and 'name="product_id"' in page  # typed keys, not lists of every product
    assert client.get(ENTRIES, {"shop_id": "not-a-number"}).status_code in (200, 302)  # no 500


def test_the_generic_balance_list_shows_keys_amounts_and_state_and_changes_nothing(stock):
    client, (a1, _a2) = stock["client"], stock["shops"]
    response = client.get(BALANCES, {"shop_id": a1.pk})
    assert [(b.quantity, b.cost_amount) for b in rows(response)] == [(D("3.000"), D("30.00"))]
    assert "last_unit_cost" in response.context["cl"].list_display
    assert client.get(f"{BALANCES}add/").status_code == 403
    entry = StockLedgerEntry.objects.first()
    assert client.post(f"{ENTRIES}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StockLedgerEntry.objects.filter(pk=entry.pk).exists()


def test_a_ledger_registered_later_is_heard_by_the_admin_listener():
    heard = []
    ledgers_listen(heard.append)
    assert STOCK in heard  # the ones registered so far
    later = Ledger(
        name="later",
        entry_model=StockLedgerEntry,
        balance_model=StockBalance,
        key_fields=("shop_id", "product_id"),
        amount_fields=("quantity",),
    )
    try:
        ledger_register(later)
        assert heard[-1] is later
    finally:
        ledger_unregister("later")
        from inventory import ledgers as registry

        registry._LISTENERS.remove(heard.append)


def test_generic_admins_are_read_only_by_their_base():
    for base in (LedgerEntryAdmin, LedgerBalanceAdmin):
        instance = base(StockLedgerEntry, site)
        assert not instance.has_add_permission(None) and not instance.has_change_permission(None)
