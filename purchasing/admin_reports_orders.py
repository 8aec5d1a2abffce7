"""Reports of purchase orders on the report engine: the order to send (PDF and Excel), purchases by
supplier and period, order fulfilment (ordered against received, lead times kept).

Registered from `PurchasingConfig.ready()`.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_reports import _d, _date, _shops
from inventory.choices import unit_label
from inventory.models import Company, Shop
from inventory.money import round_money
from reports.registry import ReportData, document_register, register
from reports.xlsx import MONEY_FORMAT, QUANTITY_FORMAT, Column

from .models import OrderStatus, PurchaseOrder
from .services.orders import order_fulfilment, order_total, purchases_by_supplier


@register("purchase_order", gettext_lazy("Purchase order"), formats=("pdf", "xlsx"))
def purchase_order_print(params: dict) -> ReportData:
    """The order as the supplier receives it: products, packs, quantities, prices, the total; both parties."""
    order = PurchaseOrder.objects.select_related("shop", "supplier").get(pk=params["document_id"])
    columns = [
        Column("№", "0", width=6),
        Column(_("SKU"), width=16),
        Column(_("Product"), width=40),
        Column(_("Unit"), width=10),
        Column(_("Pack"), QUANTITY_FORMAT, width=10),
        Column(_("Packs"), "#,##0.###", width=10),
        Column(_("Quantity"), QUANTITY_FORMAT, width=14),
        Column(_("Price"), MONEY_FORMAT, width=14),
        Column(_("Amount"), MONEY_FORMAT, width=16, total=True),
    ]
    rows = []
    for n, line in enumerate(order.lines.select_related("product").order_by("pk"), start=1):
        product = line.product
        rows.append(
            [
                n,
                product.sku,
                product.name,
                unit_label(product.unit),
                line.pack_size,
                (line.quantity / line.pack_size).normalize() if line.pack_size else None,
                line.quantity,
                line.price_amount,
                round_money(line.quantity * line.price_amount),
            ]
        )
    company, supplier = Company.current(), order.supplier
    tax = _("tax number %(number)s")
    subtitle = [
        _("Customer: %(company)s, %(shop)s") % {"company": company.name, "shop": order.shop}
        + (f", {tax % {'number': company.tax_number}}" if company.tax_number else ""),
        _("Delivery address: %(address)s")
        % {"address": ", ".join(filter(None, [order.shop.city, order.shop.address]))},
        _("Supplier: %(s)s") % {"s": supplier.name}
        + (f", {tax % {'number': supplier.tax_id}}" if supplier.tax_id else ""),
    ]
    if order.expected_date:
        subtitle.append(_("Delivery expected on %(date)s") % {"date": _d(order.expected_date)})
    subtitle.append(_("Total: %(amount)s") % {"amount": order_total(order)})
    return ReportData(
        title=_("Purchase order %(number)s of %(date)s") % {"number": order.number, "date": _d(order.business_date)},
        filename=f"{_('Purchase order')} {order.number} {_d(order.business_date)}",
        columns=columns,
        rows=rows,
        subtitle_lines=subtitle,
        signatures=[_("Ordered by"), _("Accepted by the supplier")],
        total_rows=len(rows),
        shop_ids=[order.shop_id],
    )


document_register("purchase_order", PurchaseOrder, "purchasing.view_purchaseorder")


@register(
    "purchases_by_supplier",
    gettext_lazy("Purchases by supplier"),
    in_centre=True,
    needs_period=True,
    fields=("shop", "date_from", "date_to"),
)
def purchases_by_supplier_report(params: dict) -> ReportData:
    """Per supplier and shop: goods receipts posted and orders sent in the period, with their amounts."""
    date_from, date_to = _date(params["date_from"]), _date(params["date_to"])
    shops = _shops(params, Shop.objects.trading())
    rows = purchases_by_supplier(date_from=date_from, date_to=date_to, shop_ids=[s.pk for s in shops])
    columns = [
        Column(_("Supplier"), width=36),
        Column(_("Shop"), width=28),
        Column(_("Goods receipts"), "#,##0", width=14, total=True),
        Column(_("Received, amount"), MONEY_FORMAT, width=20, total=True),
        Column(_("Orders sent"), "#,##0", width=14, total=True),
        Column(_("Ordered, amount"), MONEY_FORMAT, width=20, total=True),
    ]
    scope = str(shops[0]) if len(shops) == 1 else _("All shops")
    return ReportData(
        title=f"{_('Purchases by supplier')}, {_d(date_from)} – {_d(date_to)}",
        columns=columns,
        rows=[
            [r["supplier"], r["shop"], r["receipts"], r["received_amount"], r["orders"], r["ordered_amount"]]
            for r in rows
        ],
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"],
        group_by=0,
        total_rows=len(rows),
        shop_ids=[s.pk for s in shops],
    )


@register(
    "order_fulfilment",
    gettext_lazy("Order fulfilment"),
    in_centre=True,
    needs_period=True,
    fields=("shop", "date_from", "date_to"),
)
def order_fulfilment_report(params: dict) -> ReportData:
    """Every order sent in the period: ordered and received, share received, expected and last receipt date."""
    date_from, date_to = _date(params["date_from"]), _date(params["date_to"])
    shops = _shops(params, Shop.objects.trading())
    rows = order_fulfilment(date_from=date_from, date_to=date_to, shop_ids=[s.pk for s in shops])
    columns = [
        Column(_("Supplier"), width=30),
        Column(_("Order"), width=18),
        Column(_("Shop"), width=8),
        Column(_("Order date"), width=12),
        Column(_("Expected on"), width=12),
        Column(_("Last receipt"), width=12),
        Column(_("Days late"), "#,##0", width=10),
        Column(_("Ordered, amount"), MONEY_FORMAT, width=18, total=True),
        Column(_("Received, amount"), MONEY_FORMAT, width=18, total=True),
        Column(_("Received, %"), "0.0", width=12),
        Column(_("Status"), width=16),
        Column(_("On time"), width=8),
    ]
    statuses = dict(OrderStatus.choices)
    kept = sum(1 for r in rows if r["on_time"])
    return ReportData(
        title=f"{_('Order fulfilment')}, {_d(date_from)} – {_d(date_to)}",
        columns=columns,
        rows=[
            [
                r["order"].supplier.name,
                r["order"].number,
                r["order"].shop.code,
                r["order"].business_date,
                r["order"].expected_date,
                r["last_receipt_date"],
                r["days_late"],
                r["ordered"],
                r["received"],
                r["share"],
                str(statuses[r["order"].status]),
                _("yes") if r["on_time"] else _("no"),
            ]
            for r in rows
        ],
        subtitle_lines=[
            str(shops[0]) if len(shops) == 1 else _("All shops"),
            _("Orders received in full on time: %(kept)d of %(total)d") % {"kept": kept, "total": len(rows)},
        ],
        landscape=True,
        group_by=0,
        total_rows=len(rows),
        shop_ids=[s.pk for s in shops],
    )
