"""The orders admin: buttons, shop scoping, the run button, lists with bounded queries; the order printed
and exported; purchases and fulfilment reports."""

import datetime
import io
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from inventory.choices import DocumentStatus
from inventory.models import Company, GoodsReceipt
from inventory.services import goods_receipt_post
from purchasing.admin_reports_orders import order_fulfilment_report, purchase_order_print, purchases_by_supplier_report
from purchasing.models import (
    OrderStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderPolicy,
    ReorderProposal,
    ReorderRun,
    SupplierProduct,
)
from purchasing.services.orders import order_receipt_create, purchase_order_send
from purchasing.services.reorder import reorder_run
from reports.jobs import _render
from tests.factories import ProductFactory, ShopFactory, UserFactory

from . import orders_world
from .orders_world import RUN_DAY

# The orders world's fixtures (a module, not a conftest: the settlements tests have their own).
product, shop, supplier = orders_world.product, orders_world.shop, orders_world.supplier

D = Decimal


@pytest.fixture
def order(shop, supplier, product):
    order = PurchaseOrder.objects.create(shop=shop, supplier=supplier, business_date=RUN_DAY)
    PurchaseOrderLine.objects.create(
        order=order, product=product, quantity=D("24"), pack_size=D("12"), price_amount=D("310.00")
    )
    return order


def do(client, order, action):
    return client.post(reverse("admin:purchasing_purchaseorder_do", args=[order.pk, action]), follow=True)


def test_an_order_is_sent_received_and_closed_by_its_buttons(client, owner, order, product):
    client.force_login(owner)
    page = client.get(reverse("admin:purchasing_purchaseorder_change", args=[order.pk]))
    assert b"/do/send/" in page.content and b"/do/close/" not in page.content
    do(client, order, "send")
    order.refresh_from_db()
    assert order.status == OrderStatus.SENT
    do(client, order, "receive")
    receipt = GoodsReceipt.objects.get()
    assert receipt.status == DocumentStatus.DRAFT
    page = client.get(reverse("admin:purchasing_purchaseorder_change", args=[order.pk]))
    text = page.content.decode()
    assert receipt.number in text and "complete" in text  # the draft receipt brings what was ordered
    goods_receipt_post(document_id=receipt.pk, actor=owner)
    do(client, order, "close")
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_a_refused_send_is_reported_and_changes_nothing(client, owner, order, supplier):
    supplier.min_order_amount = D("10000")
    supplier.save()
    client.force_login(owner)
    response = do(client, order, "send")
    assert "minimum order" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT


def test_a_shop_manager_sees_only_their_shops_orders(client, order, supplier):
    other = PurchaseOrder.objects.create(shop=ShopFactory(code="09"), supplier=supplier)
    manager = UserFactory(username="manager07", role="Shop manager")
    order.shop.managers.add(manager)
    client.force_login(manager)
    page = client.get(reverse("admin:purchasing_purchaseorder_changelist"))
    assert order.number in page.content.decode() and other.number not in page.content.decode()
    assert client.get(reverse("admin:purchasing_purchaseorder_change", args=[other.pk])).status_code == 404


def test_the_lists_take_a_bounded_number_of_queries(client, owner, shop, supplier, django_assert_max_num_queries):
    for i in range(30):
        item = ProductFactory(sku=f"P{i}")
        SupplierProduct.objects.create(supplier=supplier, product=item, price_amount=D("5"))
        ReorderPolicy.objects.create(shop=shop, product=item, method="minmax", min_quantity=1, max_quantity=3)
    reorder_run()
    client.force_login(owner)
    for name in ["purchaseorder", "purchaseorderline", "reorderpolicy", "reorderproposal", "reorderrun"]:
        with django_assert_max_num_queries(20):
            response = client.get(reverse(f"admin:purchasing_{name}_changelist"))
        assert response.status_code == 200, name
    order = PurchaseOrder.objects.get()
    purchase_order_send(order_id=order.pk, actor=owner)  # a sent order's 30 lines are read-only: no widget per line
    with django_assert_max_num_queries(30):
        assert client.get(reverse("admin:purchasing_purchaseorder_change", args=[order.pk])).status_code == 200


def test_the_run_button_queues_a_run_that_makes_draft_orders(
    client, owner, shop, supplier, product, django_capture_on_commit_callbacks
):
    SupplierProduct.objects.create(supplier=supplier, product=product, price_amount=D("5"))
    ReorderPolicy.objects.create(shop=shop, product=product, method="minmax", min_quantity=1, max_quantity=3)
    client.force_login(owner)
    assert client.get(reverse("admin:purchasing_reorderrun_run")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:purchasing_reorderrun_run"), follow=True)
    assert response.status_code == 200
    run = ReorderRun.objects.get()
    assert (run.status, run.orders, run.proposals, run.created_by) == ("done", 1, 1, owner)  # eager Celery
    assert ReorderProposal.objects.get().quantity == D("3.000")


def test_the_order_prints_with_packs_and_exports_to_excel(settings, order, tmp_path):
    settings.PDF_WORKERS = 1
    Company.objects.create(name="Astana Retail LLP", tax_number="123456789012")
    data = purchase_order_print({"document_id": order.pk})
    out = io.BytesIO()
    _render("pdf", data, lambda n: None, out)
    (tmp_path / "po.pdf").write_bytes(out.getvalue())
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "po.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert order.number in text and "Dairy LLP" in text and "Astana Retail LLP" in text
    assert "7,440.00" in text  # 24 x 310.00
    out = io.BytesIO()
    _render("xlsx", purchase_order_print({"document_id": order.pk}), lambda n: None, out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "MILK" in values and 2 in values and 7440 in values  # 2 packs of 12


def test_the_print_of_another_shops_order_is_refused(client, order):
    manager = UserFactory(username="manager09", role="Shop manager")
    ShopFactory(code="09").managers.add(manager)
    client.force_login(manager)
    response = client.post(reverse("reports:document", args=["purchase_order", order.pk, "pdf"]))
    assert response.status_code in (403, 404)


def test_purchases_and_fulfilment_reports(order, owner, shop, product):
    purchase_order_send(order_id=order.pk, actor=owner)
    receipt = order_receipt_create(order_id=order.pk, actor=owner, business_date=datetime.date(2026, 11, 28))
    receipt.lines.update(quantity=D("12"))
    goods_receipt_post(document_id=receipt.pk, actor=owner)
    params = {"date_from": "2026-11-01", "date_to": "2026-11-30", "shop_id": shop.pk}
    rows = list(purchases_by_supplier_report(params).rows)
    assert rows == [["Dairy LLP", f"07 {shop.name}", 1, D("3720.00"), 1, D("7440.00")]]
    data = order_fulfilment_report(params)
    (row,) = list(data.rows)
    assert row[1:] == [
        order.number,
        "07",
        RUN_DAY,
        datetime.date(2026, 11, 27),
        datetime.date(2026, 11, 28),
        1,
        D("7440.00"),
        D("3720.00"),
        D("50.0"),
        "partly received",
        "no",
    ]
