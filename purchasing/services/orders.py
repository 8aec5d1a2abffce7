"""Purchase orders: send, close, make a goods receipt from an order, and follow what the receipts bring.

Each public service is one durable transaction that locks the order first. The status of a
sent order follows the posted goods receipts made from it (`orders_refresh`), which inventory
triggers through its goods-receipt hook in the receipt's own posting transaction.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.choices import DocumentStatus
from inventory.exceptions import DocumentEmpty, DomainError
from inventory.models import GoodsReceipt, GoodsReceiptLine
from inventory.money import round_money
from inventory.services.drafts import goods_receipt_draft_create

from ..models import OPEN_STATUSES, OrderStatus, PurchaseOrder, PurchaseOrderLine, PurchaseOrderReceipt

ZERO = Decimal("0")
QTY_OUTPUT = DecimalField(max_digits=16, decimal_places=3)


class OrderStatusError(DomainError):
    default_message = _("This cannot be done with the order in its present status.")


class OrderBelowMinimum(DomainError):
    default_message = _("The order is below the supplier's minimum order amount.")


def order_total(order: PurchaseOrder) -> Decimal:
    """The order's amount: quantity x price summed, rounded per line."""
    return sum((round_money(q * p) for q, p in order.lines.values_list("quantity", "price_amount")), ZERO)


def _lock(order_id: int) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update(of=("self",)).select_related("supplier", "shop").get(pk=order_id)


@transaction.atomic(durable=True)
def purchase_order_send(*, order_id: int, actor) -> PurchaseOrder:
    """Confirm and send a draft: its lines freeze and count as "on order" from now on.

    Raises OrderStatusError (not a draft), DocumentEmpty (no lines), OrderBelowMinimum.
    """
    order = _lock(order_id)
    if order.status != OrderStatus.DRAFT:
        raise OrderStatusError(_("%(order)s is not a draft: it was sent already.") % {"order": order.number})
    if not order.lines.exists():
        raise DocumentEmpty(_("%(doc)s has no lines to send.") % {"doc": order.number})
    total, minimum = order_total(order), order.supplier.min_order_amount
    if total < minimum:
        raise OrderBelowMinimum(
            _("%(order)s: %(total)s is below %(supplier)s's minimum order of %(minimum)s.")
            % {"order": order.number, "total": total, "supplier": order.supplier.name, "minimum": minimum}
        )
    order.status = OrderStatus.SENT
    order.sent_at = timezone.now()
    order.sent_by = actor
    if order.expected_date is None:
        order.expected_date = order.business_date + datetime.timedelta(days=order.supplier.lead_time_days)
    order.save(update_fields=["status", "sent_at", "sent_by", "expected_date"])
    return order


@transaction.atomic(durable=True)
def purchase_order_close(*, order_id: int, actor) -> PurchaseOrder:
    """Close a sent order: what has not arrived is no longer expected (not "on order" any more).

    Raises OrderStatusError for a draft (delete it instead) or a closed order.
    """
    order = _lock(order_id)
    if order.status not in (*OPEN_STATUSES, OrderStatus.RECEIVED):
        raise OrderStatusError(_("Only a sent order can be closed; delete a draft instead."))
    order.status = OrderStatus.CLOSED
    order.closed_at = timezone.now()
    order.closed_by = actor
    order.save(update_fields=["status", "closed_at", "closed_by"])
    return order


@transaction.atomic(durable=True)
def order_receipt_create(*, order_id: int, actor, business_date: datetime.date | None = None) -> GoodsReceipt:
    """A draft goods receipt for what is still missing of a sent order, at the order's prices.

    The storekeeper corrects it to what arrived and posts it; posting updates the order.
    Raises OrderStatusError (not sent, or nothing missing).
    """
    order = _lock(order_id)
    if order.status not in OPEN_STATUSES:
        raise OrderStatusError(_("A goods receipt is made from a sent order that is not fully received."))
    lines = [
        (line.product_id, line.quantity - line.received_quantity, line.price_amount, line.product.vat_rate)
        for line in order.lines.select_related("product").order_by("pk")
        if line.quantity > line.received_quantity
    ]
    if not lines:
        raise OrderStatusError(_("Everything ordered has arrived."))
    receipt = goods_receipt_draft_create(
        shop_id=order.shop_id,
        supplier_id=order.supplier_id,
        business_date=business_date or timezone.localdate(),
        lines=lines,
        actor=actor,
        comment=_("From purchase order %(order)s") % {"order": order.number},
    )
    PurchaseOrderReceipt.objects.create(order=order, receipt=receipt)
    return receipt


def received_by_product(
    order_id: int, *, receipt_statuses=(DocumentStatus.POSTED,), receipt_id: int | None = None, counts: bool = True
) -> dict[int, Decimal]:
    """Quantities per product in the order's goods receipts of the given statuses. `receipt_id` is a
    receipt being posted (`counts`) or cancelled (not `counts`) right now, whatever its status says yet."""
    condition = Q(document__status__in=receipt_statuses)
    if receipt_id is not None:
        condition = (condition | Q(document_id=receipt_id)) if counts else (condition & ~Q(document_id=receipt_id))
    rows = (
        GoodsReceiptLine.objects.filter(
            condition, document_id__in=PurchaseOrderReceipt.objects.filter(order_id=order_id).values("receipt_id")
        )
        .values("product_id")
        .annotate(q=Coalesce(Sum("quantity"), ZERO, output_field=QTY_OUTPUT))
    )
    return {row["product_id"]: row["q"] for row in rows}


