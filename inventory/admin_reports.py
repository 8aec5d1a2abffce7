"""Inventory's reports and printed documents: a selector's rows shaped as columns for the report engine.

Registered with the engine (`reports.registry`) from `InventoryConfig.ready()`, with the shop
scope the engine asks before it hands out a file (`inventory.scoping`).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.registry import Company, ReportData, company_register, document_register, register, scope_register
from reports.xlsx import MONEY_FORMAT, QUANTITY_FORMAT, Column

from . import scoping
from .choices import unit_label
from .models import Barcode, GoodsReceipt, ProductGroup, Shop, StockBalance, StockLedgerEntry, Stocktake, Transfer
from .models import Company as CompanyDetails
from .money import format_money, round_money
from .selectors import shop_balances_at, shop_local_date, stock_movements

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


@register("stock_balances", gettext_lazy("Stock balances"), in_centre=True, fields=("shop", "group", "day"))
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
        Column(_("Cost value"), MONEY_FORMAT, width=24, total=True),
        Column(_("Average cost"), MONEY_FORMAT, width=20),
    ]
    if len(shops) > 1:
        columns.insert(0, Column(_("Shop"), width=24))
    totals = {"q": Decimal(0), "c": Decimal(0)}

    def rows():
        for shop in shops:
            for r in shop_balances_at(shop_id=shop.pk, day=day, group_path=path):
                qty, cost = Decimal(r["qty"]).quantize(Q3), Decimal(r["cost"]).quantize(Decimal("0.01"))
                totals["c"] += cost
                row = [
                    r["product__sku"],
                    r["product__name"],
                    r["product__group__name"],
                    unit_label(r["product__unit"]),
                    qty,
                    cost,
                    (cost / qty).quantize(Decimal("0.01")) if qty > 0 else None,
                ]
                yield [shop.code, *row] if len(shops) > 1 else row

    scope = str(shops[0]) if len(shops) == 1 else _("All shops")
    # "Now" is a date too: today in the shop (the shops' common today for several).
    shown_day = day or (shop_local_date(shop=shops[0], at=timezone.now()) if len(shops) == 1 else timezone.localdate())
    subtitle = [
        scope,
        _("at the end of %(date)s") % {"date": _d(shown_day)}
        if day
        else _("at %(moment)s")
        % {
            "moment": formats.date_format(
                timezone.localtime(timezone.now(), shops[0].time_zone if len(shops) == 1 else None),
                "SHORT_DATETIME_FORMAT",
            )
        },
    ]
    if group:
        subtitle.append(group.full_name())
    return ReportData(
        title=f"{_('Stock balances')}, {scope}, {_d(shown_day)}",
        signatures=[_("Shop manager"), _("Accountant")],
        group_by=0 if len(shops) > 1 else None,
        columns=columns,
        rows=rows(),
        subtitle_lines=subtitle,
        total_rows=_count_balances(shops, path),
        shop_ids=[s.pk for s in shops],
    )


def _count_balances(shops, path):
    queryset = StockBalance.objects.filter(shop__in=shops)
    return queryset.filter(product__group__path__startswith=path).count() if path else queryset.count()


@register(
    "stock_movements",
    gettext_lazy("Stock movement statement"),
    in_centre=True,
    needs_period=True,
    needs_shop=True,
    fields=("shop", "group", "date_from", "date_to"),
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
        Column(_("Opening value"), MONEY_FORMAT, width=20, total=True),
        Column(_("Closing value"), MONEY_FORMAT, width=20, total=True),
    ]
    queryset = stock_movements(shop_id=shop.pk, date_from=date_from, date_to=date_to, group_path=path)

    def rows():
        for r in queryset:
            yield [
                r["product__sku"],
                r["product__name"],
                unit_label(r["product__unit"]),
                *[Decimal(r[key]).quantize(Q3) for _l, key in labels],
                Decimal(r["opening_cost"]).quantize(Decimal("0.01")),
                Decimal(r["closing_cost"]).quantize(Decimal("0.01")),
            ]

    subtitle = [str(shop), f"{_d(date_from)} – {_d(date_to)}"] + ([group.full_name()] if group else [])
    return ReportData(
        title=f"{_('Stock movement statement')}, {shop}, {_d(date_from)} – {_d(date_to)}",
        signatures=[_("Shop manager"), _("Accountant")],
        columns=columns,
        rows=rows(),
        subtitle_lines=subtitle,
        landscape=True,
        shop_ids=[shop.pk],
    )


@register("stocktake_sheet", gettext_lazy("Stocktake count sheet"), formats=("pdf", "xlsx"))
def stocktake_sheet(params: dict) -> ReportData:
    """The sheet counters fill in: what the shop carries, with a barcode to find each item.

    A line is listed when its book quantity is not zero, it was counted already, or the product
    moved in the shop (sold, received...) in the last STOCKTAKE_SHEET_RECENT_DAYS days
    (0: every line of the stocktake).
    """
    document = Stocktake.objects.select_related("shop").get(pk=params["document_id"])
    recent_days = int(params.get("recent_days", settings.STOCKTAKE_SHEET_RECENT_DAYS))
    columns = [
        Column("№", "0", width=7),
        Column(_("SKU"), width=16),
        Column(_("Barcode"), width=16),
        Column(_("Product"), width=40),
        Column(_("Unit"), width=8),
        Column(_("Book quantity"), QUANTITY_FORMAT, width=14),
        Column(_("Counted"), width=18),
    ]
    lines = document.lines.select_related("product").annotate(
        barcode=Subquery(Barcode.objects.filter(product=OuterRef("product_id")).order_by("id").values("code")[:1])
    )
    if recent_days:
        since = document.business_date - datetime.timedelta(days=recent_days)
        moved = StockLedgerEntry.objects.filter(
            shop_id=document.shop_id, product_id=OuterRef("product_id"), business_date__gt=since
        )
        lines = lines.filter(~Q(book_quantity=0) | Q(counted_quantity__isnull=False) | Exists(moved))
    lines = lines.order_by("product__group__path", "product__name")

    def rows():
        for n, line in enumerate(lines.iterator(chunk_size=5000), start=1):
            product = line.product
            yield [n, product.sku, line.barcode or "", product.name, product.get_unit_display(), line.book_quantity, ""]

    scope_note = (
        _("Items with stock, counted, or moved in the last %(days)d days") % {"days": recent_days}
        if recent_days
        else _("All items of the stocktake")
    )
    return ReportData(
        title=_("Stocktake count sheet %(number)s") % {"number": document.number},
        filename=f"{_('Count sheet')} {document.number} {_d(document.business_date)}",
        columns=columns,
        rows=rows(),
        subtitle_lines=[str(document.shop), _d(document.business_date), scope_note],
        signatures=[_("Counted by"), _("Checked by"), _("Shop manager")],
        total_rows=lines.count(),
        shop_ids=[document.shop_id],
    )


@register("stocktake_differences", gettext_lazy("Stocktake differences"))
def stocktake_differences_report(params: dict) -> ReportData:
    """Shortages and surpluses, each valued (posted cost, or the average cost while a draft), totals both ways."""
    from inventory.services.stock_documents import stocktake_differences

    document = Stocktake.objects.select_related("shop").get(pk=params["document_id"])
    posted_costs = dict(
        StockLedgerEntry.objects.filter(
            source_type="stocktake", source_id=document.pk, reversal_of__isnull=True
        ).values_list("source_line_id", "cost_amount")
    )
    balances = {
        pid: (qty, cost)
        for pid, qty, cost in StockBalance.objects.filter(shop_id=document.shop_id).values_list(
            "product_id", "quantity", "cost_amount"
        )
    }
    columns = [
        Column(_("SKU"), width=16),
        Column(_("Product"), width=40),
        Column(_("Unit"), width=8),
        Column(_("Book quantity"), QUANTITY_FORMAT, width=14),
        Column(_("Counted"), QUANTITY_FORMAT, width=14),
        Column(_("Surplus"), QUANTITY_FORMAT, width=14),
        Column(_("Surplus value"), MONEY_FORMAT, width=16, total=True),
        Column(_("Shortage"), QUANTITY_FORMAT, width=14),
        Column(_("Shortage value"), MONEY_FORMAT, width=16, total=True),
    ]
    rows = []
    for line, difference in stocktake_differences(document):
        if not difference:
            continue
        value = posted_costs.get(line.pk)
        if value is None:
            qty, cost = balances.get(line.product_id, (Decimal(0), Decimal(0)))
            value = round_money(difference * cost / qty) if qty > 0 else Decimal("0.00")
        surplus = difference > 0
        rows.append(
            [
                line.product.sku,
                line.product.name,
                line.product.get_unit_display(),
                line.book_quantity,
                line.counted_quantity,
                difference if surplus else None,
                abs(value) if surplus else None,
                None if surplus else -difference,
                None if surplus else abs(value),
            ]
        )
    surplus_total = sum((r[6] for r in rows if r[6] is not None), Decimal(0))
    shortage_total = sum((r[8] for r in rows if r[8] is not None), Decimal(0))
    net = surplus_total - shortage_total
    return ReportData(
        title=_("Stocktake differences %(number)s") % {"number": document.number},
        filename=f"{_('Stocktake differences')} {document.number} {_d(document.business_date)}",
        columns=columns,
        rows=rows,
        subtitle_lines=[
            str(document.shop),
            _d(document.business_date),
            document.get_status_display(),
            _("Surpluses %(surplus)s, shortages %(shortage)s, net %(net)s")
            % {
                "surplus": format_money(surplus_total),
                "shortage": format_money(shortage_total),
                "net": format_money(net),
            },
        ],
        totals=[_("Total"), "", "", None, None, None, surplus_total, None, shortage_total],
        signatures=[_("Shop manager"), _("Accountant")],
        total_rows=len(rows),
        shop_ids=[document.shop_id],
    )


def _vat(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside an amount that includes it (purchase prices are with VAT)."""
    if not rate:
        return Decimal("0.00")
    return round_money(amount * rate / (100 + rate))


