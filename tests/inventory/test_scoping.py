"""Shop scoping in one place (inventory/scoping.py): the admin, the API and report downloads agree.

Seeing: any one of an object's shops is the user's. Acting: every shop the action belongs to.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.admin_stock import TransferAdmin
from inventory.models import GoodsReceipt, Shop, StockBalance, Transfer, TransferLine
from inventory.roles import SHOP_MANAGER
from inventory.scoping import shop_fields, shop_ids_of, user_may_see_any_shop, visible_shop_ids, visible_to
from tests.factories import ProductFactory, ShopFactory, SupplierFactory, UserFactory, stock_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(shop_manager):
    shops = {code: ShopFactory(code=code, name=f"Shop {code}") for code in ("01", "02", "03")}
    shops["01"].managers.add(shop_manager)
    shops["02"].managers.add(shop_manager)
    return shops


@pytest.fixture
def transfer(chain):
    """A transfer 01 -> 03, and a goods receipt of shop 03 alone."""
    milk = ProductFactory(sku="MILK")
    stock_document(GoodsReceipt, shop=chain["03"], supplier=SupplierFactory(), lines=[])
    return stock_document(
        Transfer, shop=chain["01"], to_shop=chain["03"], lines=[{"product": milk, "quantity": Decimal("2")}]
    )


def _api_ids(client, user):
    client.force_login(user)
    response = client.get(reverse("inventory-api:transfer-list"))
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _admin_ids(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:inventory_transfer_changelist"))
    assert response.status_code == 200
    return [t.pk for t in response.context["cl"].result_list]


def _printout(client, user, transfer, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:document", args=["transfer_note", transfer.pk, "xlsx"]))
    if response.status_code != 302:
        return response.status_code
    return client.get(response["Location"], follow=True).status_code


def test_api_admin_and_report_download_agree_for_a_manager_of_01_02_and_a_transfer_01_to_03(
    client, shop_manager, chain, transfer, django_capture_on_commit_callbacks
):
    # The manager of 01-02 sees the transfer (its sender is theirs) everywhere...
    assert _api_ids(client, shop_manager) == [transfer.pk]
    assert _admin_ids(client, shop_manager) == [transfer.pk]
    assert _printout(client, shop_manager, transfer, django_capture_on_commit_callbacks) == 200
    # ...and a manager of 02 alone sees it nowhere.
    other = UserFactory(username="manager02", role=SHOP_MANAGER)
    chain["02"].managers.add(other)
    assert _api_ids(client, other) == []
    assert _admin_ids(client, other) == []
    assert _printout(client, other, transfer, django_capture_on_commit_callbacks) == 404
    # The receiver's manager sees it too; acting belongs to one side each.
    receiver = UserFactory(username="manager03", role=SHOP_MANAGER)
    chain["03"].managers.add(receiver)
    assert _api_ids(client, receiver) == _admin_ids(client, receiver) == [transfer.pk]
    actions = {a.name: a for a in TransferAdmin(Transfer, None).get_document_actions()}
    assert actions["post"].allowed(shop_manager, transfer) and not actions["post"].allowed(receiver, transfer)
    assert actions["receive"].allowed(receiver, transfer) and not actions["receive"].allowed(shop_manager, transfer)


def test_a_report_over_shops_still_needs_every_shop_while_a_document_needs_one(shop_manager, chain, transfer):
    assert user_may_see_any_shop(shop_manager, transfer.shop_ids())
    assert visible_shop_ids(shop_manager, transfer.shop_ids()) == [chain["01"].pk]
    from inventory.selectors import user_may_see_shops

    assert not user_may_see_shops(shop_manager, transfer.shop_ids())


def test_models_declare_their_shops_and_one_filter_reads_the_declaration(shop_manager, chain, transfer):
    assert shop_fields(Transfer) == ("shop", "to_shop")
    assert shop_fields(StockBalance) == ("shop",)  # bound by its `shop` field, undeclared
    assert shop_fields(Shop) == ("pk",)
    assert transfer.shop_ids() == shop_ids_of(transfer) == [chain["01"].pk, chain["03"].pk]
    line = transfer.lines.get()
    assert shop_ids_of(line) == [chain["01"].pk, chain["03"].pk]
    assert list(visible_to(Transfer.objects.all(), shop_manager)) == [transfer]
    assert list(visible_to(TransferLine.objects.all(), shop_manager)) == [line]
    assert set(visible_to(Shop.objects.all(), shop_manager)) == {chain["01"], chain["02"]}
    assert not visible_to(GoodsReceipt.objects.all(), shop_manager).exists()  # 03's receipt