def order_status_for(lines: list[tuple[Decimal, Decimal]]) -> str:
    """The status a sent order has by its lines' (ordered, received): pure, for the refresh and the tests."""
    if not any(received > 0 for _ordered, received in lines):
        return OrderStatus.SENT
    if all(received >= ordered for ordered, received in lines):
        return OrderStatus.RECEIVED
    return OrderStatus.PARTLY_RECEIVED


def orders_refresh(order_ids, *, receipt_id: int | None = None, counts: bool = True) -> None:
    """Received quantities and status of the orders from their posted goods receipts (in the caller's
    transaction, the orders locked in id order). A closed order keeps its status; its lines still update.
    `receipt_id`/`counts`: a receipt being posted or cancelled in this transaction (see received_by_product)."""
    for order in PurchaseOrder.objects.select_for_update(of=("self",)).filter(pk__in=list(order_ids)).order_by("pk"):
        received = received_by_product(order.pk, receipt_id=receipt_id, counts=counts)
        lines = list(order.lines.order_by("pk"))
        changed = [line for line in lines if line.received_quantity != received.get(line.product_id, ZERO)]
        for line in changed:
            line.received_quantity = received.get(line.product_id, ZERO)
        PurchaseOrderLine.objects.bulk_update(changed, ["received_quantity"])
        if order.status in (*OPEN_STATUSES, OrderStatus.RECEIVED):
            status = order_status_for([(line.quantity, line.received_quantity) for line in lines])
            if status != order.status:
                order.status = status
                order.received_at = timezone.now() if status == OrderStatus.RECEIVED else None
                order.save(update_fields=["status", "received_at"])


def _receipt_orders(receipt: GoodsReceipt) -> list[int]:
    return list(PurchaseOrderReceipt.objects.filter(receipt_id=receipt.pk).values_list("order_id", flat=True))


def goods_receipt_posted_for_orders(document: GoodsReceipt, lines, posting) -> None:
    """Inventory's document hook (in the posting's transaction): a receipt made from an order arrived."""
    if order_ids := _receipt_orders(document):
        orders_refresh(order_ids, receipt_id=document.pk, counts=True)


def goods_receipt_cancelled_for_orders(document: GoodsReceipt, posting) -> None:
    """Inventory's document hook: a receipt made from an order was cancelled; the order misses it again."""
    if order_ids := _receipt_orders(document):
        orders_refresh(order_ids, receipt_id=document.pk, counts=False)


# --- comparing an order with what arrived -------------------------------------------------------

SHORT, OVER, NOT_ORDERED, COMPLETE = "short", "over", "not_ordered", "complete"


def order_compare(*, order_id: int, include_drafts: bool = False) -> list[dict]:
    """Each product of the order and of its goods receipts: ordered, received, difference and
    its state (complete, short, over, not ordered). Posted receipts count; drafts too when asked."""
    statuses = (DocumentStatus.POSTED, DocumentStatus.DRAFT) if include_drafts else (DocumentStatus.POSTED,)
    received = received_by_product(order_id, receipt_statuses=statuses)
    ordered: dict[int, Decimal] = {}
    names: dict[int, tuple[str, str, str]] = {}
    for line in PurchaseOrderLine.objects.filter(order_id=order_id).select_related("product").order_by("pk"):
        ordered[line.product_id] = line.quantity
        names[line.product_id] = (line.product.sku, line.product.name, line.product.unit)
    extra = [p for p in received if p not in ordered]
    if extra:
        from inventory.models import Product

        for product in Product.objects.filter(pk__in=extra).order_by("name", "pk"):
            names[product.pk] = (product.sku, product.name, product.unit)
    rows = []
    for product_id in [*ordered, *[p for p in names if p not in ordered]]:
        got = received.get(product_id, ZERO)
        want = ordered.get(product_id)
        if want is None:
            state = NOT_ORDERED
        elif got < want:
            state = SHORT
        elif got > want:
            state = OVER
        else:
            state = COMPLETE
        sku, name, unit = names[product_id]
        rows.append(
            {
                "product_id": product_id,
                "sku": sku,
                "name": name,
                "unit": unit,
                "ordered": want if want is not None else ZERO,
                "received": got,
                "difference": got - (want or ZERO),
                "state": state,
            }
        )
    return rows


def compare_state_label(state: str) -> str:
    return {
        SHORT: _("short"),
        OVER: _("over"),
        NOT_ORDERED: _("not ordered"),
        COMPLETE: _("complete"),
    }[state]


