"""Sales reports: sales and margin by product, receipts by day and by hour, returns, Z-reports, shift differences.

Registered with the report engine (`reports.registry`) from `SalesConfig.ready()`.
"""

import datetime
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_reports import _d, _date, _group, _shops
from inventory.choices import unit_label
from inventory.models import Shop
from inventory.money import round_money
from reports.registry import ReportData, document_register, register
from reports.xlsx import MONEY_FORMAT, QUANTITY_FORMAT, Column

from .models import PaymentType, Shift
from .selectors import (
    receipts_by_day,
    return_lines,
    sales_by_hour,
    sales_by_product_rows,
    sales_by_product_totals,
    shift_differences,
)
from .services import Z_REPORT_FIGURES

PERCENT_FORMAT = "0.00"


def _scope(params) -> tuple[list[Shop], str]:
    shops = _shops(params, Shop.objects.trading())
    return shops, (str(shops[0]) if len(shops) == 1 else _("All shops"))


def _period(params):
    return _date(params["date_from"]), _date(params["date_to"])


def _title(label, scope: str, date_from, date_to) -> str:
    """ "Sales by hour, 01 Astana Supermarket, 01.11.2026 – 30.11.2026": what, where, when."""
    return f"{label}, {scope}, {_d(date_from)} – {_d(date_to)}"


def _shop_time(moment, shop) -> str:
    """A moment as the shop's people read it: the shop's local date and time."""
    return formats.date_format(timezone.localtime(moment, shop.time_zone), "SHORT_DATETIME_FORMAT")


@register(
    "sales_by_product",
    gettext_lazy("Sales and margin by product"),
    in_centre=True,
    needs_period=True,
    fields=("shop", "group", "date_from", "date_to"),
)
def sales_by_product_report(params: dict) -> ReportData:
    shops, scope = _scope(params)
    date_from, date_to = _period(params)
    group, path = _group(params)
    # Rows are streamed from the database into the file (a chain's year: bounded memory);
    # the totals and the row count come from one aggregate query of their own.
    period = {"shop_ids": [s.pk for s in shops], "date_from": date_from, "date_to": date_to, "group_path": path}
    rows = sales_by_product_rows(**period)
    totals = sales_by_product_totals(**period)
    columns = [
        Column(_("Shop"), width=10),
        Column(_("Group"), width=26),
        Column(_("SKU"), width=16),
        Column(_("Product")),
        Column(_("Unit"), width=8),
        Column(_("Quantity"), QUANTITY_FORMAT, width=14),
        Column(_("Revenue"), MONEY_FORMAT, width=18, total=True),
        Column(_("Cost"), MONEY_FORMAT, width=18, total=True),
        Column(_("Gross margin"), MONEY_FORMAT, width=18, total=True),
        Column(_("Margin, %"), PERCENT_FORMAT, width=12),
    ]
    data = (
        [
            r["shop"],
            r["group"],
            r["sku"],
            r["name"],
            unit_label(r["unit"]),
            r["quantity"],
            r["revenue"],
            r["cost"],
            r["margin"],
            r["margin_percent"],
        ]
        for r in rows
    )
    percent = (totals["margin"] * 100 / totals["revenue"]).quantize(Decimal("0.01")) if totals["revenue"] else None
    return ReportData(
        title=_title(_("Sales and margin by product"), scope, date_from, date_to),
        columns=columns,
        rows=data,
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"] + ([group.full_name()] if group else []),
        totals=[_("Total"), "", "", "", "", None, totals["revenue"], totals["cost"], totals["margin"], percent],
        total_rows=totals["rows"],
        landscape=True,
        shop_ids=[s.pk for s in shops],
        group_by=0 if len(shops) > 1 else None,
    )


