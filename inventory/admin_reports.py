"""Inventory's reports and printed documents: a selector's rows shaped as columns for the report engine.

Registered with the engine (`reports.registry`) from `InventoryConfig.ready()`, with the shop
scope the engine asks before it hands out a file (`inventory.scoping`).
"""

import datetime
from decimal import Decimal

from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.registry import ReportData, document_register, register, scope_register
from reports.xlsx import MONEY_FORMAT, QUANTITY_FORMAT, Column

from . import scoping
from .models import GoodsReceipt, ProductGroup, Shop, Stocktake, Transfer
from .selectors import shop_balances_at, stock_movements

Q3 = Decimal("0.001")


def _date(value, default=None) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    return parse_date(value) if value else default


def _d(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def _shops(params, everywhere) -> list[Shop]:
    """The report's shop, or every shop of `everywhere` (a Shop queryset) when none is given."""
    if params.get("shop_id"):
        return list(Shop.objects.filter(pk=params["shop_id"]))
    return list(everywhere.order_by("code"))


def _group(params):
    group = ProductGroup.objects.filter(pk=params.get("group_id")).first() if params.get("group_id") else None
    return group, (group.path if group else None)


@register("stock_balances", gettext_lazy("Stock balances"), in_centre=True)
def stock_balances(params: dict) -> ReportData:
    """Balances at a date of one shop, or of every shop (with a shop column)."""
    day = _date(params.get("day"))
    group, path = _group(params)
    shops = _shops(params, Shop.objects.all())  # goods in transit count too
    columns = [
        Column(_("SKU"), width=20),
        Column(_("Product")),
        Column(_("Group"), width=30),
        Column(_("Unit"), width=10),
        Column(_("Quantity"), QUANTITY_FORMAT, width=20),
        Column(_("Cost value"), MONEY_FORMAT, width=24),
        Column(_("Average cost"), MONEY_FORMAT, width=20),
    ]
    if len(shops) > 1:
        columns.insert(0, Column(_("Shop"), width=24))
    totals = {"q": Decimal(0), "c": Decimal(0)}

    def rows():
        for shop in shops:
            for r in shop_balances_at(shop_id=shop.pk, day=day, group_path=path).iterator(chunk_size=5000):
                qty, cost = Decimal(r["qty"]).quantize(Q3), Decimal(r["cost"]).quantize(Decimal("0.01"))
                totals["c"] += cost
                row = [
                    r["product__sku"],
                    r["product__name"],
                    r["product__group__name"],
                    r["product__unit"],
                    qty,
                    cost,
                    (cost / qty).quantize(Decimal("0.01")) if qty > 0 else None,
                ]
                yield [shop.code, *row] if len(shops) > 1 else row

    subtitle = [
        ", ".join(str(s) for s in shops) if len(shops) == 1 else _("All shops"),
        _("at %(date)s") % {"date": _d(day)} if day else _("now"),
    ]
    if group:
        subtitle.append(group.full_name())
    return ReportData(
        title=_("Stock balances"),
        columns=columns,
        rows=rows(),
        subtitle_lines=subtitle,
        total_rows=_count_balances(shops, path),
        shop_ids=[s.pk for s in shops],
    )


def _count_balances(shops, path):
    from inventory.models import StockBalance

    queryset = StockBalance.objects.filter(shop__in=shops)
    return queryset.filter(product__group__path__startswith=path).count() if path else queryset.count()


@register(
    "stock_movements", gettext_lazy("Stock movement statement"), in_centre=True, needs_period=True, needs_shop=True
)
def stock_movements_report(params: dict) -> ReportData:
    shop = Shop.objects.get(pk=params["shop_id"])
    date_from, date_to = _date(params["date_from"]), _date(params["date_to"])
    group, path = _group(params)
    labels = [
        (_("Opening"), "opening_qty"),
        (_("Receipts"), "in_receipts"),
        (_("Transfers in"), "in_transfers"),
        (_("Customer returns"), "in_returns"),
        (_("Sales"), "out_sales"),
        (_("Write-offs"), "out_write_offs"),
        (_("Transfers out"), "out_transfers"),
        (_("Returns to suppliers"), "out_supplier_returns"),
        (_("Stocktake"), "stocktake_qty"),
        (_("Closing"), "closing_qty"),
    ]
    columns = [
        Column(_("SKU"), width=18),
        Column(_("Product")),
        Column(_("Unit"), width=9),
        *[Column(label, QUANTITY_FORMAT, width=17) for label, _k in labels],
        Column(_("Opening value"), MONEY_FORMAT, width=20),
        Column(_("Closing value"), MONEY_FORMAT, width=20),
    ]
    queryset = stock_movements(shop_id=shop.pk, date_from=date_from, date_to=date_to, group_path=path)

    def rows():
        for r in queryset:
            yield [
                r["product__sku"],
                r["product__name"],
                r["product__unit"],
                *[Decimal(r[key]).quantize(Q3) for _l, key in labels],
                Decimal(r["opening_cost"]).quantize(Decimal("0.01")),
                Decimal(r["closing_cost"]).quantize(Decimal("0.01")),
            ]

    subtitle = [str(shop), f"{_d(date_from)} – {_d(date_to)}"] + ([group.full_name()] if group else [])
    return ReportData(
        title=_("Stock movement statement"),
        columns=columns,
        rows=rows(),
        subtitle_lines=subtitle,
        landscape=True,
        shop_ids=[shop.pk],
    )


@register("stocktake_sheet", gettext_lazy("Stocktake count sheet"), formats=("pdf", "xlsx"))
def stocktake_sheet(params: dict) -> ReportData:
    document = Stocktake.objects.select_related("shop").get(pk=params["document_id"])
    columns = [
        Column("№", width=12),
        Column(_("SKU"), width=20),
        Column(_("Product")),
        Column(_("Unit"), width=10),
        Column(_("Book quantity"), QUANTITY_FORMAT, width=22),
        Column(_("Counted"), width=26),
    ]
    lines = document.lines.select_related("product").order_by("product__group__path", "product__name")

    def rows():
        for n, line in enumerate(lines.iterator(chunk_size=5000), start=1):
            yield [n, line.product.sku, line.product.name, line.product.unit, line.book_quantity, ""]

    return ReportData(
        title=_("Stocktake count sheet %(number)s") % {"number": document.number},
        columns=columns,
        rows=rows(),
        subtitle_lines=[str(document.shop), _d(document.business_date)],
        signatures=[_("Counted by"), _("Checked by"), _("Shop manager")],
        total_rows=document.lines.count(),
        shop_ids=[document.shop_id],
    )


@register("stocktake_differences", gettext_lazy("Stocktake differences"))
def stocktake_differences_report(params: dict) -> ReportData:
    from inventory.models import StockLedgerEntry
    from inventory.services.stock_documents import stocktake_differences

    document = Stocktake.objects.select_related("shop").get(pk=params["document_id"])
    posted_costs = dict(
        StockLedgerEntry.objects.filter(
            source_type="stocktake", source_id=document.pk, reversal_of__isnull=True
        ).values_list("source_line_id", "cost_amount")
    )
    columns = [
        Column(_("SKU"), width=20),
        Column(_("Product")),
        Column(_("Book quantity"), QUANTITY_FORMAT, width=22),
        Column(_("Counted"), QUANTITY_FORMAT, width=20),
        Column(_("Difference"), QUANTITY_FORMAT, width=20),
        Column(_("Difference value"), MONEY_FORMAT, width=24),
    ]
    total = Decimal("0")
    rows = []
    for line, difference in stocktake_differences(document):
        if not difference:
            continue
        value = posted_costs.get(line.pk)
        total += value or 0
        rows.append([line.product.sku, line.product.name, line.book_quantity, line.counted_quantity, difference, value])
    return ReportData(
        title=_("Stocktake differences %(number)s") % {"number": document.number},
        columns=columns,
        rows=rows,
        subtitle_lines=[str(document.shop), _d(document.business_date), document.get_status_display()],
        totals=["", _("Total"), "", "", "", total],
        signatures=[_("Shop manager"), _("Accountant")],
        total_rows=len(rows),
        shop_ids=[document.shop_id],
    )


@register("goods_receipt", gettext_lazy("Goods receipt"), formats=("pdf", "xlsx"))
def goods_receipt_print(params: dict) -> ReportData:
    document = GoodsReceipt.objects.select_related("shop", "supplier").get(pk=params["document_id"])
    columns = [
        Column("№", width=10),
        Column(_("SKU"), width=20),
        Column(_("Product")),
        Column(_("Quantity"), QUANTITY_FORMAT, width=20),
        Column(_("Price"), MONEY_FORMAT, width=20),
        Column(_("VAT, %"), width=12),
        Column(_("Amount"), MONEY_FORMAT, width=24),
    ]
    rows, total = [], Decimal("0")
    for n, line in enumerate(document.lines.select_related("product").order_by("pk"), start=1):
        amount = (line.quantity * line.price_amount).quantize(Decimal("0.01"))
        total += amount
        rows.append([n, line.product.sku, line.product.name, line.quantity, line.price_amount, line.vat_rate, amount])
    invoice = f"{document.supplier_invoice_number} {_d(document.supplier_invoice_date) if document.supplier_invoice_date else ''}".strip()
    return ReportData(
        title=_("Goods receipt %(number)s") % {"number": document.number},
        columns=columns,
        rows=rows,
        subtitle_lines=[str(document.shop), _("Supplier: %(s)s") % {"s": document.supplier}, _d(document.business_date)]
        + ([_("Invoice: %(i)s") % {"i": invoice}] if invoice else []),
        totals=["", "", _("Total"), "", "", "", total],
        signatures=[_("Delivered by"), _("Received by")],
        total_rows=len(rows),
        shop_ids=[document.shop_id],
    )


@register("transfer_note", gettext_lazy("Transfer note"), formats=("pdf", "xlsx"))
def transfer_note(params: dict) -> ReportData:
    document = Transfer.objects.select_related("shop", "to_shop").get(pk=params["document_id"])
    columns = [
        Column("№", width=10),
        Column(_("SKU"), width=20),
        Column(_("Product")),
        Column(_("Shipped"), QUANTITY_FORMAT, width=22),
        Column(_("Received"), QUANTITY_FORMAT, width=22),
        Column(_("Difference"), QUANTITY_FORMAT, width=22),
    ]
    rows = []
    for n, line in enumerate(document.lines.select_related("product").order_by("pk"), start=1):
        received = (
            line.received_quantity
            if line.received_quantity is not None
            else (line.quantity if document.is_received else None)
        )
        rows.append(
            [
                n,
                line.product.sku,
                line.product.name,
                line.quantity,
                received,
                (received - line.quantity) if received is not None else None,
            ]
        )
    return ReportData(
        title=_("Transfer note %(number)s") % {"number": document.number},
        columns=columns,
        rows=rows,
        subtitle_lines=[
            _("From %(a)s to %(b)s") % {"a": document.shop, "b": document.to_shop},
            _d(document.business_date),
        ],
        signatures=[_("Shipped by"), _("Carried by"), _("Received by")],
        total_rows=len(rows),
        shop_ids=[document.shop_id, document.to_shop_id],
    )


document_register("goods_receipt", GoodsReceipt, "inventory.view_goodsreceipt")
document_register("transfer_note", Transfer, "inventory.view_transfer")
document_register("stocktake_sheet", Stocktake, "inventory.view_stocktake")
document_register("stocktake_differences", Stocktake, "inventory.view_stocktake")


class InventoryShopScope:
    """The report engine's shop scope: inventory's one helper (inventory/scoping.py)."""

    user_sees_all_shops = staticmethod(scoping.user_sees_all_shops)
    user_may_see_shops = staticmethod(scoping.user_may_see_shops)
    user_may_see_any_shop = staticmethod(scoping.user_may_see_any_shop)

    @staticmethod
    def shops_for_user(user):
        return scoping.shops_for_user(user=user).trading().order_by("code")  # never the transit pseudo-shop

    @staticmethod
    def product_groups():
        return ProductGroup.objects.order_by("path")


scope_register(InventoryShopScope())