@register("goods_receipt", gettext_lazy("Goods receipt"), formats=("pdf", "xlsx"))
def goods_receipt_print(params: dict) -> ReportData:
    """A goods receipt to sign: units, VAT amounts, both parties' tax numbers, totals."""
    document = GoodsReceipt.objects.select_related("shop", "supplier").get(pk=params["document_id"])
    columns = [
        Column("№", "0", width=6),
        Column(_("SKU"), width=16),
        Column(_("Product"), width=40),
        Column(_("Unit"), width=8),
        Column(_("Quantity"), QUANTITY_FORMAT, width=14),
        Column(_("Price"), MONEY_FORMAT, width=14),
        Column(_("Amount"), MONEY_FORMAT, width=16, total=True),
        Column(_("VAT, %"), "0.00", width=8),
        Column(_("VAT amount"), MONEY_FORMAT, width=14, total=True),
    ]
    rows = []
    for n, line in enumerate(document.lines.select_related("product").order_by("pk"), start=1):
        amount = round_money(line.quantity * line.price_amount)
        product = line.product
        unit = product.get_unit_display() if hasattr(product, "get_unit_display") else product.unit
        rows.append(
            [
                n,
                product.sku,
                product.name,
                unit,
                line.quantity,
                line.price_amount,
                amount,
                line.vat_rate,
                _vat(amount, line.vat_rate),
            ]
        )
    company = CompanyDetails.current()
    supplier = document.supplier
    invoice = f"{document.supplier_invoice_number} {_d(document.supplier_invoice_date) if document.supplier_invoice_date else ''}".strip()
    tax = _("tax number %(number)s")
    return ReportData(
        title=_("Goods receipt %(number)s of %(date)s")
        % {"number": document.number, "date": _d(document.business_date)},
        filename=f"{_('Goods receipt')} {document.number} {_d(document.business_date)}",
        columns=columns,
        rows=rows,
        subtitle_lines=[
            _("Recipient: %(company)s, %(shop)s") % {"company": company.name, "shop": document.shop}
            + (f", {tax % {'number': company.tax_number}}" if company.tax_number else ""),
            _("Supplier: %(s)s") % {"s": supplier.name}
            + (f", {tax % {'number': supplier.tax_id}}" if supplier.tax_id else ""),
        ]
        + ([_("Invoice: %(i)s") % {"i": invoice}] if invoice else []),
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

    @staticmethod
    def product_group_choices() -> list[tuple[int, str]]:
        names: dict[str, str] = {}
        choices = []
        for pk, path, name in ProductGroup.objects.order_by("path").values_list("pk", "path", "name"):
            names[path] = name
            step = ProductGroup.steplen
            parts = [names.get(path[:end], "") for end in range(step, len(path) + 1, step)]
            choices.append((pk, " / ".join(p for p in parts if p)))
        return choices


scope_register(InventoryShopScope())


def _company() -> Company:
    current = CompanyDetails.current()
    return Company(name=current.name, tax_number=current.tax_number, address=current.address)


company_register(_company)
