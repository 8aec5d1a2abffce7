"""Purchase orders: sending, closing, a goods receipt made from an order, the status following what arrived,
and the order compared with its receipts (short, over, not ordered)."""

from decimal import Decimal

import pytest

from inventory.choices import DocumentStatus
from inventory.exceptions import DocumentEmpty
from inventory.models import GoodsReceipt, GoodsReceiptLine
from inventory.services import goods_receipt_cancel, goods_receipt_post
from purchasing.models import OrderStatus, PurchaseOrder, PurchaseOrderLine, PurchaseOrderReceipt
from purchasing.services.orders import (
    COMPLETE,
    NOT_ORDERED,
    OVER,
    SHORT,
    OrderBelowMinimum,
    OrderStatusError,
    order_compare,
    order_receipt_create,
    order_status_for,
    purchase_order_close,
    purchase_order_send,
)
from tests.factories import ProductFactory

from . import orders_world
from .orders_world import RUN_DAY

# The orders world's fixtures (a module, not a conftest: the settlements tests have their own).
product, shop, supplier = orders_world.product, orders_world.shop, orders_world.supplier

D = Decimal


@pytest.fixture
def bread(db):
    return ProductFactory(sku="BREAD", name="Bread")


@pytest.fixture
def order(shop, supplier, product, bread):
    order = PurchaseOrder.objects.create(shop=shop, supplier=supplier, business_date=RUN_DAY)
    PurchaseOrderLine.objects.create(order=order, product=product, quantity=D("10"), price_amount=D("250.00"))
    PurchaseOrderLine.objects.create(order=order, product=bread, quantity=D("4"), price_amount=D("120.50"))
    return order


def status(order):
    order.refresh_from_db()
    return order.status


def lines(order):
    return list(order.lines.order_by("pk").values_list("product__sku", "quantity", "received_quantity"))


def test_an_order_is_numbered_per_shop(order, shop, supplier):
    again = PurchaseOrder.objects.create(shop=shop, supplier=supplier)
    assert (order.number, again.number) == ("PO-07-000001", "PO-07-000002")


def test_sending_freezes_a_draft_and_sets_the_expected_date(order, owner):
    purchase_order_send(order_id=order.pk, actor=owner)
    order.refresh_from_db()
    assert (order.status, order.sent_by, order.sent_at is not None) == (OrderStatus.SENT, owner, True)
    assert order.expected_date == RUN_DAY.replace(day=27)  # lead time 2 days
    with pytest.raises(OrderStatusError):
        purchase_order_send(order_id=order.pk, actor=owner)


def test_an_empty_order_or_one_below_the_minimum_is_not_sent(shop, supplier, order, owner):
    empty = PurchaseOrder.objects.create(shop=shop, supplier=supplier)
    with pytest.raises(DocumentEmpty):
        purchase_order_send(order_id=empty.pk, actor=owner)
    supplier.min_order_amount = D("2982.01")  # the order is 2500.00 + 482.00 = 2982.00
    supplier.save()
    with pytest.raises(OrderBelowMinimum):
        purchase_order_send(order_id=order.pk, actor=owner)
    assert status(order) == OrderStatus.DRAFT and status(empty) == OrderStatus.DRAFT


def test_a_receipt_from_an_order_brings_what_is_missing_at_the_order_prices(order, owner, product, bread):
    with pytest.raises(OrderStatusError):  # a draft is not sent yet
        order_receipt_create(order_id=order.pk, actor=owner)
    assert not GoodsReceipt.objects.exists()
    purchase_order_send(order_id=order.pk, actor=owner)
    receipt = order_receipt_create(order_id=order.pk, actor=owner)
    assert (receipt.status, receipt.shop_id, receipt.supplier_id) == ("draft", order.shop_id, order.supplier_id)
    assert list(receipt.lines.order_by("pk").values_list("product", "quantity", "price_amount")) == [
        (product.pk, D("10.000"), D("250.00")),
        (bread.pk, D("4.000"), D("120.50")),
    ]
    assert PurchaseOrderReceipt.objects.get().order == order
    assert status(order) == OrderStatus.SENT  # a draft receipt changes nothing


