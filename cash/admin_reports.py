"""Cash reports on the report engine (Excel and PDF): the daily cash book of a shop's cash desk,
printed cash orders (incoming and outgoing, with the amount in words).

Registered from `CashConfig.ready()`.
"""

from django.conf import settings
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.admin_reports import _d, _date
from inventory.choices import DocumentStatus
from inventory.models import Shop
from inventory.money import format_money
from reports.registry import ReportData, company, document_register, register
from reports.xlsx import MONEY_FORMAT, Column

from .choices import LocationKind, OrderDirection
from .models import CashLocation, CashOrder
from .selectors import cash_book
from .words import amount_in_words


@register("cash_book", gettext_lazy("Cash book"), in_centre=True, needs_period=True, needs_shop=True)
def cash_book_report(params: dict) -> ReportData:
    """The cash book of the shop's cash desk: for each day, the opening balance, every order in and out, the
    closing balance; signed by the cashier and the accountant."""
    shop = Shop.objects.get(pk=params["shop_id"])
    date_from, date_to = _date(params["date_from"]), _date(params["date_to"])
    desk = CashLocation.objects.filter(kind=LocationKind.DESK, shop=shop).first()
    days = cash_book(location_id=desk.pk, date_from=date_from, date_to=date_to) if desk else []
    columns = [
        Column(_("Date"), width=24),
        Column(_("Document"), width=44),
        Column(_("What")),
        Column(_("In"), MONEY_FORMAT, width=16),
        Column(_("Out"), MONEY_FORMAT, width=16),
        Column(_("Balance"), MONEY_FORMAT, width=18),
    ]
    rows = []
    for day in days:
        rows.append([_d(day["date"]), "", _("Opening balance"), None, None, day["opening"]])
        for line in day["lines"]:
            amount = line["amount"]
            rows.append(
                [
                    "",
                    line["document"],
                    line["what"],
                    amount if amount > 0 else None,
                    -amount if amount < 0 else None,
                    None,
                ]
            )
        rows.append(["", "", _("Closing balance"), day["in"], day["out"], day["closing"]])
    return ReportData(
        title=_("Cash book"),
        columns=columns,
        rows=rows,
        subtitle_lines=[str(desk or shop), f"{_d(date_from)} – {_d(date_to)}"],
        signatures=[_("Cashier"), _("Accountant")],
        total_rows=len(rows),
        shop_ids=[shop.pk],
    )


def cash_order_basis(order: CashOrder) -> str:
    """What the money is for, as the order's "basis" line reads: reason, category, comment."""
    parts = [capfirst(order.get_reason_display())]
    if order.category_id:
        parts.append(order.category.full_name())
    if order.comment:
        parts.append(order.comment)
    return "; ".join(parts)


@register("cash_order", gettext_lazy("Cash order"), formats=("pdf",))
def cash_order_print(params: dict) -> ReportData:
    """An incoming or outgoing cash order as the paper form (ПКО / РКО) carries it: organisation, number,
    date, from whom or to whom, basis, amount in figures and in words (in the reader's language),
    signatures of the chief accountant and the cashier (and the recipient's, on an outgoing one)."""
    order = CashOrder.objects.select_related("location", "counter_location", "shop", "category").get(
        pk=params["document_id"]
    )
    firm = company()
    incoming = order.direction == OrderDirection.IN
    other = order.counterparty or (str(order.counter_location.name) if order.counter_location_id else "")
    currency = getattr(settings, "CURRENCY_CODE", "KZT")
    words = amount_in_words(order.amount, language=translation.get_language() or "en", currency=currency)
    rows = [
        [_("Organisation"), firm.name + (f", {firm.tax_number}" if firm.tax_number else "")],
        [_("Cash location"), str(order.location)],
        [_("Number"), order.number],
        [_("Date"), _d(order.business_date)],
        [_("Received from") if incoming else _("Issued to"), other],
        [_("Basis"), cash_order_basis(order)],
        [_("Amount"), f"{format_money(order.amount)} {currency}"],
        [_("Amount in words"), capfirst(words)],
    ]
    if order.status != DocumentStatus.POSTED:
        rows.append([_("Status"), capfirst(order.get_status_display())])
    title = (_("Incoming cash order No. %(number)s") if incoming else _("Outgoing cash order No. %(number)s")) % {
        "number": order.number
    }
    signatures = [_("Chief accountant"), _("Cashier")]
    if not incoming:
        signatures.append(_("Received"))
    return ReportData(
        title=title,
        filename=f"{order.number} {_d(order.business_date)}",
        columns=[Column(_("Field"), width=30), Column(_("Value"), width=60)],
        rows=rows,
        subtitle_lines=[str(order.shop or order.location), _d(order.business_date)],
        signatures=signatures,
        shop_ids=order.shop_ids(),
    )


document_register("cash_order", CashOrder, "cash.view_cashorder")