__all__ = [
    "OrderBelowMinimum",
    "OrderStatusError",
    "goods_receipt_cancelled_for_orders",
    "goods_receipt_posted_for_orders",
    "order_compare",
    "order_receipt_create",
    "order_status_for",
    "order_total",
    "orders_refresh",
    "purchase_order_close",
    "purchase_order_send",
    "purchases_by_supplier",
    "order_fulfilment",
    "received_by_product",
]


# --- report selectors ---------------------------------------------------------------------------

MONEY_OUTPUT = DecimalField(max_digits=18, decimal_places=2)
CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def purchases_by_supplier(*, date_from: datetime.date, date_to: datetime.date, shop_ids=None) -> list[dict]:
    """Per supplier and shop in a period: goods receipts posted and their amount, orders sent and their amount."""
    from django.db.models import Count, ExpressionWrapper, F

    receipts = GoodsReceiptLine.objects.filter(
        document__status=DocumentStatus.POSTED, document__business_date__range=(date_from, date_to)
    )
    orders = PurchaseOrderLine.objects.filter(
        order__business_date__range=(date_from, date_to), order__sent_at__isnull=False
    )
    if shop_ids is not None:
        receipts = receipts.filter(document__shop_id__in=shop_ids)
        orders = orders.filter(order__shop_id__in=shop_ids)
    line_amount = ExpressionWrapper(F("quantity") * F("price_amount"), output_field=MONEY_OUTPUT)
    result: dict[tuple[int, int], dict] = {}

    def row(supplier_id, supplier, shop_id, shop_code, shop_name):
        return result.setdefault(
            (supplier_id, shop_id),
            {
                "supplier": supplier,
                "shop": f"{shop_code} {shop_name}",
                "receipts": 0,
                "received_amount": Decimal("0.00"),
                "orders": 0,
                "ordered_amount": Decimal("0.00"),
            },
        )

    for r in receipts.values(
        "document__supplier_id", "document__supplier__name", "document__shop_id", "document__shop__code"
    ).annotate(
        name=F("document__shop__name"),
        n=Count("document_id", distinct=True),
        amount=Sum(line_amount, output_field=MONEY_OUTPUT),
    ):
        target = row(
            r["document__supplier_id"],
            r["document__supplier__name"],
            r["document__shop_id"],
            r["document__shop__code"],
            r["name"],
        )
        target["receipts"], target["received_amount"] = r["n"], _money(r["amount"])
    for r in orders.values(
        "order__supplier_id", "order__supplier__name", "order__shop_id", "order__shop__code"
    ).annotate(
        name=F("order__shop__name"),
        n=Count("order_id", distinct=True),
        amount=Sum(line_amount, output_field=MONEY_OUTPUT),
    ):
        target = row(
            r["order__supplier_id"], r["order__supplier__name"], r["order__shop_id"], r["order__shop__code"], r["name"]
        )
        target["orders"], target["ordered_amount"] = r["n"], _money(r["amount"])
    return sorted(result.values(), key=lambda r: (r["supplier"], r["shop"]))


def order_fulfilment(*, date_from: datetime.date, date_to: datetime.date, shop_ids=None) -> list[dict]:
    """Sent orders of a period: ordered and received amounts, the share received, the last receipt's date
    against the expected date (was the lead time kept)."""
    from django.db.models import ExpressionWrapper, F, Max, OuterRef, Subquery

    last_receipt = (
        PurchaseOrderReceipt.objects.filter(order_id=OuterRef("pk"), receipt__status=DocumentStatus.POSTED)
        .values("order_id")
        .annotate(last=Max("receipt__business_date"))
        .values("last")[:1]
    )
    orders = (
        PurchaseOrder.objects.filter(business_date__range=(date_from, date_to), sent_at__isnull=False)
        .select_related("supplier", "shop")
        .annotate(
            ordered=Sum(
                ExpressionWrapper(F("lines__quantity") * F("lines__price_amount"), output_field=MONEY_OUTPUT),
                output_field=MONEY_OUTPUT,
            ),
            received=Sum(
                ExpressionWrapper(F("lines__received_quantity") * F("lines__price_amount"), output_field=MONEY_OUTPUT),
                output_field=MONEY_OUTPUT,
            ),
            last_receipt_date=Subquery(last_receipt),
        )
        .order_by("supplier__name", "business_date", "pk")
    )
    if shop_ids is not None:
        orders = orders.filter(shop_id__in=shop_ids)
    rows = []
    for order in orders:
        ordered, received = _money(order.ordered), _money(order.received)
        last = order.last_receipt_date
        if isinstance(last, str):  # SQLite hands a subquery's date back as text
            last = datetime.date.fromisoformat(last)
        complete = order.status == OrderStatus.RECEIVED or (ordered and received >= ordered)
        on_time = bool(complete and last and order.expected_date and last <= order.expected_date)
        rows.append(
            {
                "order": order,
                "ordered": ordered,
                "received": received,
                "share": (received * 100 / ordered).quantize(Decimal("0.1")) if ordered else Decimal("0.0"),
                "last_receipt_date": last,
                "days_late": (last - order.expected_date).days if last and order.expected_date else None,
                "on_time": on_time,
            }
        )
    return rows
