"""Demo purchasing: suppliers' products, reorder defaults, a few min/max policies, a reorder run, and
orders in each state (draft, sent, partly received, received, closed) through the same services as
the admin. Idempotent: skipped once a reorder run exists.
"""

from decimal import Decimal

from django.db.models import Min

from inventory.exceptions import DomainError
from inventory.models import Product, ProductGroup, Shop, StockBalance, Supplier
from inventory.services import goods_receipt_post

from .models import (
    OrderStatus,
    PurchaseOrder,
    ReorderGroupDefault,
    ReorderPolicy,
    ReorderRun,
    SupplierProduct,
)
from .services.orders import order_receipt_create, purchase_order_close, purchase_order_send
from .services.reorder import reorder_run

SUPPLIERS_USED = 40


def seed_orders(*, actor=None) -> dict:
    """Counts of what was created: products with a main supplier, policies, orders by status."""
    counts = {"supplier_products": 0, "policies": 0, "orders": {}}
    if ReorderRun.objects.exists():
        return counts
    suppliers = list(Supplier.objects.order_by("pk").values_list("pk", flat=True)[:SUPPLIERS_USED])
    if not suppliers:
        return counts
    costs = dict(
        StockBalance.objects.filter(last_unit_cost__gt=0)
        .values("product_id")
        .annotate(c=Min("last_unit_cost"))
        .values_list("product_id", "c")
    )
    rows = []
    for product_id, weighted in Product.objects.filter(is_active=True).order_by("pk").values_list("pk", "is_weighted"):
        price = (costs.get(product_id) or Decimal("100")).quantize(Decimal("0.01"))
        pack = Decimal("1") if weighted else Decimal([1, 1, 6, 12][product_id % 4])
        rows.append(
            SupplierProduct(
                supplier_id=suppliers[product_id % len(suppliers)],
                product_id=product_id,
                price_amount=price,
                pack_size=pack,
            )
        )
    SupplierProduct.objects.bulk_create(rows, batch_size=2000)
    counts["supplier_products"] = len(rows)
    ReorderGroupDefault.objects.bulk_create(
        [
            ReorderGroupDefault(group=group, history_days=28, safety_days=2)
            for group in ProductGroup.objects.get_root_nodes()
        ]
    )
    shop = Shop.objects.trading().order_by("code").first()
    if shop is not None:
        policies = [
            ReorderPolicy(shop=shop, product_id=p, method="minmax", min_quantity=Decimal(3), max_quantity=Decimal(12))
            for p in Product.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[:20]
        ]
        ReorderPolicy.objects.bulk_create(policies)
        counts["policies"] = len(policies)
    run = reorder_run(actor=actor)
    drafts = list(PurchaseOrder.objects.filter(run=run).order_by("pk")[:4])
    for index, order in enumerate(drafts):
        try:
            purchase_order_send(order_id=order.pk, actor=actor)
        except DomainError:  # below the minimum: it stays a draft, as it would for the owner
            continue
        if index == 0:
            continue  # sent, nothing arrived yet
        receipt = order_receipt_create(order_id=order.pk, actor=actor)
        if index == 1:  # partly received: the first line arrives short
            line = receipt.lines.order_by("pk").first()
            if line.quantity > 1 and receipt.lines.count() > 1:
                receipt.lines.filter(pk=line.pk).delete()
        goods_receipt_post(document_id=receipt.pk, actor=actor)
        if index == 3:
            purchase_order_close(order_id=order.pk, actor=actor)
    for status in OrderStatus.values:
        counts["orders"][status] = PurchaseOrder.objects.filter(status=status).count()
    return counts