@register("receipts_by_day", gettext_lazy("Receipts and average receipt by day"), in_centre=True, needs_period=True)
def receipts_by_day_report(params: dict) -> ReportData:
    shops, scope = _scope(params)
    date_from, date_to = _period(params)
    rows = receipts_by_day(shop_ids=[s.pk for s in shops], date_from=date_from, date_to=date_to)
    columns = [
        Column(_("Shop"), width=10),
        Column(_("Date"), width=14),
        Column(_("Receipts"), "0", width=12),
        Column(_("Revenue"), MONEY_FORMAT, width=18),
        Column(_("Average receipt"), MONEY_FORMAT, width=18),
        Column(_("Returns"), "0", width=12),
        Column(_("Returned"), MONEY_FORMAT, width=18),
    ]
    return ReportData(
        title=_title(_("Receipts and average receipt by day"), scope, date_from, date_to),
        columns=columns,
        rows=(
            [r["shop__code"], r["business_date"], r["sales"], r["revenue"], r["average"], r["returns"], r["returned"]]
            for r in rows
        ),
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"],
        totals=[
            _("Total"),
            "",
            sum(r["sales"] for r in rows),
            sum((r["revenue"] for r in rows), Decimal(0)),
            None,
            sum(r["returns"] for r in rows),
            sum((r["returned"] for r in rows), Decimal(0)),
        ],
        total_rows=len(rows),
        shop_ids=[s.pk for s in shops],
    )


@register("sales_by_hour", gettext_lazy("Sales by hour of the day"), in_centre=True, needs_period=True)
def sales_by_hour_report(params: dict) -> ReportData:
    shops, scope = _scope(params)
    date_from, date_to = _period(params)
    rows = sales_by_hour(shop_ids=[s.pk for s in shops], date_from=date_from, date_to=date_to)
    columns = [
        Column(_("Hour"), width=10),
        Column(_("Receipts"), "0", width=12, total=True),
        Column(_("Revenue"), MONEY_FORMAT, width=18, total=True),
        Column(_("Average receipt"), MONEY_FORMAT, width=18),
    ]
    return ReportData(
        title=_title(_("Sales by hour of the day"), scope, date_from, date_to),
        columns=columns,
        rows=([f"{r['hour']:02d}:00", r["sales"], r["revenue"], r["average"]] for r in rows),
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}", _("Hours in each shop's local time")],
        total_rows=len(rows),
        shop_ids=[s.pk for s in shops],
    )


@register("sales_returns", gettext_lazy("Customer returns"), in_centre=True, needs_period=True)
def returns_report(params: dict) -> ReportData:
    shops, scope = _scope(params)
    date_from, date_to = _period(params)
    lines = return_lines(shop_ids=[s.pk for s in shops], date_from=date_from, date_to=date_to)
    columns = [
        Column(_("Date"), width=14),
        Column(_("Shop"), width=10),
        Column(_("Till"), width=12),
        Column(_("Receipt No."), width=14),
        Column(_("Original receipt"), width=22),
        Column(_("SKU"), width=16),
        Column(_("Product")),
        Column(_("Quantity"), QUANTITY_FORMAT, width=14),
        Column(_("Amount"), MONEY_FORMAT, width=18, total=True),
    ]

    def original(receipt):
        if receipt.original is None:
            return _("without a receipt")
        return f"{receipt.original.till.code}/{receipt.original.sequence} {_d(receipt.original.business_date)}"

    def rows():
        for line in lines.iterator(chunk_size=2000):
            r = line.receipt
            yield [
                r.business_date,
                r.shop.code,
                r.till.code,
                r.sequence,
                original(r),
                line.product.sku,
                line.product.name,
                line.quantity,
                line.amount,
            ]

    return ReportData(
        title=_title(_("Customer returns"), scope, date_from, date_to),
        columns=columns,
        rows=rows(),
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"],
        total_rows=lines.count(),
        landscape=True,
        shop_ids=[s.pk for s in shops],
    )