def test_the_status_follows_the_posted_receipts(order, owner, product, bread):
    purchase_order_send(order_id=order.pk, actor=owner)
    first = order_receipt_create(order_id=order.pk, actor=owner)
    first.lines.filter(product=product).update(quantity=D("6"))
    first.lines.filter(product=bread).delete()
    goods_receipt_post(document_id=first.pk, actor=owner)
    assert status(order) == OrderStatus.PARTLY_RECEIVED
    assert lines(order) == [("MILK", D("10.000"), D("6.000")), ("BREAD", D("4.000"), D("0.000"))]

    second = order_receipt_create(order_id=order.pk, actor=owner)  # what is still missing: 4 milk, 4 bread
    assert list(second.lines.order_by("pk").values_list("quantity", flat=True)) == [D("4.000"), D("4.000")]
    goods_receipt_post(document_id=second.pk, actor=owner)
    assert status(order) == OrderStatus.RECEIVED and order.received_at is not None
    with pytest.raises(OrderStatusError):
        order_receipt_create(order_id=order.pk, actor=owner)

    goods_receipt_cancel(document_id=second.pk, actor=owner)
    assert status(order) == OrderStatus.PARTLY_RECEIVED and order.received_at is None
    goods_receipt_cancel(document_id=first.pk, actor=owner)
    assert status(order) == OrderStatus.SENT
    assert lines(order) == [("MILK", D("10.000"), D("0.000")), ("BREAD", D("4.000"), D("0.000"))]


def test_a_closed_order_stays_closed_and_a_draft_cannot_be_closed(order, owner, product):
    with pytest.raises(OrderStatusError):
        purchase_order_close(order_id=order.pk, actor=owner)
    purchase_order_send(order_id=order.pk, actor=owner)
    receipt = order_receipt_create(order_id=order.pk, actor=owner)
    purchase_order_close(order_id=order.pk, actor=owner)
    goods_receipt_post(document_id=receipt.pk, actor=owner)
    order.refresh_from_db()
    assert (order.status, order.closed_by) == (OrderStatus.CLOSED, owner)
    assert lines(order)[0] == ("MILK", D("10.000"), D("10.000"))  # what arrived is still recorded


def test_the_receipt_is_compared_with_the_order(order, owner, product, bread):
    purchase_order_send(order_id=order.pk, actor=owner)
    receipt = order_receipt_create(order_id=order.pk, actor=owner)
    receipt.lines.filter(product=product).update(quantity=D("12"))  # over by 2
    receipt.lines.filter(product=bread).update(quantity=D("3.5"))  # short by 0.5
    butter = ProductFactory(sku="BUTTER", name="Butter")
    GoodsReceiptLine.objects.create(document=receipt, product=butter, quantity=D("1"), price_amount=D("900"))
    assert [(r["sku"], r["state"]) for r in order_compare(order_id=order.pk)] == [
        ("MILK", SHORT),
        ("BREAD", SHORT),
    ]  # nothing posted yet
    rows = order_compare(order_id=order.pk, include_drafts=True)
    assert [(r["sku"], r["ordered"], r["received"], r["difference"], r["state"]) for r in rows] == [
        ("MILK", D("10.000"), D("12.000"), D("2.000"), OVER),
        ("BREAD", D("4.000"), D("3.500"), D("-0.500"), SHORT),
        ("BUTTER", D("0"), D("1.000"), D("1.000"), NOT_ORDERED),
    ]
    goods_receipt_post(document_id=receipt.pk, actor=owner)
    assert status(order) == OrderStatus.PARTLY_RECEIVED  # bread is short
    receipt.refresh_from_db()
    assert receipt.status == DocumentStatus.POSTED


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([(D(10), D(0)), (D(4), D(0))], OrderStatus.SENT),
        ([(D(10), D(1)), (D(4), D(0))], OrderStatus.PARTLY_RECEIVED),
        ([(D(10), D(10)), (D(4), D("3.999"))], OrderStatus.PARTLY_RECEIVED),
        ([(D(10), D(10)), (D(4), D(4))], OrderStatus.RECEIVED),
        ([(D(10), D(11)), (D(4), D(5))], OrderStatus.RECEIVED),
    ],
)
def test_the_status_by_the_lines(pairs, expected):
    assert order_status_for(pairs) == expected


def test_complete_state(order, owner):
    purchase_order_send(order_id=order.pk, actor=owner)
    receipt = order_receipt_create(order_id=order.pk, actor=owner)
    goods_receipt_post(document_id=receipt.pk, actor=owner)
    assert {r["state"] for r in order_compare(order_id=order.pk)} == {COMPLETE}