@register("shift_differences", gettext_lazy("Shift differences"), in_centre=True, needs_period=True)
def shift_differences_report(params: dict) -> ReportData:
    shops, scope = _scope(params)
    date_from, date_to = _period(params)
    shifts = shift_differences(shop_ids=[s.pk for s in shops], date_from=date_from, date_to=date_to)
    columns = [
        Column(_("Shop"), width=10),
        Column(_("Till"), width=12),
        Column(_("Shift"), "0", width=10),
        Column(_("Closed at"), width=20),
        Column(_("Figure"), width=22),
        Column(_("Ours"), MONEY_FORMAT, width=16),
        Column(_("Till's"), MONEY_FORMAT, width=16),
        Column(_("Difference"), MONEY_FORMAT, width=16),
    ]

    def rows():
        for shift in shifts:
            for d in shift.differences:
                yield [
                    shift.till.shop.code,
                    shift.till.code,
                    shift.number,
                    _shop_time(shift.closed_at, shift.till.shop),
                    _figure_label(d["figure"]),
                    Decimal(d["ours"]),
                    Decimal(d["till"]),
                    Decimal(d["difference"]),
                ]

    return ReportData(
        title=_title(_("Shift differences"), scope, date_from, date_to),
        columns=columns,
        rows=rows(),
        subtitle_lines=[scope, f"{_d(date_from)} – {_d(date_to)}"],
        shop_ids=[s.pk for s in shops],
    )


def _figure_label(figure: str) -> str:
    labels = {
        "counted_cash": _("cash counted vs expected"),
        "receipts_count": _("receipts"),
        "sales_amount": _("sales"),
        "returns_amount": _("returns"),
    }
    if figure.startswith("payments."):
        return _("payments: %(type)s") % {"type": _payment_label(figure.split(".", 1)[1])}
    return labels.get(figure, figure)


def _payment_label(kind: str) -> str:
    """A payment type's name in the reader's language ("card" -> "карта"); unknown types as sent."""
    return str(PaymentType(kind).label) if kind in PaymentType.values else kind


def _shop_moment(value, shop):
    """A stored moment (a datetime or its ISO text) as a naive datetime of the shop's local time (Excel's cell)."""
    if not value:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return timezone.localtime(moment, shop.time_zone).replace(tzinfo=None)


def _amount(value):
    """A Z-report figure as stored (decimal text, a count) as a number: a typed cell, not text."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    try:
        return round_money(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return str(value)


TIME_FIGURES = {"first_time": gettext_lazy("first receipt at"), "last_time": gettext_lazy("last receipt at")}


@register("z_report", gettext_lazy("Z-report"), formats=("pdf", "xlsx"))
def z_report_print(params: dict) -> ReportData:
    """A shift's Z-report: every figure a typed number, every time in the shop's local time."""
    shift = Shift.objects.select_related("till__shop").get(pk=params["document_id"])
    shop = shift.till.shop
    report = shift.z_report or {}
    columns = [Column(_("Figure"), width=40), Column(_("Value"), width=24, right=True)]
    rows = [[capfirst(label), _amount(report.get(key))] for key, label in Z_REPORT_FIGURES]
    rows += [[capfirst(label), _shop_moment(report.get(key), shop)] for key, label in TIME_FIGURES.items()]
    rows += [
        [_("Payments: %(type)s") % {"type": _payment_label(k)}, _amount(v)]
        for k, v in (report.get("payments") or {}).items()
    ]
    rows.append([_("Cash counted"), _amount(shift.counted_cash)])
    for d in shift.differences:
        rows.append([_("Difference: %(figure)s") % {"figure": _figure_label(d["figure"])}, _amount(d["difference"])])
    closed = _shop_time(shift.closed_at, shop) if shift.closed_at else _("open")
    day = timezone.localtime(shift.closed_at or shift.opened_at, shop.time_zone).date()
    zone = _("time zone %(zone)s") % {"zone": shop.time_zone}
    return ReportData(
        title=_("Z-report, %(shop)s, till %(till)s, shift %(number)s, %(day)s")
        % {"shop": shop, "till": shift.till.code, "number": shift.number, "day": _d(day)},
        filename=f"{_('Z-report')} {shift.till.code} {_d(day)}",
        columns=columns,
        rows=rows,
        subtitle_lines=[
            str(shop),
            _("Till %(till)s, shift %(number)s") % {"till": shift.till.code, "number": shift.number},
            _("Opened %(opened)s, closed %(closed)s") % {"opened": _shop_time(shift.opened_at, shop), "closed": closed}
            + f" ({zone})",
        ],
        signatures=[_("Cashier"), _("Shop manager")],
        shop_ids=[shift.till.shop_id],
    )


document_register("z_report", Shift, "sales.view_shift")
